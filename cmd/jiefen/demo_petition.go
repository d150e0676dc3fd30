package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/units"
)

func init() { demoSteps = append(demoSteps, petitionDemo) }

// petitionDemo puts registered cases of 安康市 on the petition track, one
// in each stage: classified, transferred, objected, accepted, extended,
// replied, under 复查, under 复核 (with a hearing), 不再受理 follow-up and
// terminated with care, and a supervised one (挂牌督办, owned by the
// leader). The steps run as the demo accounts' colleagues of each unit
// (system steps in their names: the demo accounts belong to no unit), and
// a city and a province department are added for 复查 and 复核.
func petitionDemo(ctx context.Context, app *App, byRole map[kernel.Role]*staff.User, now time.Time, out io.Writer) error {
	clerk, super, leader := byRole[kernel.RoleWindowClerk], byRole[kernel.RoleSupervisor], byRole[kernel.RoleLeader]
	if clerk == nil || super == nil || app.Clocks == nil || app.Docs == nil {
		return nil
	}
	svc, err := newPetition(app)
	if err != nil {
		return err
	}
	svc.Now = func() time.Time { return now }
	us := newUnits(app)
	sys := kernel.SystemActor("demo")
	unit := func(name, region string, kind units.Kind) (int64, error) {
		list, err := us.List(ctx, sys, units.Filter{Q: name})
		if err == nil && len(list) > 0 {
			return list[0].ID, nil
		}
		u, err := us.Create(ctx, sys, units.NewUnit{Name: name, Kind: kind, RegionCode: region})
		if err != nil {
			return 0, fmt.Errorf("demo petition: unit %s: %w", name, err)
		}
		return u.ID, nil
	}
	ids := map[string]int64{}
	for _, u := range []struct {
		key, name, region string
		kind              units.Kind
	}{
		{"office", "汉滨区信访局", "610902000000", units.KindPetitionOffice},
		{"hrss", "汉滨区人力资源和社会保障局", "610902000000", units.KindDepartment},
		{"housing", "汉滨区住房和城乡建设局", "610902000000", units.KindDepartment},
		{"city", "安康市住房和城乡建设局", "610900000000", units.KindDepartment},
		{"province", "陕西省住房和城乡建设厅", "610000000000", units.KindDepartment},
	} {
		if ids[u.key], err = unit(u.name, u.region, u.kind); err != nil {
			return err
		}
	}
	// Colleagues of each unit: system steps in a named officer's name.
	as := func(name, key string, role kernel.Role) petition.Staff {
		return petition.Staff{Actor: kernel.Actor{Name: name, Role: role, RegionCode: "610900000000", System: true},
			UnitID: ids[key]}
	}
	office, hrss, housing := as("李信访", "office", kernel.RoleWindowClerk), as("周人社", "hrss", kernel.RoleWindowClerk),
		as("吴住建", "housing", kernel.RoleMediator)
	city, province := as("郑市住建", "city", kernel.RoleSupervisor), as("冯省住建", "province", kernel.RoleSupervisor)
	// 汉滨区 cases: the units above are 汉滨区's.
	list, err := app.Store.ListCases(ctx, cases.CaseFilter{Scope: "610902", Statuses: []cases.Status{cases.StatusRegistered}, Limit: 11})
	if err != nil {
		return err
	}
	if len(list) < 11 {
		fmt.Fprintf(out, "演示信访事项：已登记的案件不足（%d 件），跳过。\n", len(list))
		return nil
	}
	today := calendar.DateOf(now)
	later := func(days int) string { return today.AddDays(days).String() }
	// Each case goes as far as its stage: the steps in order.
	classify := func(no string) error {
		_, err := svc.Classify(ctx, office, no, petition.ClassClaim, "", "按申诉求决类办理")
		return err
	}
	transfer := func(no string, to string) error {
		_, err := svc.Transfer(ctx, office, no, ids[to], "交办", "请依法处理并按期答复")
		return err
	}
	accept := func(no string) error { _, err := svc.Accept(ctx, housing, no, "予以受理"); return err }
	reply := func(no string) error {
		_, err := svc.Reply(ctx, housing, no, "explain", "经查，反映的工程款结算问题已进入审计程序。", "《保障农民工工资支付条例》第三十条")
		return err
	}
	apply := func(no, level string) error { _, err := svc.Apply(ctx, office, no, level, today.String()); return err }
	decide := func(no string, who petition.Staff) error {
		_, err := svc.Decide(ctx, who, no, "uphold", "原处理意见认定事实清楚")
		return err
	}
	type plan struct {
		label string
		steps []func(no string) error
	}
	plans := []plan{
		{"已分类", []func(string) error{classify}},
		{"已转送", []func(string) error{classify, func(no string) error { return transfer(no, "hrss") }}},
		{"异议退回", []func(string) error{classify, func(no string) error { return transfer(no, "hrss") },
			func(no string) error {
				_, err := svc.Object(ctx, hrss, no, "工程款结算纠纷属住建部门职责")
				return err
			}}},
		{"已受理", []func(string) error{classify, func(no string) error { return transfer(no, "housing") }, accept}},
		{"已延期", []func(string) error{classify, func(no string) error { return transfer(no, "housing") }, accept,
			func(no string) error {
				_, err := svc.Extend(ctx, housing, no, 30, "需要委托造价鉴定", "住建局局长")
				return err
			}}},
		{"已答复", []func(string) error{classify, func(no string) error { return transfer(no, "housing") }, accept, reply}},
		{"复查中", []func(string) error{classify, func(no string) error { return transfer(no, "housing") }, accept, reply,
			func(no string) error { return apply(no, petition.LevelReview) }}},
		{"复核中", []func(string) error{classify, func(no string) error { return transfer(no, "housing") }, accept, reply,
			func(no string) error { return apply(no, petition.LevelReview) }, func(no string) error { return decide(no, city) },
			func(no string) error { return apply(no, petition.LevelReReview) },
			func(no string) error { _, err := svc.Hearing(ctx, province, no, true, "公开听证"); return err }}},
		{"已复核", []func(string) error{classify, func(no string) error { return transfer(no, "housing") }, accept, reply,
			func(no string) error { return apply(no, petition.LevelReview) }, func(no string) error { return decide(no, city) },
			func(no string) error { return apply(no, petition.LevelReReview) }, func(no string) error { return decide(no, province) }}},
		{"终结并帮扶", []func(string) error{classify, func(no string) error { return transfer(no, "housing") },
			func(no string) error {
				_, err := svc.Terminate(ctx, city, no, "信访人撤回信访请求")
				return err
			},
			func(no string) error {
				_, err := svc.Care(ctx, housing, no, "帮扶", "协调社区落实临时救助")
				return err
			}}},
		{"挂牌督办", []func(string) error{classify, func(no string) error { return transfer(no, "housing") }, accept,
			func(no string) error {
				_, err := svc.Supervise(ctx, city, no, later(20), "群众反映强烈，限期办结", true)
				return err
			}}},
	}
	var done []string
	for i, p := range plans {
		no := list[i].No
		for _, step := range p.steps {
			if err := step(no); err != nil {
				return fmt.Errorf("demo petition %s (%s): %w", no, p.label, err)
			}
		}
		done = append(done, p.label+" "+no)
	}
	// The leader owns the supervised case (包案).
	if leader != nil {
		who := petition.Staff{Actor: leader.Actor()}
		who.System = true // the leader's region may not reach every demo case
		who.Role = kernel.RoleLeader
		if _, err := svc.Own(ctx, who, list[len(plans)-1].No, later(30), "亲自协调，限期化解"); err != nil {
			return fmt.Errorf("demo petition 包案: %w", err)
		}
	}
	// 不再受理: the same person on the same facts after 复核 — registered
	// again, the hook answers it; then follow-up care.
	reReviewed := list[8]
	full, err := app.Cases.Find(ctx, sys, reReviewed.No)
	if err != nil {
		return err
	}
	if err := app.Store.LoadDetails(ctx, full); err != nil {
		return err
	}
	if len(full.Intakes) > 0 {
		in := full.Intakes[0]
		again := cases.Intake{Channel: kernel.ChannelWindow, Person: in.Person, Subject: in.Subject, Content: in.Content,
			Address: in.Address, RegionCode: in.RegionCode, Category: full.Category, ReceivedAt: now}
		reg, err := app.Cases.Register(ctx, demoActor(byRole, in.RegionCode, kernel.RoleWindowClerk), again)
		if err != nil {
			return fmt.Errorf("demo petition 不再受理: %w", err)
		}
		if reg.Case != nil {
			if st, err := svc.Get(ctx, sys, reg.Case.No); err == nil && st.Stage == petition.StageNotAccepted {
				if _, err := svc.Care(ctx, office, reg.Case.No, "疏导", "向信访人解释复核终结的规定，劝导其通过法律途径解决"); err != nil {
					return err
				}
				done = append(done, "不再受理 "+reg.Case.No)
			}
		}
	}
	fmt.Fprintf(out, "演示信访事项：%d 件（%v）。\n", len(done), done)
	return nil
}
