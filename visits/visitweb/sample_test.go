package visitweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/visits"
)

// TestSamples (回访抽查): supervisors and leaders draw a sample of the
// resolved cases of a region for another staff member; the visitor is
// never the case's handler (its assignee, who resolved it, who visited
// it); the visitor lists their samples and records the spot check through
// POST /cases/{no}/visits — marked sample, counted in satisfaction, even
// on a case the handler already visited.
func TestSamples(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { samples(t, videotest.New(t, d)) })
	}
}

func samples(t *testing.T, e *videotest.Env) {
	ctx := context.Background()
	svc, st, app := wire(e)
	med, err := e.Staff.AddUser(ctx, staff.NewUser{Username: "med", Password: videotest.Password, Role: kernel.RoleMediator,
		RegionCode: "610902", DisplayName: "吴调解"})
	if err != nil {
		t.Fatal(err)
	}
	tok := map[string]string{}
	for _, name := range []string{"clerk", "supervisor", "leader", "hbleader", "med", "other"} {
		s, _, _, err := e.Staff.Login(ctx, name, videotest.Password)
		if err != nil {
			t.Fatal(err)
		}
		tok[name] = s
	}
	call := func(method, token, path string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req := httptest.NewRequest(method, path, rd)
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
	nos := func(m map[string]any) []string {
		items, _ := m["items"].([]any)
		out := []string{}
		for _, it := range items {
			out = append(out, it.(map[string]any)["case_no"].(string))
		}
		sort.Strings(out)
		return out
	}
	// resolved registers a case of 汉滨区 and has by resolve it (after
	// giving it to assignee, if any).
	resolved := func(name, by string, assignee *staff.User) *cases.Case {
		t.Helper()
		c := e.Register(t, videotest.Walkin(name, "13912345678", name+"反映邻里纠纷问题"), 0)
		if assignee != nil {
			if _, err := e.Cases.Assign(ctx, e.Actor("supervisor"), c.No, &cases.Assignee{UserID: assignee.ID, Name: assignee.DisplayName,
				Role: assignee.Role, RegionCode: assignee.RegionCode}, ""); err != nil {
				t.Fatal(err)
			}
		}
		for _, to := range []cases.Status{cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved} {
			if _, err := e.Cases.Transition(ctx, e.Actor(by), c.No, to, ""); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	// Resolved on Monday 1 December 2025 (the env's day): four by the
	// clerk, one by the supervisor, one given to med and resolved by the
	// clerk, and one of another county that nobody here may draw.
	var byClerk []string
	for _, n := range []string{"张一", "张二", "张三", "张四"} {
		byClerk = append(byClerk, resolved(n, "clerk", nil).No)
	}
	sort.Strings(byClerk)
	bySup := resolved("李五", "supervisor", nil)
	medCase := resolved("王六", "clerk", med)
	day := map[string]any{"from": "2025-12-01", "to": "2025-12-01"}
	req := func(extra map[string]any) map[string]any {
		m := map[string]any{"region": "610902"}
		for k, v := range day {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	// Who may draw, and what.
	if s, _ := call("POST", tok["clerk"], "/api/v1/visits/samples", req(map[string]any{"count": 1, "assignee": "med"})); s != 403 {
		t.Errorf("a clerk draws: %d", s)
	}
	if s, r := call("POST", tok["supervisor"], "/api/v1/visits/samples", req(nil)); s != 400 || !strings.Contains(field(r, "percent"), "抽查比例") ||
		!strings.Contains(field(r, "assignee"), "回访人员") {
		t.Errorf("empty draw: %d %v", s, r)
	}
	if s, r := call("POST", tok["supervisor"], "/api/v1/visits/samples", req(map[string]any{"percent": 10, "count": 2, "assignee": "med"})); s != 400 || field(r, "count") == "" {
		t.Errorf("percent and count: %d %v", s, r)
	}
	if s, r := call("POST", tok["supervisor"], "/api/v1/visits/samples", req(map[string]any{"count": 1, "assignee": "leader"})); s != 400 || !strings.Contains(field(r, "assignee"), "不能回访") {
		t.Errorf("a leader as visitor: %d %v", s, r)
	}
	if s, r := call("POST", tok["supervisor"], "/api/v1/visits/samples", req(map[string]any{"count": 1, "assignee": "other"})); s != 400 || !strings.Contains(field(r, "assignee"), "管辖区域") {
		t.Errorf("a visitor of another county: %d %v", s, r)
	}
	if s, _ := call("POST", tok["hbleader"], "/api/v1/visits/samples", map[string]any{"region": "610202", "count": 1, "assignee": "clerk"}); s != 404 {
		t.Errorf("a region outside the caller's: %d", s)
	}
	if s, r := call("POST", tok["supervisor"], "/api/v1/visits/samples", map[string]any{"region": "610902", "from": "2025-11-01", "to": "2025-11-30", "count": 3, "assignee": "med"}); s != 201 ||
		r["eligible"] != float64(0) || r["drawn"] != float64(0) {
		t.Errorf("a month without resolutions: %d %v", s, r)
	}

	// The clerk resolved all but one: a draw for the clerk finds only the
	// supervisor's case.
	s, r := call("POST", tok["leader"], "/api/v1/visits/samples", req(map[string]any{"count": 5, "assignee": "clerk"}))
	if s != 201 || r["eligible"] != float64(1) || r["drawn"] != float64(1) || strings.Join(nos(r), ",") != bySup.No ||
		r["items"].([]any)[0].(map[string]any)["handler"] != "孙科长" {
		t.Fatalf("draw for the clerk: %d %v", s, r)
	}
	// For med: the clerk's four (not med's own case, not the one drawn
	// already); 50% of 4 is 2, then the other 2, then none.
	s, r = call("POST", tok["supervisor"], "/api/v1/visits/samples", req(map[string]any{"percent": 50, "assignee": "med"}))
	if s != 201 || r["eligible"] != float64(4) || r["drawn"] != float64(2) || len(nos(r)) != 2 {
		t.Fatalf("draw 50%%: %d %v", s, r)
	}
	first := nos(r)
	it := r["items"].([]any)[0].(map[string]any)
	if it["assignee"] != "med" || it["done"] != false || it["status"] != "resolved" || it["handler"] != "李窗口" {
		t.Errorf("sample item: %v", it)
	}
	s, r = call("POST", tok["supervisor"], "/api/v1/visits/samples", req(map[string]any{"count": 10, "assignee": "med"}))
	if s != 201 || r["eligible"] != float64(2) || r["drawn"] != float64(2) {
		t.Fatalf("draw the rest: %d %v", s, r)
	}
	all := append(first, nos(r)...)
	sort.Strings(all)
	if strings.Join(all, ",") != strings.Join(byClerk, ",") {
		t.Errorf("med's samples %v, want the clerk's cases %v", all, byClerk)
	}
	if s, r := call("POST", tok["supervisor"], "/api/v1/visits/samples", req(map[string]any{"count": 10, "assignee": "med"})); s != 201 || r["eligible"] != float64(0) {
		t.Errorf("nothing left: %d %v", s, r)
	}

	// Listing: one's own; another's or everyone's for supervisors only.
	if s, r := call("GET", tok["med"], "/api/v1/visits/samples", nil); s != 200 || strings.Join(nos(r), ",") != strings.Join(byClerk, ",") {
		t.Errorf("med's samples: %d %v", s, r)
	}
	if s, r := call("GET", tok["clerk"], "/api/v1/visits/samples?assignee=me", nil); s != 200 || strings.Join(nos(r), ",") != bySup.No {
		t.Errorf("the clerk's samples: %d %v", s, r)
	}
	if s, r := call("GET", tok["supervisor"], "/api/v1/visits/samples?assignee=all", nil); s != 200 || len(nos(r)) != 5 {
		t.Errorf("all samples: %d %v", s, r)
	}
	if s, r := call("GET", tok["supervisor"], "/api/v1/visits/samples?assignee=med&done=false", nil); s != 200 || len(nos(r)) != 4 {
		t.Errorf("med's open samples: %d %v", s, r)
	}
	if s, _ := call("GET", tok["med"], "/api/v1/visits/samples?assignee=all", nil); s != 403 {
		t.Errorf("a mediator lists everyone's: %d", s)
	}
	for _, no := range append([]string{bySup.No}, byClerk...) {
		c, err := e.Cases.Get(ctx, e.Actor("supervisor"), no)
		if err != nil {
			t.Fatal(err)
		}
		if ev := c.Events[len(c.Events)-1]; ev.Kind != visits.EventSampled || ev.Data["sample"] != true {
			t.Errorf("%s: last event %s %v", no, ev.Kind, ev.Data)
		}
	}

	// The spot checks. p: med visits a resolved case → visited, sample
	// done. q: the clerk visits first (满意), then med's spot check of the
	// visited case (不满意, no reopening) is recorded without a move.
	p, q := byClerk[0], byClerk[1]
	s, r = call("POST", tok["med"], "/api/v1/cases/"+p+"/visits", map[string]any{"method": "phone", "reached": true, "satisfaction": "满意"})
	if v, _ := r["visit"].(map[string]any); s != 201 || r["status"] != "visited" || v["sample"] != true {
		t.Fatalf("spot check: %d %v", s, r)
	}
	if s, r := call("POST", tok["clerk"], "/api/v1/cases/"+q+"/visits", map[string]any{"method": "phone", "reached": true, "satisfaction": "满意"}); s != 201 ||
		r["visit"].(map[string]any)["sample"] != false {
		t.Fatalf("the handler's visit: %d %v", s, r)
	}
	s, r = call("POST", tok["med"], "/api/v1/cases/"+q+"/visits", map[string]any{"method": "in_person", "reached": true, "satisfaction": "不满意", "note": "称漏水仍有反复"})
	if v, _ := r["visit"].(map[string]any); s != 201 || r["status"] != "visited" || v["sample"] != true {
		t.Fatalf("spot check of a visited case: %d %v", s, r)
	}
	if s, _ := call("POST", tok["med"], "/api/v1/cases/"+q+"/visits", map[string]any{"method": "phone", "reached": true, "satisfaction": "满意"}); s != 400 {
		t.Errorf("a second visit of a visited case: %d", s)
	}
	if s, _ := call("POST", tok["clerk"], "/api/v1/cases/"+p+"/visits", map[string]any{"method": "phone", "reached": true, "satisfaction": "满意"}); s != 400 {
		t.Errorf("the clerk visits a visited case without a sample: %d", s)
	}
	if s, r := call("GET", tok["med"], "/api/v1/visits/samples?done=false", nil); s != 200 || len(nos(r)) != 2 {
		t.Errorf("med's open samples after two visits: %d %v", s, r)
	}
	if s, r := call("GET", tok["med"], "/api/v1/visits/samples?done=true", nil); s != 200 || strings.Join(nos(r), ",") != p+","+q {
		t.Errorf("med's done samples: %d %v", s, r)
	}
	list, err := svc.List(ctx, e.Actor("supervisor"), q)
	if err != nil || len(list) != 2 || list[0].Sample || !list[1].Sample || list[1].VisitorName != "吴调解" {
		t.Errorf("q's visits: %+v %v", list, err)
	}

	// Satisfaction counts the three reached visits: 2 满意, 1 不满意; p and
	// q were visited (the spot check of q moved nothing).
	qry, reg, err := st.ParseQuery(ctx, e.Actor("clerk"), "", "2025-12-01", "2025-12-01")
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.Overview(ctx, qry, reg)
	if err != nil {
		t.Fatal(err)
	}
	if o.Resolved != 6 || o.Visited != 2 || o.Satisfaction.Count != 3 || o.Satisfaction.Satisfied != 0.6667 || o.Satisfaction.Unsatisfied != 0.3333 {
		t.Errorf("stats: resolved %d visited %d satisfaction %+v", o.Resolved, o.Visited, o.Satisfaction)
	}
	_ = medCase
}
