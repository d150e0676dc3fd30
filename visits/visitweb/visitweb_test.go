package visitweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/visits"
)

// TestVisits: a resolved case gets a return-visit clock; a visit moves it to
// visited (clock met) or, 不满意 with a reason, back to in_progress (clock
// cancelled); satisfaction reaches the statistics; the timeline has it all.
func TestVisits(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { run(t, videotest.New(t, d)) })
	}
}

func run(t *testing.T, e *videotest.Env) {
	ctx := context.Background()
	_, st, app := wire(e)
	tok := func(name string) string {
		s, _, _, err := e.Staff.Login(ctx, name, videotest.Password)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	clerk, other, leader := tok("clerk"), tok("other"), tok("leader")
	post := func(token, no string, body any) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req := httptest.NewRequest("POST", "/api/v1/cases/"+no+"/visits", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	field := func(m map[string]any, f string) string {
		e, _ := m["error"].(map[string]any)
		fs, _ := e["fields"].(map[string]any)
		s, _ := fs[f].(string)
		return s
	}
	resolved := func(name string) *cases.Case {
		c := e.Register(t, videotest.Walkin(name, "13912345678", name+"反映楼上漏水问题"), 0)
		for _, to := range []cases.Status{cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved} {
			if _, err := e.Cases.Transition(ctx, e.Actor("clerk"), c.No, to, ""); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	clock := func(c *cases.Case) *clocks.Clock {
		list, err := clockstore.New(e.DB).ByCase(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range list {
			if k.Kind == visits.ReturnVisit {
				return k
			}
		}
		return nil
	}
	a := resolved("张三")
	k := clock(a)
	// Resolved Monday 1 December 2025: 5 working days → Monday 8 December.
	if k == nil || k.Status != clocks.Running || k.Due.In(videotest.Start.Location()).Format("2006-01-02") != "2025-12-08" {
		t.Fatalf("return visit clock: %+v", k)
	}
	// Validation, in Chinese; scope; roles.
	if s, r := post(clerk, a.No, map[string]any{"method": "fax", "reached": true, "satisfaction": "很好"}); s != 400 ||
		!strings.Contains(field(r, "method"), "回访方式") || !strings.Contains(field(r, "satisfaction"), "满意度") {
		t.Errorf("validation: %d %v", s, r)
	}
	if s, r := post(clerk, a.No, map[string]any{"method": "phone", "reached": true, "satisfaction": "不满意", "reopen": true}); s != 400 ||
		!strings.Contains(field(r, "note"), "理由") {
		t.Errorf("reopen without reason: %d %v", s, r)
	}
	if s, _ := post(other, a.No, map[string]any{"method": "phone", "reached": true, "satisfaction": "满意"}); s != 404 {
		t.Errorf("other county: %d", s)
	}
	if s, _ := post(leader, a.No, map[string]any{"method": "phone", "reached": true, "satisfaction": "满意"}); s != 403 {
		t.Errorf("leader (cannot move statuses): %d", s)
	}
	// Not reached: recorded, status unchanged, clock runs on.
	if s, r := post(clerk, a.No, map[string]any{"method": "phone", "reached": false, "note": "无人接听"}); s != 201 || r["status"] != "resolved" {
		t.Errorf("not reached: %d %v", s, r)
	}
	// Satisfied: visited, clock met.
	if s, r := post(clerk, a.No, map[string]any{"method": "in_person", "reached": true, "satisfaction": "满意", "note": "群众表示满意"}); s != 201 || r["status"] != "visited" {
		t.Fatalf("visit: %d %v", s, r)
	}
	if k := clock(a); k.Status != clocks.Met {
		t.Errorf("clock after the visit: %s", k.Status)
	}
	if s, _ := post(clerk, a.No, map[string]any{"method": "phone", "reached": true, "satisfaction": "满意"}); s != 400 {
		t.Errorf("a visited case again: %d", s)
	}
	// Dissatisfied with a reason and reopen: back to in_progress, clock cancelled.
	b := resolved("李四")
	if s, r := post(clerk, b.No, map[string]any{"method": "wechat", "reached": true, "satisfaction": "不满意", "reopen": true, "note": "漏水仍未修好"}); s != 201 || r["status"] != "in_progress" {
		t.Fatalf("reopen: %d %v", s, r)
	}
	if k := clock(b); k.Status != clocks.Cancelled {
		t.Errorf("clock after reopening: %s", k.Status)
	}
	got, err := e.Cases.Get(ctx, e.Actor("clerk"), b.No)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range got.Events {
		kinds = append(kinds, ev.Kind+":"+string(ev.ToStatus))
	}
	if j := strings.Join(kinds, ","); !strings.HasSuffix(j, "transition:resolved,return_visit:,transition:in_progress") {
		t.Errorf("timeline: %s", j)
	}
	// The statistics: 2 resolved, 1 success (b reopened), satisfaction 1 满意 1 不满意.
	q, reg, err := st.ParseQuery(ctx, e.Actor("clerk"), "", "2025-12-01", "2025-12-01")
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.Overview(ctx, q, reg)
	if err != nil {
		t.Fatal(err)
	}
	if o.Resolved != 2 || o.Success != 1 || o.ResolutionRate != 0.5 || o.Visited != 1 ||
		o.Satisfaction.Count != 2 || o.Satisfaction.Satisfied != 0.5 || o.Satisfaction.Unsatisfied != 0.5 {
		t.Errorf("stats: resolved %d success %d rate %v visited %d satisfaction %+v", o.Resolved, o.Success, o.ResolutionRate, o.Visited, o.Satisfaction)
	}
}
