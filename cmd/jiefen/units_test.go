package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/demo"
)

func TestUnitsAPI(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { unitsAPI(t, dialect) })
	}
}

func unitsAPI(t *testing.T, dialect string) {
	s, _ := startApp(t, dialect, io.Discard, nil)
	s.addUser("admin", "admin", "610902") // 汉滨区
	s.addUser("clerk", "window_clerk", "610902")
	admin, clerk := s.login("admin"), s.login("clerk")

	// A county centre, and a village committee under it.
	r := s.do("POST", "/api/v1/units", admin, map[string]any{"name": "汉滨区矛盾纠纷调处化解中心", "kind": "centre",
		"region_code": "610902", "phone": "0915-3212345", "address": "汉滨区巴山东路"})
	if r.status != 201 || r.body["id"] == nil || r.body["region_code"] != "610902000000" || r.body["kind_label"] != "综治中心/矛调中心" {
		t.Fatalf("create centre: %d %s", r.status, r.raw)
	}
	centre := int64(r.body["id"].(float64))
	r = s.do("POST", "/api/v1/units", admin, map[string]any{"name": "恒口镇人民调解委员会", "kind": "people_committee",
		"region_code": "610902107", "parent_id": centre})
	if r.status != 201 {
		t.Fatalf("create committee: %d %s", r.status, r.raw)
	}
	committee := int64(r.body["id"].(float64))
	r = s.do("POST", "/api/v1/units", admin, map[string]any{"name": "汉滨区医疗纠纷人民调解委员会", "kind": "industry_committee",
		"specialty": "medical", "region_code": "610902"})
	if r.status != 201 || r.body["specialty_label"] != "医疗纠纷" {
		t.Fatalf("create medical committee: %d %s", r.status, r.raw)
	}

	// Bad input: an industry committee without its field, an unknown kind,
	// a malformed region, a duplicate name, a unit outside the admin's
	// region (铜川市) — Chinese messages, and nothing written.
	bad := []struct {
		body   map[string]any
		status int
		field  string
	}{
		{map[string]any{"name": "交通调委会", "kind": "industry_committee", "region_code": "610902"}, 400, "specialty"},
		{map[string]any{"name": "某单位", "kind": "bank", "region_code": "610902"}, 400, "kind"},
		{map[string]any{"name": "某单位", "kind": "police", "region_code": "61x"}, 400, "region_code"},
		{map[string]any{"name": "恒口镇人民调解委员会", "kind": "people_committee", "region_code": "610902107"}, 409, "name"},
		{map[string]any{"name": "王益区人民法院", "kind": "court", "region_code": "610202"}, 403, "region_code"},
		{map[string]any{"name": "安康市信访局", "kind": "petition_office", "region_code": "6109"}, 403, "region_code"},
		{map[string]any{"name": "某派出所", "kind": "police", "region_code": "610902", "parent_id": 99999}, 400, "parent_id"},
	}
	for _, b := range bad {
		r := s.do("POST", "/api/v1/units", admin, b.body)
		if r.status != b.status || errorField(r, b.field) == "" || !hasHan(r.raw) {
			t.Errorf("%v: %d %s", b.body, r.status, r.raw)
		}
	}
	if r := s.do("POST", "/api/v1/units", clerk, map[string]any{"name": "某派出所", "kind": "police", "region_code": "610902"}); r.status != 403 {
		t.Errorf("a clerk creates a unit: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/units", clerk, nil); r.status != 403 {
		t.Errorf("a clerk lists units: %d %s", r.status, r.raw)
	}

	// Filters: region subtree, kind, part of the name.
	count := func(query string) int {
		t.Helper()
		r := s.do("GET", "/api/v1/units"+query, admin, nil)
		if r.status != 200 {
			t.Fatalf("list %s: %d %s", query, r.status, r.raw)
		}
		return len(r.body["items"].([]any))
	}
	for q, want := range map[string]int{"": 3, "?region=610902107": 1, "?kind=centre": 1, "?q=" + urlq("医疗"): 1,
		"?region=610202": 0, "?kind=industry_committee&q=" + urlq("医疗"): 1, "?q=" + urlq("法院"): 0} {
		if got := count(q); got != want {
			t.Errorf("list %s: %d units, want %d", q, got, want)
		}
	}

	// Patch: the phone changes, the committee is deactivated; a move out of
	// the region is refused and changes nothing.
	r = s.do("PATCH", fmt.Sprintf("/api/v1/units/%d", committee), admin, map[string]any{"phone": "0915-3200000", "active": false})
	if r.status != 200 || r.body["phone"] != "0915-3200000" || r.body["active"] != false {
		t.Fatalf("patch: %d %s", r.status, r.raw)
	}
	r = s.do("PATCH", fmt.Sprintf("/api/v1/units/%d", committee), admin, map[string]any{"region_code": "610202", "phone": "1"})
	if r.status != 403 || !hasHan(r.raw) {
		t.Fatalf("move out of the region: %d %s", r.status, r.raw)
	}
	r = s.do("GET", "/api/v1/units?region=610902107", admin, nil)
	if u := r.body["items"].([]any)[0].(map[string]any); u["phone"] != "0915-3200000" || u["region_code"] != "610902107000" {
		t.Fatalf("after a refused patch: %s", r.raw)
	}
	if r := s.do("PATCH", fmt.Sprintf("/api/v1/units/%d", centre), admin, map[string]any{"parent_id": committee}); r.status != 400 || errorField(r, "parent_id") == "" {
		t.Errorf("a county centre under a town committee: %d %s", r.status, r.raw)
	}
	if r := s.do("PATCH", "/api/v1/units/99999", admin, map[string]any{"phone": "1"}); r.status != 404 {
		t.Errorf("patch an unknown unit: %d %s", r.status, r.raw)
	}
}

// TestUnitAddCLI: `jiefen unit add` creates a unit; bad input fails with a
// Chinese message and exit code 1, missing flags with 2.
func TestUnitAddCLI(t *testing.T) {
	s := startServer(t, "sqlite")
	out, code := s.cli("unit", "add", "--name", "汉滨区人民法院", "--kind", "court", "--region", "610902", "--phone", "0915-3111111")
	if code != 0 || !strings.Contains(out, "汉滨区人民法院") || !strings.Contains(out, "汉滨区") {
		t.Fatalf("unit add: %d %s", code, out)
	}
	out, code = s.cli("unit", "add", "--name", "交通调委会", "--kind", "industry_committee", "--region", "610902")
	if code != 1 || !strings.Contains(out, "专业领域") {
		t.Fatalf("unit add without a specialty: %d %s", code, out)
	}
	if out, code = s.cli("unit", "add", "--name", "x"); code != 2 {
		t.Fatalf("unit add without flags: %d %s", code, out)
	}
	s.addUser("admin", "admin", "6109")
	admin := s.login("admin")
	r := s.do("GET", "/api/v1/units?kind=court", admin, nil)
	items, _ := r.body["items"].([]any)
	if r.status != 200 || len(items) != 1 {
		t.Fatalf("the court listed: %d %s", r.status, r.raw)
	}
	court := int64(items[0].(map[string]any)["id"].(float64))

	// `jiefen user add --unit` puts the account in the unit; an unknown unit
	// is refused.
	if out, code := s.cli("user", "add", "--username", "judge", "--password", "secret-judge", "--role", "mediator",
		"--region", "610902", "--unit", fmt.Sprint(court)); code != 0 {
		t.Fatalf("user add --unit: %d %s", code, out)
	}
	if out, code := s.cli("user", "add", "--username", "nobody", "--password", "secret-nobody", "--role", "mediator",
		"--region", "610902", "--unit", "9999"); code != 1 || !strings.Contains(out, "机构不存在") {
		t.Fatalf("user add with an unknown unit: %d %s", code, out)
	}
	r = s.do("GET", "/api/v1/users", admin, nil)
	for _, it := range r.body["items"].([]any) {
		if u := it.(map[string]any); u["username"] == "judge" && u["unit_id"] != float64(court) {
			t.Errorf("judge's unit: %s", r.raw)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestDemoUnits: the demo's 安康 organisations are created once (a second
// load reuses them) and listed by kind.
func TestDemoUnits(t *testing.T) {
	s, app := startApp(t, "sqlite", io.Discard, nil)
	ctx := context.Background()
	ids, err := seedDemoUnits(ctx, app, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	again, err := seedDemoUnits(ctx, app, io.Discard)
	if err != nil || *again["court"] != *ids["court"] || len(ids) != len(demo.Units()) {
		t.Fatalf("second load: %v %v", again, err)
	}
	s.addUser("admin", "admin", "6109")
	admin := s.login("admin")
	for kind, want := range map[string]int{"centre": 1, "petition_office": 1, "department": 3, "people_committee": 2,
		"industry_committee": 2, "court": 1, "police": 1} {
		r := s.do("GET", "/api/v1/units?kind="+kind, admin, nil)
		if items, _ := r.body["items"].([]any); r.status != 200 || len(items) != want {
			t.Errorf("%s: %d %s", kind, r.status, r.raw)
		}
	}
	r := s.do("GET", "/api/v1/units?kind=industry_committee&q="+urlq("医疗"), admin, nil)
	if items, _ := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["parent_id"] != float64(*ids["centre"]) {
		t.Errorf("medical committee: %s", r.raw)
	}
}
