package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/web/browsertest"

	"github.com/jiefen/jiefen/database/dbtest"
)

// TestIntakeCheck covers the clerk's hints before saving: the check
// answers what registration would decide and writes nothing, stays in the
// clerk's region, refuses bad input as registration does; the attach route
// adds a visit to a chosen case in the region.
func TestIntakeCheck(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { intakeCheck(t, dialect) })
	}
}

func intakeCheck(t *testing.T, dialect string) {
	s, app := startApp(t, dialect, io.Discard, nil)
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("far", "window_clerk", "610202")
	s.addUser("leader", "leader", "6109")
	clerk, far, leader := s.login("clerk"), s.login("far"), s.login("leader")
	body := func(name, phone, channel, region, subject, content string) map[string]any {
		return map[string]any{
			"channel": channel, "person": map[string]any{"name": name, "phone": phone},
			"subject": subject, "content": content, "region_code": region, "category": "environment",
		}
	}
	first := body("孙斌", "13812345678", "window", "610902001003", "丽发新城附近修建搅拌站噪音灰尘污染",
		"汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，渣土车进进出出，扬尘漫天，严重影响居民休息和健康。")
	r := s.do("POST", "/api/v1/intakes", clerk, first)
	if r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.raw)
	}
	no := r.body["case_no"].(string)
	// The same person filed the same matter in another city: the clerk
	// of 610902 must never see that case.
	r = s.do("POST", "/api/v1/intakes", far, body("孙斌", "13812345678", "window", "610202",
		"丽发新城附近修建搅拌站噪音灰尘污染", "小区附近新建一座混凝土搅拌站，机器日夜轰鸣，扬尘漫天，严重影响居民休息和健康。"))
	if r.status != 201 {
		t.Fatalf("register far: %d %s", r.status, r.raw)
	}
	farNo := r.body["case_no"].(string)

	ctx := context.Background()
	counts := func() [4]int {
		t.Helper()
		var n [4]int
		for i, table := range []string{"cases", "intakes", "events", "search_changes"} {
			if err := app.DB.NewRaw("SELECT COUNT(*) FROM "+table).Scan(ctx, &n[i]); err != nil {
				t.Fatal(err)
			}
		}
		return n
	}
	before := counts()

	dup := body("孙斌", "13812345678", "hotline", "610902001003", "丽发新城附近修建搅拌站噪音灰尘污染",
		"来电人反映：丽发新城小区附近的搅拌站机器日夜轰鸣，扬尘漫天，严重影响休息。")
	r = s.do("POST", "/api/v1/intakes/check", clerk, dup)
	if r.status != 200 || r.body["decision"] != "merged" || r.body["target"] != no {
		t.Fatalf("check duplicate: %d %s", r.status, r.raw)
	}
	cands := r.body["candidates"].([]any)
	c0 := cands[0].(map[string]any)
	if c0["case_no"] != no || c0["role"] != "target" || c0["same_person"] != true || c0["open"] != true ||
		c0["subject"] != "丽发新城附近修建搅拌站噪音灰尘污染" || c0["channel"] != "window" || c0["status"] != "registered" ||
		c0["received_at"] == nil || c0["p_same_person"].(float64) < 0.5 || c0["p_same_matter"].(float64) < 0.5 ||
		len(c0["reasons"].([]any)) == 0 {
		t.Errorf("target candidate: %v", c0)
	}
	if strings.Contains(r.raw, farNo) {
		t.Errorf("a case outside the clerk's region is shown: %s", r.raw)
	}
	// The far clerk sees their own case, never the 610902 one.
	farDup := body("孙斌", "13812345678", "hotline", "610202", "丽发新城附近修建搅拌站噪音灰尘污染",
		"来电人反映：小区附近的搅拌站机器日夜轰鸣，扬尘漫天，严重影响休息。")
	r = s.do("POST", "/api/v1/intakes/check", far, farDup)
	if r.status != 200 || r.body["target"] != farNo || strings.Contains(r.raw, no) {
		t.Errorf("far check: %d %s", r.status, r.raw)
	}

	other := body("王芳", "13998765432", "window", "610902001003", "小区电梯长期故障无人维修",
		"某小区3号楼电梯已经停运两个月，物业一直推脱，老人上下楼非常困难。")
	r = s.do("POST", "/api/v1/intakes/check", clerk, other)
	if r.status != 200 || r.body["decision"] != "new" || strings.Contains(r.raw, no) {
		t.Errorf("check unrelated: %d %s", r.status, r.raw)
	}

	// Bad input: the same 400s as registration.
	bad := body("孙斌", "12345", "window", "610202", "", "内容")
	r = s.do("POST", "/api/v1/intakes/check", clerk, bad)
	reg := s.do("POST", "/api/v1/intakes", clerk, bad)
	if r.status != 400 || reg.status != 400 || errorField(r, "person.phone") == "" || errorField(r, "person.phone") != errorField(reg, "person.phone") {
		t.Errorf("bad input: check %d %s; register %d %s", r.status, r.raw, reg.status, reg.raw)
	}
	scope := body("孙斌", "13812345678", "window", "610202", "标题", "内容")
	r = s.do("POST", "/api/v1/intakes/check", clerk, scope)
	if r.status != 400 || errorField(r, "region_code") != "该地区不在您的管辖范围内" {
		t.Errorf("out of scope region: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/intakes/check", clerk, `{"channel": 1}`); r.status != 400 {
		t.Errorf("bad type: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/intakes/check", leader, dup); r.status != 403 {
		t.Errorf("leader check: %d %s", r.status, r.raw)
	}
	if after := counts(); after != before {
		t.Fatalf("check wrote something: cases/intakes/events/feed %v → %v", before, after)
	}

	// Attach the visit to the chosen case.
	r = s.do("POST", "/api/v1/cases/"+no+"/intakes", clerk, dup, "Idempotency-Key", "visit-1")
	if r.status != 201 || r.body["decision"] != "attached" || r.body["case_no"] != no {
		t.Fatalf("attach: %d %s", r.status, r.raw)
	}
	ref := r.body["intake_ref"].(string)
	if n := len(r.body["case"].(map[string]any)["intakes"].([]any)); n != 2 {
		t.Errorf("attached case has %d intakes", n)
	}
	if !strings.Contains(r.raw, `"kind":"intake_added"`) {
		t.Errorf("no timeline event for the attached intake: %s", r.raw)
	}
	r = s.do("POST", "/api/v1/cases/"+no+"/intakes", clerk, dup, "Idempotency-Key", "visit-1")
	if r.status != 200 || r.body["intake_ref"] != ref || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("attach retry: %d %s", r.status, r.raw)
	}
	mid := counts()
	if mid[0] != before[0] || mid[1] != before[1]+1 {
		t.Errorf("attach stored cases/intakes %v → %v", before, mid)
	}
	r = s.do("POST", "/api/v1/cases/"+farNo+"/intakes", clerk, dup)
	if r.status != 404 {
		t.Errorf("attach outside the region: %d %s", r.status, r.raw)
	}
	if r := s.do("POST", "/api/v1/cases/"+no+"/intakes", clerk, bad); r.status != 400 {
		t.Errorf("attach bad input: %d %s", r.status, r.raw)
	}
	if after := counts(); after != mid {
		t.Errorf("refused attaches wrote something: %v → %v", mid, after)
	}
}

// TestCaseReviewList covers the case page's 相似案件: candidates below the
// suggestion threshold are dropped, each shows the other case's subject,
// date, channel and status, and only the same person's may be merged.
func TestCaseReviewList(t *testing.T) {
	t.Parallel() // no environment, no timing: runs beside the other parallel tests
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { caseReviewList(t, dialect) })
	}
}

func caseReviewList(t *testing.T, dialect string) {
	s := startServer(t, dialect)
	s.addUser("clerk", "window_clerk", "610902")
	s.addUser("super", "supervisor", "610902")
	clerk, super := s.login("clerk"), s.login("super")
	intake := s.neighbourIntake(t, clerk)
	a := intake("孙斌", "13812345678", "window", "丽发新城附近修建搅拌站噪音灰尘污染",
		"汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，渣土车进进出出，扬尘漫天，严重影响居民休息和健康。")
	no := a.body["case_no"].(string)
	dup := intake("孙斌", "13812345678", "hotline", "丽发新城附近修建搅拌站噪音灰尘污染",
		"来电人反映：丽发新城小区附近的搅拌站机器日夜轰鸣，扬尘漫天，严重影响休息。")
	if dup.body["case_no"] != no {
		t.Fatalf("duplicate not merged: %s", dup.raw)
	}
	nb := intake("龚俊斌", "13998765432", "web", "丽发新城附近搅拌站严重影响睡眠",
		"我已经好久没睡过安稳觉了，丽发新城小区附近建了一座搅拌站，每天尘土飞扬，噪音严重，晚上睡不着。")
	nbNo := nb.body["case_no"].(string)
	// Another person, another matter in the same place: a weak candidate.
	low := intake("王芳", "13700001111", "window", "丽发新城小区附近路灯不亮",
		"丽发新城小区附近的路灯坏了一个多月，晚上出行很不方便，希望尽快修复。")
	lowNo := low.body["case_no"].(string)
	if lowNo == no {
		t.Fatalf("another matter was merged: %s", low.raw)
	}
	// Split the hotline intake out: a case of the same person and matter
	// that nothing links to yet.
	r := s.do("POST", "/api/v1/cases/"+no+"/split", super, map[string]string{"intake_ref": dup.body["intake_ref"].(string)})
	if r.status != 201 {
		t.Fatalf("split: %d %s", r.status, r.raw)
	}
	split := r.body["case_no"].(string)
	// The text index may catch up after the commit (Meilisearch indexes
	// asynchronously): wait until it knows all four cases.
	var sim response
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		sim = s.do("GET", "/api/v1/cases/"+split+"/similar", super, nil)
		if strings.Contains(sim.raw, lowNo) || time.Now().After(deadline) {
			break
		}
	}
	page := s.do("GET", "/console/cases/"+split, "", nil, "Cookie", "jiefen_token="+super)
	if page.status != 200 {
		t.Fatalf("case page: %d", page.status)
	}
	sec := page.raw[strings.Index(page.raw, "<h2>相似案件</h2>"):]
	sec = sec[:strings.Index(sec, "</table>")]
	rows := map[string]string{}
	for _, row := range strings.Split(sec, `<tr class="similar">`)[1:] {
		for _, n := range []string{no, nbNo, lowNo} {
			if strings.Contains(row, `href="/console/cases/`+n+`"`) {
				rows[n] = row
			}
		}
	}
	if row := rows[no]; !strings.Contains(row, "丽发新城附近修建搅拌站噪音灰尘污染") || !strings.Contains(row, "并入本案") ||
		!strings.Contains(row, "已登记") || !strings.Contains(row, "窗口") {
		t.Errorf("same person's case: %q\n%s", row, sim.raw)
	}
	if row, ok := rows[nbNo]; ok && strings.Contains(row, "并入本案") {
		t.Errorf("another person's case may be merged: %q", row)
	}
	if _, ok := rows[lowNo]; ok {
		t.Errorf("a candidate below the suggestion threshold is listed: %q\n%s", rows[lowNo], sim.raw)
	}
	// Every candidate the API scores below the detector's suggestion
	// thresholds (search.DefaultConfig) is left off the page.
	below := 0
	for _, it := range sim.body["items"].([]any) {
		m := it.(map[string]any)
		rs := m["reasons"].(map[string]any)
		p, q := rs["same_person"].(float64), rs["same_matter"].(float64)
		if (p >= 0.5 && q < 0.3) || (p < 0.5 && q < 0.35) {
			below++
			if _, ok := rows[m["case_no"].(string)]; ok {
				t.Errorf("below the threshold but listed: %v", m)
			}
		}
	}
	if below == 0 {
		t.Errorf("no candidate below the threshold to leave off: %s", sim.raw)
	}
	t.Logf("similar of %s: %s", split, sim.raw)
}

// TestConsoleIntakeHints drives the 登记受理 form in Chromium: the hints
// appear while the clerk types, the clerk attaches the visit to the case
// shown, and the banner says what happened with a link; a second visit
// saved without choosing merges by detection.
func TestConsoleIntakeHints(t *testing.T) {
	b := browsertest.Open(t, 1280, 900, 1, false)
	p := b.Page
	s, _ := startApp(t, "sqlite", io.Discard, nil)
	s.addUser("clerk", "window_clerk", "610902")
	clerk := s.login("clerk")
	r := s.do("POST", "/api/v1/intakes", clerk, map[string]any{
		"channel": "window", "person": map[string]any{"name": "孙斌", "phone": "13812345678"},
		"subject": "丽发新城附近修建搅拌站噪音灰尘污染", "region_code": "610902001003", "category": "environment",
		"content": "汉滨区丽发新城小区附近新建一座混凝土搅拌站，机器日夜轰鸣，渣土车进进出出，扬尘漫天，严重影响居民休息和健康。",
	})
	if r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.raw)
	}
	no := r.body["case_no"].(string)

	p.Navigate(s.url + "/console/login")
	p.WaitFor(`!!document.querySelector('input[name=username]')`)
	p.TypeInto("input[name=username]", "clerk")
	p.TypeInto("input[name=password]", "secret-clerk")
	p.Eval(`document.querySelector('form button[type=submit]').click()`)
	p.WaitFor(`location.pathname === '/console/' || location.pathname === '/console/cases'`)

	fill := func() {
		t.Helper()
		p.Navigate(s.url + "/console/intake")
		p.WaitFor(`!!document.getElementById('intake-form')`)
		p.Eval(`document.querySelector('select[name=channel]').value = 'hotline'`)
		p.TypeInto(`input[name="person.name"]`, "孙斌")
		p.TypeInto(`input[name="person.phone"]`, "13812345678")
		p.TypeInto(`input[name=region_code]`, "610902001003")
		p.TypeInto(`input[name=subject]`, "丽发新城附近修建搅拌站噪音灰尘污染")
		p.TypeInto(`textarea[name=content]`, "来电人反映：丽发新城小区附近的搅拌站机器日夜轰鸣，扬尘漫天，严重影响休息。")
		p.WaitFor(`document.getElementById('intake-decision').dataset.decision === 'merged'`)
	}
	fill()
	if got := p.Text("#intake-hints"); !strings.Contains(got, no) || !strings.Contains(got, "本人的在办和历史案件") ||
		!strings.Contains(got, "并入") {
		t.Errorf("hints: %q", got)
	}
	p.Eval(`document.querySelector('[data-attach="` + no + `"]').click()`)
	if got := p.Text("#intake-submit"); got != "并入案件 "+no {
		t.Errorf("submit button: %q", got)
	}
	p.Eval(`document.getElementById('intake-submit').click()`)
	p.WaitFor(`document.getElementById('intake-banner').dataset.decision === 'attached'`)
	if got := p.Text("#intake-banner"); got != "已并入案件 "+no {
		t.Errorf("banner: %q", got)
	}
	if n := p.EvalInt(`document.querySelectorAll('#intake-banner a[href="/console/cases/` + no + `"]').length`); n != 1 {
		t.Errorf("banner links to the case: %d", n)
	}
	if v := p.EvalString(`document.querySelector('input[name=subject]').value`); v != "" {
		t.Errorf("form not cleared: %q", v)
	}

	// Saved without choosing: registration merges by itself.
	fill()
	p.Eval(`document.getElementById('intake-submit').click()`)
	p.WaitFor(`document.getElementById('intake-banner').dataset.decision === 'merged'`)
	if got := p.Text("#intake-banner"); got != "已并入案件 "+no {
		t.Errorf("banner: %q", got)
	}
	r = s.do("GET", "/api/v1/cases/"+no, clerk, nil)
	if n := len(r.body["intakes"].([]any)); n != 3 {
		t.Errorf("case has %d intakes, want 3", n)
	}
}
