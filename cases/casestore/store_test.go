package casestore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
)

// Regions used below: 汉滨区 and one of its villages; 王益区 of 铜川市.
const (
	hanbin  = "610902000000"
	village = "610902001003" // 西大街社区
	wangyi  = "610202000000"
)

var clerk = kernel.Actor{UserID: 1, Name: "张窗口", Role: kernel.RoleWindowClerk, RegionCode: hanbin}

func newService(t *testing.T, db *bun.DB) (*cases.Service, *fakeClock) {
	clock := &fakeClock{t: time.Date(2025, 9, 16, 9, 30, 0, 0, cases.ChinaTime)}
	svc := cases.NewService(database.Transactor{DB: db}, casestore.New(db, dbtest.Keys(t)), calendar.Default())
	svc.Now = clock.Now
	// Overdue lists read the clocks (case_clocks).
	keeper := clocks.NewService(svc, clockstore.New(db), nil)
	keeper.Now = clock.Now
	svc.Clocks = keeper
	return svc, clock
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func intake() cases.Intake {
	return cases.Intake{
		Channel:    kernel.ChannelWindow,
		Person:     cases.Person{Name: "李秀英", IDNumber: "61090219800101002X", Phone: "13812345678"},
		Subject:    "邻居违建阻挡通道",
		Content:    "我家隔壁王某在巷道加盖彩钢棚，堵住了出行通道，多次协商无果。",
		Address:    "汉滨区老城街道",
		RegionCode: village,
		Category:   "neighbourhood",
		Respondent: &cases.Respondent{Name: "王某"},
	}
}

func TestRegister(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)

		t.Run("OK", func(t *testing.T) {
			reg, err := svc.Register(ctx, clerk, intake())
			if err != nil {
				t.Fatal(err)
			}
			c := reg.Case
			if !strings.HasPrefix(c.No, "61090220250916") || len(c.No) != 19 {
				t.Errorf("case number %q, want 61090220250916 + 5 digits", c.No)
			}
			if c.Status != cases.StatusRegistered || reg.Decision != cases.DecisionNew {
				t.Errorf("status %s decision %s", c.Status, reg.Decision)
			}
			// 15 calendar days from 2025-09-16 end on the National Day
			// holiday, so the accept deadline moves to 2025-10-09.
			if got := c.AcceptDue.In(cases.ChinaTime).Format("2006-01-02"); got != "2025-10-09" {
				t.Errorf("accept due %s, want 2025-10-09", got)
			}
			got, err := svc.Get(ctx, clerk, c.No)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Intakes) != 1 || got.Intakes[0].Ref != reg.Intake.Ref {
				t.Fatalf("intakes = %+v", got.Intakes)
			}
			if got.Intakes[0].Person.IDNumber != "61090219800101002X" {
				t.Errorf("ID number did not round-trip: %q", got.Intakes[0].Person.IDNumber)
			}
			if len(got.Parties) != 2 || got.Parties[0].Role != cases.RoleApplicant || got.Parties[1].Name != "王某" {
				t.Errorf("parties = %+v", got.Parties)
			}
			if len(got.Events) != 1 || got.Events[0].Kind != cases.EventRegistered || got.Events[0].ActorName != "张窗口" {
				t.Errorf("events = %+v", got.Events)
			}
		})

		t.Run("SequencePerCountyAndDay", func(t *testing.T) {
			a, err := svc.Register(ctx, clerk, intake())
			if err != nil {
				t.Fatal(err)
			}
			b, err := svc.Register(ctx, clerk, intake())
			if err != nil {
				t.Fatal(err)
			}
			if a.Case.No >= b.Case.No || a.Case.No[:14] != b.Case.No[:14] {
				t.Errorf("numbers %s, %s not in sequence", a.Case.No, b.Case.No)
			}
		})

		t.Run("ErrInvalid", func(t *testing.T) {
			in := intake()
			in.Subject, in.Content = "", " "
			in.RegionCode = "999999"
			in.Category = "bogus"
			in.Channel = "fax"
			_, err := svc.Register(ctx, clerk, in)
			if kernel.ErrorCode(err) != kernel.EInvalid {
				t.Fatalf("err = %v", err)
			}
			f := kernel.ErrorFields(err)
			for _, k := range []string{"subject", "region_code", "category", "channel"} {
				if f[k] == "" {
					t.Errorf("no message for %s in %v", k, f)
				}
			}
		})

		t.Run("ErrOutsideScope", func(t *testing.T) {
			in := intake()
			in.RegionCode = wangyi
			_, err := svc.Register(ctx, clerk, in)
			if kernel.ErrorFields(err)["region_code"] == "" {
				t.Fatalf("err = %v", err)
			}
		})

		t.Run("ErrForbidden", func(t *testing.T) {
			leader := kernel.Actor{UserID: 9, Name: "领导", Role: kernel.RoleLeader, RegionCode: hanbin}
			if _, err := svc.Register(ctx, leader, intake()); kernel.ErrorCode(err) != kernel.EForbidden {
				t.Fatalf("err = %v", err)
			}
		})
	})
}

func TestRegisterIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		in := intake()
		in.SourceKey = "staff:1:retry-me"
		first, err := svc.Register(ctx, clerk, in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := svc.Register(ctx, clerk, in)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Replayed || again.Case.No != first.Case.No || again.Intake.Ref != first.Intake.Ref {
			t.Fatalf("replay = %+v, first = %+v", again, first)
		}
		other := in
		other.Content = "另一件事"
		if _, err := svc.Register(ctx, clerk, other); kernel.ErrorCode(err) != kernel.EConflict {
			t.Fatalf("reused key with other content: err = %v", err)
		}
		list, err := svc.List(ctx, clerk, cases.CaseFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("%d cases, err %v; want exactly 1", len(list), err)
		}

		// Concurrent retries with one key still make one case.
		in.SourceKey = "staff:1:concurrent"
		var wg sync.WaitGroup
		nos := make([]string, 8)
		errs := make([]error, 8)
		for i := range nos {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				reg, err := svc.Register(ctx, clerk, in)
				errs[i] = err
				if err == nil {
					nos[i] = reg.Case.No
				}
			}(i)
		}
		wg.Wait()
		for i := range nos {
			if errs[i] != nil || nos[i] != nos[0] {
				t.Fatalf("concurrent replay %d: %s, %v (first %s)", i, nos[i], errs[i], nos[0])
			}
		}
	})
}

func TestCaseNumbersConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		// Two services on one database stand for two servers.
		svcA, _ := newService(t, db)
		svcB, _ := newService(t, db)
		const perWorker, workers = 10, 6
		var mu sync.Mutex
		seen := map[string]bool{}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			svc := svcA
			if w%2 == 1 {
				svc = svcB
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perWorker; i++ {
					reg, err := svc.Register(ctx, clerk, intake())
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					if seen[reg.Case.No] {
						errs <- fmt.Errorf("duplicate case number %s", reg.Case.No)
					}
					seen[reg.Case.No] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(seen) != workers*perWorker {
			t.Fatalf("%d numbers, want %d", len(seen), workers*perWorker)
		}
		for i := 1; i <= workers*perWorker; i++ {
			if no := fmt.Sprintf("61090220250916%05d", i); !seen[no] {
				t.Errorf("sequence has a gap at %s", no)
			}
		}
	})
}

func TestScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		reg, err := svc.Register(ctx, clerk, intake())
		if err != nil {
			t.Fatal(err)
		}
		cityLeader := kernel.Actor{UserID: 2, Name: "市领导", Role: kernel.RoleLeader, RegionCode: "610900000000"}
		if _, err := svc.Get(ctx, cityLeader, reg.Case.No); err != nil {
			t.Errorf("city leader cannot see a case of their city: %v", err)
		}
		tongchuan := kernel.Actor{UserID: 3, Name: "铜川", Role: kernel.RoleWindowClerk, RegionCode: wangyi}
		if _, err := svc.Get(ctx, tongchuan, reg.Case.No); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("other district: err = %v, want not_found", err)
		}
		if _, err := svc.Transition(ctx, tongchuan, reg.Case.No, cases.StatusAccepted, ""); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("other district transition: err = %v, want not_found", err)
		}
		list, err := svc.List(ctx, tongchuan, cases.CaseFilter{})
		if err != nil || len(list) != 0 {
			t.Errorf("other district lists %d cases, err %v", len(list), err)
		}
		if _, err := svc.List(ctx, tongchuan, cases.CaseFilter{Region: "6109"}); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("filter outside scope: err = %v", err)
		}
	})
}

func TestTransitions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, clock := newService(t, db)
		reg, err := svc.Register(ctx, clerk, intake())
		if err != nil {
			t.Fatal(err)
		}
		no := reg.Case.No
		if _, err := svc.Transition(ctx, clerk, no, cases.StatusResolved, ""); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Fatalf("registered → resolved: err = %v", err)
		}
		if _, err := svc.Transition(ctx, clerk, no, cases.StatusRejected, ""); kernel.ErrorFields(err)["note"] == "" {
			t.Fatalf("reject without reason: err = %v", err)
		}
		c, err := svc.Transition(ctx, clerk, no, cases.StatusAccepted, "属于受理范围")
		if err != nil {
			t.Fatal(err)
		}
		if c.HandleDue == nil {
			t.Fatal("accepting must start the handling clock")
		}
		due := *c.HandleDue
		steps := []struct {
			to   cases.Status
			note string
		}{{cases.StatusInProgress, ""}, {cases.StatusSuspended, "等待司法鉴定"}}
		for _, s := range steps {
			if _, err := svc.Transition(ctx, clerk, no, s.to, s.note); err != nil {
				t.Fatalf("→ %s: %v", s.to, err)
			}
		}
		clock.Add(10 * 24 * time.Hour)
		c, err = svc.Transition(ctx, clerk, no, cases.StatusInProgress, "")
		if err != nil {
			t.Fatal(err)
		}
		// The handling period is 60 + 10 calendar days from acceptance, its
		// last day rolled to a working day: not the old due plus 10 days.
		wantDue, _ := calendar.Default().Deadline(calendar.DateOf(clock.Now().Add(-10*24*time.Hour)), 70, calendar.CalendarDays)
		if got := calendar.DateOf(*c.HandleDue); got != wantDue || !c.HandleDue.After(due) {
			t.Errorf("suspension of 10 days moved the deadline to %s, want %s", got, wantDue)
		}
		for _, to := range []cases.Status{cases.StatusResolved, cases.StatusVisited, cases.StatusClosed} {
			if _, err := svc.Transition(ctx, clerk, no, to, ""); err != nil {
				t.Fatalf("→ %s: %v", to, err)
			}
		}
		got, err := svc.Get(ctx, clerk, no)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != cases.StatusClosed || got.ClosedAt == nil || got.ResolvedAt == nil {
			t.Errorf("final case %+v", got)
		}
		var kinds []string
		for _, e := range got.Events {
			kinds = append(kinds, fmt.Sprintf("%s:%s", e.Kind, e.ToStatus))
		}
		want := "registered:registered transition:accepted transition:in_progress transition:suspended " +
			"transition:in_progress transition:resolved transition:visited transition:closed"
		if strings.Join(kinds, " ") != want {
			t.Errorf("timeline\n got %s\nwant %s", strings.Join(kinds, " "), want)
		}
		if got.Events[1].Note != "属于受理范围" || got.Events[1].FromStatus != cases.StatusRegistered {
			t.Errorf("accept event %+v", got.Events[1])
		}
	})
}

func TestTransitionStale(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		store := casestore.New(db, dbtest.Keys(t))
		reg, err := svc.Register(ctx, clerk, intake())
		if err != nil {
			t.Fatal(err)
		}
		stale, err := store.CaseByNo(ctx, reg.Case.No, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Transition(ctx, clerk, reg.Case.No, cases.StatusAccepted, ""); err != nil {
			t.Fatal(err)
		}
		stale.Status = cases.StatusRejected
		if err := store.UpdateCase(ctx, stale); kernel.ErrorCode(err) != kernel.EConflict {
			t.Fatalf("update from a stale read: err = %v, want conflict", err)
		}
	})
}

func TestPersonalDataEncrypted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		in := intake()
		in.Raw = []byte(`{"phone":"13812345678"}`)
		reg, err := svc.Register(ctx, clerk, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"intakes", "parties"} {
			var dump []string
			rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				dump = append(dump, fmt.Sprintf("%s", vals))
			}
			rows.Close()
			all := strings.Join(dump, "\n")
			for _, secret := range []string{"13812345678", "61090219800101002X", "1980010"} {
				if strings.Contains(all, secret) {
					t.Errorf("%s holds %s in clear", table, secret)
				}
			}
		}
		// Roles that need it read the full values, and the read is logged.
		parties, err := svc.Reveal(ctx, clerk, reg.Case.No, "核实身份")
		if err != nil || parties[0].Phone != "13812345678" {
			t.Fatalf("reveal = %+v, %v", parties, err)
		}
		if _, err := svc.Reveal(ctx, clerk, reg.Case.No, ""); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("reveal without a reason: %v", err)
		}
		leader := kernel.Actor{UserID: 2, Name: "领导", Role: kernel.RoleLeader, RegionCode: hanbin}
		if _, err := svc.Reveal(ctx, leader, reg.Case.No, "看看"); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("leader reveal: %v", err)
		}
		c, err := svc.Get(ctx, clerk, reg.Case.No)
		if err != nil {
			t.Fatal(err)
		}
		last := c.Events[len(c.Events)-1]
		if last.Kind != cases.EventPIIRevealed || last.Note != "核实身份" {
			t.Errorf("last event %+v, want the reveal", last)
		}
	})
}

func TestList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, clock := newService(t, db)
		var nos []string
		for i := 0; i < 7; i++ {
			in := intake()
			in.Subject = fmt.Sprintf("事项%d", i)
			if i%2 == 1 {
				in.Channel = kernel.ChannelHotline
				in.Category = "labour"
			}
			reg, err := svc.Register(ctx, clerk, in)
			if err != nil {
				t.Fatal(err)
			}
			nos = append(nos, reg.Case.No)
			clock.Add(time.Hour)
		}
		if _, err := svc.Transition(ctx, clerk, nos[0], cases.StatusAccepted, ""); err != nil {
			t.Fatal(err)
		}

		// Pages of 3 walk all 7 cases, newest first.
		var got []string
		var before int64
		for {
			page, err := svc.List(ctx, clerk, cases.CaseFilter{Limit: 3, BeforeID: before})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				got = append(got, c.No)
			}
			if len(page) < 3 {
				break
			}
			before = page[len(page)-1].ID
		}
		if len(got) != 7 || got[0] != nos[6] || got[6] != nos[0] {
			t.Fatalf("pages = %v", got)
		}

		count := func(f cases.CaseFilter) int {
			t.Helper()
			list, err := svc.List(ctx, clerk, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		yes, no := true, false
		from := time.Date(2025, 9, 16, 11, 0, 0, 0, cases.ChinaTime)
		for name, tc := range map[string]struct {
			f    cases.CaseFilter
			want int
		}{
			"status":   {cases.CaseFilter{Statuses: []cases.Status{cases.StatusAccepted}}, 1},
			"channel":  {cases.CaseFilter{Channel: kernel.ChannelHotline}, 3},
			"category": {cases.CaseFilter{Category: "labour"}, 3},
			"region":   {cases.CaseFilter{Region: "610902001"}, 7},
			"q":        {cases.CaseFilter{Q: "事项3"}, 1},
			"q-like":   {cases.CaseFilter{Q: "%"}, 0},
			"created":  {cases.CaseFilter{CreatedFrom: &from}, 5},
			"overdue":  {cases.CaseFilter{Overdue: &yes}, 0},
			"on-time":  {cases.CaseFilter{Overdue: &no}, 7},
		} {
			if got := count(tc.f); got != tc.want {
				t.Errorf("%s: %d cases, want %d", name, got, tc.want)
			}
		}
		// A month later the six unaccepted cases are past their accept deadline.
		clock.Add(30 * 24 * time.Hour)
		if got := count(cases.CaseFilter{Overdue: &yes}); got != 6 {
			t.Errorf("overdue after a month: %d, want 6", got)
		}
	})
}
