package regions

import (
	"strings"
	"testing"

	"github.com/jiefen/jiefen/kernel"
)

func TestOfficial(t *testing.T) {
	all, err := Official()
	if err != nil {
		t.Fatal(err)
	}
	byCode := make(map[string]kernel.Region, len(all))
	for _, r := range all {
		if _, dup := byCode[r.Code]; dup {
			t.Fatalf("duplicate code %s", r.Code)
		}
		if r.ParentCode != "" {
			if _, ok := byCode[r.ParentCode]; !ok {
				t.Fatalf("%s %s: parent %s not loaded before it", r.Code, r.Name, r.ParentCode)
			}
			if !kernel.InRegion(r.Code, r.ParentCode) {
				t.Fatalf("%s is not inside its parent %s", r.Code, r.ParentCode)
			}
		}
		byCode[r.Code] = r
	}
	for code, name := range map[string]string{
		"610900000000": "安康市",
		"610902000000": "汉滨区",
		"610200000000": "铜川市",
		"441900000000": "东莞市",
		"110101000000": "东城区",
	} {
		if byCode[code].Name != name {
			t.Errorf("%s = %q, want %q", code, byCode[code].Name, name)
		}
	}
	villages := 0
	for _, r := range all {
		if r.Level == kernel.LevelVillage && strings.HasPrefix(r.Code, "6109") {
			villages++
		}
	}
	if villages < 1000 {
		t.Errorf("only %d villages under 安康市", villages)
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"code,name,level,parent_code\n61x,陕西省,1,\n",
		"code,name,level,parent_code\n61,陕西省,9,\n",
		"code,name,level,parent_code\n6109,安康市,2,6x\n",
		"code,name,level\n61,陕西省,1\n",
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) = nil error", in)
		}
	}
}
