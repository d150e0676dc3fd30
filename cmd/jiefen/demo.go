package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/demo"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/regions"
	"github.com/jiefen/jiefen/staff"
)

// Demo data: the seed is fixed so that every newcomer sees the same cases,
// shifted to end at the moment the server starts.
const (
	demoSeed  = 20251123
	demoCases = 300
)

// loadDemo creates the demo accounts and registers the sample cases, each at
// its simulated time, so case numbers, deadlines and timelines look as if
// the centre had been working for the last four months.
func loadDemo(ctx context.Context, app *App, out io.Writer) error {
	start := time.Now()
	unitIDs, err := seedDemoUnits(ctx, app, out)
	if err != nil {
		return err
	}
	users := demo.Users()
	byRole := make(map[kernel.Role]*staff.User, len(users))
	rows := [][]string{{"用户名", "姓名", "角色", "辖区"}}
	for _, du := range users {
		u, err := app.Staff.AddUser(ctx, staff.NewUser{Username: du.Username, Password: du.Password,
			Role: du.Role, RegionCode: du.RegionCode, DisplayName: du.DisplayName, UnitID: unitIDs[demo.UnitOf(du.Username)]})
		if kernel.ErrorCode(err) == kernel.EConflict {
			// Left by an earlier demo load that failed before its cases.
			u, err = app.Staff.Store.UserByUsername(ctx, du.Username)
		}
		if err != nil {
			return fmt.Errorf("user %s: %w", du.Username, err)
		}
		byRole[u.Role] = u
		r, err := app.Store.Region(ctx, u.RegionCode)
		if err != nil {
			return err
		}
		rows = append(rows, []string{u.Username, u.DisplayName, u.Role.Label(), du.RegionCode + " " + r.Name})
	}
	fmt.Fprintf(out, "演示账户（密码均为 %s）：\n", demo.Password)
	printTable(out, rows)

	all, err := regions.Official()
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	samples := demo.Samples(demoSeed, demoCases, now, all)
	slices.SortStableFunc(samples, func(a, b demo.Sample) int { return a.At.Compare(b.At) })

	counts := map[cases.Status]int{}
	decisions := map[string]int{}
	overdue := 0
	// One transaction: all or nothing.
	var clock time.Time
	err = app.batch(ctx, func() time.Time { return clock }, func(svc *cases.Service) error {
		for i, s := range samples {
			clock = s.At
			in := s.Intake
			in.ReceivedAt = s.At
			reg, err := svc.Register(ctx, registrar(byRole, in), in)
			if err != nil {
				return fmt.Errorf("sample %d (%s): %w", i, in.Subject, err)
			}
			c := reg.Case
			decisions[reg.Decision]++
			if reg.Decision == cases.DecisionMerged {
				// The detector joined it to the resident's earlier case,
				// which follows its own path.
				continue
			}
			for _, st := range s.Path {
				clock = clock.Add(st.After)
				if clock.After(now) {
					clock = now
				}
				c, err = svc.Transition(ctx, demoActor(byRole, in.RegionCode, handler(st.To)), c.No, st.To, st.Note)
				if err != nil {
					return fmt.Errorf("sample %d (%s) → %s: %w", i, in.Subject, st.To, err)
				}
				if st.To == cases.StatusAccepted {
					if c, err = assignDemo(ctx, svc, byRole, c); err != nil {
						return fmt.Errorf("sample %d (%s) assign: %w", i, in.Subject, err)
					}
				}
			}
			counts[c.Status]++
			if c.Overdue(now) {
				overdue++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var parts []string
	for _, st := range cases.Statuses {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st.Label(), counts[st]))
		}
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	fmt.Fprintf(out, "已加载演示受理 %d 条，形成案件 %d 件（%s；超期 %d 件）；自动合并重复受理 %d 条，群体性事项关联 %d 件，用时 %.1f 秒。\n",
		len(samples), total, strings.Join(parts, "、"), overdue, decisions[cases.DecisionMerged],
		decisions[cases.DecisionGrouped], time.Since(start).Seconds())
	if app.Video != nil {
		if err := receptionDemo(ctx, app, byRole, now, out); err != nil {
			return err
		}
	}
	for _, step := range demoSteps {
		if err := step(ctx, app, byRole, now, out); err != nil {
			return err
		}
	}
	return nil
}

// demoSteps add a module's demo data (mediations, petitions …) after the
// cases; each module's file registers its step in init, as wirings do.
var demoSteps []func(ctx context.Context, app *App, byRole map[kernel.Role]*staff.User, now time.Time, out io.Writer) error

// receptionDemo plans the leader's next reception day in the demo
// mediator's district, published, with two cases booked by the clerk: what
// 领导接访 and the public schedule show.
func receptionDemo(ctx context.Context, app *App, byRole map[kernel.Role]*staff.User, now time.Time, out io.Writer) error {
	leader, super, clerk := byRole[kernel.RoleLeader], byRole[kernel.RoleSupervisor], byRole[kernel.RoleWindowClerk]
	if leader == nil || super == nil || clerk == nil {
		return nil
	}
	date := app.Calendar.NextWorkingDay(calendar.DateOf(now))
	day, err := app.Video.CreateDay(ctx, super.Actor(), video.NewDay{LeaderID: leader.ID, RegionCode: super.RegionCode,
		Date: date.String(), Topic: "城乡建设与物业管理专题接访",
		Slots: []video.NewSlot{{Start: "09:00", End: "09:30", Capacity: 2}, {Start: "09:30", End: "10:00", Capacity: 2},
			{Start: "10:00", End: "10:30", Capacity: 2}}})
	if err != nil {
		return fmt.Errorf("demo reception day: %w", err)
	}
	if _, err := app.Video.Publish(ctx, super.Actor(), day.ID); err != nil {
		return fmt.Errorf("demo reception day: %w", err)
	}
	list, err := app.Store.ListCases(ctx, cases.CaseFilter{Scope: kernel.RegionPrefix(clerk.RegionCode),
		Statuses: []cases.Status{cases.StatusAccepted, cases.StatusInProgress}, Limit: 2})
	if err != nil {
		return err
	}
	for i, c := range list {
		if _, _, err := app.Video.Book(ctx, clerk.Actor(), video.BookRequest{SlotID: day.Slots[i].ID, CaseNo: c.No}); err != nil {
			return fmt.Errorf("demo booking %s: %w", c.No, err)
		}
	}
	fmt.Fprintf(out, "已安排演示接访日：%s %s领导接访（%s），已预约 %d 件。\n", day.Date, leader.DisplayName, day.RegionName, len(list))
	return nil
}

// assignDemo has the supervisor hand an accepted case of the demo
// mediator's district to them, so that "我承办的" is a living list. Other
// districts' handlers are made-up names without accounts: their cases stay
// unassigned.
func assignDemo(ctx context.Context, svc *cases.Service, byRole map[kernel.Role]*staff.User, c *cases.Case) (*cases.Case, error) {
	m := byRole[kernel.RoleMediator]
	if m == nil || !kernel.InRegion(c.RegionCode, m.RegionCode) {
		return c, nil
	}
	to := &cases.Assignee{UserID: m.ID, Name: m.DisplayName, Role: m.Role, RegionCode: m.RegionCode}
	return svc.Assign(ctx, demoActor(byRole, c.RegionCode, kernel.RoleSupervisor), c.No, to, "请按期办结")
}

// registrar is who registers an intake: the hotline agent for calls, the
// window clerk for visits; web and WeChat submissions register themselves.
func registrar(byRole map[kernel.Role]*staff.User, in cases.Intake) kernel.Actor {
	switch in.Channel {
	case kernel.ChannelHotline:
		return demoActor(byRole, in.RegionCode, kernel.RoleHotlineAgent)
	case kernel.ChannelWindow, kernel.ChannelVideo:
		return demoActor(byRole, in.RegionCode, kernel.RoleWindowClerk)
	case kernel.ChannelWeChat:
		return kernel.SystemActor("微信小程序")
	}
	return kernel.SystemActor("网上信访平台")
}

// handler is the role that makes a transition.
func handler(to cases.Status) kernel.Role {
	switch to {
	case cases.StatusAccepted, cases.StatusRejected:
		return kernel.RoleWindowClerk
	case cases.StatusVisited, cases.StatusClosed:
		return kernel.RoleSupervisor
	}
	return kernel.RoleMediator
}

// demoActor is who acts on a case in the region: the demo account of the
// role where it covers the region, otherwise a made-up colleague of the
// county. Actors are scoped to the city so that every sample is in reach.
func demoActor(byRole map[kernel.Role]*staff.User, region string, role kernel.Role) kernel.Actor {
	a := kernel.Actor{Name: demo.StaffName(region, role), Role: role, RegionCode: "610900000000"}
	if u := byRole[role]; u != nil && kernel.InRegion(region, u.RegionCode) {
		a.UserID, a.Name = u.ID, u.DisplayName
	}
	return a
}

// printTable writes rows in aligned columns, counting CJK characters as
// two columns wide.
func printTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, cell := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		b.WriteString("  ")
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(cell)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80) {
			n += 2
		} else {
			n++
		}
	}
	return n
}
