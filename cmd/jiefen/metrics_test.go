package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/search"
)

// The lag is read from the timestamps the store itself writes (on SQLite
// text compared as text), on both dialects.
func TestFeedLag(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		store := casestore.New(db, dbtest.Keys(t))
		if rows, secs, err := feedLag(ctx, db, time.Time{}, time.Now()); err != nil || rows != 0 || secs != 0 {
			t.Fatalf("empty feed: %d rows, %v s, %v", rows, secs, err)
		}
		first := time.Now()
		if err := store.MarkChanged(ctx, 1, 2); err != nil {
			t.Fatal(err)
		}
		firstDone := time.Now()
		time.Sleep(50 * time.Millisecond)
		mid := time.Now()
		time.Sleep(50 * time.Millisecond)
		last := time.Now()
		if err := store.MarkChanged(ctx, 3); err != nil {
			t.Fatal(err)
		}
		lastDone := time.Now()
		now := last.Add(10 * time.Second)
		// The rows are stamped between the times around their writes (to
		// the microsecond).
		within := func(secs float64, from, to time.Time) bool {
			return secs >= now.Sub(to).Seconds()-1e-6 && secs <= now.Sub(from).Seconds()+1e-6
		}

		// Never synced: the whole feed, aged from its oldest row.
		rows, secs, err := feedLag(ctx, db, time.Time{}, now)
		if err != nil {
			t.Fatal(err)
		}
		if rows != 3 || !within(secs, first, firstDone) {
			t.Errorf("never synced: %d rows, %v s; want 3 rows, ≈%v s", rows, secs, now.Sub(first).Seconds())
		}
		// Synced between the two writes: only the last row, aged from it.
		rows, secs, err = feedLag(ctx, db, mid, now)
		if err != nil {
			t.Fatal(err)
		}
		if rows != 1 || !within(secs, last, lastDone) {
			t.Errorf("synced at mid: %d rows, %v s; want 1 row, ≈%v s", rows, secs, now.Sub(last).Seconds())
		}
		// Caught up.
		if rows, secs, err := feedLag(ctx, db, time.Now(), now); err != nil || rows != 0 || secs != 0 {
			t.Errorf("caught up: %d rows, %v s, %v", rows, secs, err)
		}
	})
}

type metricsTestArgs struct{}

func (metricsTestArgs) Kind() string { return "metrics_wire_test" }

type metricsTestWorker struct {
	river.WorkerDefaults[metricsTestArgs]
}

func (metricsTestWorker) Work(context.Context, *river.Job[metricsTestArgs]) error { return nil }

// The app's metrics, wired as serve wires them, scraped over their own
// listener.
func TestServeMetrics(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := dbtest.Open(t, "sqlite")
	a := &App{Log: slog.New(slog.DiscardHandler), DB: db, Syncer: &search.Syncer{}}

	// Off without an address.
	stop, err := a.serveMetrics(ctx, "", a.newMetrics())
	if err != nil || stop == nil {
		t.Fatalf("no address: %v", err)
	}
	stop()

	// One job waiting, one change not yet indexed (the syncer never ran).
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(db, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	jobs.Add(q, river.Worker[metricsTestArgs](metricsTestWorker{}))
	if err := q.Insert(ctx, nil, metricsTestArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := casestore.New(db, dbtest.Keys(t)).MarkChanged(ctx, 42); err != nil {
		t.Fatal(err)
	}

	m := a.newMetrics()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(m.Middleware())
	app.Get("/api/v1/cases/:no", func(c *fiber.Ctx) error { return c.SendString(c.Params("no")) })
	for _, p := range []string{"/api/v1/cases/610902-1", "/api/v1/cases/610902-2", "/nothing-here"} {
		resp, err := app.Test(httptest.NewRequest("GET", p, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	m.ObserveRegistration(120 * time.Millisecond)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop = a.serveMetricsOn(ctx, ln, m)
	defer stop()
	base := "http://" + ln.Addr().String()
	get := func(method, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get("GET", "/metrics")
	if status != 200 {
		t.Fatalf("GET /metrics: %d", status)
	}
	for _, line := range []string{
		`jiefen_http_requests_total{method="GET",route="/api/v1/cases/:no",status="200"} 2`,
		`jiefen_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`jiefen_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/:no"} 2`,
		`jiefen_registration_duration_seconds_count 1`,
		`jiefen_registration_duration_seconds_bucket{le="0.1"} 0`,
		`jiefen_registration_duration_seconds_bucket{le="0.25"} 1`,
		`jiefen_job_queue_depth{kind="metrics_wire_test",state="available"} 1`,
		`jiefen_search_feed_lag_rows 1`,
		fmt.Sprintf(`jiefen_db_pool_max_open_connections{pool="main"} %d`, db.DB.Stats().MaxOpenConnections),
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("scrape lacks %q", line)
		}
	}
	// The scrape's own queries run beside the pool collector: in use is 0
	// or 1, but the series is there.
	if !strings.Contains(body, `jiefen_db_pool_in_use_connections{pool="main"} `) ||
		!strings.Contains(body, `jiefen_db_pool_wait_count_total{pool="main"} `) {
		t.Error("scrape lacks the main pool's series")
	}
	if strings.Contains(body, "610902-1") || strings.Contains(body, "nothing-here") {
		t.Error("a URL became a label")
	}
	if !strings.Contains(body, "\njiefen_search_feed_lag_seconds ") || strings.Contains(body, "\njiefen_search_feed_lag_seconds 0\n") {
		t.Error("feed lag seconds missing or 0 with a change pending")
	}
	// Only GET /metrics is served there.
	if status, _ := get("GET", "/api/v1/cases/610902-1"); status != 404 {
		t.Errorf("GET /api/v1/…: %d on the metrics listener", status)
	}
	if status, _ := get("POST", "/metrics"); status != 405 {
		t.Errorf("POST /metrics: %d", status)
	}

	// The listener closes when the context ends.
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("metrics listener still open after the context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
