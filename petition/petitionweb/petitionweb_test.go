package petitionweb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/documents/pdftest"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/petition/petitiontest"
)

type reply struct {
	status int
	body   map[string]any
	raw    string
}

func (r reply) str(k string) string { s, _ := r.body[k].(string); return s }

func do(t *testing.T, e *petitiontest.Env, method, path, token string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := e.App.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

// must checks the status of a step.
func must(t *testing.T, r reply, status int, what string) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %d, want %d: %s", what, r.status, status, r.raw)
	}
	return r
}

// clocks returns the case's clocks by kind: due date (YYYY-MM-DD) and status.
func clocks(t *testing.T, e *petitiontest.Env, tok, no string) map[string][2]string {
	t.Helper()
	r := must(t, do(t, e, "GET", "/api/v1/cases/"+no+"/clocks", tok, nil), 200, "clocks")
	out := map[string][2]string{}
	items, _ := r.body["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		out[m["kind"].(string)] = [2]string{m["due"].(string)[:10], m["status"].(string)}
	}
	return out
}

func wantClock(t *testing.T, got map[string][2]string, kind, due, status string) {
	t.Helper()
	if g := got[kind]; g[0] != due || g[1] != status {
		t.Errorf("clock %s: due %s %s, want %s %s", kind, g[0], g[1], due, status)
	}
}

var matter = map[string]any{
	"channel": "window", "person": map[string]any{"name": "刘桂兰", "id_number": "610902196505050023", "phone": "13912345678"},
	"subject": "拖欠农民工工资三个月未发放", "content": "我在汉滨区某建筑工地务工，包工头拖欠我和工友三个月工资共计四万元，多次讨要未果，请求有关部门督促支付。",
	"address": "汉滨区新城街道工地", "region_code": "610902001003", "category": "labour",
	"respondent": map[string]any{"kind": "organisation", "name": "汉滨区某建筑公司"},
}

// TestDoneWhen is the path on both databases: registration →
// classification → transfer → objection → transfer → acceptance →
// extension → reply (PDF) → 复查 → 复核 (with a hearing) → a later repeat
// from another city answered 不再受理; every clock checked by hand against
// the calendar (2026 国庆, 2027 元旦).
func TestDoneWhen(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { doneWhen(t, petitiontest.New(t, d)) })
	}
}

func doneWhen(t *testing.T, e *petitiontest.Env) {
	office, hr, housing, city, province := e.Token(t, "office"), e.Token(t, "hr"), e.Token(t, "housing"),
		e.Token(t, "city"), e.Token(t, "province")
	tc, citybad := e.Token(t, "tcclerk"), e.Token(t, "citybad")

	// 2026-07-27 (Mon): registered by the county petition office.
	reg := must(t, do(t, e, "POST", "/api/v1/intakes", office, matter), 201, "register")
	no := reg.str("case_no")
	if _, ok := reg.body["petition"]; ok {
		t.Fatalf("a first petition carries a petition answer: %s", reg.raw)
	}
	base := "/api/v1/cases/" + no + "/petition"
	r := must(t, do(t, e, "GET", base, office, nil), 200, "state")
	if r.str("stage") != "registered" || r.body["unit_id"] != nil {
		t.Fatalf("fresh state: %s", r.raw)
	}
	if r := do(t, e, "POST", base+"/classify", hr, map[string]any{"class": "申诉求决"}); r.status != 403 {
		t.Fatalf("classify by a department: %d %s", r.status, r.raw)
	}
	if r := do(t, e, "POST", base+"/classify", office, map[string]any{"class": "投诉"}); r.status != 400 {
		t.Fatalf("unknown class: %d %s", r.status, r.raw)
	}
	r = must(t, do(t, e, "POST", base+"/classify", office, map[string]any{"class": "申诉求决"}), 200, "classify")
	if r.str("stage") != "classified" || r.str("class") != "申诉求决" {
		t.Fatalf("classified: %s", r.raw)
	}
	// The transfer form's choices: the units of the case's region line,
	// nearest first, without the office itself; none of another city's.
	r = must(t, do(t, e, "GET", base+"/units", office, nil), 200, "transfer targets")
	var names []string
	for _, it := range r.body["items"].([]any) {
		names = append(names, it.(map[string]any)["name"].(string))
	}
	if got := strings.Join(names, ","); got != "汉滨区人力资源和社会保障局,汉滨区住房和城乡建设局,安康市住房和城乡建设局,陕西省住房和城乡建设厅" {
		t.Fatalf("transfer targets: %s", got)
	}
	must(t, do(t, e, "GET", base+"/units", tc, nil), 404, "targets out of scope")
	// 转送 to the wrong department: notify 07-27 + 15 = 08-11 (Tue).
	r = must(t, do(t, e, "POST", base+"/transfer", office, map[string]any{"to_unit_id": e.Units["hr"].ID, "kind": "转送", "note": "请依法处理"}), 200, "transfer")
	if r.str("stage") != "transferred" || r.body["unit_id"] != float64(e.Units["hr"].ID) || r.str("object_by") != "2026-08-03" {
		t.Fatalf("transferred: %s", r.raw)
	}
	wantClock(t, clocks(t, e, office, no), "notify", "2026-08-11", "running")
	if r := do(t, e, "POST", base+"/object", housing, map[string]any{"reason": "x"}); r.status != 403 {
		t.Fatalf("objection by another unit: %d %s", r.status, r.raw)
	}
	// 07-29: the department objects (5 working days: by 08-03) → back to the office.
	e.At(t, "2026-07-29")
	r = must(t, do(t, e, "POST", base+"/object", hr, map[string]any{"reason": "工程款结算纠纷属住建部门职责"}), 200, "object")
	if r.str("stage") != "objected" || r.body["unit_id"] != float64(e.Units["office"].ID) {
		t.Fatalf("objected: %s", r.raw)
	}
	wantClock(t, clocks(t, e, office, no), "notify", "2026-08-11", "cancelled")
	// 07-30 (Thu): 交办 to housing: notify 07-30 + 15 = 08-14 (Fri).
	e.At(t, "2026-07-30")
	must(t, do(t, e, "POST", base+"/transfer", office, map[string]any{"to_unit_id": e.Units["housing"].ID, "kind": "交办"}), 200, "transfer again")
	wantClock(t, clocks(t, e, office, no), "notify", "2026-08-14", "running")
	// 08-04 (Tue): accepted; handling 08-04 + 60 = 10-03, in 国庆 → 10-08.
	e.At(t, "2026-08-04")
	r = must(t, do(t, e, "POST", base+"/accept", housing, map[string]any{"note": "予以受理"}), 200, "accept")
	if r.str("stage") != "accepted" || r.str("case_status") != "accepted" {
		t.Fatalf("accepted: %s", r.raw)
	}
	k := clocks(t, e, office, no)
	wantClock(t, k, "notify", "2026-08-14", "met")
	wantClock(t, k, "handling", "2026-10-08", "running")
	// 09-01: extended once: 60 + 30 = 90 days from 08-04 = 11-02 (Mon), not
	// the rolled 10-08 + 30 = 11-07 (Sat) → 11-09.
	e.At(t, "2026-09-01")
	ext := map[string]any{"days": 30, "reason": "需要委托造价鉴定", "approved_by": "汉滨区住建局局长"}
	r = must(t, do(t, e, "POST", base+"/extend", housing, ext), 200, "extend")
	if r.body["extended"] != true {
		t.Fatalf("extended: %s", r.raw)
	}
	wantClock(t, clocks(t, e, office, no), "handling", "2026-11-02", "running")
	if r := do(t, e, "POST", base+"/extend", housing, ext); r.status != 409 {
		t.Fatalf("second extension: %d %s", r.status, r.raw)
	}
	// 10-20: the reply; review_apply 10-20 + 30 = 11-19.
	e.At(t, "2026-10-20")
	r = must(t, do(t, e, "POST", base+"/reply", housing, map[string]any{"result": "support",
		"facts": "经查，该公司拖欠工资属实，已责令其限期支付。", "basis": "《保障农民工工资支付条例》第十五条"}), 200, "reply")
	if r.str("stage") != "replied" || r.str("case_status") != "resolved" || r.str("reply_result") != "support" {
		t.Fatalf("replied: %s", r.raw)
	}
	k = clocks(t, e, office, no)
	wantClock(t, k, "handling", "2026-11-02", "met")
	wantClock(t, k, "review_apply", "2026-11-19", "running")
	c, err := e.Cases.Find(context.Background(), e.Users["office"].Actor(), no)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := e.Docs.Latest(context.Background(), c.ID, petition.KindReply)
	if err != nil || doc == nil {
		t.Fatalf("reply document: %v %v", doc, err)
	}
	text := pdftest.Text(t, doc.Content)
	for _, want := range []string{"处理意见书", no, "拖欠工资属实", "保障农民工工资支付条例", "予以支持", "汉滨区住房和城乡建设局"} {
		if !strings.Contains(text, want) {
			t.Errorf("处理意见书 lacks %q:\n%s", want, text)
		}
	}
	// 复查: received 10-22 → apply by 10-22 + 30 = 11-21 (Sat) → 11-23.
	// Late on 11-24: refused.
	e.At(t, "2026-11-24")
	if r := do(t, e, "POST", base+"/review", office, map[string]any{"level": "review", "received_reply_on": "2026-10-22"}); r.status != 409 {
		t.Fatalf("late review application: %d %s", r.status, r.raw)
	}
	e.At(t, "2026-11-10")
	if r := do(t, e, "POST", base+"/review", office, map[string]any{"level": "re_review", "received_reply_on": "2026-10-22"}); r.status != 409 {
		t.Fatalf("re_review before review: %d %s", r.status, r.raw)
	}
	r = must(t, do(t, e, "POST", base+"/review", office, map[string]any{"level": "review", "received_reply_on": "2026-10-22"}), 200, "review")
	if r.str("stage") != "review_applied" {
		t.Fatalf("review applied: %s", r.raw)
	}
	k = clocks(t, e, office, no)
	wantClock(t, k, "review_apply", "2026-11-23", "met")
	wantClock(t, k, "review_decide", "2026-12-10", "running") // 11-10 + 30
	// 12-01: decided one level above the county (the city); the county
	// itself, the province and a city clerk without a unit may not.
	e.At(t, "2026-12-01")
	dec := map[string]any{"result": "uphold", "note": "原处理意见事实清楚"}
	for name, tok := range map[string]string{"housing": housing, "province": province, "citybad": citybad} {
		if r := do(t, e, "POST", base+"/review/decision", tok, dec); r.status != 403 {
			t.Fatalf("review decision by %s: %d %s", name, r.status, r.raw)
		}
	}
	r = must(t, do(t, e, "POST", base+"/review/decision", city, dec), 200, "review decision")
	if r.str("stage") != "review_decided" || r.body["decided_unit_id"] != float64(e.Units["city"].ID) {
		t.Fatalf("review decided: %s", r.raw)
	}
	k = clocks(t, e, office, no)
	wantClock(t, k, "review_decide", "2026-12-10", "met")
	wantClock(t, k, "re_review_apply", "2026-12-31", "running") // 12-01 + 30
	wantDoc(t, e, c.ID, petition.KindReviewDecision, "复查意见书", no, "汉滨区住房和城乡建设局", "维持原处理意见",
		"原处理意见事实清楚", "请求复核", "安康市住房和城乡建设局")
	// 复核: received 12-03 → by 12-03 + 30 = 2027-01-02 (元旦) → 2027-01-04.
	e.At(t, "2027-01-05")
	if r := do(t, e, "POST", base+"/review", office, map[string]any{"level": "re_review", "received_reply_on": "2026-12-03"}); r.status != 409 {
		t.Fatalf("late re_review application: %d %s", r.status, r.raw)
	}
	e.At(t, "2026-12-20")
	must(t, do(t, e, "POST", base+"/review", tc, map[string]any{"level": "re_review", "received_reply_on": "2026-12-03"}), 404, "re_review out of scope")
	r = must(t, do(t, e, "POST", base+"/review", office, map[string]any{"level": "re_review", "received_reply_on": "2026-12-03"}), 200, "re_review")
	k = clocks(t, e, office, no)
	wantClock(t, k, "re_review_apply", "2027-01-04", "met")
	wantClock(t, k, "re_review_decide", "2027-01-19", "running") // 12-20 + 30
	// A hearing 12-28 → 2027-01-05 does not count: 8 days, due 12-20 + 38 = 2027-01-27.
	e.At(t, "2026-12-28")
	r = must(t, do(t, e, "POST", base+"/hearing/start", province, map[string]any{"note": "公开听证"}), 200, "hearing start")
	if r.body["hearing"] != true {
		t.Fatalf("hearing: %s", r.raw)
	}
	wantClock(t, clocks(t, e, office, no), "re_review_decide", "2027-01-19", "paused")
	e.At(t, "2027-01-05")
	must(t, do(t, e, "POST", base+"/hearing/end", province, nil), 200, "hearing end")
	wantClock(t, clocks(t, e, office, no), "re_review_decide", "2027-01-27", "running")
	// 2027-01-15: 复核 by the province (one level above the city).
	e.At(t, "2027-01-15")
	if r := do(t, e, "POST", base+"/review/decision", city, dec); r.status != 403 {
		t.Fatalf("re_review decided by the city again: %d %s", r.status, r.raw)
	}
	r = must(t, do(t, e, "POST", base+"/review/decision", province, dec), 200, "re_review decision")
	if r.str("stage") != "re_review_decided" || r.str("review_level") != "re_review" {
		t.Fatalf("re_review decided: %s", r.raw)
	}
	wantClock(t, clocks(t, e, office, no), "re_review_decide", "2027-01-27", "met")
	wantDoc(t, e, c.ID, petition.KindReReviewDecision, "复核意见书", no, "安康市住房和城乡建设局", "复查意见",
		"维持原处理意见", "不再受理", "陕西省住房和城乡建设厅")

	// 2027-02-22: the same person on the same facts, registered by a clerk
	// of another city (铜川市王益区), who cannot see the earlier case.
	e.At(t, "2027-02-22")
	again := map[string]any{}
	for k, v := range matter {
		again[k] = v
	}
	again["region_code"] = "610202000000"
	again["content"] = "我在汉滨区某建筑工地务工，包工头拖欠我和工友三个月工资共计四万元，多次讨要未果，请求有关部门督促支付。现在仍未解决。"
	r = must(t, do(t, e, "POST", "/api/v1/intakes", tc, again), 201, "repeat registration")
	pa, _ := r.body["petition"].(map[string]any)
	if pa["not_accepted"] != true || pa["earlier_case_no"] != no || !strings.Contains(fmt.Sprint(pa["reason"]), "不再受理") ||
		!strings.Contains(fmt.Sprint(pa["earlier_documents"]), "信访事项复核意见书") {
		t.Fatalf("不再受理 answer: %s", r.raw)
	}
	later := r.str("case_no")
	if later == no || r.body["case"].(map[string]any)["status"] != "rejected" {
		t.Fatalf("the later case is recorded and closed: %s", r.raw)
	}
	r = must(t, do(t, e, "GET", "/api/v1/cases/"+later+"/petition", tc, nil), 200, "later state")
	if r.str("stage") != "not_accepted" || r.str("earlier_case_no") != no {
		t.Fatalf("later state: %s", r.raw)
	}
	// Every step on the timelines.
	kinds := map[string]int{}
	r = must(t, do(t, e, "GET", "/api/v1/cases/"+no, office, nil), 200, "case")
	for _, ev := range r.body["events"].([]any) {
		kinds[ev.(map[string]any)["kind"].(string)]++
	}
	for kind, n := range map[string]int{petition.EventClassified: 1, petition.EventTransferred: 2, petition.EventObjected: 1,
		petition.EventAccepted: 1, petition.EventExtended: 1, petition.EventReplied: 1, petition.EventReviewApplied: 2,
		petition.EventReviewDecided: 2, petition.EventHearingStarted: 1, petition.EventHearingEnded: 1,
		petition.EventNotAccepted: 1, "document_generated": 3} { // 处理意见书, 复查意见书, 复核意见书
		if kinds[kind] != n {
			t.Errorf("timeline: %d × %s, want %d (%v)", kinds[kind], kind, n, kinds)
		}
	}
	// The list filters.
	r = must(t, do(t, e, "GET", "/api/v1/cases?petition_stage=re_review_decided", office, nil), 200, "filter")
	if items := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["case_no"] != no {
		t.Fatalf("petition_stage filter: %s", r.raw)
	}
	if r := do(t, e, "GET", "/api/v1/cases?petition_stage=nope", office, nil); r.status != 400 {
		t.Fatalf("bad stage: %d", r.status)
	}
}

// wantDoc reads the case's newest document of a kind and checks its text.
func wantDoc(t *testing.T, e *petitiontest.Env, caseID int64, kind documents.Kind, want ...string) {
	t.Helper()
	doc, err := e.Docs.Latest(context.Background(), caseID, kind)
	if err != nil || doc == nil {
		t.Fatalf("%s: %v %v", kind, doc, err)
	}
	text := pdftest.Text(t, doc.Content)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", kind, w, text)
		}
	}
}
