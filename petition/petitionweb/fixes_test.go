package petitionweb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	clk "github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/petition/petitiontest"
)

// TestReviewFixes covers the review of issue 14's track, on both
// databases: acceptance and decline of a case the core already accepted
// or is handling; transfer only to a unit whose region contains the
// case's; the sweep's batch not held by rows already marked; campaigns of
// another region answer 404 and their deletion untags on the timeline;
// 包案, care and representatives do not put an ordinary case on the track;
// resolution_success on the resolving transition; 不再受理 found behind
// many later petitions of the same person.
func TestReviewFixes(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				fn   func(t *testing.T, e *petitiontest.Env)
			}{
				{"accept_decline_core_status", fixAcceptDecline},
				{"transfer_region", fixTransferRegion},
				{"sweep_batch", fixSweepBatch},
				{"campaign_scope", fixCampaignScope},
				{"aside_steps", fixAsideSteps},
				{"resolution_success", fixResolutionSuccess},
				{"not_accepted_behind_many", fixNotAcceptedBehindMany},
			} {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, petitiontest.New(t, d)) })
			}
		})
	}
}

var system = kernel.Actor{Name: "系统", System: true}

// onTrack registers a matter through the county office, classifies it and
// transfers it to the county 人社局.
func onTrack(t *testing.T, e *petitiontest.Env, name, phone, subject string, core ...cases.Status) *cases.Registration {
	t.Helper()
	ctx := context.Background()
	reg := register(t, e, "office", name, phone, subject, "610902001003", nil)
	for _, to := range core {
		if _, err := e.Cases.Transition(ctx, system, reg.Case.No, to, "核心流程先行办理"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Petition.Classify(ctx, e.Member("office"), reg.Case.No, petition.ClassClaim, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Petition.Transfer(ctx, e.Member("office"), reg.Case.No, e.Units["hr"].ID, "交办", ""); err != nil {
		t.Fatal(err)
	}
	return reg
}

func fixAcceptDecline(t *testing.T, e *petitiontest.Env) {
	ctx := context.Background()
	hr := e.Member("hr")
	// Accepted in the core on 07-27; the petition accepted on 08-03: the
	// handling clock restarts from 08-03.
	a := onTrack(t, e, "孙受理", "13811110001", "工伤认定迟迟不予答复", cases.StatusAccepted)
	e.At(t, "2026-08-03")
	st, err := e.Petition.Accept(ctx, hr, a.Case.No, "予以受理")
	if err != nil {
		t.Fatalf("accept of a case accepted in the core: %v", err)
	}
	if st.Stage != petition.StageAccepted || st.CaseStatus != string(cases.StatusAccepted) {
		t.Fatalf("state: %+v", st)
	}
	k, err := e.Clocks.FindIn(ctx, nil, a.Case.ID, clk.Handling)
	if err != nil || k == nil {
		t.Fatal(k, err)
	}
	if got := calendar.DateOf(k.Start).String(); got != "2026-08-03" || k.Status != clk.Running {
		t.Errorf("handling clock: start %s %s, want 2026-08-03 running", got, k.Status)
	}
	ev := events(t, e, a.Case.No, petition.EventAccepted)
	if len(ev) != 1 || ev[0]["case_status_kept"] != "accepted" || ev[0]["clock"] != "handling" {
		t.Errorf("accepted event: %v", ev)
	}
	// The petition track goes on: reply resolves the case.
	if st, err := e.Petition.Reply(ctx, hr, a.Case.No, "support", "经查属实", "《工伤保险条例》"); err != nil || st.CaseStatus != "resolved" {
		t.Fatalf("reply after acceptance: %+v %v", st, err)
	}

	// In progress in the core: accepted, the handling clock started.
	b := onTrack(t, e, "钱办理", "13811110002", "养老保险转移接续受阻", cases.StatusAccepted, cases.StatusInProgress)
	if st, err := e.Petition.Accept(ctx, hr, b.Case.No, ""); err != nil || st.Stage != petition.StageAccepted || st.CaseStatus != "in_progress" {
		t.Fatalf("accept of a case in progress: %+v %v", st, err)
	}

	// Declined while the core handles it: the decline is recorded, the
	// case keeps its status and its handling.
	c := onTrack(t, e, "赵不受理", "13811110003", "企业未签订劳动合同", cases.StatusAccepted, cases.StatusInProgress)
	st, err = e.Petition.Decline(ctx, hr, c.Case.No, "不属于信访事项受理范围")
	if err != nil || st.Stage != petition.StageDeclined || st.CaseStatus != "in_progress" {
		t.Fatalf("decline of a case in progress: %+v %v", st, err)
	}
	if ev := events(t, e, c.Case.No, petition.EventDeclined); len(ev) != 1 || ev[0]["case_status_kept"] != "in_progress" {
		t.Errorf("declined event: %v", ev)
	}
	// Still registered in the core: rejected as before.
	d := onTrack(t, e, "周登记", "13811110004", "社保缴费基数核定错误")
	if st, err := e.Petition.Decline(ctx, hr, d.Case.No, "已通过其他途径处理"); err != nil || st.CaseStatus != "rejected" {
		t.Fatalf("decline of a registered case: %+v %v", st, err)
	}
}

func fixTransferRegion(t *testing.T, e *petitiontest.Env) {
	ctx := context.Background()
	office := e.Member("office")
	reg := register(t, e, "office", "吴跨区", "13811112001", "拆迁安置房迟迟未交付", "610902001003", nil)
	if _, err := e.Petition.Classify(ctx, office, reg.Case.No, petition.ClassClaim, "", ""); err != nil {
		t.Fatal(err)
	}
	// A unit of a sibling county (铜川市王益区) cannot see the case.
	_, err := e.Petition.Transfer(ctx, office, reg.Case.No, e.Units["tcoffice"].ID, "转送", "")
	var ke *kernel.Error
	if kernel.ErrorCode(err) != kernel.EInvalid || !asKernel(err, &ke) || ke.Fields["to_unit_id"] == "" {
		t.Fatalf("transfer to a sibling county's unit: %v", err)
	}
	// Over HTTP: a field error on to_unit_id.
	r := do(t, e, "POST", "/api/v1/cases/"+reg.Case.No+"/petition/transfer", e.Token(t, "office"),
		map[string]any{"to_unit_id": e.Units["tcoffice"].ID, "kind": "转送"})
	if r.status != 400 || r.raw == "" {
		t.Fatalf("HTTP transfer to a sibling county: %d %s", r.status, r.raw)
	}
	// The city and the province above it: allowed; and their staff see it.
	for _, key := range []string{"city", "province"} {
		if _, err := e.Petition.Transfer(ctx, office, reg.Case.No, e.Units[key].ID, "转送", ""); err != nil {
			t.Fatalf("transfer to %s: %v", key, err)
		}
		if _, err := e.Petition.Get(ctx, e.Users[key].Actor(), reg.Case.No); err != nil {
			t.Fatalf("%s staff read it: %v", key, err)
		}
		if _, err := e.Petition.Object(ctx, e.Member(key), reg.Case.No, "不属本单位职责"); err != nil {
			t.Fatalf("%s objects: %v", key, err)
		}
	}
	if st, err := e.Petition.Transfer(ctx, office, reg.Case.No, e.Units["hr"].ID, "交办", ""); err != nil || st.Stage != petition.StageTransferred {
		t.Fatalf("transfer to the same county: %+v %v", st, err)
	}
}

func asKernel(err error, out **kernel.Error) bool {
	ke, ok := err.(*kernel.Error)
	*out = ke
	return ok
}

func fixSweepBatch(t *testing.T, e *petitiontest.Env) {
	ctx := context.Background()
	e.Petition.SweepBatch = 1
	// 07-27: three matters transferred (notify due 08-11); 督办 on two with
	// a deadline of 07-29.
	var nos []string
	for i, s := range []string{"欠薪一", "欠薪二", "欠薪三"} {
		reg := onTrack(t, e, "欠薪"+fmt.Sprint(i), fmt.Sprintf("1381111300%d", i), s+"：工地包工头拖欠工资")
		nos = append(nos, reg.Case.No)
	}
	for _, no := range nos[:2] {
		if _, err := e.Petition.Supervise(ctx, e.Member("city"), no, "2026-07-29", "请尽快办理", false); err != nil {
			t.Fatal(err)
		}
	}
	// 07-28: the 督办 deadlines are near: one reminder a sweep, then none.
	for i, want := range []petition.SweepResult{{Reminded: 1}, {Reminded: 1}, {}} {
		if got := sweep(t, e, "2026-07-28"); got != want {
			t.Errorf("07-28 sweep %d: %+v, want %+v", i+1, got, want)
		}
	}
	// 08-06: the notify clocks are due within 3 working days and both
	// 督办 overdue (reminded before, not yet marked overdue).
	for i, want := range []petition.SweepResult{{Reminded: 1, Overdue: 1}, {Reminded: 1, Overdue: 1}, {Reminded: 1}, {}} {
		if got := sweep(t, e, "2026-08-06"); got != want {
			t.Errorf("08-06 sweep %d: %+v, want %+v", i+1, got, want)
		}
	}
	for i, no := range nos {
		rem := 0
		for _, ev := range events(t, e, no, petition.EventReminder) {
			if ev["clock"] == "notify" {
				rem++
			}
		}
		over := len(events(t, e, no, petition.EventSupervisionOverdue))
		if rem != 1 || (i < 2) != (over == 1) {
			t.Errorf("case %d: %d notify reminders, %d overdue marks", i, rem, over)
		}
	}
}

func fixCampaignScope(t *testing.T, e *petitiontest.Env) {
	ctx := context.Background()
	city := e.Users["city"].Actor()
	c, err := e.Petition.CreateCampaign(ctx, city, petition.NewCampaign{Name: "百日攻坚", StartsOn: "2026-08-01", EndsOn: "2026-11-08"})
	if err != nil {
		t.Fatal(err)
	}
	reg := register(t, e, "office", "郑专项", "13811114001", "征地补偿标准争议", "610902001003", nil)
	if _, err := e.Petition.TagCase(ctx, city, c.ID, reg.Case.No, ""); err != nil {
		t.Fatal(err)
	}
	// A supervisor of another city (铜川) does not see it: 404 everywhere.
	other := kernel.Actor{UserID: 9999, Name: "外市督办", Role: kernel.RoleSupervisor, RegionCode: "610200000000"}
	n := petition.NewCampaign{Name: "改名", StartsOn: "2026-08-01", EndsOn: "2026-11-08"}
	for what, err := range map[string]error{
		"update": func() error { _, err := e.Petition.UpdateCampaign(ctx, other, c.ID, n); return err }(),
		"delete": e.Petition.DeleteCampaign(ctx, other, c.ID),
		"tag":    func() error { _, err := e.Petition.TagCase(ctx, other, c.ID, reg.Case.No, ""); return err }(),
		"untag":  func() error { _, err := e.Petition.UntagCase(ctx, other, c.ID, reg.Case.No); return err }(),
	} {
		if kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("%s of another region's campaign: %v, want not found", what, err)
		}
	}
	// A clerk below it sees it: still 403.
	if _, err := e.Petition.UpdateCampaign(ctx, e.Users["hr"].Actor(), c.ID, n); kernel.ErrorCode(err) != kernel.EForbidden {
		t.Errorf("update by a clerk: %v", err)
	}
	// Deleting it untags the case on its timeline.
	if err := e.Petition.DeleteCampaign(ctx, city, c.ID); err != nil {
		t.Fatal(err)
	}
	ev := events(t, e, reg.Case.No, petition.EventCampaignUntagged)
	if len(ev) != 1 || ev[0]["deleted"] != true || ev[0]["campaign_id"] != float64(c.ID) {
		t.Fatalf("untag events after delete: %v", ev)
	}
}

func fixAsideSteps(t *testing.T, e *petitiontest.Env) {
	ctx := context.Background()
	reg := register(t, e, "office", "冯普通", "13811115001", "邻里排水沟堵塞纠纷", "610902001003", nil)
	no := reg.Case.No
	if _, err := e.Petition.Own(ctx, e.Member("leader"), no, "2026-09-30", "领导包案化解"); err != nil {
		t.Fatalf("包案 of an ordinary case: %v", err)
	}
	if _, err := e.Petition.Care(ctx, e.Member("office"), no, "疏导", "上门做思想工作"); err != nil {
		t.Fatalf("care on an ordinary case: %v", err)
	}
	if st, err := e.Petition.Representative(ctx, e.Member("office"), no, cases.Person{Name: "代表甲", Phone: "13811115002"}); err != nil || st.Representatives != 1 {
		t.Fatalf("representative on an ordinary case: %+v %v", st, err)
	}
	if _, err := e.Petition.Store.Get(ctx, reg.Case.ID); kernel.ErrorCode(err) != kernel.ENotFound {
		t.Fatalf("an ordinary case put on the track: %v", err)
	}
	if len(events(t, e, no, petition.EventOwned)) != 1 || len(events(t, e, no, petition.EventCare)) != 1 {
		t.Fatal("包案 and care not on the timeline")
	}
	r := must(t, do(t, e, "GET", "/api/v1/cases?petition_stage=registered", e.Token(t, "office"), nil), 200, "list")
	if items, _ := r.body["items"].([]any); len(items) != 0 {
		t.Fatalf("ordinary case matches petition_stage: %s", r.raw)
	}
	// On a case on the track, the row is kept and updated as before.
	on := onTrack(t, e, "陈在办", "13811115003", "劳务派遣工同工不同酬")
	if _, err := e.Petition.Own(ctx, e.Member("leader"), on.Case.No, "2026-09-30", ""); err != nil {
		t.Fatal(err)
	}
	if p, err := e.Petition.Store.Get(ctx, on.Case.ID); err != nil || p.Stage != petition.StageTransferred {
		t.Fatalf("track row: %+v %v", p, err)
	}
}

// transitions returns the data of the case's transition events to status.
func transitions(t *testing.T, e *petitiontest.Env, no string, to cases.Status) []map[string]any {
	t.Helper()
	var rows []struct {
		Data string `bun:"data"`
	}
	err := e.DB.NewSelect().TableExpr("events AS ev").ColumnExpr("ev.data").
		Join("JOIN cases AS c ON c.id = ev.case_id").
		Where("c.case_no = ? AND ev.kind = ? AND ev.to_status = ?", no, cases.EventTransition, string(to)).
		OrderExpr("ev.id").Scan(context.Background(), &rows)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = map[string]any{}
		if err := json.Unmarshal([]byte(r.Data), &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func fixResolutionSuccess(t *testing.T, e *petitiontest.Env) {
	ctx := context.Background()
	hr := e.Member("hr")
	for i, tc := range []struct {
		result string
		want   bool
	}{{"support", true}, {"explain", true}, {"not_support", false}} {
		reg := onTrack(t, e, "化解"+tc.result, fmt.Sprintf("1381111600%d", i), "讨要工资"+tc.result+"争议")
		if _, err := e.Petition.Accept(ctx, hr, reg.Case.No, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Petition.Reply(ctx, hr, reg.Case.No, tc.result, "经调查核实", "《劳动合同法》"); err != nil {
			t.Fatal(err)
		}
		ev := transitions(t, e, reg.Case.No, cases.StatusResolved)
		if len(ev) != 1 || ev[0]["resolution_success"] != tc.want {
			t.Errorf("reply %s: resolved events %v, want resolution_success %v", tc.result, ev, tc.want)
		}
	}
	// 终结 of a case being handled resolves it: not a success.
	reg := onTrack(t, e, "终结人", "13811116009", "撤回的工资争议")
	if _, err := e.Petition.Accept(ctx, hr, reg.Case.No, ""); err != nil {
		t.Fatal(err)
	}
	if st, err := e.Petition.Terminate(ctx, e.Member("city"), reg.Case.No, "信访人撤回"); err != nil || st.CaseStatus != "resolved" {
		t.Fatalf("terminate: %+v %v", st, err)
	}
	if ev := transitions(t, e, reg.Case.No, cases.StatusResolved); len(ev) != 1 || ev[0]["resolution_success"] != false {
		t.Errorf("terminate: resolved events %v, want resolution_success false", ev)
	}
}

var manyTopics = []string{"路灯损坏无人维修", "小区电梯长期停运", "菜市场占道经营", "学校周边交通拥堵", "农村饮水管道破裂",
	"医保报销比例过低", "公交线路调整不便", "垃圾站臭味扰民", "企业排放废气污染", "宅基地审批迟缓", "低保资格被取消",
	"残疾人补贴未发放", "房屋漏水物业不修", "停车位被占用", "噪音施工夜间扰民", "燃气费收费异常", "树木遮挡采光",
	"农机补贴未到位", "退役军人待遇落实", "孩子入学户籍受限", "集体林权收益分配",
	"网约车平台扣款不退", "超市售卖过期食品", "养殖场粪污直排河道", "驾校退费纠纷"}

func fixNotAcceptedBehindMany(t *testing.T, e *petitiontest.Env) {
	ctx := context.Background()
	const name, phone = "何反复", "13811117001"
	subject := "征收房屋补偿款被截留"
	// 2026-07-27: the matter, its case resolved.
	a := register(t, e, "office", name, phone, subject, "610902001003", nil)
	for _, to := range []cases.Status{cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved} {
		if _, err := e.Cases.Transition(ctx, system, a.Case.No, to, "办结"); err != nil {
			t.Fatal(err)
		}
	}
	// Then more than 20 other matters of the same person, all accepted:
	// newer than it.
	now := e.Now()
	seen := map[int64]bool{}
	for i, s := range manyTopics {
		e.Set(now.Add(time.Duration(i+1) * time.Hour))
		reg, err := e.Cases.Register(ctx, e.Users["office"].Actor(), cases.Intake{Channel: kernel.ChannelWindow,
			Person: cases.Person{Name: name, Phone: phone}, Subject: s, Content: s + "。" + s + "，" + s,
			RegionCode: "610902001003", Category: "other"})
		if err != nil {
			t.Fatal(err)
		}
		if seen[reg.Case.ID] || reg.Case.ID == a.Case.ID {
			continue // the detector joined it to an earlier one
		}
		seen[reg.Case.ID] = true
		if err := e.Petition.Store.Create(ctx, &petition.Petition{CaseID: reg.Case.ID, Stage: petition.StageAccepted,
			Class: petition.ClassClaim, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) <= 20 {
		t.Fatalf("only %d later petitions", len(seen))
	}
	// The first one is through 复核 (its row set by hand).
	if err := e.Petition.Store.Create(ctx, &petition.Petition{CaseID: a.Case.ID, Stage: petition.StageReReviewDecided,
		Class: petition.ClassClaim, ReviewLevel: petition.LevelReReview, ReviewResult: "uphold", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	// The repeat, registered in another city: 不再受理.
	e.At(t, "2026-08-10")
	reg := register(t, e, "tcclerk", name, phone, subject, "610202000000", nil)
	ans, _ := reg.Extra["petition"].(petition.Answer)
	if !ans.NotAccepted || ans.EarlierCaseNo != a.Case.No {
		t.Fatalf("repeat behind %d later petitions: %+v", len(seen), reg.Extra)
	}
}
