package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/metrics"
)

// gather scrapes m once (each scrape runs the sources again).
func gather(t *testing.T, m *metrics.Metrics) []*dto.MetricFamily {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	return mfs
}

func find(mfs []*dto.MetricFamily, name string) *dto.MetricFamily {
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	return nil
}

// family gathers m and returns the named family (nil when absent).
func family(t *testing.T, m *metrics.Metrics, name string) *dto.MetricFamily {
	t.Helper()
	return find(gather(t, m), name)
}

// series returns the metric of the family whose labels are exactly want.
func series(t *testing.T, m *metrics.Metrics, name string, want map[string]string) *dto.Metric {
	t.Helper()
	mf := family(t, m, name)
	if mf == nil {
		t.Fatalf("%s: no such family", name)
	}
	for _, mt := range mf.GetMetric() {
		got := map[string]string{}
		for _, lp := range mt.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		if len(got) != len(want) {
			continue
		}
		match := true
		for k, v := range want {
			if got[k] != v {
				match = false
			}
		}
		if match {
			return mt
		}
	}
	var all []string
	for _, mt := range mf.GetMetric() {
		all = append(all, mt.String())
	}
	t.Fatalf("%s%v: no such series; have:\n%s", name, want, strings.Join(all, "\n"))
	return nil
}

func labelValues(mf *dto.MetricFamily, label string) []string {
	var out []string
	for _, mt := range mf.GetMetric() {
		for _, lp := range mt.GetLabel() {
			if lp.GetName() == label {
				out = append(out, lp.GetValue())
			}
		}
	}
	return out
}

func testApp(m *metrics.Metrics) *fiber.App {
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			code := fiber.StatusInternalServerError
			var fe *fiber.Error
			if errors.As(err, &fe) {
				code = fe.Code
			}
			if err.Error() == "not found" {
				code = fiber.StatusNotFound
			}
			return c.Status(code).SendString(err.Error())
		},
	})
	app.Use(m.Middleware())
	app.Use(func(c *fiber.Ctx) error { return c.Next() }) // another middleware, like requestid
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	api := app.Group("/api/v1")
	api.Get("/cases/:no", func(c *fiber.Ctx) error {
		if c.Params("no") == "missing" {
			return errors.New("not found") // a domain 404 through the error handler
		}
		return c.SendString(c.Params("no"))
	})
	api.Post("/intakes", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusCreated) })
	api.Get("/boom", func(c *fiber.Ctx) error { return errors.New("boom") })
	// The API's catch-all, as web.New has: not a route of its own.
	api.Use(func(c *fiber.Ctx) error { return c.Status(fiber.StatusNotFound).SendString("no such API") })
	return app
}

func do(t *testing.T, app *fiber.App, method, path string) int {
	t.Helper()
	resp, err := app.Test(httptest.NewRequest(method, path, nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestMiddlewareLabelsByRoutePattern(t *testing.T) {
	m := metrics.New(nil)
	app := testApp(m)
	for _, r := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/cases/A-1", 200},
		{"GET", "/api/v1/cases/A-2", 200},
		{"GET", "/api/v1/cases/A-3", 200},
		{"GET", "/api/v1/cases/missing", 404},
		{"POST", "/api/v1/intakes", 201},
		{"GET", "/api/v1/boom", 500},
		{"GET", "/healthz", 200},
		{"GET", "/no/such/page", 404},
		{"GET", "/api/v1/no-such-api", 404},
		{"GET", "/api/v1/another/unknown", 404},
		{"DELETE", "/healthz", 405},
	} {
		if got := do(t, app, r.method, r.path); got != r.status {
			t.Fatalf("%s %s: status %d, want %d", r.method, r.path, got, r.status)
		}
	}
	for _, c := range []struct {
		route, method, status string
		n                     float64
	}{
		{"/api/v1/cases/:no", "GET", "200", 3},
		{"/api/v1/cases/:no", "GET", "404", 1}, // a 404 of a real route keeps its pattern
		{"/api/v1/intakes", "POST", "201", 1},
		{"/api/v1/boom", "GET", "500", 1}, // the error handler's status is the one recorded
		{"/healthz", "GET", "200", 1},
		{"unmatched", "GET", "404", 3},
		{"unmatched", "DELETE", "405", 1},
	} {
		mt := series(t, m, "jiefen_http_requests_total", map[string]string{"route": c.route, "method": c.method, "status": c.status})
		if got := mt.GetCounter().GetValue(); got != c.n {
			t.Errorf("requests{%s %s %s} = %v, want %v", c.route, c.method, c.status, got, c.n)
		}
	}
	// No URL ever becomes a label.
	routes := labelValues(family(t, m, "jiefen_http_requests_total"), "route")
	for _, r := range routes {
		if strings.Contains(r, "A-1") || strings.Contains(r, "no-such") || strings.Contains(r, "such/page") || r == "/api/v1" || r == "/" {
			t.Errorf("route label %q is not a route pattern", r)
		}
	}
	if n, err := testutil.GatherAndCount(m.Registry(), "jiefen_http_requests_total"); err != nil || n != 7 {
		t.Errorf("%d request series, want 7: %v", n, routes)
	}
	h := series(t, m, "jiefen_http_request_duration_seconds", map[string]string{"route": "/api/v1/cases/:no", "method": "GET"}).GetHistogram()
	if h.GetSampleCount() != 4 || h.GetSampleSum() <= 0 {
		t.Errorf("duration histogram: count %d sum %v, want 4 samples > 0", h.GetSampleCount(), h.GetSampleSum())
	}
}

func TestRegistrationAndDetectionHistograms(t *testing.T) {
	m := metrics.New(nil)
	m.ObserveRegistration(30 * time.Millisecond)
	m.ObserveRegistration(2 * time.Second)
	m.ObserveDetection(4 * time.Millisecond)
	reg := series(t, m, "jiefen_registration_duration_seconds", map[string]string{}).GetHistogram()
	if reg.GetSampleCount() != 2 || reg.GetSampleSum() < 2.029 || reg.GetSampleSum() > 2.031 {
		t.Errorf("registration: count %d sum %v", reg.GetSampleCount(), reg.GetSampleSum())
	}
	// 30 ms falls in the 0.05 bucket, 2 s in the 2.5 one.
	for _, b := range reg.GetBucket() {
		want := uint64(0)
		switch {
		case b.GetUpperBound() >= 2.5:
			want = 2
		case b.GetUpperBound() >= 0.05:
			want = 1
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("registration bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	det := series(t, m, "jiefen_detection_duration_seconds", map[string]string{}).GetHistogram()
	if det.GetSampleCount() != 1 || det.GetSampleSum() != 0.004 {
		t.Errorf("detection: count %d sum %v", det.GetSampleCount(), det.GetSampleSum())
	}

	var nilM *metrics.Metrics // a nil Metrics records nothing and does not panic
	nilM.ObserveRegistration(time.Second)
	nilM.ObserveDetection(time.Second)
}

func TestDBPools(t *testing.T) {
	m := metrics.New(nil)
	main := dbtest.Open(t, "sqlite")
	main.SetMaxOpenConns(3)
	jobsDB := dbtest.Open(t, "sqlite")
	jobsDB.SetMaxOpenConns(2)
	m.AddDB("main", main.DB)
	m.AddDB("jobs", jobsDB.DB)

	// Hold two connections of main, and make a third query wait for one.
	ctx := context.Background()
	c1, err := main.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := main.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c3, err := main.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *sql.Conn)
	go func() {
		c, err := main.DB.Conn(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	deadline := time.Now().Add(5 * time.Second)
	for main.DB.Stats().WaitCount == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	c3.Close()
	c4 := <-got
	c4.Close()
	c2.Close()

	value := func(name, pool string) float64 {
		mt := series(t, m, name, map[string]string{"pool": pool})
		if g := mt.GetGauge(); g != nil {
			return g.GetValue()
		}
		return mt.GetCounter().GetValue()
	}
	if v := value("jiefen_db_pool_in_use_connections", "main"); v != 1 {
		t.Errorf("main in use = %v, want 1", v)
	}
	if v := value("jiefen_db_pool_open_connections", "main"); v != 3 {
		t.Errorf("main open = %v, want 3", v)
	}
	if v := value("jiefen_db_pool_idle_connections", "main"); v != 2 {
		t.Errorf("main idle = %v, want 2", v)
	}
	if v := value("jiefen_db_pool_max_open_connections", "main"); v != 3 {
		t.Errorf("main max open = %v, want 3", v)
	}
	if v := value("jiefen_db_pool_wait_count_total", "main"); v != 1 {
		t.Errorf("main waits = %v, want 1", v)
	}
	if v := value("jiefen_db_pool_wait_duration_seconds_total", "main"); v < 0.015 {
		t.Errorf("main wait time = %v, want ≥ 20 ms", v)
	}
	if v := value("jiefen_db_pool_max_open_connections", "jobs"); v != 2 {
		t.Errorf("jobs max open = %v, want 2", v)
	}
	if v := value("jiefen_db_pool_wait_count_total", "jobs"); v != 0 {
		t.Errorf("jobs waits = %v, want 0", v)
	}
	c1.Close()
}

func TestJobDepthAndFeedLag(t *testing.T) {
	m := metrics.New(slog.New(slog.DiscardHandler))
	if family(t, m, "jiefen_job_queue_depth") != nil || family(t, m, "jiefen_search_feed_lag_rows") != nil {
		t.Fatal("sources not set yet must export nothing")
	}
	depth := map[[2]string]int64{{"hotline_result", "available"}: 3, {"video_reminder", "scheduled"}: 2}
	var fail error
	m.AddJobDepth(func(ctx context.Context) (map[[2]string]int64, error) {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > metrics.ScrapeTimeout {
			t.Errorf("job depth: no %v deadline", metrics.ScrapeTimeout)
		}
		return depth, fail
	})
	m.AddFeedLag(func(ctx context.Context) (int64, float64, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("feed lag: no deadline")
		}
		return 12, 3.5, fail
	})
	want := `
# HELP jiefen_job_queue_depth Jobs not finished (available, scheduled, retryable or running), by kind and state.
# TYPE jiefen_job_queue_depth gauge
jiefen_job_queue_depth{kind="hotline_result",state="available"} 3
jiefen_job_queue_depth{kind="video_reminder",state="scheduled"} 2
# HELP jiefen_search_feed_lag_rows Changes in the search change feed that the index has not applied yet.
# TYPE jiefen_search_feed_lag_rows gauge
jiefen_search_feed_lag_rows 12
# HELP jiefen_search_feed_lag_seconds Age of the oldest change the search index has not applied yet (0 when caught up).
# TYPE jiefen_search_feed_lag_seconds gauge
jiefen_search_feed_lag_seconds 3.5
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"jiefen_job_queue_depth", "jiefen_search_feed_lag_rows", "jiefen_search_feed_lag_seconds"); err != nil {
		t.Error(err)
	}
	// A drained kind reads 0 rather than vanishing.
	depth = map[[2]string]int64{{"hotline_result", "running"}: 1}
	if v := series(t, m, "jiefen_job_queue_depth", map[string]string{"kind": "hotline_result", "state": "available"}).GetGauge().GetValue(); v != 0 {
		t.Errorf("drained depth = %v, want 0", v)
	}
	if v := series(t, m, "jiefen_job_queue_depth", map[string]string{"kind": "hotline_result", "state": "running"}).GetGauge().GetValue(); v != 1 {
		t.Errorf("running depth = %v, want 1", v)
	}
	// A failing source is left out and counted; the scrape still succeeds.
	fail = errors.New("database down")
	mfs := gather(t, m)
	if find(mfs, "jiefen_job_queue_depth") != nil || find(mfs, "jiefen_search_feed_lag_rows") != nil {
		t.Error("failed sources must be left out")
	}
	fail = nil
	for _, src := range []string{"job_depth", "search_feed_lag"} {
		if v := series(t, m, "jiefen_metrics_scrape_errors_total", map[string]string{"source": src}).GetCounter().GetValue(); v != 1 {
			t.Errorf("scrape errors{%s} = %v, want 1", src, v)
		}
	}
}

// The job depth query over River's real table, on SQLite and PostgreSQL.
type depthArgs struct{}

func (depthArgs) Kind() string { return "metrics_depth_test" }

type otherArgs struct{}

func (otherArgs) Kind() string { return "metrics_other_test" }

type nopWorker[T river.JobArgs] struct{ river.WorkerDefaults[T] }

func (nopWorker[T]) Work(context.Context, *river.Job[T]) error { return nil }

func TestJobsDepthQuery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.New(db, jobs.Options{})
		if err != nil {
			t.Fatal(err)
		}
		jobs.Add(q, river.Worker[depthArgs](nopWorker[depthArgs]{}))
		jobs.Add(q, river.Worker[otherArgs](nopWorker[otherArgs]{}))
		// Never started: the jobs stay where they are inserted.
		for range 3 {
			if err := q.Insert(ctx, nil, depthArgs{}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Insert(ctx, nil, depthArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := q.Insert(ctx, nil, otherArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		// A finished job is not counted.
		if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'completed', finalized_at = ? WHERE id = (SELECT MIN(id) FROM river_job)`, time.Now()); err != nil {
			t.Fatal(err)
		}
		m := metrics.New(nil)
		m.AddJobDepth(func(ctx context.Context) (map[[2]string]int64, error) { return jobs.Depth(ctx, db) })
		want := `
# HELP jiefen_job_queue_depth Jobs not finished (available, scheduled, retryable or running), by kind and state.
# TYPE jiefen_job_queue_depth gauge
jiefen_job_queue_depth{kind="metrics_depth_test",state="available"} 2
jiefen_job_queue_depth{kind="metrics_depth_test",state="scheduled"} 1
jiefen_job_queue_depth{kind="metrics_other_test",state="scheduled"} 1
`
		if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "jiefen_job_queue_depth"); err != nil {
			t.Error(err)
		}
	})
}

func TestHandlerServesTextFormat(t *testing.T) {
	m := metrics.New(nil)
	m.ObserveDetection(10 * time.Millisecond)
	app := testApp(m)
	do(t, app, "GET", "/api/v1/cases/A-9")
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, line := range []string{
		`jiefen_http_requests_total{method="GET",route="/api/v1/cases/:no",status="200"} 1`,
		`jiefen_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/:no"} 1`,
		`jiefen_detection_duration_seconds_bucket{le="0.01"} 1`,
		`jiefen_detection_duration_seconds_bucket{le="0.005"} 0`,
		`jiefen_detection_duration_seconds_count 1`,
		"# TYPE go_goroutines gauge",
		"# TYPE process_cpu_seconds_total counter",
	} {
		if !strings.Contains(string(body), line+"\n") {
			t.Errorf("scrape lacks %q", line)
		}
	}
	// Two Metrics in one process do not clash.
	other := metrics.New(nil)
	if n, err := testutil.GatherAndCount(other.Registry(), "jiefen_http_requests_total"); err != nil || n != 0 {
		t.Errorf("a new Metrics has %d request series", n)
	}
}
