package statsweb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/stats"
	"github.com/jiefen/jiefen/stats/statstore"
)

// dailyOnly reads every span from the daily rows alone: the computation
// before the monthly roll-ups, which they must reproduce exactly.
type dailyOnly struct{ stats.Store }

func (d dailyOnly) Totals(ctx context.Context, region string, sp stats.Span) (stats.Counters, error) {
	return d.Store.Totals(ctx, region, sp.Daily())
}

func (d dailyOnly) ChildCounters(ctx context.Context, region string, sp stats.Span) (map[string]stats.Counters, error) {
	return d.Store.ChildCounters(ctx, region, sp.Daily())
}

func (d dailyOnly) Dims(ctx context.Context, region string, sp stats.Span) (map[string]int, map[string]int, error) {
	return d.Store.Dims(ctx, region, sp.Daily())
}

// TestLongRanges checks, on both databases, that overviews over ranges of
// several months (whole months read from the monthly roll-ups, partial
// months at the ends from the daily rows) give exactly the figures of the
// daily rows alone — maintained by the notifier, rebuilt from the
// timeline, and backfilled by the migration — and the hand-counted
// received and resolved of the fixture.
func TestLongRanges(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { longRanges(t, d, videotest.New(t, d)) })
	}
}

func longRanges(t *testing.T, dialect string, e *videotest.Env) {
	ctx := context.Background()
	st := statstore.New(e.DB)
	svc := stats.NewService(st, e.Cases.Calendar)
	svc.Now = e.Now
	daily := stats.NewService(dailyOnly{st}, e.Cases.Calendar)
	daily.Now = e.Now
	cl := clocks.NewService(e.Cases, clockstore.New(e.DB), nil)
	cl.Now = e.Now
	e.Cases.Clocks = cl
	e.Cases.Notifier = channels.Fanout{svc.Notifier()}
	sup := e.Actor("supervisor")

	// 36 cases registered from 10 September to 10 December 2025 in three
	// villages of two counties, at 00:30, 09:30 and 23:30 China time (the
	// day and month edges), each then moved through its own story: accepted
	// or rejected, resolved, evaluated, perhaps reopened in a later month
	// (and resolved again, or not), visited, closed.
	type step struct {
		at    time.Time
		caseN int
		do    func(c *cases.Case)
	}
	rng := rand.New(rand.NewPCG(7, 15))
	villages := []string{"610902001003", "610902002001", "610921100001"}
	hours := []int{0, 9, 23}
	base := time.Date(2025, 9, 10, 0, 30, 0, 0, calendar.China)
	var steps []step
	kase := make([]*cases.Case, 36)
	type fact struct {
		region        string
		registered    string
		firstResolved string
	}
	facts := make([]fact, 36)
	move := func(c *cases.Case, note string, to ...cases.Status) {
		t.Helper()
		for _, s := range to {
			if _, err := e.Cases.Transition(ctx, sup, c.No, s, note); err != nil {
				t.Fatalf("%s → %s: %v", c.No, s, err)
			}
		}
	}
	note := func(c *cases.Case, kind string, data map[string]any) {
		t.Helper()
		if err := e.Cases.Note(ctx, kernel.SystemActor("测试"), c.ID, kind, "", data); err != nil {
			t.Fatal(err)
		}
	}
	at := func(t0 time.Time, days int) time.Time {
		d := t0.AddDate(0, 0, days)
		y, m, dd := d.In(calendar.China).Date()
		return time.Date(y, m, dd, hours[rng.IntN(len(hours))], 30, 0, 0, calendar.China)
	}
	for i := range kase {
		i := i
		reg := at(base, i*91/36)
		region := villages[i%len(villages)]
		facts[i] = fact{region: region, registered: stats.Day(reg)}
		steps = append(steps, step{reg, i, func(*cases.Case) {
			in := *videotest.Walkin(fmt.Sprintf("申请人%02d", i), fmt.Sprintf("1390000%04d", i),
				fmt.Sprintf("第%02d号：%s", i, []string{"相邻通行", "拖欠工资", "宅基地界址", "物业收费", "噪声扰民", "土地承包"}[i%6]))
			in.RegionCode, in.Category = region, []string{"neighbourhood", "labour", "homestead"}[i%3]
			in.Channel = []kernel.Channel{kernel.ChannelWindow, kernel.ChannelHotline, kernel.ChannelWeChat}[(i/3)%3]
			r, err := e.Cases.Register(ctx, sup, in)
			if err != nil {
				t.Fatal(err)
			}
			kase[i] = r.Case
		}})
		if i%7 == 3 {
			steps = append(steps, step{at(reg, 1+rng.IntN(3)), i, func(c *cases.Case) { move(c, "不属于受理范围", cases.StatusRejected) }})
			continue
		}
		acc := at(reg, rng.IntN(3))
		if acc.Before(reg) {
			acc = reg.Add(time.Minute)
		}
		steps = append(steps, step{acc, i, func(c *cases.Case) { move(c, "", cases.StatusAccepted, cases.StatusInProgress) }})
		if i%9 == 8 {
			continue // still in progress
		}
		res := at(acc, 2+rng.IntN(40))
		facts[i].firstResolved = stats.Day(res)
		steps = append(steps, step{res, i, func(c *cases.Case) { move(c, "", cases.StatusResolved) }})
		if rng.IntN(2) == 0 {
			steps = append(steps, step{at(res, 1+rng.IntN(5)), i, func(c *cases.Case) {
				note(c, cases.EventEvaluated, map[string]any{"rating": []string{"satisfied", "basically_satisfied", "dissatisfied"}[i%3]})
			}})
		}
		last := res
		if i%4 == 1 { // reopened in a later month; every other one resolved again
			reopen := at(res, 8+rng.IntN(25))
			steps = append(steps, step{reopen, i, func(c *cases.Case) {
				note(c, stats.EventReturnVisit, map[string]any{"reached": true, "satisfaction": "不满意"})
				move(c, "回访不满意，重新办理", cases.StatusInProgress)
			}})
			if i%8 == 5 {
				continue // still reopened: its success is taken back
			}
			again := at(reopen, 3+rng.IntN(10))
			steps = append(steps, step{again, i, func(c *cases.Case) { move(c, "", cases.StatusResolved) }})
			last = again
		}
		if i%3 != 0 {
			visit := at(last, 2+rng.IntN(10))
			steps = append(steps, step{visit, i, func(c *cases.Case) {
				note(c, stats.EventReturnVisit, map[string]any{"reached": true, "satisfaction": []string{"满意", "基本满意"}[i%2]})
				move(c, "", cases.StatusVisited)
			}})
			if i%5 == 0 {
				steps = append(steps, step{at(visit, 3+rng.IntN(10)), i, func(c *cases.Case) { move(c, "", cases.StatusClosed) }})
			}
		}
	}
	sort.SliceStable(steps, func(a, b int) bool { return steps[a].at.Before(steps[b].at) })
	for _, s := range steps {
		e.Set(s.at)
		s.do(kase[s.caseN])
	}
	e.Set(time.Date(2026, 1, 20, 10, 0, 0, 0, calendar.China))

	ranges := [][2]string{
		{"2025-09-17", "2025-12-09"}, // partial months at both ends, two whole months between
		{"2025-09-01", "2025-12-31"}, // whole months only
		{"2025-09-30", "2025-11-01"}, // one day, a whole month, one day
		{"2025-10-01", "2025-12-20"}, // whole months and a partial one after
		{"2025-09-12", "2025-11-30"}, // a partial month and whole ones after
		{"2025-10-05", "2025-10-25"}, // inside one month
		{"2025-01-01", "2026-01-20"}, // beyond the data on both sides
	}
	leader := e.Actor("leader")
	overviews := func(label string, svc *stats.Service) map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, region := range []string{"610900", "610902", "610902001", "610921"} {
			for _, r := range ranges {
				q, reg, err := svc.ParseQuery(ctx, leader, region, r[0], r[1])
				if err != nil {
					t.Fatal(err)
				}
				o, err := svc.Overview(ctx, q, reg)
				if err != nil {
					t.Fatalf("%s: %v", label, err)
				}
				b, _ := json.Marshal(o)
				out[region+" "+r[0]+".."+r[1]] = string(b)
			}
		}
		return out
	}
	want := overviews("daily", daily)
	compare := func(label string) {
		t.Helper()
		got := overviews(label, svc)
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s %s:\nmonthly %s\ndaily   %s", label, k, got[k], w)
			}
		}
		// The daily rows after a rebuild or a backfill are the same too.
		for k, w := range overviews(label+" daily", daily) {
			if want[k] != w {
				t.Errorf("%s daily %s:\n%s\n%s", label, k, w, want[k])
			}
		}
	}
	compare("maintained")

	// Hand count of the fixture: received and first resolutions of 汉滨区
	// in the first range, which spans every part of a split.
	sp := stats.SplitSpan(time.Date(2025, 9, 17, 0, 0, 0, 0, calendar.China), time.Date(2025, 12, 9, 0, 0, 0, 0, calendar.China))
	if sp.Head != [2]string{"2025-09-17", "2025-09-30"} || sp.Months != [2]string{"2025-10", "2025-11"} || sp.Tail != [2]string{"2025-12-01", "2025-12-09"} {
		t.Fatalf("split %+v", sp)
	}
	var received, resolved int
	parts := map[string]int{}
	for _, f := range facts {
		if !strings.HasPrefix(f.region, "6109020") {
			continue
		}
		if f.registered >= sp.From && f.registered <= sp.To {
			received++
			parts[part(sp, f.registered)]++
		}
		if f.firstResolved != "" && f.firstResolved >= sp.From && f.firstResolved <= sp.To {
			resolved++
			parts[part(sp, f.firstResolved)]++
		}
	}
	var o stats.Overview
	json.Unmarshal([]byte(want["610902 2025-09-17..2025-12-09"]), &o)
	if o.Received != received || o.Resolved != resolved || parts["head"] == 0 || parts["months"] == 0 || parts["tail"] == 0 {
		t.Errorf("汉滨区: received %d resolved %d, hand count %d %d (by part %v)", o.Received, o.Resolved, received, resolved, parts)
	}
	if o.Success == 0 || o.Success == o.Resolved || o.Satisfaction.Count == 0 || len(o.ByChannel) != 3 || o.TrendUnit != "week" {
		t.Errorf("fixture too thin: success %d/%d, evaluations %d, channels %d, trend %s", o.Success, o.Resolved, o.Satisfaction.Count, len(o.ByChannel), o.TrendUnit)
	}

	// Rebuilt from the timeline: the same.
	if err := st.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	compare("rebuilt")

	// The migration's backfill of the monthly rows from the daily ones.
	sqlText, err := os.ReadFile(filepath.Join("..", "..", "migrations", dialect, "20251207000360_stat_months.tx.up.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"stat_months", "stat_dim_months"} {
		if _, err := e.DB.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			t.Fatal(err)
		}
	}
	backfills := 0
	for _, stmt := range strings.Split(string(sqlText), "--bun:split") {
		if i := strings.Index(stmt, "INSERT INTO"); i >= 0 {
			if _, err := e.DB.ExecContext(ctx, stmt[i:]); err != nil {
				t.Fatal(err)
			}
			backfills++
		}
	}
	if backfills != 2 {
		t.Fatalf("%d backfill statements", backfills)
	}
	compare("backfilled")
}

// part names the part of sp a day falls in.
func part(sp stats.Span, day string) string {
	switch {
	case day >= sp.Head[0] && day <= sp.Head[1]:
		return "head"
	case day >= sp.Tail[0] && day <= sp.Tail[1] && sp.Tail[0] != "":
		return "tail"
	}
	return "months"
}
