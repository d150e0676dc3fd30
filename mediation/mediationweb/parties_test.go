package mediationweb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/mediation/mediationtest"
)

// caseClocks is the case's clocks by kind, through the API.
func caseClocks(t *testing.T, e *mediationtest.Env, no string) map[string]map[string]any {
	t.Helper()
	r := e.Do(t, "supervisor", "GET", "/api/v1/cases/"+no+"/clocks", nil)
	if r.Status != 200 {
		t.Fatalf("clocks: %d %s", r.Status, r.Body)
	}
	out := map[string]map[string]any{}
	list, _ := r.JSON(t)["items"].([]any)
	for _, x := range list {
		k := x.(map[string]any)
		out[k["kind"].(string)] = k
	}
	return out
}

// openAccepted opens a mediation of a new case by the village committee
// and has the offered mediator (med1, the best) accept it.
func openAccepted(t *testing.T, e *mediationtest.Env, applicant, phone, respondent string) (string, string) {
	t.Helper()
	c := e.Register(t, applicant, phone, "", respondent)
	r := e.Do(t, "clerk", "POST", "/api/v1/cases/"+c.No+"/mediation", map[string]any{"unit_id": e.Unit["village"], "flow": "people"})
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	offer := m["offer"].(map[string]any)
	mp := fmt.Sprintf("/api/v1/mediations/%d", num(m["id"]))
	if r = e.Do(t, offer["mediator"].(string), "POST", fmt.Sprintf("%s/offers/%d/accept", mp, num(offer["id"])), nil); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	return c.No, mp
}

func lastEvent(t *testing.T, e *mediationtest.Env, no, kind string) (string, map[string]any) {
	t.Helper()
	got, err := e.Cases.Get(context.Background(), e.Actor("supervisor"), no)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(got.Events) - 1; i >= 0; i-- {
		if got.Events[i].Kind == kind {
			return got.Events[i].Note, got.Events[i].Data
		}
	}
	t.Fatalf("no %s event on %s", kind, no)
	return "", nil
}

// A party may ask for another mediator once (the accepted mediator is
// recused, the next one offered; a second request of the same party is
// 409); a party who refuses mediation ends it: failure with the party
// and reason, the clock cancelled, the case back in the handling queue.
func TestPartyChangeAndRefusal(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := mediationtest.New(t, d)
			ctx := context.Background()
			profiles(t, e)
			no, mp := openAccepted(t, e, "李秀英", "13800138000", "王建国")

			// Bad requests: not a party, no reason; a role that may not.
			if r := e.Do(t, "clerk", "POST", mp+"/change-mediator", map[string]any{"party": "张三", "reason": "不信任"}); r.Status != 400 || r.Field(t, "party") != "“张三”不是本案当事人" {
				t.Errorf("not a party: %d %s", r.Status, r.Body)
			}
			if r := e.Do(t, "clerk", "POST", mp+"/change-mediator", map[string]any{"party": "王建国"}); r.Status != 400 || r.Field(t, "reason") == "" {
				t.Errorf("no reason: %d %s", r.Status, r.Body)
			}
			if r := e.Do(t, "other", "POST", mp+"/change-mediator", map[string]any{"party": "王建国", "reason": "x"}); r.Status != 404 {
				t.Errorf("another region's clerk: %d %s", r.Status, r.Body)
			}

			// 王建国 asks for another mediator: med1 recused, med2 offered.
			r := e.Do(t, "clerk", "POST", mp+"/change-mediator", map[string]any{"party": "王建国", "reason": "认为调解员偏向申请人"})
			if r.Status != 200 {
				t.Fatalf("change: %d %s", r.Status, r.Body)
			}
			m := r.JSON(t)
			offer, _ := m["offer"].(map[string]any)
			if m["status"] != "offered" || offer == nil || offer["mediator"] != "med2" || m["mediator"] != nil {
				t.Fatalf("after the change: %s", r.Body)
			}
			offers := m["offers"].([]any)
			if first := offers[0].(map[string]any); first["mediator"] != "med1" || first["status"] != "recused" ||
				!strings.Contains(first["reason"].(string), "当事人王建国申请更换调解员") {
				t.Errorf("med1's offer: %v", first)
			}
			changes := m["mediator_changes"].([]any)
			if len(changes) != 1 || changes[0].(map[string]any)["party"] != "王建国" || changes[0].(map[string]any)["from_mediator"] != "med1" ||
				changes[0].(map[string]any)["requested_by"] != "李窗口" {
				t.Errorf("changes: %v", changes)
			}
			if got, _ := e.Cases.Find(ctx, e.Actor("supervisor"), no); got.AssigneeID != nil {
				t.Errorf("the replaced mediator is still assigned")
			}
			if note, data := lastEvent(t, e, no, "mediation_change_requested"); note != "当事人王建国申请更换调解员赵调解：认为调解员偏向申请人" || data["party"] != "王建国" {
				t.Errorf("change event: %q %v", note, data)
			}
			// Once per party: a second request (even before med2 answers) is 409.
			if r = e.Do(t, "med1", "POST", mp+"/change-mediator", map[string]any{"party": "王建国", "reason": "再换"}); r.Status != 403 {
				t.Errorf("the replaced mediator records a request: %d %s", r.Status, r.Body)
			}
			if r = e.Do(t, "supervisor", "POST", mp+"/change-mediator", map[string]any{"party": "王建国", "reason": "再换一次"}); r.Status != 409 ||
				!strings.Contains(r.JSON(t)["error"].(map[string]any)["message"].(string), "每位当事人限一次") {
				t.Errorf("second request by the same party: %d %s", r.Status, r.Body)
			}
			r = e.Do(t, "med2", "POST", fmt.Sprintf("%s/offers/%d/accept", mp, num(offer["id"])), nil)
			if r.Status != 200 || r.JSON(t)["mediator"] != "med2" {
				t.Fatalf("med2 accepts: %d %s", r.Status, r.Body)
			}
			// 李秀英 may ask once too: med1 was asked, med3 declared a
			// relation with her; nobody is left and the mediation waits.
			r = e.Do(t, "med2", "POST", mp+"/change-mediator", map[string]any{"party": "李秀英", "reason": "希望由女性调解员调解"})
			if r.Status != 200 || r.JSON(t)["status"] != "waiting" || r.JSON(t)["offer"] != nil || len(r.JSON(t)["mediator_changes"].([]any)) != 2 {
				t.Fatalf("second party's change: %d %s", r.Status, r.Body)
			}
			if r = e.Do(t, "supervisor", "POST", mp+"/change-mediator", map[string]any{"party": "李秀英", "reason": "再换"}); r.Status != 409 {
				t.Errorf("李秀英 again: %d %s", r.Status, r.Body)
			}

			// 王建国 refuses mediation: it ends; the case is back in the queue.
			if r = e.Do(t, "clerk", "POST", mp+"/refusal", map[string]any{"party": "王建国", "reason": " "}); r.Status != 400 || r.Field(t, "reason") == "" {
				t.Errorf("refusal without reason: %d %s", r.Status, r.Body)
			}
			r = e.Do(t, "clerk", "POST", mp+"/refusal", map[string]any{"party": "王建国", "reason": "不同意调解，要求起诉"})
			if r.Status != 200 {
				t.Fatalf("refusal: %d %s", r.Status, r.Body)
			}
			m = r.JSON(t)
			out, _ := m["outcome"].(map[string]any)
			if m["status"] != "failed" || out["kind"] != "failure" || out["reason"] != "one_side_refuses" || out["party"] != "王建国" ||
				out["note"] != "不同意调解，要求起诉" || m["ended_at"] == nil {
				t.Errorf("after the refusal: %s", r.Body)
			}
			got, err := e.Cases.Find(ctx, e.Actor("supervisor"), no)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "in_progress" || got.AssigneeID != nil {
				t.Errorf("case after the refusal: %s %v", got.Status, got.AssigneeID)
			}
			if note, data := lastEvent(t, e, no, "mediation_refused"); note != "当事人王建国拒绝调解：不同意调解，要求起诉，调解终止，案件退回办理" ||
				data["reason"] != "不同意调解，要求起诉" {
				t.Errorf("refusal event: %q %v", note, data)
			}
			if k := caseClocks(t, e, no)["mediation"]; k == nil || k["status"] != "cancelled" {
				t.Errorf("mediation clock after the refusal: %v", k)
			}
			// Ended: no second refusal, outcome or change.
			for _, path := range []string{"/refusal", "/change-mediator"} {
				if r = e.Do(t, "clerk", "POST", mp+path, map[string]any{"party": "李秀英", "reason": "也不调了"}); r.Status != 409 {
					t.Errorf("%s after the end: %d %s", path, r.Status, r.Body)
				}
			}
			if r = e.Do(t, "supervisor", "POST", mp+"/outcome", map[string]any{"kind": "failure", "reason": "withdrawn"}); r.Status != 409 {
				t.Errorf("outcome after the refusal: %d %s", r.Status, r.Body)
			}

			// A refusal while a mediator has the case takes it back from them.
			no2, mp2 := openAccepted(t, e, "张桂兰", "13700137000", "刘德明")
			if got, _ := e.Cases.Find(ctx, e.Actor("supervisor"), no2); got.AssigneeID == nil || *got.AssigneeID != e.Users["med1"].ID {
				t.Fatalf("second case not assigned to med1: %v", got.AssigneeID)
			}
			if r = e.Do(t, "med1", "POST", mp2+"/refusal", map[string]any{"party": "张桂兰", "reason": "已自行和解"}); r.Status != 200 {
				t.Fatalf("refusal of an active mediation: %d %s", r.Status, r.Body)
			}
			got, _ = e.Cases.Find(ctx, e.Actor("supervisor"), no2)
			if got.Status != "in_progress" || got.AssigneeID != nil {
				t.Errorf("second case after the refusal: %s %v", got.Status, got.AssigneeID)
			}
			if note, _ := lastEvent(t, e, no2, "assigned"); !strings.Contains(note, "当事人张桂兰拒绝调解：已自行和解") {
				t.Errorf("assignment taken back with: %q", note)
			}
		})
	}
}

// Extensions of the mediation clock only with a reason and the parties'
// agreement, by the mediation's mediator or a supervisor, in the clock's
// unit, on the timeline.
func TestMediationExtension(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := mediationtest.New(t, d)
			profiles(t, e)
			no, mp := openAccepted(t, e, "李秀英", "13800138000", "王建国")
			before := caseClocks(t, e, no)["mediation"]
			if before == nil || !strings.HasPrefix(before["due"].(string), "2025-12-31T23:59:59") {
				t.Fatalf("mediation clock: %v", before)
			}
			for _, tc := range []struct {
				body  map[string]any
				field string
			}{
				{map[string]any{"days": 10, "reason": "双方同意再协商一次", "parties_agreed": false}, "parties_agreed"},
				{map[string]any{"days": 10, "reason": "双方同意再协商一次"}, "parties_agreed"},
				{map[string]any{"days": 10, "reason": " ", "parties_agreed": true}, "reason"},
				{map[string]any{"days": 0, "reason": "再协商", "parties_agreed": true}, "days"},
			} {
				if r := e.Do(t, "med1", "POST", mp+"/extensions", tc.body); r.Status != 400 || r.Field(t, tc.field) == "" {
					t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
				}
			}
			if r := e.Do(t, "clerk", "POST", mp+"/extensions", map[string]any{"days": 10, "reason": "再协商", "parties_agreed": true}); r.Status != 403 {
				t.Errorf("a clerk extends: %d %s", r.Status, r.Body)
			}
			if k := caseClocks(t, e, no)["mediation"]; k["due"] != before["due"] || len(k["extensions"].([]any)) != 0 {
				t.Fatalf("a refused extension changed the clock: %v", k)
			}
			// The core's clock route does not ask for the parties' agreement:
			// it refuses a mediation clock and names the route that does.
			core := e.Do(t, "supervisor", "POST", "/api/v1/cases/"+no+"/clocks/mediation/extensions",
				map[string]any{"days": 10, "unit": "calendar_days", "reason": "再协商"})
			if core.Status != 409 || !strings.Contains(string(core.Body), "须当事人同意") {
				t.Errorf("core extension of a mediation clock: %d %s", core.Status, core.Body)
			}
			r := e.Do(t, "med1", "POST", mp+"/extensions", map[string]any{"days": 10, "reason": "双方同意待鉴定意见后再协商", "parties_agreed": true})
			if r.Status != 201 {
				t.Fatalf("extend: %d %s", r.Status, r.Body)
			}
			// 31 December + 10 calendar days is Saturday 10 January 2026, a
			// rest day: the period ends on Monday 12 January.
			v := r.JSON(t)
			if v["kind"] != "mediation" || !strings.HasPrefix(v["due"].(string), "2026-01-12T23:59:59") {
				t.Errorf("extended clock: %s", r.Body)
			}
			k := caseClocks(t, e, no)["mediation"]
			exts := k["extensions"].([]any)
			if k["due"] != v["due"] || k["status"] != "running" || len(exts) != 1 {
				t.Fatalf("clock after the extension: %v", k)
			}
			if x := exts[0].(map[string]any); num(x["days"]) != 10 || x["unit"] != "calendar_days" || x["reason"] != "双方同意待鉴定意见后再协商" || x["approved_by"] != "赵调解" {
				t.Errorf("extension: %v", x)
			}
			note, data := lastEvent(t, e, no, "clock_extended")
			if note != "人民调解期限经各方当事人同意延长10日，至2026年1月12日：双方同意待鉴定意见后再协商" || data["parties_agreed"] != true {
				t.Errorf("timeline: %q %v", note, data)
			}
		})
	}
}

// The units of the case's region line, for the confirmation's court and
// the hand-off's unit: any staff who see the case, nearest first.
func TestCaseUnits(t *testing.T) {
	e := mediationtest.New(t, "sqlite")
	c := e.Register(t, "李秀英", "13800138000", "", "王建国")
	names := func(user, query string) (int, string) {
		r := e.Do(t, user, "GET", "/api/v1/cases/"+c.No+"/mediation/units"+query, nil)
		if r.Status != 200 {
			return r.Status, string(r.Body)
		}
		var out []string
		for _, it := range r.JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["name"].(string))
		}
		return r.Status, strings.Join(out, ",")
	}
	if s, got := names("med1", "?kind=court"); s != 200 || got != "汉滨区人民法院" {
		t.Errorf("courts: %d %s", s, got)
	}
	if s, got := names("clerk", ""); s != 200 || got != "西大街社区人民调解委员会,老城街道人民调解委员会,汉滨区医疗纠纷人民调解委员会,汉滨区人民法院" {
		t.Errorf("every unit of the line: %d %s", s, got)
	}
	if s, _ := names("other", "?kind=court"); s != 404 {
		t.Errorf("another region's clerk: %d", s)
	}
}
