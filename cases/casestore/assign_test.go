package casestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/staff/staffstore"
)

// addStaff creates an account so that assignments can refer to it.
func addStaff(t *testing.T, db *bun.DB, username string, role kernel.Role, region string) *cases.Assignee {
	t.Helper()
	now := time.Now().UTC()
	u := &staff.User{Username: username, DisplayName: username, Role: role, RegionCode: region,
		PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
	if err := staffstore.New(db).CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return &cases.Assignee{UserID: u.ID, Name: u.DisplayName, Role: role, RegionCode: region}
}

func TestAssign(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		reg, err := svc.Register(ctx, clerk, intake())
		if err != nil {
			t.Fatal(err)
		}
		no := reg.Case.No
		if a := addStaff(t, db, "clerk", kernel.RoleWindowClerk, hanbin); a.UserID != clerk.UserID {
			t.Fatalf("the clerk's account has id %d", a.UserID)
		}
		mediator := addStaff(t, db, "wang", kernel.RoleMediator, hanbin)
		supervisorA := addStaff(t, db, "zhao", kernel.RoleSupervisor, hanbin)
		boss := kernel.Actor{UserID: supervisorA.UserID, Name: "zhao", Role: kernel.RoleSupervisor, RegionCode: hanbin}
		leader := addStaff(t, db, "leader", kernel.RoleLeader, hanbin)
		tongchuan := addStaff(t, db, "tc", kernel.RoleMediator, wangyi)

		// A clerk may not hand a case to someone else.
		if _, err := svc.Assign(ctx, clerk, no, mediator, ""); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("clerk assigns: %v", err)
		}
		if _, err := svc.Assign(ctx, boss, no, leader, ""); kernel.ErrorFields(err)["assignee"] == "" {
			t.Errorf("assign to a leader: %v", err)
		}
		if _, err := svc.Assign(ctx, boss, no, tongchuan, ""); kernel.ErrorFields(err)["assignee"] == "" {
			t.Errorf("assign outside the assignee's region: %v", err)
		}
		c, err := svc.Assign(ctx, boss, no, mediator, "请三日内联系当事人")
		if err != nil {
			t.Fatal(err)
		}
		if c.AssigneeID == nil || *c.AssigneeID != mediator.UserID || c.AssigneeName != "wang" {
			t.Fatalf("assigned case %+v", c)
		}
		// Again: nothing changes, no second event.
		if _, err := svc.Assign(ctx, boss, no, mediator, ""); err != nil {
			t.Fatal(err)
		}
		// The mediator cannot take over a case that someone holds...
		self := kernel.Actor{UserID: mediator.UserID, Name: "wang", Role: kernel.RoleMediator, RegionCode: hanbin}
		if _, err := svc.Assign(ctx, clerk, no, &cases.Assignee{UserID: clerk.UserID, Role: clerk.Role}, ""); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("clerk claims an assigned case: %v", err)
		}
		// ...but lists it as their own.
		mine, err := svc.List(ctx, self, cases.CaseFilter{AssigneeID: mediator.UserID})
		if err != nil || len(mine) != 1 || mine[0].No != no || mine[0].AssigneeName != "wang" {
			t.Fatalf("caseload %v %v", mine, err)
		}
		if free, _ := svc.List(ctx, self, cases.CaseFilter{Unassigned: true}); len(free) != 0 {
			t.Errorf("unassigned lists %d", len(free))
		}
		// Taken back, then claimed by the mediator themselves (认领).
		if _, err := svc.Assign(ctx, boss, no, nil, "重新分派"); err != nil {
			t.Fatal(err)
		}
		if free, _ := svc.List(ctx, self, cases.CaseFilter{Unassigned: true}); len(free) != 1 {
			t.Errorf("unassigned lists %d after taking back", len(free))
		}
		if _, err := svc.Assign(ctx, self, no, mediator, ""); err != nil {
			t.Fatalf("claim: %v", err)
		}
		got, err := svc.Get(ctx, clerk, no)
		if err != nil {
			t.Fatal(err)
		}
		var assigned []cases.Event
		for _, e := range got.Events {
			if e.Kind == cases.EventAssigned {
				assigned = append(assigned, e)
			}
		}
		if len(assigned) != 3 {
			t.Fatalf("%d assignment events, want 3: %+v", len(assigned), assigned)
		}
		if assigned[0].Note != "请三日内联系当事人" || assigned[0].Data["assignee"] != "wang" || assigned[0].ActorName != "zhao" {
			t.Errorf("first assignment %+v", assigned[0])
		}
		if _, ok := assigned[1].Data["assignee_id"]; ok || assigned[1].Data["previous"] != "wang" {
			t.Errorf("taking back %+v", assigned[1])
		}
		// Closed cases are not handed out.
		if _, err := svc.Transition(ctx, clerk, no, cases.StatusRejected, "不属于受理范围"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Assign(ctx, boss, no, supervisorA, ""); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("assign a rejected case: %v", err)
		}
	})
}

func TestRequestInfoAndSupplement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, clock := newService(t, db)
		resident := kernel.SystemActor("群众（微信）")
		mine := intake()
		mine.Channel, mine.ResidentID = kernel.ChannelWeChat, 7
		reg, err := svc.Register(ctx, resident, mine)
		if err != nil {
			t.Fatal(err)
		}
		no := reg.Case.No
		if _, err := svc.RequestInfo(ctx, clerk, no, "  "); kernel.ErrorFields(err)["request"] == "" {
			t.Errorf("empty request: %v", err)
		}
		leader := kernel.Actor{UserID: 9, Name: "领导", Role: kernel.RoleLeader, RegionCode: hanbin}
		if _, err := svc.RequestInfo(ctx, leader, no, "请补充照片"); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("leader requests: %v", err)
		}
		c, err := svc.RequestInfo(ctx, clerk, no, "请补充彩钢棚现场照片和协商记录")
		if err != nil {
			t.Fatal(err)
		}
		if c.InfoRequestedAt == nil {
			t.Fatal("the case must show it waits for the resident")
		}
		waiting, err := svc.List(ctx, clerk, cases.CaseFilter{AwaitingInfo: true})
		if err != nil || len(waiting) != 1 {
			t.Fatalf("awaiting info lists %d, %v", len(waiting), err)
		}
		got, _, err := svc.ResidentCase(ctx, 7, no)
		if err != nil {
			t.Fatal(err)
		}
		if r, _, ok := got.InfoRequest(); !ok || r != "请补充彩钢棚现场照片和协商记录" {
			t.Errorf("request seen by the resident: %q %v", r, ok)
		}

		// Another resident cannot supplement the case; the owner can.
		if _, err := svc.Supplement(ctx, resident, 8, no, cases.Intake{Channel: kernel.ChannelWeChat, Content: "我也补充"}); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("another resident supplements: %v", err)
		}
		clock.Add(time.Hour)
		sup := cases.Intake{Channel: kernel.ChannelWeChat, Person: cases.Person{Name: "李秀英"},
			Content: "已拍摄现场照片，协商记录见附件。", SourceKey: "me:7:k1"}
		r1, err := svc.Supplement(ctx, resident, 7, no, sup)
		if err != nil {
			t.Fatal(err)
		}
		if r1.Decision != cases.DecisionAttached || r1.Case.No != no || r1.Case.InfoRequestedAt != nil {
			t.Fatalf("supplement %+v", r1)
		}
		r2, err := svc.Supplement(ctx, resident, 7, no, sup) // a retry
		if err != nil || !r2.Replayed || r2.Intake.Ref != r1.Intake.Ref {
			t.Fatalf("retry: %+v %v", r2, err)
		}
		got, _, err = svc.ResidentCase(ctx, 7, no)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Intakes) != 2 || got.Intakes[1].Subject != "补充材料："+reg.Case.Subject || got.Intakes[1].ResidentID != 7 {
			t.Fatalf("intakes after supplement: %+v", got.Intakes)
		}
		if _, _, ok := got.InfoRequest(); ok {
			t.Error("the request is still open after the answer")
		}
		last := got.Events[len(got.Events)-1]
		if last.Kind != cases.EventIntakeAdded || last.Data["supplement"] != true || last.Data["answers_request"] != true {
			t.Errorf("supplement event %+v", last)
		}
		if _, err := svc.RequestInfo(ctx, clerk, no, "请再补充一张照片"); err != nil {
			t.Fatal(err)
		}
		c, err = svc.Transition(ctx, clerk, no, cases.StatusRejected, "不属于受理范围")
		if err != nil {
			t.Fatal(err)
		}
		if c.InfoRequestedAt != nil {
			t.Error("a rejected case still waits for the resident")
		}
		if _, err := svc.Supplement(ctx, resident, 7, no, cases.Intake{Channel: kernel.ChannelWeChat, Content: "再补充"}); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("supplement a closed case: %v", err)
		}
		if _, err := svc.RequestInfo(ctx, clerk, no, "请补充"); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("request on a rejected case: %v", err)
		}
	})
}
