package bench

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/kernel"
)

func newSynth(t *testing.T) (*Synth, []DevIntake) {
	t.Helper()
	all := fixture(t)
	_, queries := Split(all)
	s, err := NewSynth(all, QueriedMatters(all, queries), 7)
	if err != nil {
		t.Fatal(err)
	}
	return s, all
}

func TestSynth(t *testing.T) {
	s, _ := newSynth(t)
	s.HardFrac = 0
	again, _ := newSynth(t)
	again.HardFrac = 0
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	channels := map[string]int{}
	refs := map[string]bool{}
	for i := range 400 {
		r := s.Record(i)
		if r2 := again.Record(i); r != r2 {
			t.Fatalf("Record(%d) differs between runs:\n%+v\n%+v", i, r, r2)
		}
		channels[r.Channel]++
		if refs[r.Ref] {
			t.Fatalf("ref %s twice", r.Ref)
		}
		refs[r.Ref] = true
		if r.Subject == "" || (r.Channel != "video" && r.Content == "") || (r.Channel == "video" && r.Content != "") {
			t.Fatalf("record %d: %+v", i, r)
		}
		if r.ReceivedAt.Year() != 2019 {
			t.Errorf("record %d received %v, outside the fixture's months", i, r.ReceivedAt)
		}
		p := r.Person
		if n := len([]rune(p.Name)); n < 2 || n > 3 {
			t.Errorf("name %q", p.Name)
		}
		if p.IDNumber != "" {
			if msg := kernel.IDNumberProblem(p.IDNumber, today); msg != "" {
				t.Errorf("ID number %s: %s", p.IDNumber, msg)
			}
		}
		if p.Phone != "" && !kernel.ValidMobile(p.Phone) {
			t.Errorf("phone %s", p.Phone)
		}
		if r.Channel == "hotline" && p.Phone == "" || (r.Channel == "video" && p.IDNumber == "") {
			t.Errorf("%s intake without its contact: %+v", r.Channel, p)
		}
		// No clause of a queried matter's posts reaches the padding.
		for _, c := range []string{"合作医疗体系建立以来", "烧烤店每天营业到凌晨", "油烟噪音问题上次反映后"} {
			if strings.Contains(r.Content, c) {
				t.Fatalf("record %d copies %q from a queried post: %s", i, c, r.Content)
			}
		}
	}
	for _, c := range []string{"wechat", "hotline", "window", "video"} {
		if channels[c] == 0 {
			t.Errorf("no %s intake in 400: %v", c, channels)
		}
	}
	if channels["wechat"] < channels["video"] {
		t.Errorf("channel mix %v", channels)
	}
}

func TestSynthHardNegatives(t *testing.T) {
	s, _ := newSynth(t)
	s.HardFrac = 1
	found := false
	for i := range 50 {
		r := s.Record(i)
		for _, c := range []string{"合作医疗体系建立以来", "烧烤店每天营业到凌晨", "油烟和噪音严重影响居民休息", "多次反映无果"} {
			found = found || strings.Contains(r.Content, c)
		}
	}
	if !found {
		t.Error("HardFrac = 1 made no hard negative in 50 records")
	}
}

func TestNewSynthNothingLeft(t *testing.T) {
	all := fixture(t)
	everything := map[string]bool{}
	for _, d := range all {
		everything[d.Truth.Matter] = true
	}
	if _, err := NewSynth(all, everything, 1); err == nil {
		t.Fatal("no error")
	}
}

// The hand-written scanners find what the regular expressions they replace
// find.
func TestScannersMatchRegexps(t *testing.T) {
	texts := []string{
		"", "A市", "A7县新华小区3栋", "B12区和平街道办事处", "C123区不是代码", "幸福村二组自来水管道", "X路", "路路路路",
		"仁湾镇罗剑村委会的服务建议", "罗剑村自农村合作医疗体系建立以来，到A市A2区幸福路12号",
		"abc 123 4567 K2区 Z9市", "新华花园和平公寓长安大道", "ABC县", "A１区", "2019年3月5日10点", "街道街道街道",
	}
	mark := func(m string) string { return "<" + m + ">" }
	for _, tc := range []struct {
		name string
		re   interface {
			ReplaceAllStringFunc(string, func(string) string) string
		}
		at func(string) int
	}{{"place", placeRe, placeAt}, {"code", codeRe, codeAt}, {"num", numRe, numAt}} {
		for _, s := range texts {
			if got, want := replaceAt(s, tc.at, mark), tc.re.ReplaceAllStringFunc(s, mark); got != want {
				t.Errorf("%s %q: got %q, want %q", tc.name, s, got, want)
			}
		}
	}
	if got := firstAt("去A市幸福路和新华小区", placeAt); got != "幸福路" {
		t.Errorf("firstAt = %q", got)
	}
}

func TestIDNumberAndMobile(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	today := time.Now()
	for range 1000 {
		id := IDNumber(r, "610902")
		if msg := kernel.IDNumberProblem(id, today); msg != "" || !strings.HasPrefix(id, "610902") {
			t.Fatalf("%s: %s", id, msg)
		}
		if m := Mobile(r); !kernel.ValidMobile(m) {
			t.Fatalf("mobile %s", m)
		}
	}
}
