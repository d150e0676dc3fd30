package main

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jiefen/jiefen/web/browsertest"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/database/dbtest"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func chinaDay(s string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, s, cases.ChinaTime)
	return t.Add(9*time.Hour + 30*time.Minute)
}

// TestClocksEndToEnd follows one case's clocks through the API on both
// databases, in 2027: registration starts the accept clock, acceptance the
// handling clock (60 calendar days, with its legal source), a suspension
// moves its due by the paused days on the calendar, the due and overdue
// lists read the clocks, the sweep marks the missed clock once with a
// timeline event; an administrator's holiday override for 2028 changes
// deadlines at once.
func TestClocksEndToEnd(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { clocksEndToEnd(t, dialect) })
	}
}

func clocksEndToEnd(t *testing.T, dialect string) {
	clock := &testClock{t: chinaDay("2027-09-20")}
	s, app := startApp(t, dialect, io.Discard, func(ctx context.Context, a *App) { a.Cases.Now = clock.Now })
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("admin", "admin", "6109")
	clerk, admin := s.login("clerk"), s.login("admin")

	r := s.do("POST", "/api/v1/intakes", clerk, walkIn())
	if r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.raw)
	}
	no := r.body["case_no"].(string)
	getClocks := func() []map[string]any {
		t.Helper()
		r := s.do("GET", "/api/v1/cases/"+no+"/clocks", clerk, nil)
		items, _ := r.body["items"].([]any)
		if r.status != 200 {
			t.Fatalf("clocks: %d %s", r.status, r.raw)
		}
		out := make([]map[string]any, len(items))
		for i, it := range items {
			out[i] = it.(map[string]any)
		}
		return out
	}
	day := func(v any) string { s, _ := v.(string); return strings.SplitN(s, "T", 2)[0] }
	k := getClocks()
	// 09-20 + 15 = 10-05, in 国庆 (10-01..07) → 10-08.
	if len(k) != 1 || k[0]["kind"] != "accept_decision" || k[0]["status"] != "running" || day(k[0]["due"]) != "2027-10-08" ||
		k[0]["days_left"] != 18.0 || k[0]["calendar_covered"] != true {
		t.Fatalf("clocks after registration: %v", k)
	}
	transition := func(to, note string) {
		t.Helper()
		if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]any{"to": to, "note": note}); r.status != 200 {
			t.Fatalf("→ %s: %d %s", to, r.status, r.raw)
		}
	}
	transition("accepted", "")
	transition("in_progress", "")
	k = getClocks()
	if len(k) != 2 || k[0]["status"] != "met" || k[1]["kind"] != "handling" || k[1]["unit"] != "calendar_days" ||
		k[1]["days"] != 60.0 || k[1]["source"] != "《信访工作条例》第三十四条" || day(k[1]["due"]) != "2027-11-19" ||
		k[1]["days_left"] != 60.0 || k[1]["status"] != "running" {
		t.Fatalf("clocks after acceptance: %v", k)
	}
	if r := s.do("GET", "/api/v1/cases/"+no, clerk, nil); !strings.Contains(r.raw, `"handle_due_at":"2027-11-19T23:59:59.999+08:00"`) {
		t.Errorf("the case's handle_due_at is not the clock's: %s", r.raw)
	}

	clock.Set(chinaDay("2027-09-29"))
	transition("suspended", "等待司法鉴定")
	clock.Set(chinaDay("2027-10-08"))
	if k = getClocks(); k[1]["status"] != "paused" || k[1]["days_left"] != 51.0 {
		t.Errorf("a paused clock stands still: %v", k[1])
	}
	transition("in_progress", "")
	k = getClocks()
	pauses, _ := k[1]["pauses"].([]any)
	// Paused 9 calendar days: 09-20 + 69 = 11-28, a Sunday → 11-29.
	if day(k[1]["due"]) != "2027-11-29" || len(pauses) != 1 || pauses[0].(map[string]any)["to"] == nil {
		t.Fatalf("clock after resuming: %v", k[1])
	}

	list := func(query string) int {
		t.Helper()
		r := s.do("GET", "/api/v1/cases?"+query, clerk, nil)
		if r.status != 200 {
			t.Fatalf("list ?%s: %d %s", query, r.status, r.raw)
		}
		return len(r.body["items"].([]any))
	}
	if n := list("due_within=3d"); n != 0 {
		t.Errorf("due within 3 days on 10-08: %d", n)
	}
	clock.Set(chinaDay("2027-11-26"))
	if n := list("due_within=3d"); n != 1 {
		t.Errorf("due within 3 days on 11-26: %d, want 1", n)
	}
	if n := list("overdue=true"); n != 0 {
		t.Errorf("overdue on 11-26: %d", n)
	}
	if r := s.do("GET", "/api/v1/cases?due_within=soon", clerk, nil); r.status != 400 || errorField(r, "due_within") == "" {
		t.Errorf("due_within=soon: %d %s", r.status, r.raw)
	}
	clock.Set(chinaDay("2027-11-30"))
	if n := list("overdue=true"); n != 1 {
		t.Errorf("overdue on 11-30: %d, want 1", n)
	}
	// The sweep (a periodic job; run here at once, twice) marks it once.
	keeper := app.Cases.Clocks.(*clocks.Service)
	for range 2 {
		if _, err := keeper.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	if n := strings.Count(r.raw, `"kind":"clock_missed"`); n != 1 {
		t.Errorf("%d clock_missed events, want 1: %s", n, r.raw)
	}
	if k = getClocks(); k[1]["status"] != "missed" || k[1]["days_left"] != -1.0 {
		t.Errorf("missed clock: %v", k[1])
	}

	// 2028 is not in lunar-go v1.4.7: a case registered on 2028-09-20 is
	// due 10-05 (a Thursday, a holiday in fact) and says its calendar is
	// not covered; once an administrator enters 国庆 2028 the next one is
	// due after it — without a restart.
	clock.Set(chinaDay("2028-09-20"))
	var uncovered string // a case whose clock the calendar does not cover
	register2028 := func(key, phone string) map[string]any {
		in := walkIn()
		in["subject"], in["content"] = "小区物业费纠纷"+key, "物业公司擅自提高物业费，业主多次反映未果。"+key
		in["person"] = map[string]any{"name": "赵" + key, "phone": phone}
		r := s.do("POST", "/api/v1/intakes", clerk, in)
		if r.status != 201 {
			t.Fatalf("register: %d %s", r.status, r.raw)
		}
		if uncovered == "" {
			uncovered = r.body["case_no"].(string)
		}
		r = s.do("GET", "/api/v1/cases/"+r.body["case_no"].(string)+"/clocks", clerk, nil)
		return r.body["items"].([]any)[0].(map[string]any)
	}
	if c := register2028("甲", "13900000001"); day(c["due"]) != "2028-10-05" || c["calendar_covered"] != false {
		t.Errorf("2028 before the override: %v", c)
	}
	var days []map[string]any
	for d := 1; d <= 7; d++ {
		days = append(days, map[string]any{"date": "2028-10-0" + string(rune('0'+d)), "kind": "holiday", "name": "国庆节"})
	}
	body := map[string]any{"days": days}
	if r := s.do("PUT", "/api/v1/calendar/overrides/2028", clerk, body); r.status != 403 {
		t.Errorf("a clerk sets overrides: %d %s", r.status, r.raw)
	}
	bad := map[string]any{"days": []map[string]any{{"date": "2028-10-32", "kind": "holiday"}}}
	if r := s.do("PUT", "/api/v1/calendar/overrides/2028", admin, bad); r.status != 400 || !strings.Contains(r.raw, "日期") {
		t.Errorf("malformed date: %d %s", r.status, r.raw)
	}
	if r := s.do("PUT", "/api/v1/calendar/overrides/2028", admin, map[string]any{"days": []map[string]any{{"date": "2029-01-01", "kind": "holiday"}}}); r.status != 400 {
		t.Errorf("a date of another year: %d %s", r.status, r.raw)
	}
	if r := s.do("PUT", "/api/v1/calendar/overrides/2028", admin, map[string]any{"days": []map[string]any{{"date": "2028-10-01", "kind": "party"}}}); r.status != 400 {
		t.Errorf("an unknown kind: %d %s", r.status, r.raw)
	}
	if r := s.do("PUT", "/api/v1/calendar/overrides/2028", admin, body); r.status != 200 || len(r.body["days"].([]any)) != 7 {
		t.Fatalf("set overrides: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/calendar/overrides/2028", clerk, nil); r.status != 200 || !strings.Contains(r.raw, `"date":"2028-10-07","kind":"holiday","name":"国庆节"`) {
		t.Errorf("get overrides: %d %s", r.status, r.raw)
	}
	// 10-05 is now a holiday, the days off end 10-07 (a Saturday): 10-09.
	if c := register2028("乙", "13900000002"); day(c["due"]) != "2028-10-09" || c["calendar_covered"] != true {
		t.Errorf("2028 after the override: %v", c)
	}
	if r := s.do("GET", "/api/v1/calendar/deadline?start=2028-09-20&n=15", "", nil); !strings.Contains(r.raw, `"due":"2028-10-09"`) {
		t.Errorf("the public deadline does not see the override: %s", r.raw)
	}

	clock.Set(chinaDay("2029-09-20")) // 2029: neither lunar-go nor an override
	uncovered = ""
	if c := register2028("丙", "13900000003"); c["calendar_covered"] != false {
		t.Errorf("2029: %v", c)
	}

	// Extensions (延长办理期限): approved by a supervisor, with a reason;
	// a missed clock cannot be extended.
	s.addUser("super", "supervisor", "610902")
	super := s.login("super")
	ext := func(token, caseNo string, body map[string]any) response {
		return s.do("POST", "/api/v1/cases/"+caseNo+"/clocks/handling/extensions", token, body)
	}
	if r := ext(clerk, no, map[string]any{"days": 30, "reason": "情况复杂"}); r.status != 403 {
		t.Errorf("a clerk extends: %d %s", r.status, r.raw)
	}
	if r := ext(super, no, map[string]any{"days": 30, "reason": "情况复杂"}); r.status != 400 || !strings.Contains(r.raw, "只有正在计算或中止的期限可以延长") {
		t.Errorf("extending a missed clock: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/cases/"+uncovered+"/transitions", clerk, map[string]any{"to": "accepted"}); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.raw)
	}
	if r := ext(super, uncovered, map[string]any{"days": 30, "reason": "  "}); r.status != 400 || errorField(r, "reason") != "延长期限必须说明理由" {
		t.Errorf("an extension without a reason: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/cases/"+uncovered+"/clocks/no_such_clock/extensions", super, map[string]any{"days": 3, "reason": "x"}); r.status != 404 {
		t.Errorf("an unknown clock: %d %s", r.status, r.raw)
	}
	// 2029-09-20 + 60 = 11-19; + 30 = 12-19 (weekdays only: 2029 has no data).
	r = ext(super, uncovered, map[string]any{"days": 30, "unit": "calendar_days", "reason": "情况复杂，经负责人批准"})
	if exts, _ := r.body["extensions"].([]any); r.status != 200 || day(r.body["due"]) != "2029-12-19" || len(exts) != 1 ||
		exts[0].(map[string]any)["approved_by"] == "" {
		t.Errorf("extend: %d %s", r.status, r.raw)
	}
	if r := s.do("GET", "/api/v1/cases/"+uncovered, clerk, nil); !strings.Contains(r.raw, `"kind":"clock_extended"`) ||
		!strings.Contains(r.raw, `"handle_due_at":"2029-12-19T23:59:59.999+08:00"`) {
		t.Errorf("the extension is not on the case: %s", r.raw)
	}
	if dialect == "sqlite" {
		consoleClocks(t, s, no, uncovered)
	}
}

// consoleClocks shows the case page in headless Chromium: every clock with
// its days left.
func consoleClocks(t *testing.T, s *testServer, no, uncovered string) {
	b := browsertest.Open(t, 1280, 900, 1, false)
	p := b.Page
	p.Navigate(s.url + "/console/login?next=" + url.QueryEscape("/console/cases/"+no))
	p.WaitFor(`!!document.querySelector('input[name=username]')`)
	p.TypeInto("input[name=username]", "clerk")
	p.TypeInto("input[name=password]", "secret-clerk")
	p.Eval(`document.querySelector('form button[type=submit]').click()`)
	p.WaitFor(`location.pathname.indexOf('/console/') === 0 && location.pathname !== '/console/login'`)
	p.Navigate(s.url + "/console/cases/" + no)
	p.WaitFor(`document.querySelectorAll('#clocks-rows tr.clock').length === 2`)
	if got := p.Text(`#clocks-rows tr[data-kind=handling]`); !strings.Contains(got, "办理期限") || !strings.Contains(got, "已超期") ||
		!strings.Contains(got, "2027-11-29") || !strings.Contains(got, "《信访工作条例》第三十四条") {
		t.Errorf("handling clock on the case page: %q", got)
	}
	b.Shot("case-clocks")
	if p.EvalString(`document.getElementById('clocks-warning').hidden ? 'hidden' : 'shown'`) != "hidden" {
		t.Error("a warning on a case whose calendar is covered")
	}
	// Registered in 2029: its accept clock is not covered, and the page
	// warns.
	p.Navigate(s.url + "/console/cases/" + uncovered)
	p.WaitFor(`document.querySelectorAll('#clocks-rows tr.clock').length === 2`)
	if got := p.Text("#clocks-warning"); !strings.Contains(got, "节假日安排尚未收录") {
		t.Errorf("uncovered calendar warning: %q", got)
	}
}

// TestClocksConfigFile: a province's rules (JIEFEN_CLOCKS) replace the
// national ones; a broken file stops the start with a Chinese error.
func TestClocksConfigFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"kind":"handling","days":30,"unit":"weeks","source":"x"}]`), 0o600)
	t.Setenv("JIEFEN_CLOCKS", bad)
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0"}
	if app, err := OpenApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		app.Close()
		t.Fatal("a broken JIEFEN_CLOCKS file was accepted")
	} else if !strings.Contains(err.Error(), "期限配置文件") {
		t.Errorf("error %q", err)
	}

	good := filepath.Join(dir, "shaanxi.json")
	os.WriteFile(good, []byte(`[{"kind":"handling","days":30,"unit":"working_days","source":"《某省信访条例》第三十条"}]`), 0o600)
	t.Setenv("JIEFEN_CLOCKS", good)
	clock := &testClock{t: chinaDay("2027-09-20")}
	s, _ := startApp(t, "sqlite", io.Discard, func(ctx context.Context, a *App) { a.Cases.Now = clock.Now })
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")
	r := s.do("POST", "/api/v1/intakes", clerk, walkIn())
	no, _ := r.body["case_no"].(string)
	if r := s.do("POST", "/api/v1/cases/"+no+"/transitions", clerk, map[string]any{"to": "accepted"}); r.status != 200 {
		t.Fatalf("accept: %d %s", r.status, r.raw)
	}
	r = s.do("GET", "/api/v1/cases/"+no+"/clocks", clerk, nil)
	// 30 working days from 09-20: 21–24, 26 (调休 Sunday), 27–30, 10-08,
	// 10-09 (调休 Saturday), then 19 more weekdays: 11-04.
	if !strings.Contains(r.raw, `"kind":"handling"`) || !strings.Contains(r.raw, `"unit":"working_days"`) ||
		!strings.Contains(r.raw, `"source":"《某省信访条例》第三十条"`) || !strings.Contains(r.raw, `"due":"2027-11-04T23:59:59.999+08:00"`) ||
		!strings.Contains(r.raw, `"days_left":30`) {
		t.Errorf("province rule: %s", r.raw)
	}
}
