package petitionweb_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/petition/petitionstore"
	"github.com/jiefen/jiefen/petition/petitiontest"
	"github.com/jiefen/jiefen/stats"
)

// events returns the notes and data of a case's timeline events of kind.
func events(t *testing.T, e *petitiontest.Env, no, kind string) []map[string]any {
	t.Helper()
	var rows []struct {
		Note string `bun:"note"`
		Data string `bun:"data"`
	}
	err := e.DB.NewSelect().TableExpr("events AS ev").ColumnExpr("ev.note, ev.data").
		Join("JOIN cases AS c ON c.id = ev.case_id").Where("c.case_no = ? AND ev.kind = ?", no, kind).
		OrderExpr("ev.id").Scan(context.Background(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		m := map[string]any{}
		json.Unmarshal([]byte(r.Data), &m)
		m["_note"] = r.Note
		out[i] = m
	}
	return out
}

var matterB = map[string]any{
	"channel": "window", "person": map[string]any{"name": "赵德明", "id_number": "610902197002020038", "phone": "13700001111"},
	"subject": "小区物业违规收取停车费", "content": "汉滨区江北某小区物业公司未经业主大会同意擅自上调停车费，业主多次反映无果，请求查处。",
	"address": "汉滨区江北街道", "region_code": "610902002001", "category": "property_management",
}

// sweep runs the supervision job at 10:00 China time of day.
func sweep(t *testing.T, e *petitiontest.Env, day string) petition.SweepResult {
	t.Helper()
	e.At(t, day)
	res, err := e.Petition.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSupervision: 督办 and 挂牌督办 with the unit's feedback, 黄牌 on the
// second listing within a year, 包案 and the leader's list, the supervised
// filter, then the sweep on a fake clock — 催办 3 working days before a
// due, the overdue 督办, escalation on the 5th working day overdue to the
// city's supervisors, each once even with two sweeps at once — and
// termination with follow-up care; on both databases.
func TestSupervision(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { supervision(t, petitiontest.New(t, d)) })
	}
}

func supervision(t *testing.T, e *petitiontest.Env) {
	office, hr, city, leader := e.Token(t, "office"), e.Token(t, "hr"), e.Token(t, "city"), e.Token(t, "leader")
	hrUnit := e.Units["hr"].ID
	// 2026-07-27 (Mon): two matters, both transferred to the county 人社局:
	// notify due 2026-08-11 (Tue).
	var nos []string
	for _, m := range []map[string]any{matter, matterB} {
		no := must(t, do(t, e, "POST", "/api/v1/intakes", office, m), 201, "register").str("case_no")
		base := "/api/v1/cases/" + no + "/petition"
		must(t, do(t, e, "POST", base+"/classify", office, map[string]any{"class": "申诉求决"}), 200, "classify")
		must(t, do(t, e, "POST", base+"/transfer", office, map[string]any{"to_unit_id": hrUnit, "kind": "交办"}), 200, "transfer")
		nos = append(nos, no)
	}
	a, b := nos[0], nos[1]
	pa, pb := "/api/v1/cases/"+a+"/petition", "/api/v1/cases/"+b+"/petition"
	wantClock(t, clocks(t, e, office, a), "notify", "2026-08-11", "running")

	e.At(t, "2026-07-28")
	must(t, do(t, e, "POST", pb+"/accept", hr, map[string]any{"note": "受理"}), 200, "accept B")
	if r := do(t, e, "POST", pa+"/supervise", hr, map[string]any{"deadline": "2026-08-10", "note": "x"}); r.status != 403 {
		t.Fatalf("督办 by a clerk: %d %s", r.status, r.raw)
	}
	if r := do(t, e, "POST", pa+"/supervise", city, map[string]any{"deadline": "2026-07-28", "note": "x"}); r.status != 400 {
		t.Fatalf("督办 due today: %d %s", r.status, r.raw)
	}
	r := must(t, do(t, e, "POST", pa+"/supervise", city, map[string]any{"deadline": "2026-08-10", "note": "请加快办理", "listed": true}), 201, "挂牌督办 A")
	if r.body["supervised"] != true || len(r.body["supervisions"].([]any)) != 1 {
		t.Fatalf("state after 督办: %s", r.raw)
	}
	if n := len(events(t, e, a, petition.EventYellowCard)); n != 0 {
		t.Fatalf("a first listing got %d yellow cards", n)
	}
	must(t, do(t, e, "POST", pb+"/supervise", city, map[string]any{"deadline": "2026-08-20", "note": "限期办结", "listed": true}), 201, "挂牌督办 B")
	yc := events(t, e, b, petition.EventYellowCard)
	if len(yc) != 1 || yc[0]["_note"] != "黄牌警告：汉滨区人力资源和社会保障局一年内第2次被挂牌督办" || yc[0]["listings"] != float64(2) {
		t.Fatalf("yellow card on the second listing: %v", yc)
	}
	listed := must(t, do(t, e, "GET", "/api/v1/petition/listed", "", nil), 200, "public listing")
	if items := listed.body["items"].([]any); len(items) != 2 || items[0].(map[string]any)["case_no"] != b ||
		items[0].(map[string]any)["deadline"] != "2026-08-20" || items[0].(map[string]any)["unit_name"] != "汉滨区人力资源和社会保障局" {
		t.Fatalf("listed: %s", listed.raw)
	}

	// 包案: the city's leader owns A; the clerk may not.
	if r := do(t, e, "POST", pa+"/owner", city, map[string]any{"target_on": "2026-09-30"}); r.status != 403 {
		t.Fatalf("包案 by a supervisor: %d %s", r.status, r.raw)
	}
	r = must(t, do(t, e, "POST", pa+"/owner", leader, map[string]any{"target_on": "2026-09-30", "note": "亲自协调"}), 200, "包案")
	if o := r.body["owner"].(map[string]any); o["leader_name"] != "王市长" || o["target_on"] != "2026-09-30" {
		t.Fatalf("owner: %s", r.raw)
	}
	lc := must(t, do(t, e, "GET", "/api/v1/petition/leader/cases", leader, nil), 200, "leader list")
	items := lc.body["items"].([]any)
	if len(items) != 1 || lc.body["reception"] != "/console/reception" {
		t.Fatalf("leader list: %s", lc.raw)
	}
	it := items[0].(map[string]any)
	ck := it["clocks"].([]any)
	if it["case_no"] != a || it["stage"] != "transferred" || it["next_step"] != "承办单位受理、不予受理或提出异议" ||
		it["supervised"] != true || len(ck) != 2 || ck[0].(map[string]any)["kind"] != "accept_decision" || ck[1].(map[string]any)["kind"] != "notify" {
		t.Fatalf("leader's row: %s", lc.raw)
	}
	must(t, do(t, e, "GET", "/api/v1/petition/leader/cases", city, nil), 403, "leader list of a supervisor")

	// Feedback: by the unit only; B answered stays supervised (listed).
	e.At(t, "2026-07-29")
	must(t, do(t, e, "POST", pb+"/supervise/feedback", office, map[string]any{"feedback": "x"}), 403, "feedback by the office")
	r = must(t, do(t, e, "POST", pb+"/supervise/feedback", hr, map[string]any{"feedback": "已约谈物业公司，停车费恢复原标准。"}), 200, "feedback")
	if sv := r.body["supervisions"].([]any)[0].(map[string]any); sv["feedback"] != "已约谈物业公司，停车费恢复原标准。" || sv["overdue"] != false {
		t.Fatalf("feedback: %s", r.raw)
	}
	must(t, do(t, e, "POST", pb+"/supervise/feedback", hr, map[string]any{"feedback": "again"}), 409, "second feedback")
	sup := must(t, do(t, e, "GET", "/api/v1/cases?supervised=true", office, nil), 200, "supervised filter")
	if n := len(sup.body["items"].([]any)); n != 2 {
		t.Fatalf("supervised=true: %d cases: %s", n, sup.raw)
	}
	must(t, do(t, e, "GET", "/api/v1/cases?supervised=maybe", office, nil), 400, "supervised=maybe")
	if f := figures(t, e, office); f.Supervised != 2 {
		t.Fatalf("overview figures on 07-29: %+v", f)
	}

	// The sweep on the fake clock.
	if res := sweep(t, e, "2026-08-04"); res != (petition.SweepResult{}) {
		t.Fatalf("2026-08-04: %+v", res)
	}
	// 08-05 (Wed): the 督办 of A (08-10, Mon) is 3 working days away.
	if res := sweep(t, e, "2026-08-05"); res != (petition.SweepResult{Reminded: 1}) {
		t.Fatalf("2026-08-05: %+v", res)
	}
	// 08-06 (Thu): notify (08-11, Tue) is 3 working days away.
	if res := sweep(t, e, "2026-08-06"); res != (petition.SweepResult{Reminded: 1}) {
		t.Fatalf("2026-08-06: %+v", res)
	}
	if res := sweep(t, e, "2026-08-07"); res != (petition.SweepResult{}) {
		t.Fatalf("2026-08-07 (reminded already): %+v", res)
	}
	rem := events(t, e, a, petition.EventReminder)
	if len(rem) != 2 || rem[1]["clock"] != "notify" || rem[1]["working_days_left"] != float64(3) ||
		rem[1]["_note"] != "催办：受理告知期限将于2026年8月11日届满（剩余3个工作日），请抓紧办理" {
		t.Fatalf("reminders of A: %v", rem)
	}
	// 08-11: the 督办 of A passed without feedback.
	if res := sweep(t, e, "2026-08-11"); res != (petition.SweepResult{Overdue: 1}) {
		t.Fatalf("2026-08-11: %+v", res)
	}
	// Notify due 08-11; 5 working days overdue on 08-18 (Tue), not 08-17.
	if res := sweep(t, e, "2026-08-17"); res != (petition.SweepResult{}) {
		t.Fatalf("2026-08-17: %+v", res)
	}
	e.At(t, "2026-08-18")
	var wg sync.WaitGroup
	results := make([]petition.SweepResult, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = e.Petition.Sweep(context.Background())
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := results[0].Escalated + results[1].Escalated; got != 1 {
		t.Fatalf("two sweeps at once escalated %d times: %+v", got, results)
	}
	esc := events(t, e, a, petition.EventEscalated)
	if len(esc) != 1 || esc[0]["to_region"] != "610900000000" || esc[0]["clock"] != "notify" ||
		len(esc[0]["supervisors"].([]any)) != 1 || esc[0]["supervisors"].([]any)[0] != "郑市住建" {
		t.Fatalf("escalation: %v", esc)
	}
	if n := len(events(t, e, a, petition.EventSupervisionOverdue)); n != 1 {
		t.Fatalf("overdue 督办 events: %d", n)
	}
	st := must(t, do(t, e, "GET", pa, office, nil), 200, "state")
	if st.body["escalated"] != true || st.body["supervised"] != true {
		t.Fatalf("escalated state: %s", st.raw)
	}
	if f := figures(t, e, office); f.Backlog < 1 || f.Supervised < 2 {
		t.Fatalf("overview figures on 08-18: %+v", f)
	}

	// Termination (终结): by a supervisor with a reason; the clocks stop, the
	// sweep leaves the case alone, care is still recorded.
	must(t, do(t, e, "POST", pa+"/terminate", hr, map[string]any{"reason": "撤回"}), 403, "terminate by a clerk")
	must(t, do(t, e, "POST", pa+"/terminate", city, map[string]any{}), 400, "terminate without a reason")
	r = must(t, do(t, e, "POST", pa+"/terminate", city, map[string]any{"reason": "信访人撤回信访请求"}), 200, "terminate")
	if r.str("stage") != "terminated" || r.str("case_status") != "rejected" || r.str("stage_label") != "已终结" {
		t.Fatalf("terminated: %s", r.raw)
	}
	// (The clock sweep of clocks/ did not run here: the notify clock was
	// still running, past its due, and is cancelled.)
	wantClock(t, clocks(t, e, office, a), "notify", "2026-08-11", "cancelled")
	must(t, do(t, e, "POST", pa+"/terminate", city, map[string]any{"reason": "again"}), 409, "terminate twice")
	must(t, do(t, e, "POST", pa+"/care", hr, map[string]any{"kind": "帮扶", "note": "协调社区落实临时救助"}), 201, "care")
	must(t, do(t, e, "POST", pa+"/care", hr, map[string]any{"kind": "安抚", "note": "x"}), 400, "care of an unknown kind")
	if c := events(t, e, a, petition.EventCare); len(c) != 1 || c[0]["kind"] != "帮扶" || c[0]["stage"] != "terminated" {
		t.Fatalf("care: %v", c)
	}
	if res := sweep(t, e, "2026-09-30"); res.Reminded+res.Escalated != 0 {
		t.Fatalf("a sweep after termination: %+v", res)
	}
}

// TestCampaigns: 专项行动 CRUD, tagging and progress; on both databases.
func TestCampaigns(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { campaigns(t, petitiontest.New(t, d)) })
	}
}

func campaigns(t *testing.T, e *petitiontest.Env) {
	office, hr, city := e.Token(t, "office"), e.Token(t, "hr"), e.Token(t, "city")
	a := must(t, do(t, e, "POST", "/api/v1/intakes", office, matter), 201, "register A").str("case_no")
	b := must(t, do(t, e, "POST", "/api/v1/intakes", office, matterB), 201, "register B").str("case_no")
	body := map[string]any{"name": "百日攻坚", "starts_on": "2026-08-01", "ends_on": "2026-11-08", "note": "信访积案化解"}
	must(t, do(t, e, "POST", "/api/v1/petition/campaigns", hr, body), 403, "campaign by a clerk")
	must(t, do(t, e, "POST", "/api/v1/petition/campaigns", city, map[string]any{"name": "x", "starts_on": "2026-08-01", "ends_on": "2026-07-01"}), 400, "ends before it starts")
	c := must(t, do(t, e, "POST", "/api/v1/petition/campaigns", city, body), 201, "create")
	id := int(c.body["id"].(float64))
	path := "/api/v1/petition/campaigns/" + itoa(id)
	if c.str("region_code") != "610900000000" || c.str("ends_on") != "2026-11-08" {
		t.Fatalf("campaign: %s", c.raw)
	}
	must(t, do(t, e, "POST", path+"/cases", city, map[string]any{"case_no": a}), 201, "tag A")
	r := must(t, do(t, e, "POST", path+"/cases", city, map[string]any{"case_no": b, "target_on": "2026-08-15"}), 201, "tag B")
	must(t, do(t, e, "POST", path+"/cases", city, map[string]any{"case_no": b}), 409, "tag twice")
	must(t, do(t, e, "POST", path+"/cases", hr, map[string]any{"case_no": b}), 403, "tag by a clerk")
	if p := r.body["progress"].(map[string]any); p["total"] != float64(2) || p["done"] != float64(0) {
		t.Fatalf("progress: %s", r.raw)
	}
	if ev := events(t, e, b, petition.EventCampaignTagged); len(ev) != 1 || ev[0]["_note"] != "列入专项行动“百日攻坚”，化解期限2026-08-15" {
		t.Fatalf("tag event: %v", ev)
	}
	// A is routed to litigation (诉访分离, closed as rejected): done. B is
	// open past its target on 08-20: overdue.
	must(t, do(t, e, "POST", "/api/v1/cases/"+a+"/petition/classify", office,
		map[string]any{"class": "申诉求决", "legal_route": "诉讼"}), 200, "route A")
	e.At(t, "2026-08-20")
	r = must(t, do(t, e, "GET", path, office, nil), 200, "progress")
	p := r.body["progress"].(map[string]any)
	if p["total"] != float64(2) || p["done"] != float64(1) || p["open"] != float64(1) || p["overdue"] != float64(1) || p["percent"] != float64(50) {
		t.Fatalf("progress on 08-20: %s", r.raw)
	}
	cs := r.body["cases"].([]any)
	if len(cs) != 2 || cs[0].(map[string]any)["case_no"] != b || cs[0].(map[string]any)["overdue"] != true ||
		cs[1].(map[string]any)["target_on"] != "2026-11-08" || cs[1].(map[string]any)["done"] != true {
		t.Fatalf("cases: %s", r.raw)
	}
	l := must(t, do(t, e, "GET", "/api/v1/petition/campaigns", office, nil), 200, "list")
	if items := l.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["progress"].(map[string]any)["overdue"] != float64(1) {
		t.Fatalf("list: %s", l.raw)
	}
	body["name"] = "百日攻坚（延长）"
	body["ends_on"] = "2026-12-31"
	if r := must(t, do(t, e, "PUT", path, city, body), 200, "update"); r.str("name") != "百日攻坚（延长）" || r.str("ends_on") != "2026-12-31" {
		t.Fatalf("updated: %s", r.raw)
	}
	must(t, do(t, e, "PUT", path, office, body), 403, "update by a clerk")
	r = must(t, do(t, e, "DELETE", path+"/cases/"+b, city, nil), 200, "untag B")
	if p := r.body["progress"].(map[string]any); p["total"] != float64(1) || p["overdue"] != float64(0) {
		t.Fatalf("after untag: %s", r.raw)
	}
	must(t, do(t, e, "DELETE", path+"/cases/"+b, city, nil), 404, "untag twice")
	must(t, do(t, e, "DELETE", path, city, nil), 204, "delete")
	must(t, do(t, e, "GET", path, city, nil), 404, "deleted")
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestParseBacklog(t *testing.T) {
	for in, want := range map[string]petition.Backlog{
		"": {Overdue: true, Repeats: 3}, "overdue": {Overdue: true}, "repeats=4": {Repeats: 4},
		"overdue,repeats=2": {Overdue: true, Repeats: 2}, "none": {},
	} {
		got, err := petition.ParseBacklog(in)
		if err != nil || got != want {
			t.Errorf("ParseBacklog(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"repeats=1", "often", "repeats=x"} {
		if _, err := petition.ParseBacklog(in); err == nil {
			t.Errorf("ParseBacklog(%q): no error", in)
		}
	}
}

// figures computes the track's overview figures for the county (as the
// dashboard does) and checks them against the case list's backlog=true and
// supervised=true filters, which must list the same cases.
func figures(t *testing.T, e *petitiontest.Env, token string) petition.Figures {
	t.Helper()
	v, err := petition.Figure{Store: petitionstore.New(e.DB), Backlog: petition.DefaultBacklog}.Compute(context.Background(),
		stats.Query{Region: "610902000000", Now: e.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f := v.(petition.Figures)
	for param, n := range map[string]int{"backlog": f.Backlog, "supervised": f.Supervised} {
		r := must(t, do(t, e, "GET", "/api/v1/cases?limit=200&"+param+"=true", token, nil), 200, param+" list")
		if got := len(r.body["items"].([]any)); got != n {
			t.Errorf("%s: the overview counts %d, the list has %d", param, n, got)
		}
	}
	if f.BacklogDefinition != "超过办理期限仍未办结，或同一事项信访3次及以上" {
		t.Errorf("definition %q", f.BacklogDefinition)
	}
	return f
}
