package clockstore_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
)

const (
	hanbin  = "610902000000"
	village = "610902001003"
)

var (
	clerk = kernel.Actor{UserID: 1, Name: "张窗口", Role: kernel.RoleWindowClerk, RegionCode: hanbin}
	admin = kernel.Actor{UserID: 2, Name: "管理员", Role: kernel.RoleAdmin, RegionCode: hanbin}
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// server is one Jiefen server's case service with its clocks, on db.
func server(t *testing.T, db *bun.DB, clock *fakeClock, cal *calendar.Calendar) (*cases.Service, *clocks.Service) {
	svc := cases.NewService(database.Transactor{DB: db}, casestore.New(db, dbtest.Keys(t)), cal)
	svc.Now = clock.Now
	k := clocks.NewService(svc, clockstore.New(db), nil)
	k.Now = clock.Now
	svc.Clocks = k
	return svc, k
}

func register(t *testing.T, svc *cases.Service, subject string) *cases.Case {
	t.Helper()
	reg, err := svc.Register(context.Background(), clerk, cases.Intake{Channel: kernel.ChannelWindow,
		Person: cases.Person{Name: "李秀英"}, Subject: subject, Content: subject + "，请求处理。",
		RegionCode: village, Category: "neighbourhood"})
	if err != nil {
		t.Fatal(err)
	}
	return reg.Case
}

func TestClockLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		clock := &fakeClock{t: time.Date(2027, 9, 20, 9, 30, 0, 0, calendar.China)}
		cal, _ := calendar.New()
		svc, keeper := server(t, db, clock, cal)
		c := register(t, svc, "邻居违建阻挡通道")
		views, err := keeper.OfCase(ctx, clerk, c.No)
		if err != nil {
			t.Fatal(err)
		}
		// 09-20 + 15 = 10-05 (国庆) → 10-08.
		if len(views) != 1 || views[0].Kind != clocks.AcceptDecision || views[0].Status != clocks.Running ||
			calendar.DateOf(views[0].Due).String() != "2027-10-08" || c.AcceptDue == nil || !c.AcceptDue.Equal(views[0].Due) {
			t.Fatalf("clocks after registration: %+v (case accept due %v)", views, c.AcceptDue)
		}
		if _, err := svc.Transition(ctx, clerk, c.No, cases.StatusAccepted, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Transition(ctx, clerk, c.No, cases.StatusInProgress, ""); err != nil {
			t.Fatal(err)
		}
		// 09-20 + 60 = 11-19, a Friday.
		views, _ = keeper.OfCase(ctx, clerk, c.No)
		if len(views) != 2 || views[0].Status != clocks.Met || views[1].Kind != clocks.Handling ||
			calendar.DateOf(views[1].Due).String() != "2027-11-19" || views[1].Source == "" {
			t.Fatalf("clocks after acceptance: %+v", views)
		}
		clock.Add(9 * 24 * time.Hour) // 09-29
		if _, err := svc.Transition(ctx, clerk, c.No, cases.StatusSuspended, "等待司法鉴定"); err != nil {
			t.Fatal(err)
		}
		clock.Add(9 * 24 * time.Hour) // 10-08
		got, err := svc.Transition(ctx, clerk, c.No, cases.StatusInProgress, "")
		if err != nil {
			t.Fatal(err)
		}
		views, _ = keeper.OfCase(ctx, clerk, c.No)
		h := views[1]
		// Paused 9 calendar days: 09-20 + 69 = 11-28, a Sunday → 11-29.
		if h.Status != clocks.Running || len(h.Pauses) != 1 || h.Pauses[0].Reason != "等待司法鉴定" ||
			h.Pauses[0].To == nil || calendar.DateOf(h.Due).String() != "2027-11-29" {
			t.Fatalf("handling clock after resuming: %+v", h)
		}
		if got.HandleDue == nil || !got.HandleDue.Equal(h.Due) {
			t.Errorf("case handle due %v, clock %v", got.HandleDue, h.Due)
		}
		list := func(f cases.CaseFilter) int {
			t.Helper()
			l, err := svc.List(ctx, clerk, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(l)
		}
		yes, three := true, 3
		if n := list(cases.CaseFilter{DueWithin: &three}); n != 0 {
			t.Errorf("due within 3 days on 10-08: %d", n)
		}
		clock.Add(49 * 24 * time.Hour) // 11-26: due 11-29 is 3 days away
		if n := list(cases.CaseFilter{DueWithin: &three}); n != 1 {
			t.Errorf("due within 3 days on 11-26: %d, want 1", n)
		}
		if n := list(cases.CaseFilter{Overdue: &yes}); n != 0 {
			t.Errorf("overdue on 11-26: %d", n)
		}
		clock.Add(4 * 24 * time.Hour) // 11-30
		if n := list(cases.CaseFilter{Overdue: &yes}); n != 1 {
			t.Errorf("overdue on 11-30: %d, want 1", n)
		}
		if n := list(cases.CaseFilter{DueWithin: &three}); n != 0 {
			t.Errorf("a passed clock is not 'due within': %d", n)
		}
		if _, err := svc.Transition(ctx, clerk, c.No, cases.StatusResolved, ""); err != nil {
			t.Fatal(err)
		}
		views, _ = keeper.OfCase(ctx, clerk, c.No)
		if views[1].Status != clocks.Missed || views[1].EndedAt == nil {
			t.Errorf("resolved late without a sweep: %+v", views[1])
		}
		if n := list(cases.CaseFilter{Overdue: &yes}); n != 0 {
			t.Errorf("overdue after resolving: %d", n)
		}
	})
}

// TestSweepOnce races two servers' sweeps over the same missed clocks:
// each clock is marked once and has one clock_missed event.
func TestSweepOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		clock := &fakeClock{t: time.Date(2027, 1, 4, 9, 0, 0, 0, calendar.China)}
		svc1, k1 := server(t, db, clock, calendar.Default())
		svc2, k2 := server(t, db, clock, calendar.Default())
		var heard sync.Map
		svc1.Notifier = notifier(func(e *cases.Event) { heard.Store(e.CaseID, true) })
		svc2.Notifier = svc1.Notifier
		var nos []string
		for _, s := range []string{"拖欠工资", "噪音扰民", "宅基地纠纷"} {
			nos = append(nos, register(t, svc1, s).No)
		}
		if _, err := svc1.Transition(ctx, clerk, nos[2], cases.StatusRejected, "不属于受理范围"); err != nil {
			t.Fatal(err)
		}
		if n, err := k1.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("sweep before any due: %d, %v", n, err)
		}
		clock.Add(30 * 24 * time.Hour)
		var wg sync.WaitGroup
		counts := make([]int, 2)
		errs := make([]error, 2)
		for i, k := range []*clocks.Service{k1, k2} {
			wg.Add(1)
			go func() { defer wg.Done(); counts[i], errs[i] = k.Sweep(ctx) }()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		if counts[0]+counts[1] != 2 {
			t.Errorf("sweeps marked %v clocks, want 2 in all", counts)
		}
		for i, no := range nos {
			c, err := svc1.Get(ctx, clerk, no)
			if err != nil {
				t.Fatal(err)
			}
			events := 0
			for _, e := range c.Events {
				if e.Kind == cases.EventClockMissed {
					events++
				}
			}
			want := 1
			if i == 2 {
				want = 0 // rejected: the accept clock ended in time
			}
			if events != want {
				t.Errorf("%s: %d clock_missed events, want %d", no, events, want)
			}
			views, _ := k1.OfCase(ctx, clerk, no)
			if i < 2 && (views[0].Status != clocks.Missed || views[0].DaysLeft >= 0) {
				t.Errorf("%s: clock %+v", no, views[0])
			}
		}
		n := 0
		heard.Range(func(any, any) bool { n++; return true })
		if n != 2 {
			t.Errorf("the notifier heard of %d missed clocks, want 2", n)
		}
		if n, _ := k2.Sweep(ctx); n != 0 {
			t.Errorf("a second sweep marked %d", n)
		}
		yes := true
		if l, _ := svc1.List(ctx, clerk, cases.CaseFilter{Overdue: &yes}); len(l) != 2 {
			t.Errorf("overdue list has %d cases, want 2", len(l))
		}
	})
}

type notifier func(e *cases.Event)

func (n notifier) CaseEvent(ctx context.Context, tx cases.Store, e *cases.Event) error {
	if e.Kind == cases.EventClockMissed {
		n(e)
	}
	return nil
}

// TestOverridesStored stores a year's overrides, reads them back and sees a
// second server pick them up.
func TestOverridesStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		clock := &fakeClock{t: time.Date(2028, 9, 1, 9, 0, 0, 0, calendar.China)}
		cal1, _ := calendar.New()
		cal2, _ := calendar.New()
		_, k1 := server(t, db, clock, cal1)
		_, k2 := server(t, db, clock, cal2)
		k2.RefreshEvery = 0
		oct1 := calendar.Date{Year: 2028, Month: 10, Day: 2}
		list := []calendar.Override{{Date: oct1, Kind: "holiday", Name: "国庆节"},
			{Date: calendar.Date{Year: 2028, Month: 9, Day: 30}, Kind: "workday", Name: "国庆调休"}}
		if err := k1.SetOverrides(ctx, clerk, 2028, list); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Errorf("a clerk set overrides: %v", err)
		}
		if err := k1.SetOverrides(ctx, admin, 2028, list); err != nil {
			t.Fatal(err)
		}
		if cal1.IsWorking(oct1) || !cal1.IsWorking(calendar.Date{Year: 2028, Month: 9, Day: 30}) || !cal1.Covers(2028) {
			t.Error("the override did not apply at once")
		}
		got, err := k2.Overrides(ctx, 2028)
		if err != nil || len(got) != 2 || got[0].Kind != calendar.KindAdjustedWorking {
			t.Fatalf("stored overrides %+v, %v", got, err)
		}
		if _, err := k2.ByCaseID(ctx, 0); err != nil { // any read refreshes
			t.Fatal(err)
		}
		if cal2.IsWorking(oct1) {
			t.Error("the second server did not pick up the override")
		}
		if err := k1.SetOverrides(ctx, admin, 2028, nil); err != nil {
			t.Fatal(err)
		}
		if !cal1.IsWorking(oct1) || cal1.Covers(2028) {
			t.Error("clearing the overrides did not apply")
		}
		if err := k1.SetOverrides(ctx, admin, 2028, []calendar.Override{{Date: calendar.Date{Year: 2029, Month: 1, Day: 1}, Kind: "holiday"}}); kernel.ErrorCode(err) != kernel.EInvalid {
			t.Errorf("a date of another year: %v", err)
		}
	})
}

// TestBackfill runs the migration's statements that give the cases
// registered before case_clocks their clocks, on cases whose clocks are
// removed again: open cases get running (or paused) clocks with their old
// dues, and the overdue list sees them.
func TestBackfill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		clock := &fakeClock{t: time.Date(2027, 3, 1, 9, 0, 0, 0, calendar.China)}
		svc, keeper := server(t, db, clock, calendar.Default())
		a, b := register(t, svc, "拖欠工资"), register(t, svc, "噪音扰民")
		if _, err := svc.Transition(ctx, clerk, b.No, cases.StatusAccepted, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewDelete().Table("case_clocks").Where("1 = 1").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		dir := "sqlite"
		if db.Dialect().Name() == dialect.PG {
			dir = "postgres"
		}
		sql, err := os.ReadFile("../../migrations/" + dir + "/20251206000040_case_clocks.tx.up.sql")
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range strings.Split(string(sql), "--bun:split") {
			if strings.Contains(stmt, "INSERT INTO case_clocks") {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
		}
		va, _ := keeper.OfCase(ctx, clerk, a.No)
		vb, _ := keeper.OfCase(ctx, clerk, b.No)
		if len(va) != 1 || va[0].Status != clocks.Running || !va[0].Due.Equal(*a.AcceptDue) {
			t.Errorf("registered case: %+v", va)
		}
		if len(vb) != 2 || vb[0].Status != clocks.Met || vb[1].Kind != clocks.Handling || vb[1].Status != clocks.Running ||
			calendar.DateOf(vb[1].Start) != calendar.DateOf(clock.Now()) {
			t.Errorf("accepted case: %+v", vb)
		}
		clock.Add(100 * 24 * time.Hour)
		yes := true
		if l, _ := svc.List(ctx, clerk, cases.CaseFilter{Overdue: &yes}); len(l) != 2 {
			t.Errorf("overdue after the backfill: %d, want 2", len(l))
		}
	})
}
