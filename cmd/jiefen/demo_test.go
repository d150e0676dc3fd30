package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/demo"
)

// startDemoServer is startServer with the demo data loaded first, as
// `serve --demo` does on a fresh data directory.
func startDemoServer(t *testing.T, dialect string) (*testServer, string) {
	t.Helper()
	var out bytes.Buffer
	s, _ := startApp(t, dialect, io.Discard, func(ctx context.Context, app *App) {
		start := time.Now()
		if err := loadDemo(ctx, app, &out); err != nil {
			t.Fatal(err)
		}
		t.Logf("loadDemo took %s:\n%s", time.Since(start), out.String())
	})
	return s, out.String()
}

func TestDemo(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { demoTest(t, dialect) })
	}
}

func demoTest(t *testing.T, dialect string) {
	s, out := startDemoServer(t, dialect)
	for _, want := range []string{"演示账户（密码均为 " + demo.Password + "）", "clerk", "leader", "窗口受理员",
		"610902 汉滨区", "6109 安康市", "已加载演示受理 300 条"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	login := func(user string) string {
		r := s.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": demo.Password})
		tok, _ := r.body["token"].(string)
		if r.status != 200 || tok == "" {
			t.Fatalf("login %s: %d %s", user, r.status, r.raw)
		}
		return tok
	}
	// list returns every case the token sees, following the cursor.
	list := func(token, query string) []map[string]any {
		var all []map[string]any
		path := "/api/v1/cases?limit=200" + query
		for {
			r := s.do("GET", path, token, nil)
			if r.status != 200 {
				t.Fatalf("list: %d %s", r.status, r.raw)
			}
			for _, it := range r.body["items"].([]any) {
				all = append(all, it.(map[string]any))
			}
			next, _ := r.body["next_cursor"].(string)
			if next == "" {
				return all
			}
			path = "/api/v1/cases?limit=200" + query + "&cursor=" + next
		}
	}

	clerk, leader := login("clerk"), login("leader")
	for _, u := range demo.Users() {
		if u.Username != "clerk" && u.Username != "leader" {
			login(u.Username)
		}
	}
	if r := s.do("GET", "/api/v1/me", clerk, nil); r.status != 200 || !strings.Contains(r.raw, "张晓燕") {
		t.Errorf("me: %d %s", r.status, r.raw)
	}

	mine := list(clerk, "")
	if len(mine) == 0 {
		t.Fatal("the 汉滨区 clerk sees no cases")
	}
	for _, c := range mine {
		if code, _ := c["region_code"].(string); !strings.HasPrefix(code, "610902") {
			t.Errorf("clerk sees a case in %s", code)
		}
	}
	city := list(leader, "")
	counties := map[string]bool{}
	statuses := map[string]bool{}
	for _, c := range city {
		counties[c["region_code"].(string)[:6]] = true
		statuses[c["status"].(string)] = true
	}
	t.Logf("clerk sees %d cases, leader %d in %d counties", len(mine), len(city), len(counties))
	// 300 intakes; the detector merges the residents' follow-ups.
	if len(city) > 300 || len(city) < 280 || len(city) <= len(mine) || len(counties) < 5 || len(statuses) < 6 {
		t.Errorf("leader sees %d cases in %d counties with %d statuses (clerk %d)", len(city), len(counties), len(statuses), len(mine))
	}
	if over := list(leader, "&overdue=true"); len(over) == 0 {
		t.Error("no overdue cases")
	}
	// The 汉滨区 mediator has a caseload: every case of theirs was accepted.
	med := login("mediator")
	caseload := list(med, "&assignee=me")
	for _, c := range caseload {
		if a, _ := c["assignee"].(map[string]any); a["name"] != "陈建华" || c["status"] == "registered" {
			t.Errorf("caseload item %v", c)
		}
	}
	if len(caseload) == 0 {
		t.Error("the demo mediator has no cases")
	}

	// The leader's next reception day is published with two bookings, on
	// their agenda and on the public schedule.
	r0 := s.do("GET", "/api/v1/video/agenda?to="+time.Now().AddDate(0, 0, 14).In(cases.ChinaTime).Format(time.DateOnly), leader, nil)
	if items, _ := r0.body["items"].([]any); r0.status != 200 || len(items) != 2 || items[0].(map[string]any)["status"] != "booked" {
		t.Errorf("the demo leader's agenda: %d %s", r0.status, r0.raw)
	}
	if r := s.do("GET", "/api/v1/video/schedule?region=610902", "", nil); r.status != 200 || len(r.body["items"].([]any)) != 1 {
		t.Errorf("public schedule: %d %s", r.status, r.raw)
	}

	// A closed case carries its whole timeline, at simulated times.
	closed := list(clerk, "&status=closed")
	if len(closed) == 0 {
		t.Fatal("the clerk sees no closed case")
	}
	r := s.do("GET", "/api/v1/cases/"+closed[0]["case_no"].(string), clerk, nil)
	events, _ := r.body["events"].([]any)
	if r.status != 200 || len(events) < 6 {
		t.Fatalf("closed case: %d %s", r.status, r.raw)
	}
	first, _ := time.Parse(time.RFC3339, events[0].(map[string]any)["at"].(string))
	last, _ := time.Parse(time.RFC3339, events[len(events)-1].(map[string]any)["at"].(string))
	if !last.After(first.Add(24*time.Hour)) || last.After(time.Now()) {
		t.Errorf("timeline from %s to %s", first, last)
	}
}
