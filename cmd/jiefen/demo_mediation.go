package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/demo"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/mediation"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/units"
)

func init() { demoSteps = append(demoSteps, mediationDemo) }

// mediationDemo gives the demo mediators profiles and puts six matters of
// 西大街社区 through mediation, one in each state: offered (awaiting 陈建华's
// answer), waiting (the traffic committee's only mediator declined),
// active (with two sessions planned), agreed (confirmed by the court, one
// obligation performed), failed and referred (with a hand-off to the court).
func mediationDemo(ctx context.Context, app *App, byRole map[kernel.Role]*staff.User, now time.Time, out io.Writer) error {
	med, clerk, super := byRole[kernel.RoleMediator], byRole[kernel.RoleWindowClerk], byRole[kernel.RoleSupervisor]
	if med == nil || clerk == nil || super == nil {
		return nil
	}
	svc, err := newMediation(app)
	if err != nil {
		return err
	}
	svc.Now = func() time.Time { return now }
	unitsSvc := newUnits(app)
	sys := kernel.SystemActor("demo")
	unit := func(name string) (int64, error) {
		list, err := unitsSvc.List(ctx, sys, units.Filter{Q: name})
		if err != nil || len(list) == 0 {
			return 0, fmt.Errorf("demo mediation: unit %s: %v", name, err)
		}
		return list[0].ID, nil
	}
	ids := map[string]int64{}
	for key, name := range map[string]string{"xidajie": "西大街社区人民调解委员会", "peixinjie": "培新街社区人民调解委员会",
		"traffic": "汉滨区道路交通事故纠纷人民调解委员会", "court": "汉滨区人民法院", "medical": "汉滨区医疗纠纷人民调解委员会"} {
		if ids[key], err = unit(name); err != nil {
			return err
		}
	}
	// The demo mediators sit on every mediating body of 汉滨区.
	var all []int64
	bodies, err := unitsSvc.List(ctx, sys, units.Filter{Region: med.RegionCode})
	if err != nil {
		return err
	}
	for _, u := range bodies {
		if mediation.FlowOf(u.Kind) != "" {
			all = append(all, u.ID)
		}
	}
	more := map[string]*staff.User{"mediator": med}
	for _, nu := range []struct{ username, name string }{{"mediator2", "刘淑芬"}, {"mediator3", "马国强"}} {
		u, err := app.Staff.AddUser(ctx, staff.NewUser{Username: nu.username, Password: demo.Password, Role: kernel.RoleMediator,
			RegionCode: med.RegionCode, DisplayName: nu.name})
		if kernel.ErrorCode(err) == kernel.EConflict {
			u, err = app.Staff.Store.UserByUsername(ctx, nu.username)
		}
		if err != nil {
			return fmt.Errorf("demo mediator %s: %w", nu.username, err)
		}
		more[nu.username] = u
	}
	for username, in := range map[string]mediation.ProfileInput{
		"mediator":  {UnitIDs: all, Specialties: []string{"neighbourhood", "marriage_family", "property_management", "medical"}, Capacity: 20},
		"mediator2": {UnitIDs: all, Specialties: []string{"marriage_family", "debt_contract"}, Capacity: 20},
		"mediator3": {UnitIDs: all, Specialties: []string{"traffic"}, Capacity: 10},
	} {
		if _, err := svc.SetProfile(ctx, super.Actor(), username, in); err != nil {
			return fmt.Errorf("demo mediator profile %s: %w", username, err)
		}
	}

	// Cases the demo registered in 汉滨区 and put in handling: their
	// first suggested body mediates them (the traffic committee for the
	// one left waiting).
	pool, err := app.Store.ListCases(ctx, cases.CaseFilter{Scope: kernel.RegionPrefix(clerk.RegionCode),
		Statuses: []cases.Status{cases.StatusAccepted, cases.StatusInProgress}, Limit: 6})
	if err != nil {
		return err
	}
	if len(pool) < 6 {
		fmt.Fprintf(out, "演示调解：汉滨区办理中的案件不足6件，未加载。\n")
		return nil
	}
	names := func(c *cases.Case) (string, string) {
		full, err := app.Cases.CaseDetails(ctx, c.ID)
		a, b := "申请人", "被申请人"
		if err != nil {
			return a, b
		}
		for _, p := range full.Parties {
			if p.Role == cases.RoleApplicant && a == "申请人" {
				a = p.Name
			} else if p.Role == cases.RoleRespondent && b == "被申请人" {
				b = p.Name
			}
		}
		return a, b
	}
	open := func(c *cases.Case, unitID int64, flow mediation.Flow, mediator string) (*mediation.Mediation, error) {
		if unitID == 0 { // the best suggestion
			sug, err := svc.Suggest(ctx, clerk.Actor(), c.No)
			if err != nil || len(sug) == 0 {
				return nil, fmt.Errorf("no suggestion for %s: %v", c.No, err)
			}
			unitID, flow = sug[0].UnitID, sug[0].Flow
		}
		return svc.Open(ctx, clerk.Actor(), c.No, mediation.OpenInput{UnitID: unitID, Flow: flow, Note: "当事人同意调解（演示）", Mediator: mediator})
	}
	// accepted opens a mediation with the best body and has the offered
	// mediator (or the one named) accept it.
	accepted := func(c *cases.Case, mediator string) (*mediation.Mediation, error) {
		m, err := open(c, 0, "", mediator)
		if err != nil {
			return nil, err
		}
		o := m.PendingOffer()
		if o == nil {
			return nil, fmt.Errorf("demo mediation %d: no offer", m.ID)
		}
		return svc.Accept(ctx, more[o.Mediator].Actor(), m.ID, o.ID)
	}
	day := func(n int) string { return now.In(cases.ChinaTime).AddDate(0, 0, n).Format(time.DateOnly) }
	tomorrow := time.Date(now.In(cases.ChinaTime).Year(), now.In(cases.ChinaTime).Month(), now.In(cases.ChinaTime).Day()+1, 9, 30, 0, 0, cases.ChinaTime)
	parties := func(a, b string) []mediation.Participant {
		return []mediation.Participant{{Name: a, Role: "applicant"}, {Name: b, Role: "respondent"}}
	}
	states := map[mediation.Status]int{}
	// step puts the next case of the pool into one state.
	next := 0
	step := func(what string, fn func(c *cases.Case) (*mediation.Mediation, error)) error {
		c := pool[next]
		next++
		m, err := fn(c)
		if err != nil {
			return fmt.Errorf("demo mediation (%s): %w", what, err)
		}
		states[m.Status]++
		return nil
	}

	if err := step("offered", func(c *cases.Case) (*mediation.Mediation, error) {
		return open(c, 0, "", "")
	}); err != nil {
		return err
	}
	if err := step("waiting", func(c *cases.Case) (*mediation.Mediation, error) {
		m, err := open(c, ids["traffic"], mediation.FlowIndustry, "")
		// Every mediator of the body declines: it waits for staff.
		for err == nil && m.PendingOffer() != nil {
			o := m.PendingOffer()
			m, err = svc.Decline(ctx, more[o.Mediator].Actor(), m.ID, o.ID, "本周已排满调解，无法承办")
		}
		return m, err
	}); err != nil {
		return err
	}
	if err := step("active", func(c *cases.Case) (*mediation.Mediation, error) {
		m, err := accepted(c, "")
		if err != nil {
			return nil, err
		}
		a, b := names(c)
		if _, err := svc.AddSession(ctx, more[m.Mediator].Actor(), m.ID, mediation.NewSession{Kind: "in_person", StartsAt: tomorrow,
			Place: "汉滨区矛盾纠纷调处化解中心调解室", Participants: parties(a, b)}); err != nil {
			return nil, err
		}
		if _, err := svc.AddSession(ctx, more[m.Mediator].Actor(), m.ID, mediation.NewSession{Kind: "video", StartsAt: tomorrow.AddDate(0, 0, 3).Add(5 * time.Hour),
			Participants: parties(a, b)}); err != nil {
			return nil, err
		}
		return m, nil
	}); err != nil {
		return err
	}
	if err := step("agreed", func(c *cases.Case) (*mediation.Mediation, error) {
		m, err := accepted(c, "")
		a, b := names(c)
		if err == nil {
			m, err = svc.RecordOutcome(ctx, more[m.Mediator].Actor(), m.ID, mediation.OutcomeInput{Kind: mediation.OutcomeAgreement, Form: "written",
				Facts: a + "反映：" + c.Subject + "。双方就责任和费用分担发生争议。",
				Terms: []mediation.TermInput{{Party: b, Obligation: "停止侵害、恢复原状，并向" + a + "赔礼道歉", Due: day(0)},
					{Party: b, Obligation: "向" + a + "支付补偿款人民币一千二百元", Due: day(30)}}})
		}
		if err == nil {
			m, err = svc.ApplyConfirmation(ctx, more[m.Mediator].Actor(), m.ID, ids["court"], day(0))
		}
		if err == nil {
			m, err = svc.Ruling(ctx, more[m.Mediator].Actor(), m.ID, "valid", day(0), "（"+day(0)[:4]+"）陕0902民特1号")
		}
		if err == nil {
			_, err = svc.RecordPerformance(ctx, more[m.Mediator].Actor(), m.ID, m.Terms[0].ID, "performed", "回访确认已拆除")
		}
		return m, err
	}); err != nil {
		return err
	}
	if err := step("failed", func(c *cases.Case) (*mediation.Mediation, error) {
		m, err := accepted(c, "mediator2")
		if err == nil {
			m, err = svc.RecordOutcome(ctx, more[m.Mediator].Actor(), m.ID, mediation.OutcomeInput{Kind: mediation.OutcomeFailure,
				Reason: "one_side_refuses", Note: "被申请人明确表示不同意人民调解"})
		}
		return m, err
	}); err != nil {
		return err
	}
	if err := step("referred", func(c *cases.Case) (*mediation.Mediation, error) {
		m, err := accepted(c, "")
		if err == nil {
			m, err = svc.RecordOutcome(ctx, more[m.Mediator].Actor(), m.ID, mediation.OutcomeInput{Kind: mediation.OutcomeReferral,
				Target: "litigation", Note: "争议金额较大，引导诉讼"})
		}
		if err == nil {
			_, err = svc.CreateHandoff(ctx, clerk.Actor(), c.No, mediation.HandoffInput{Kind: "诉调", Direction: "out",
				ToUnitID: ids["court"], Reason: "调解转诉讼，移送法院诉调对接"})
		}
		return m, err
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "已加载演示调解：待接受 %d、待指派 %d、调解中 %d、已达成协议 %d、调解不成 %d、已转处 %d；调解员账号 mediator2、mediator3（密码同上）。\n",
		states[mediation.StatusOffered], states[mediation.StatusWaiting], states[mediation.StatusActive], states[mediation.StatusAgreed],
		states[mediation.StatusFailed], states[mediation.StatusReferred])
	return nil
}
