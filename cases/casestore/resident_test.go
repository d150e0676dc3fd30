package casestore_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
)

func TestResidentCases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		mine := intake()
		mine.Channel, mine.ResidentID = kernel.ChannelWeChat, 7
		reg, err := svc.Register(ctx, kernel.SystemActor("微信"), mine)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Register(ctx, clerk, intake()); err != nil { // someone else's
			t.Fatal(err)
		}
		list, err := svc.ResidentCases(ctx, 7, 0, 10)
		if err != nil || len(list) != 1 || list[0].No != reg.Case.No {
			t.Fatalf("resident 7 sees %v, %v", list, err)
		}
		if list, _ := svc.ResidentCases(ctx, 8, 0, 10); len(list) != 0 {
			t.Errorf("resident 8 sees %d cases", len(list))
		}
		if _, _, err := svc.ResidentCase(ctx, 8, reg.Case.No); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("another resident's case: %v", err)
		}
		c, ev, err := svc.ResidentCase(ctx, 7, reg.Case.No)
		if err != nil || ev != nil || len(c.Intakes) != 1 {
			t.Fatalf("own case: %v %v %v", c, ev, err)
		}
		if _, err := svc.Evaluate(ctx, 7, reg.Case.No, "satisfied", "谢谢"); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("evaluation before resolution: %v", err)
		}
		for _, to := range []cases.Status{cases.StatusAccepted, cases.StatusInProgress, cases.StatusResolved} {
			if _, err := svc.Transition(ctx, clerk, reg.Case.No, to, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Evaluate(ctx, 7, reg.Case.No, "great", ""); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("unknown rating: %v", err)
		}
		if _, err := svc.Evaluate(ctx, 7, reg.Case.No, "basically_satisfied", "处理及时"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Evaluate(ctx, 7, reg.Case.No, "satisfied", ""); kernel.ErrorCode(err) != kernel.EConflict {
			t.Errorf("second evaluation: %v", err)
		}
		c, ev, err = svc.ResidentCase(ctx, 7, reg.Case.No)
		if err != nil || ev == nil || ev.Rating != "basically_satisfied" || c.Events[len(c.Events)-1].Kind != cases.EventEvaluated {
			t.Fatalf("after evaluation: %+v %v", ev, err)
		}
	})
}

func TestAddIntake(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		reg, err := svc.Register(ctx, clerk, intake())
		if err != nil {
			t.Fatal(err)
		}
		rec := cases.Intake{Channel: kernel.ChannelVideo, Person: cases.Person{Name: "李秀英"},
			Subject: "视频接访记录", Content: "领导视频接访，当事人陈述……，答复将于十日内协调。"}
		got, err := svc.AddIntake(ctx, clerk, reg.Case.No, rec)
		if err != nil || got.Case.No != reg.Case.No || got.Decision != cases.DecisionAttached {
			t.Fatalf("add intake: %+v %v", got, err)
		}
		c, _ := svc.Get(ctx, clerk, reg.Case.No)
		if len(c.Intakes) != 2 || c.Intakes[1].RegionCode != reg.Case.RegionCode || c.Events[len(c.Events)-1].Kind != cases.EventIntakeAdded {
			t.Fatalf("case after: %d intakes", len(c.Intakes))
		}
		other := kernel.Actor{UserID: 3, Name: "铜川", Role: kernel.RoleWindowClerk, RegionCode: wangyi}
		if _, err := svc.AddIntake(ctx, other, reg.Case.No, rec); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("outside scope: %v", err)
		}
	})
}
