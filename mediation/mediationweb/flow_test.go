package mediationweb_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/documents/pdftest"
	"github.com/jiefen/jiefen/mediation"
	"github.com/jiefen/jiefen/mediation/mediationtest"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.China)
	if err != nil {
		panic(err)
	}
	return t
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

// profiles gives med1 and med2 the village committee with the
// neighbourhood specialty, and med3 too but with a declared relation to
// the applicant's phone.
func profiles(t *testing.T, e *mediationtest.Env) {
	t.Helper()
	for _, p := range []struct {
		name string
		body map[string]any
	}{
		{"med1", map[string]any{"unit_ids": []int64{e.Unit["village"]}, "specialties": []string{"neighbourhood"}, "capacity": 5}},
		{"med2", map[string]any{"unit_ids": []int64{e.Unit["village"], e.Unit["street"]}, "specialties": []string{"neighbourhood", "marriage_family"}, "capacity": 5}},
		{"med3", map[string]any{"unit_ids": []int64{e.Unit["village"]}, "specialties": []string{"neighbourhood"}, "capacity": 5,
			"relations": []map[string]any{{"name": "李秀英", "phone": "13800138000", "note": "表姐"}}}},
	} {
		r := e.Do(t, "supervisor", "PUT", "/api/v1/mediators/"+p.name, p.body)
		if r.Status != 200 {
			t.Fatalf("PUT mediator %s: %d %s", p.name, r.Status, r.Body)
		}
	}
}

// TestDoneWhen walks the path on every database: registration →
// suggestion → mediation opened → offer declined → re-offered → accepted →
// two sessions → agreement → 调解协议书 → judicial confirmation valid →
// performance recorded, with the timeline and the clocks checked.
func TestDoneWhen(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { doneWhen(t, mediationtest.New(t, d)) })
	}
}

func doneWhen(t *testing.T, e *mediationtest.Env) {
	ctx := context.Background()
	profiles(t, e)
	// Bad profiles: a clerk may not set one; a unit that is no committee.
	if r := e.Do(t, "clerk", "PUT", "/api/v1/mediators/med1", map[string]any{"unit_ids": []int64{e.Unit["village"]}, "capacity": 3}); r.Status != 403 {
		t.Errorf("clerk PUT profile: %d %s", r.Status, r.Body)
	}
	if r := e.Do(t, "supervisor", "PUT", "/api/v1/mediators/med1", map[string]any{"unit_ids": []int64{e.Unit["court"] + 1000}, "capacity": 0}); r.Status != 400 ||
		r.Field(t, "capacity") == "" || r.Field(t, "unit_ids[0]") != "机构不存在" {
		t.Errorf("bad profile: %d %s", r.Status, r.Body)
	}

	c := e.Register(t, "李秀英", "13800138000", "610902198001010027", "王建国")
	base := "/api/v1/cases/" + c.No

	// Suggestion: the community's own committee first.
	r := e.Do(t, "clerk", "GET", base+"/mediation/suggestion", nil)
	if r.Status != 200 {
		t.Fatalf("suggestion: %d %s", r.Status, r.Body)
	}
	items := r.JSON(t)["items"].([]any)
	// Every mediating body of the chain, the routed kind first, nearer
	// before farther; 王益区's unit is not on the chain.
	var names []string
	for _, it := range items {
		names = append(names, it.(map[string]any)["name"].(string))
	}
	if fmt.Sprint(names) != "[西大街社区人民调解委员会 老城街道人民调解委员会 汉滨区医疗纠纷人民调解委员会 汉滨区人民法院]" {
		t.Fatalf("suggestion order: %v", names)
	}
	first := items[0].(map[string]any)
	if num(first["unit_id"]) != e.Unit["village"] || first["flow"] != "people" || first["name"] != "西大街社区人民调解委员会" {
		t.Errorf("best suggestion: %v", first)
	}
	if reasons := fmt.Sprint(first["reasons"]); !strings.Contains(reasons, "位于本案所在地") || !strings.Contains(reasons, "邻里纠纷") {
		t.Errorf("reasons: %s", reasons)
	}

	// Bad opening: a mediator with a declared conflict; nothing written.
	r = e.Do(t, "clerk", "POST", base+"/mediation", map[string]any{"unit_id": e.Unit["village"], "flow": "people", "mediator": "med3"})
	if r.Status != 400 || !strings.Contains(r.Field(t, "mediator"), "利害关系") {
		t.Fatalf("conflicted mediator: %d %s", r.Status, r.Body)
	}
	if got, _ := e.Cases.Find(ctx, e.Actor("clerk"), c.No); got.Status != "registered" {
		t.Errorf("case status after a refused opening: %s", got.Status)
	}
	if r = e.Do(t, "clerk", "GET", base+"/mediation", nil); len(r.JSON(t)["items"].([]any)) != 0 {
		t.Errorf("a refused opening left a mediation: %s", r.Body)
	}
	// Another body without a reason; a body of the wrong flow.
	if r = e.Do(t, "clerk", "POST", base+"/mediation", map[string]any{"unit_id": e.Unit["street"], "flow": "people"}); r.Status != 400 || r.Field(t, "note") == "" {
		t.Errorf("non-first body without reason: %d %s", r.Status, r.Body)
	}
	if r = e.Do(t, "clerk", "POST", base+"/mediation", map[string]any{"unit_id": e.Unit["village"], "flow": "judicial"}); r.Status != 400 || r.Field(t, "flow") == "" {
		t.Errorf("wrong flow: %d %s", r.Status, r.Body)
	}
	if r = e.Do(t, "med1", "POST", base+"/mediation", map[string]any{"unit_id": e.Unit["village"], "flow": "people"}); r.Status != 403 {
		t.Errorf("mediator opening: %d %s", r.Status, r.Body)
	}

	// Opened and offered to med1 (specialty, least loaded, by name; med3 recused).
	r = e.Do(t, "clerk", "POST", base+"/mediation", map[string]any{"unit_id": e.Unit["village"], "flow": "people", "note": "双方同意调解"})
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	id := num(m["id"])
	offer, _ := m["offer"].(map[string]any)
	if m["status"] != "offered" || offer == nil || offer["mediator"] != "med1" || num(offer["id"]) == 0 {
		t.Fatalf("open: %s", r.Body)
	}
	// The offer waits 3 working days: Thu 4 December 2025, end of day.
	if offer["due_at"] != "2025-12-04T23:59:59+08:00" {
		t.Errorf("offer due: %v", offer["due_at"])
	}
	if r = e.Do(t, "clerk", "POST", base+"/mediation", map[string]any{"unit_id": e.Unit["village"], "flow": "people", "note": "再开"}); r.Status != 409 {
		t.Errorf("second open: %d %s", r.Status, r.Body)
	}
	mp := fmt.Sprintf("/api/v1/mediations/%d", id)

	// med2 may not answer med1's offer; med1 declines with a reason.
	if r = e.Do(t, "med2", "POST", fmt.Sprintf("%s/offers/%d/accept", mp, num(offer["id"])), nil); r.Status != 403 && r.Status != 404 {
		t.Errorf("someone else's offer: %d %s", r.Status, r.Body)
	}
	if r = e.Do(t, "med1", "POST", fmt.Sprintf("%s/offers/%d/decline", mp, num(offer["id"])), map[string]any{"reason": " "}); r.Status != 400 || r.Field(t, "reason") == "" {
		t.Errorf("decline without reason: %d %s", r.Status, r.Body)
	}
	r = e.Do(t, "med1", "POST", fmt.Sprintf("%s/offers/%d/decline", mp, num(offer["id"])), map[string]any{"reason": "本周外出培训"})
	if r.Status != 200 {
		t.Fatalf("decline: %d %s", r.Status, r.Body)
	}
	m = r.JSON(t)
	offer, _ = m["offer"].(map[string]any)
	if m["status"] != "offered" || offer == nil || offer["mediator"] != "med2" {
		t.Fatalf("re-offer: %s", r.Body)
	}
	r = e.Do(t, "med2", "POST", fmt.Sprintf("%s/offers/%d/accept", mp, num(offer["id"])), nil)
	if r.Status != 200 || r.JSON(t)["status"] != "active" || r.JSON(t)["mediator"] != "med2" {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	got, err := e.Cases.Find(ctx, e.Actor("supervisor"), c.No)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "in_progress" || got.AssigneeID == nil || *got.AssigneeID != e.Users["med2"].ID {
		t.Errorf("case after acceptance: status %s assignee %v", got.Status, got.AssigneeID)
	}
	clocksOf := func() map[string]map[string]any {
		r := e.Do(t, "supervisor", "GET", base+"/clocks", nil)
		if r.Status != 200 {
			t.Fatalf("clocks: %d %s", r.Status, r.Body)
		}
		out := map[string]map[string]any{}
		var list []any
		switch v := r.JSON(t)["items"].(type) {
		case []any:
			list = v
		}
		for _, x := range list {
			k := x.(map[string]any)
			out[k["kind"].(string)] = k
		}
		return out
	}
	ks := clocksOf()
	// People's mediation: 30 calendar days from Mon 1 Dec 2025 → Wed 31 Dec.
	if k := ks["mediation"]; k == nil || k["status"] != "running" || !strings.HasPrefix(k["due"].(string), "2025-12-31T23:59:59") {
		t.Errorf("mediation clock: %v", k)
	}
	if k := ks["judicial_confirmation"]; k != nil {
		t.Errorf("confirmation clock before the agreement: %v", k)
	}

	// A confirmation before an agreement.
	if r = e.Do(t, "med2", "POST", mp+"/confirmation", map[string]any{"court_unit_id": e.Unit["court"], "applied_on": "2025-12-01"}); r.Status != 400 {
		t.Errorf("confirmation before agreement: %d %s", r.Status, r.Body)
	}

	// Sessions: one in the past is refused on starts_at; two scheduled.
	participants := []map[string]any{{"name": "李秀英", "role": "applicant"}, {"name": "王建国", "role": "respondent"}}
	r = e.Do(t, "med2", "POST", mp+"/sessions", map[string]any{"kind": "in_person", "starts_at": "2025-11-30T09:30:00+08:00",
		"place": "西大街社区调解室", "participants": participants})
	if r.Status != 400 || r.Field(t, "starts_at") != "调解时间不能早于当前时间" {
		t.Errorf("past session: %d %s", r.Status, r.Body)
	}
	r = e.Do(t, "med2", "POST", mp+"/sessions", map[string]any{"kind": "in_person", "starts_at": "2025-12-03T09:30:00+08:00",
		"place": "西大街社区调解室", "participants": participants})
	if r.Status != 201 {
		t.Fatalf("session 1: %d %s", r.Status, r.Body)
	}
	s1 := num(r.JSON(t)["id"])
	r = e.Do(t, "med2", "POST", mp+"/sessions", map[string]any{"kind": "video", "starts_at": "2025-12-05T15:00:00+08:00",
		"participants": participants})
	if r.Status != 201 || !strings.HasPrefix(r.JSON(t)["link"].(string), "https://meet.example.gov.cn/room/") {
		t.Fatalf("session 2: %d %s", r.Status, r.Body)
	}
	// Four reminders: 24 h and 1 h before each.
	var when []string
	for _, j := range e.Reminders(t) {
		when = append(when, j.ScheduledAt.In(calendar.China).Format("01-02 15:04"))
	}
	if fmt.Sprint(when) != "[12-02 09:30 12-03 08:30 12-04 15:00 12-05 14:00]" {
		t.Errorf("reminders at %v", when)
	}
	e.Set(at("2025-12-03 08:30"))
	if err := e.Mediation.Remind(ctx, mediation.ReminderArgs{SessionID: s1, LeadMinutes: 60}); err != nil {
		t.Fatal(err)
	}
	e.Set(at("2025-12-03 11:00"))
	if r = e.Do(t, "med2", "POST", fmt.Sprintf("%s/sessions/%d/minutes", mp, s1), map[string]any{"minutes": "双方陈述意见，约定周五视频再谈。"}); r.Status != 200 {
		t.Errorf("minutes: %d %s", r.Status, r.Body)
	}

	// The agreement on Monday 8 December.
	e.Set(at("2025-12-08 10:00"))
	r = e.Do(t, "med2", "POST", mp+"/outcome", map[string]any{"kind": "agreement", "form": "written", "facts": "",
		"terms": []map[string]any{{"party": "王建国", "obligation": "", "due": "2025-12-01"}}})
	if r.Status != 400 || r.Field(t, "facts") == "" || r.Field(t, "terms[0].obligation") == "" || r.Field(t, "terms[0].due") == "" {
		t.Errorf("agreement without required fields: %d %s", r.Status, r.Body)
	}
	terms := []map[string]any{
		{"party": "王建国", "obligation": "拆除楼道内搭建的彩钢棚，恢复通道原状", "due": "2025-12-20"},
		{"party": "李秀英", "obligation": "承担拆除费用的一半计人民币六百元", "due": "2026-01-10"},
	}
	r = e.Do(t, "med2", "POST", mp+"/outcome", map[string]any{"kind": "agreement", "form": "written",
		"facts": "王建国在楼道搭建彩钢棚，阻挡李秀英出行；双方就是否拆除及费用分担发生争议。", "terms": terms})
	if r.Status != 200 || r.JSON(t)["status"] != "agreed" {
		t.Fatalf("agreement: %d %s", r.Status, r.Body)
	}
	agreed := r.JSON(t)
	termList := agreed["terms"].([]any)
	if len(termList) != 2 {
		t.Fatalf("terms: %v", termList)
	}
	if got, _ = e.Cases.Find(ctx, e.Actor("supervisor"), c.No); got.Status != "resolved" {
		t.Errorf("case after agreement: %s", got.Status)
	}
	if r = e.Do(t, "med2", "POST", mp+"/outcome", map[string]any{"kind": "failure", "reason": "withdrawn"}); r.Status != 409 {
		t.Errorf("second outcome: %d %s", r.Status, r.Body)
	}

	// The 调解协议书.
	r = e.Do(t, "med2", "GET", mp+"/agreement.pdf", nil)
	switch {
	case e.Docs.Renderer == nil:
		if r.Status != 503 {
			t.Errorf("agreement without a font: %d", r.Status)
		}
	case r.Status != 200 || r.Type != "application/pdf":
		t.Errorf("agreement.pdf: %d %s", r.Status, r.Type)
	default:
		text := pdftest.Text(t, r.Body)
		if text != "" {
			for _, want := range []string{"人民调解协议书", c.No, "李秀英", "王建国", terms[0]["obligation"].(string),
				terms[1]["obligation"].(string), "西大街社区人民调解委员会", "钱调解", "2025年12月8日", "司法确认"} {
				if !strings.Contains(text, want) {
					t.Errorf("agreement text lacks %q: %s", want, text)
				}
			}
			// The stored copy masks the ID number, whoever generated it.
			if strings.Contains(text, "610902198001010027") || !strings.Contains(text, "6109**********0027") {
				t.Errorf("stored agreement must mask the ID number: %s", text)
			}
		}
		// A copy with full ID numbers only under the reveal rule: a reason,
		// the permission, a pii_revealed event; nothing stored.
		if r := e.Do(t, "leader", "GET", mp+"/agreement.pdf?reveal_reason=打印签字", nil); r.Status != 403 && r.Status != 404 {
			t.Errorf("a leader reveals: %d", r.Status)
		}
		r = e.Do(t, "med2", "GET", mp+"/agreement.pdf?reveal_reason="+url.QueryEscape("打印协议供当事人签字"), nil)
		if r.Status != 200 {
			t.Fatalf("revealed agreement: %d %s", r.Status, r.Body)
		}
		if text := pdftest.Text(t, r.Body); text != "" && !strings.Contains(text, "610902198001010027") {
			t.Errorf("revealed agreement lacks the full ID number: %s", text)
		}
		if note, _ := lastEvent(t, e, c.No, "pii_revealed"); note != "打印协议供当事人签字" {
			t.Errorf("reveal not on the timeline: %q", note)
		}
	}

	ks = clocksOf()
	if k := ks["mediation"]; k == nil || k["status"] != "met" {
		t.Errorf("mediation clock after the agreement: %v", k)
	}
	// 30 calendar days from Mon 8 Dec 2025 → Wed 7 Jan 2026.
	if k := ks["judicial_confirmation"]; k == nil || k["status"] != "running" || !strings.HasPrefix(k["due"].(string), "2026-01-07T23:59:59") ||
		!strings.Contains(k["source"].(string), "人民调解法") {
		t.Errorf("confirmation clock: %v", k)
	}

	// Judicial confirmation: applied, then ruled valid.
	e.Set(at("2025-12-10 09:00"))
	if r = e.Do(t, "med2", "POST", mp+"/confirmation", map[string]any{"court_unit_id": e.Unit["village"], "applied_on": "2025-12-10"}); r.Status != 400 || r.Field(t, "court_unit_id") == "" {
		t.Errorf("confirmation to a committee: %d %s", r.Status, r.Body)
	}
	if r = e.Do(t, "med2", "POST", mp+"/confirmation", map[string]any{"court_unit_id": e.Unit["court"], "applied_on": "2025-12-10"}); r.Status != 200 {
		t.Fatalf("confirmation: %d %s", r.Status, r.Body)
	}
	if k := clocksOf()["judicial_confirmation"]; k == nil || k["status"] != "met" {
		t.Errorf("confirmation clock after applying: %v", k)
	}
	e.Set(at("2025-12-15 16:00"))
	r = e.Do(t, "med2", "POST", mp+"/confirmation/ruling", map[string]any{"result": "valid", "ruled_on": "2025-12-15", "ruling_no": "（2025）陕0902民特123号"})
	if r.Status != 200 {
		t.Fatalf("ruling: %d %s", r.Status, r.Body)
	}
	if conf := r.JSON(t)["confirmation"].(map[string]any); conf["result"] != "valid" || conf["court_name"] != "汉滨区人民法院" {
		t.Errorf("confirmation: %v", conf)
	}

	// Performance: the first obligation performed; the second falls overdue.
	t1 := num(termList[0].(map[string]any)["id"])
	e.Set(at("2025-12-21 10:00"))
	if r = e.Do(t, "med2", "POST", fmt.Sprintf("%s/terms/%d/performance", mp, t1), map[string]any{"status": "done"}); r.Status != 400 || r.Field(t, "status") == "" {
		t.Errorf("bad performance: %d %s", r.Status, r.Body)
	}
	if r = e.Do(t, "med2", "POST", fmt.Sprintf("%s/terms/%d/performance", mp, t1), map[string]any{"status": "performed", "note": "回访确认已拆除"}); r.Status != 200 {
		t.Fatalf("performance: %d %s", r.Status, r.Body)
	}
	e.Set(at("2026-01-12 10:00"))
	r = e.Do(t, "supervisor", "GET", "/api/v1/mediation/overdue", nil)
	if list := r.JSON(t)["items"].([]any); len(list) != 1 || list[0].(map[string]any)["party"] != "李秀英" || list[0].(map[string]any)["case_no"] != c.No {
		t.Errorf("overdue: %s", r.Body)
	}

	// Every step on the timeline, in order.
	full, err := e.Cases.Get(ctx, e.Actor("supervisor"), c.No)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range full.Events {
		k := ev.Kind
		if k == "transition" {
			k += ":" + string(ev.ToStatus)
		}
		if k == "document_generated" && e.Docs.Renderer == nil {
			continue
		}
		kinds = append(kinds, k)
	}
	want := []string{"registered", "transition:accepted", "transition:in_progress", "mediation_opened", "mediation_offered",
		"mediation_declined", "mediation_offered", "assigned", "mediation_accepted", "mediation_session", "mediation_session",
		"mediation_reminder", "mediation_minutes", "mediation_outcome", "transition:resolved", "document_generated",
		"pii_revealed", "judicial_confirmation", "judicial_ruling", "mediation_performance"}
	if e.Docs.Renderer == nil { // neither the document nor the revealed copy
		want = append(want[:15], want[17:]...)
	}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Errorf("timeline:\n got %v\nwant %v", kinds, want)
	}

	// Hand-offs: outside the region chain refused; to the court and back.
	if r = e.Do(t, "clerk", "POST", base+"/handoffs", map[string]any{"kind": "诉调", "direction": "out", "to_unit_id": e.Unit["far"], "reason": "移送"}); r.Status != 400 || r.Field(t, "to_unit_id") == "" {
		t.Errorf("hand-off outside the chain: %d %s", r.Status, r.Body)
	}
	if r = e.Do(t, "clerk", "POST", base+"/handoffs", map[string]any{"kind": "民调", "direction": "out", "to_unit_id": e.Unit["court"], "reason": "x"}); r.Status != 400 || r.Field(t, "kind") == "" {
		t.Errorf("bad hand-off kind: %d %s", r.Status, r.Body)
	}
	r = e.Do(t, "clerk", "POST", base+"/handoffs", map[string]any{"kind": "诉调", "direction": "out", "to_unit_id": e.Unit["court"], "reason": "协议履行争议，引导诉讼"})
	if r.Status != 201 || r.JSON(t)["status"] != "sent" {
		t.Fatalf("hand-off: %d %s", r.Status, r.Body)
	}
	hid := num(r.JSON(t)["id"])
	r = e.Do(t, "clerk", "PATCH", fmt.Sprintf("%s/handoffs/%d", base, hid), map[string]any{"result": "法院已立案"})
	if r.Status != 200 || r.JSON(t)["status"] != "returned" || r.JSON(t)["result"] != "法院已立案" {
		t.Errorf("hand-off result: %d %s", r.Status, r.Body)
	}
	if r = e.Do(t, "clerk", "PATCH", fmt.Sprintf("%s/handoffs/%d", base, hid), map[string]any{"result": "again"}); r.Status != 409 {
		t.Errorf("second hand-off result: %d %s", r.Status, r.Body)
	}
	// Someone outside the region sees nothing.
	if r = e.Do(t, "other", "GET", mp, nil); r.Status != 404 {
		t.Errorf("outside the region: %d", r.Status)
	}
}
