// Package metrics exports Jiefen's operational metrics in the Prometheus
// text format: HTTP requests by route and status with latency histograms,
// registration and detection latency, the database pools, the job queue's
// depth by kind and the search index's lag behind the change feed.
//
// Every Metrics has its own registry (never the global one), so tests and
// several apps in one process do not clash. The package knows no database
// library: the job queue depth and the feed lag come from functions the
// caller passes in, run on each scrape with a 2 s timeout.
//
// The handler is meant for a separate listener (JIEFEN_METRICS_ADDR), off the
// public API.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ScrapeTimeout bounds each database query a scrape runs.
const ScrapeTimeout = 2 * time.Second

// Unmatched is the route label of requests no route answered.
const Unmatched = "unmatched"

// latencyBuckets (seconds) reach down to a millisecond: most API calls and
// detections take a few.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// JobDepthFunc counts the unfinished jobs, keyed by [kind, state].
type JobDepthFunc func(ctx context.Context) (map[[2]string]int64, error)

// FeedLagFunc reports how far the search index is behind the change feed:
// the changes not yet applied and the age of the oldest of them.
type FeedLagFunc func(ctx context.Context) (rows int64, seconds float64, err error)

// Metrics holds one registry and the application's collectors. The zero
// value is not usable: call New. A nil *Metrics records nothing.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	registration prometheus.Histogram
	detection    prometheus.Histogram
	scrapeErrors *prometheus.CounterVec

	pools *poolCollector
	jobs  *jobCollector
	feed  *feedCollector
}

// New returns metrics on a fresh registry with the Go runtime and process
// collectors. log (may be nil) receives scrape errors.
func New(log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: log}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "jiefen_http_requests_total",
		Help: "HTTP requests answered, by matched route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "jiefen_http_request_duration_seconds",
		Help:    "HTTP request latency by matched route pattern and method.",
		Buckets: latencyBuckets,
	}, []string{"route", "method"})
	m.registration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "jiefen_registration_duration_seconds",
		Help:    "Time to register an intake (detection and the transaction included).",
		Buckets: latencyBuckets,
	})
	m.detection = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "jiefen_detection_duration_seconds",
		Help:    "Time to detect duplicates, repeats and groups for one intake.",
		Buckets: latencyBuckets,
	})
	m.scrapeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "jiefen_metrics_scrape_errors_total",
		Help: "Scrapes in which a source of metrics failed (its series are left out of that scrape).",
	}, []string{"source"})
	m.pools = &poolCollector{}
	m.jobs = &jobCollector{m: m, seen: map[[2]string]bool{}}
	m.feed = &feedCollector{m: m}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.registration, m.detection, m.scrapeErrors,
		m.pools, m.jobs, m.feed,
	)
	return m
}

// Registry is the registry the metrics are on (to add collectors, or for
// tests to gather).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format. A failing
// collector leaves its series out and the rest is still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slogPrintln{m.log},
		Registry:      m.reg, // promhttp_metric_handler_* about the handler itself
	})
}

type slogPrintln struct{ log *slog.Logger }

func (l slogPrintln) Println(v ...any) {
	parts := make([]string, len(v))
	for i, x := range v {
		if err, ok := x.(error); ok {
			parts[i] = err.Error()
		} else if s, ok := x.(string); ok {
			parts[i] = s
		}
	}
	l.log.Warn("metrics", "err", strings.Join(parts, " "))
}

// ObserveRegistration records how long one registration took.
func (m *Metrics) ObserveRegistration(d time.Duration) {
	if m != nil {
		m.registration.Observe(d.Seconds())
	}
}

// ObserveDetection records how long one detection took.
func (m *Metrics) ObserveDetection(d time.Duration) {
	if m != nil {
		m.detection.Observe(d.Seconds())
	}
}

// Middleware counts and times every request. Mount it first (app.Use before
// any other middleware) so that it times the whole chain. The route label is
// the matched route's pattern (/api/v1/cases/:no), never the URL; requests
// that no route answered with a 404 or 405 are "unmatched".
//
// An error returned by the chain goes through the app's error handler here,
// so that the status recorded is the one sent; the middleware then returns
// nil (as fiber's logger does).
func (m *Metrics) Middleware() fiber.Handler {
	if m == nil {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return func(c *fiber.Ctx) error {
		start := time.Now()
		self := c.Route()
		err := c.Next()
		if err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		route := routeLabel(c, self, status)
		method := methodLabel(c.Method())
		m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return nil
	}
}

// methodLabel returns the method as a string of its own: fiber's aliases
// the request buffer, which is reused, and a label outlives the request.
func methodLabel(m string) string {
	switch m {
	case fiber.MethodGet:
		return fiber.MethodGet
	case fiber.MethodHead:
		return fiber.MethodHead
	case fiber.MethodPost:
		return fiber.MethodPost
	case fiber.MethodPut:
		return fiber.MethodPut
	case fiber.MethodPatch:
		return fiber.MethodPatch
	case fiber.MethodDelete:
		return fiber.MethodDelete
	case fiber.MethodOptions:
		return fiber.MethodOptions
	}
	return strings.Clone(m)
}

// routeLabel names the route that answered: its registered pattern. When
// no route after the middleware matched, or the one that did is a prefix
// (middleware) route that answered 404/405 (a catch-all "no such API"),
// the request is unmatched: labelling it by its URL would let anyone create
// series at will.
func routeLabel(c *fiber.Ctx, self *fiber.Route, status int) string {
	r := c.Route()
	notFound := status == fiber.StatusNotFound || status == fiber.StatusMethodNotAllowed
	if r == nil || r.Path == "" {
		return Unmatched
	}
	if notFound && (r == self || isPrefixRoute(r, c.Path())) {
		return Unmatched
	}
	return r.Path
}

// isPrefixRoute reports whether r matched path as a prefix (a Use route)
// rather than as a whole: a route without parameters matches a whole path
// only when it equals it (up to a trailing slash and case, as fiber's
// default routing).
func isPrefixRoute(r *fiber.Route, path string) bool {
	if len(r.Params) > 0 {
		return false
	}
	trim := func(s string) string {
		if len(s) > 1 {
			s = strings.TrimSuffix(s, "/")
		}
		return strings.ToLower(s)
	}
	return trim(r.Path) != trim(path)
}

// AddDB exports the connection pool statistics of db under the label
// pool=name; adding a name again replaces its pool.
func (m *Metrics) AddDB(name string, db *sql.DB) {
	m.pools.add(name, db)
}

// AddJobDepth sets the function counting unfinished jobs by kind and state
// (jobs.Depth over the app's database), exported as jiefen_job_queue_depth.
func (m *Metrics) AddJobDepth(fn JobDepthFunc) {
	m.jobs.set(fn)
}

// AddFeedLag sets the function measuring the search index's lag, exported
// as jiefen_search_feed_lag_rows and jiefen_search_feed_lag_seconds.
func (m *Metrics) AddFeedLag(fn FeedLagFunc) {
	m.feed.set(fn)
}

// scrapeFailed counts and logs a source's failure.
func (m *Metrics) scrapeFailed(source string, err error) {
	m.scrapeErrors.WithLabelValues(source).Inc()
	if errors.Is(err, context.DeadlineExceeded) {
		m.log.Warn("metrics source timed out", "source", source, "timeout", ScrapeTimeout)
		return
	}
	m.log.Warn("metrics source failed", "source", source, "err", err)
}

// poolCollector reads sql.DBStats of named pools on each scrape.
type poolCollector struct {
	mu    sync.Mutex
	names []string
	dbs   map[string]*sql.DB
}

var (
	poolLabels   = []string{"pool"}
	descOpen     = prometheus.NewDesc("jiefen_db_pool_open_connections", "Connections open (in use and idle).", poolLabels, nil)
	descInUse    = prometheus.NewDesc("jiefen_db_pool_in_use_connections", "Connections in use.", poolLabels, nil)
	descIdle     = prometheus.NewDesc("jiefen_db_pool_idle_connections", "Idle connections.", poolLabels, nil)
	descMaxOpen  = prometheus.NewDesc("jiefen_db_pool_max_open_connections", "Most connections the pool opens (0: unlimited).", poolLabels, nil)
	descWaits    = prometheus.NewDesc("jiefen_db_pool_wait_count_total", "Times a query waited for a free connection.", poolLabels, nil)
	descWaitTime = prometheus.NewDesc("jiefen_db_pool_wait_duration_seconds_total", "Time spent waiting for a free connection.", poolLabels, nil)
)

func (p *poolCollector) add(name string, db *sql.DB) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dbs == nil {
		p.dbs = map[string]*sql.DB{}
	}
	if _, ok := p.dbs[name]; !ok {
		p.names = append(p.names, name)
	}
	p.dbs[name] = db
}

func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descInUse, descIdle, descMaxOpen, descWaits, descWaitTime} {
		ch <- d
	}
}

func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, name := range p.names {
		s := p.dbs[name].Stats()
		ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(s.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(descInUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(descIdle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(descMaxOpen, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(descWaitTime, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}

// jobCollector runs the job depth query on each scrape. A kind and state
// seen once is reported as 0 when it has no jobs left, rather than
// vanishing (so that graphs and alerts see the queue drain).
type jobCollector struct {
	m    *Metrics
	mu   sync.Mutex
	fn   JobDepthFunc
	seen map[[2]string]bool
}

var descJobDepth = prometheus.NewDesc("jiefen_job_queue_depth",
	"Jobs not finished (available, scheduled, retryable or running), by kind and state.",
	[]string{"kind", "state"}, nil)

func (j *jobCollector) set(fn JobDepthFunc) {
	j.mu.Lock()
	j.fn = fn
	j.mu.Unlock()
}

func (j *jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descJobDepth }

func (j *jobCollector) Collect(ch chan<- prometheus.Metric) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	depth, err := j.fn(ctx)
	if err != nil {
		j.m.scrapeFailed("job_depth", err)
		return
	}
	for k := range depth {
		j.seen[k] = true
	}
	for k := range j.seen {
		ch <- prometheus.MustNewConstMetric(descJobDepth, prometheus.GaugeValue, float64(depth[k]), k[0], k[1])
	}
}

// feedCollector runs the feed lag function on each scrape.
type feedCollector struct {
	m  *Metrics
	mu sync.Mutex
	fn FeedLagFunc
}

var (
	descLagRows = prometheus.NewDesc("jiefen_search_feed_lag_rows",
		"Changes in the search change feed that the index has not applied yet.", nil, nil)
	descLagSeconds = prometheus.NewDesc("jiefen_search_feed_lag_seconds",
		"Age of the oldest change the search index has not applied yet (0 when caught up).", nil, nil)
)

func (f *feedCollector) set(fn FeedLagFunc) {
	f.mu.Lock()
	f.fn = fn
	f.mu.Unlock()
}

func (f *feedCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descLagRows
	ch <- descLagSeconds
}

func (f *feedCollector) Collect(ch chan<- prometheus.Metric) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	rows, seconds, err := f.fn(ctx)
	if err != nil {
		f.m.scrapeFailed("search_feed_lag", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descLagRows, prometheus.GaugeValue, float64(rows))
	ch <- prometheus.MustNewConstMetric(descLagSeconds, prometheus.GaugeValue, seconds)
}
