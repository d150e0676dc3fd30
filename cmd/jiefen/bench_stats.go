package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/migrations"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/petition/petitionstore"
	"github.com/jiefen/jiefen/regions"
	"github.com/jiefen/jiefen/stats"
	"github.com/jiefen/jiefen/stats/statstore"
)

// cmdBenchStats loads synthetic cases into a fresh database with bulk
// inserts (not through the service), writes their counters — the daily
// rows and their monthly roll-ups, through the store's Add — with the same
// stats.Deltas the notifier applies, and times the overview of a city, a
// county and a town (this month so far, and the last 365 days).
//
//	jiefen bench stats [--cases 1000000] [--queries 200] [--db postgres://…]
func cmdBenchStats(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("cases", 1_000_000, "cases to load")
	queries := fs.Int("queries", 200, "timed overviews per region and range")
	keep := fs.String("keep", "", "SQLite: keep the database at this path")
	dsn := fs.String("db", "", "PostgreSQL DSN (a fresh database is created beside it); default: SQLite in a temporary directory")
	if err := fs.Parse(args); err != nil {
		return usageErr("%s", err.Error())
	}
	dialect := "sqlite"
	var target string
	if *dsn != "" {
		dialect = "postgres"
		fresh, drop, err := freshPostgres(ctx, *dsn)
		if err != nil {
			return err
		}
		defer drop()
		target = fresh
	} else {
		dir, err := os.MkdirTemp("", "jiefen-bench-stats-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		target = "file:" + filepath.Join(dir, "bench.db")
		if *keep != "" {
			target = "file:" + *keep
		}
	}
	db, err := database.Open(ctx, target)
	if err != nil {
		return err
	}
	defer database.Close(db)
	if _, err := migrations.Up(ctx, db); err != nil {
		return err
	}
	all, err := regions.Official()
	if err != nil {
		return err
	}
	if _, err := casestore.New(db, nil).LoadRegions(ctx, all); err != nil {
		return err
	}
	var villages []string
	for _, r := range all {
		if r.Level == kernel.LevelVillage && strings.HasPrefix(r.Code, "6109") {
			villages = append(villages, r.Code)
		}
	}
	now := time.Now()
	t0 := time.Now()
	fmt.Fprintf(stderr, "bench stats: regions loaded; inserting %d cases…\n", *n)
	if err := benchLoadCases(ctx, db, *n, villages, now); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench stats: %s, %d cases in %d villages of 安康市 loaded in %.1fs (bulk inserts + counters)\n",
		dialect, *n, len(villages), time.Since(t0).Seconds())
	cal, err := calendar.New()
	if err != nil {
		return err
	}
	svc := stats.NewService(statstore.New(db), cal)
	svc.Now = func() time.Time { return now }
	// As the server has it: the petition track's 积案 and 督办 figures.
	svc.Register(petition.Figure{Store: petitionstore.New(db), Backlog: petition.DefaultBacklog})
	admin := kernel.Actor{Name: "bench", Role: kernel.RoleLeader, RegionCode: "610000000000"}
	y, m, d := now.In(calendar.China).Date()
	month := [2]string{time.Date(y, m, 1, 0, 0, 0, 0, calendar.China).Format(time.DateOnly), time.Date(y, m, d, 0, 0, 0, 0, calendar.China).Format(time.DateOnly)}
	year := [2]string{now.In(calendar.China).AddDate(0, 0, -364).Format(time.DateOnly), month[1]}
	for _, rg := range []struct{ name, code string }{{"city 安康市", "610900000000"}, {"county 汉滨区", "610902000000"}, {"town 老城街道", "610902001000"}} {
		for _, rng := range []struct {
			name string
			r    [2]string
		}{{"month", month}, {"365d", year}} {
			var times []time.Duration
			var o *stats.Overview
			// One untimed run first: the pages it reads are then cached.
			if q, reg, err := svc.ParseQuery(ctx, admin, rg.code, rng.r[0], rng.r[1]); err == nil {
				svc.Overview(ctx, q, reg)
			}
			for i := 0; i < *queries; i++ {
				start := time.Now()
				q, reg, err := svc.ParseQuery(ctx, admin, rg.code, rng.r[0], rng.r[1])
				if err == nil {
					o, err = svc.Overview(ctx, q, reg)
				}
				if err != nil {
					return err
				}
				times = append(times, time.Since(start))
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			p := func(q float64) float64 {
				return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
			}
			fmt.Fprintf(stdout, "overview %-14s %-5s received=%d resolved=%d overdue=%d children=%d  p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f %s\n",
				rg.name, rng.name, o.Received, o.Resolved, o.Overdue, len(o.ByRegion), p(0.50), p(0.95), p(0.99), okMissed(p(0.95) <= 50))
		}
	}
	return nil
}

// benchLoadCases inserts n cases over the last two years: older ones closed,
// recent ones at every stage, 2% of the handled ones left overdue, 1% in
// 200 group issues; open cases have their running clock.
func benchLoadCases(ctx context.Context, db *bun.DB, n int, villages []string, now time.Time) error {
	rng := rand.New(rand.NewPCG(42, 15))
	channels := []kernel.Channel{kernel.ChannelWeChat, kernel.ChannelHotline, kernel.ChannelHotline, kernel.ChannelWindow, kernel.ChannelWeb, kernel.ChannelVideo}
	cats := cases.CategoryCodes()
	return (database.Transactor{DB: db}).InTx(ctx, func(ctx context.Context, ktx kernel.Tx) error {
		return benchLoadIn(ctx, db, ktx, n, villages, now, rng, channels, cats)
	})
}

func benchLoadIn(ctx context.Context, db *bun.DB, ktx kernel.Tx, n int, villages []string, now time.Time,
	rng *rand.Rand, channels []kernel.Channel, cats []string) error {
	tx := database.IDB(db, ktx)
	counters := statstore.New(db).WithTx(ktx)
	for i := 1; i <= 200; i++ {
		if _, err := tx.ExecContext(ctx, "INSERT INTO clusters (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
			i, fmt.Sprintf("群体性事项%03d：小区停车位与物业收费", i), now.UTC(), now.UTC()); err != nil {
			return err
		}
	}
	var deltas []stats.Delta
	var caseRows, clockRows []string
	var caseArgs, clockArgs []any
	flush := func() error {
		if len(caseRows) > 0 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO cases (id, case_no, subject, category, region_code, status, channel, created_at, updated_at, cluster_id) VALUES "+strings.Join(caseRows, ","), caseArgs...); err != nil {
				return err
			}
		}
		if len(clockRows) > 0 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO case_clocks (case_id, kind, unit, days, source, start_at, due_at, status, updated_at) VALUES "+strings.Join(clockRows, ","), clockArgs...); err != nil {
				return err
			}
		}
		caseRows, caseArgs, clockRows, clockArgs = caseRows[:0], caseArgs[:0], clockRows[:0], clockArgs[:0]
		return nil
	}
	span := 730 * 24 * time.Hour
	for i := 1; i <= n; i++ {
		created := now.Add(-time.Duration(rng.Int64N(int64(span)))).UTC().Truncate(time.Second)
		region := villages[rng.IntN(len(villages))]
		ch := channels[rng.IntN(len(channels))]
		cat := cats[rng.IntN(len(cats))]
		age := now.Sub(created)
		cf := stats.CaseFacts{Region: region, Channel: string(ch), Category: cat, Created: created}
		ev := func(kind string, to cases.Status, at time.Time, data map[string]any) {
			deltas = append(deltas, stats.Deltas(cf, stats.EventFacts{Kind: kind, To: to, At: at, Data: data}, stats.Resolutions{})...)
		}
		ev(cases.EventRegistered, "", created, nil)
		status := cases.StatusClosed
		handleDays := time.Duration(3+rng.IntN(50)) * 24 * time.Hour
		switch {
		case age < 2*24*time.Hour:
			status = cases.StatusRegistered
		case age < handleDays:
			status = cases.StatusInProgress
		case age < 120*24*time.Hour && rng.IntN(50) == 0:
			status = cases.StatusInProgress // left overdue
		case age < handleDays+10*24*time.Hour:
			status = cases.StatusResolved
		case rng.IntN(10) < 3:
			status = cases.StatusVisited
		}
		if status != cases.StatusRegistered {
			ev(cases.EventTransition, cases.StatusAccepted, created.Add(24*time.Hour), nil)
		}
		if status == cases.StatusResolved || status == cases.StatusVisited || status == cases.StatusClosed {
			res := created.Add(handleDays)
			ev(cases.EventTransition, cases.StatusResolved, res, nil)
			if r := rng.IntN(10); r < 4 {
				ev(cases.EventEvaluated, "", res.Add(48*time.Hour), map[string]any{"rating": []string{"satisfied", "satisfied", "basically_satisfied", "dissatisfied"}[r]})
			}
			if status == cases.StatusClosed {
				ev(cases.EventTransition, cases.StatusClosed, res.Add(7*24*time.Hour), nil)
			}
		}
		var cluster any
		if rng.IntN(100) == 0 {
			cluster = 1 + rng.IntN(200)
		}
		caseRows = append(caseRows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		caseArgs = append(caseArgs, i, fmt.Sprintf("B%s%08d", region[:6], i), "物业管理纠纷", cat, region, string(status), string(ch), created, created, cluster)
		if status == cases.StatusRegistered || status == cases.StatusInProgress {
			kind, days := "accept_decision", 15
			if status == cases.StatusInProgress {
				kind, days = "handling", 60
			}
			due := created.Add(time.Duration(days) * 24 * time.Hour)
			if status == cases.StatusInProgress && age >= handleDays {
				due = created.Add(handleDays)
			}
			clockRows = append(clockRows, "(?, ?, 'calendar_days', ?, '《信访工作条例》', ?, ?, 'running', ?)")
			clockArgs = append(clockArgs, i, kind, days, created, due, created)
		}
		if len(caseRows) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
		if len(deltas) >= 200_000 {
			if err := counters.Add(ctx, deltas); err != nil {
				return err
			}
			deltas = deltas[:0]
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return counters.Add(ctx, deltas)
}
