package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/groupwarn"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/metrics"
	"github.com/jiefen/jiefen/migrations"
	"github.com/jiefen/jiefen/pii"
	"github.com/jiefen/jiefen/regions"
	"github.com/jiefen/jiefen/residents"
	"github.com/jiefen/jiefen/residents/residentstore"
	"github.com/jiefen/jiefen/search"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/staff/staffstore"
	"github.com/jiefen/jiefen/stats"
	"github.com/jiefen/jiefen/web"
)

// App is the wired service: what `serve` runs and what the other commands
// and the end-to-end test reuse.
type App struct {
	Config Config
	Log    *slog.Logger
	DB     *bun.DB
	// Aux is the pool of background work — River, the index sync — of its
	// own on PostgreSQL, so that load on DB cannot starve it (DB itself on
	// SQLite, whose writes pass one gate).
	Aux       *bun.DB
	Keys      *pii.Keyring
	Calendar  *calendar.Calendar
	Store     *casestore.Store
	Cases     *cases.Service
	Staff     *staff.Service
	Residents *residents.Service

	Jobs    *jobs.Queue
	Metrics *metrics.Metrics // GET /metrics on JIEFEN_METRICS_ADDR
	Video   *video.Service   // leaders' reception days (channels/video)
	// Documents lists a case's documents (文书) on the console's case page.
	Documents web.CaseDocuments
	// GroupWarn raises and lists group early warnings (群体性事件预警).
	GroupWarn *groupwarn.Service
	// Clocks and Docs are the clocks and the document service, for the
	// modules that start clocks and generate documents in their steps.
	Clocks *clocks.Service
	Docs   *documents.Service
	Stats  *stats.Service // the overview, the monthly report and the export audit log

	Index      search.Index
	Syncer     *search.Syncer
	Detector   *search.Detector
	engineName string
	maintain   func() error // periodic upkeep of the embedded index
	mounts     []web.Mount  // the channels' routes
	// pages and panels are the modules' console pages and case panels.
	pages    []web.ConsolePage
	panels   []web.CasePanel
	filters  []web.ListFilter // the modules' case list filters
	openapi  [][]byte         // the modules' OpenAPI fragments
	figures  []stats.Figure   // the modules' overview figures, registered once stats is wired
	base     context.Context  // requests derive from it; cancelled late in shutdown
	stopSync func()           // ends the background index sync
}

// OpenApp opens the database, applies migrations, loads the regions on
// first start and wires the services.
func OpenApp(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if _, err := web.ParseTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log}
	var key []byte
	var err error
	if cfg.Key != "" {
		key, err = pii.ParseKey(cfg.Key)
	} else {
		key, err = pii.LoadOrCreateKeyFile(cfg.keyFile())
	}
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	if a.Keys, err = pii.NewKeyring(key); err != nil {
		return nil, err
	}
	var opts []calendar.Option
	if cfg.Holidays != "" {
		opts = append(opts, calendar.WithOverridesFile(cfg.Holidays))
	}
	if a.Calendar, err = calendar.New(opts...); err != nil {
		return nil, err
	}
	if a.DB, err = database.Open(ctx, cfg.dsn()); err != nil {
		return nil, err
	}
	applied, err := migrations.Up(ctx, a.DB)
	if err != nil {
		database.Close(a.DB)
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "names", applied)
	}
	a.Store = casestore.New(a.DB, a.Keys)
	if n, err := a.Store.CountRegions(ctx); err != nil {
		database.Close(a.DB)
		return nil, err
	} else if n == 0 {
		if _, err := a.loadRegions(ctx); err != nil {
			database.Close(a.DB)
			return nil, err
		}
	}
	if err := jobs.Migrate(ctx, a.DB); err != nil {
		database.Close(a.DB)
		return nil, err
	}
	if a.Aux, err = database.OpenAux(ctx, cfg.dsn(), a.DB); err != nil {
		database.Close(a.DB)
		return nil, err
	}
	if a.Jobs, err = jobs.New(a.Aux, jobs.Options{Log: log}); err != nil {
		a.closeDB()
		return nil, err
	}
	a.Cases = cases.NewService(database.Transactor{DB: a.DB}, a.Store, a.Calendar)
	a.Staff = staff.NewService(staffstore.New(a.DB), a.Store)
	a.Staff.Log = log
	a.Residents = residents.NewService(residentstore.New(a.DB, a.Keys))
	if cfg.NoIndex {
		return a, nil // no search, no channels: an account or schema command
	}
	if err := a.openSearch(ctx); err != nil {
		a.closeDB()
		return nil, err
	}
	a.startSync()
	a.Metrics = a.newMetrics()
	a.Cases.Observer = a.Metrics
	if err := a.wireChannels(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// loadRegions adds the embedded official regions that are missing.
func (a *App) loadRegions(ctx context.Context) (int, error) {
	all, err := regions.Official()
	if err != nil {
		return 0, err
	}
	n, err := a.Store.LoadRegions(ctx, all)
	if err != nil {
		return 0, fmt.Errorf("load regions: %w", err)
	}
	a.Log.Info("regions loaded", "added", n, "embedded", len(all))
	return n, nil
}

// Close closes the search index (the embedded one snapshots) and the
// database.
func (a *App) Close() error {
	var err error
	if a.stopSync != nil {
		a.stopSync()
	}
	if a.Index != nil {
		err = a.Index.Close()
	}
	return errors.Join(err, a.closeDB())
}

func (a *App) closeDB() error {
	var err error
	if a.Aux != nil && a.Aux != a.DB {
		err = a.Aux.Close()
	}
	return errors.Join(err, database.Close(a.DB))
}

// live reports whether a database connection can be had: a server whose
// pool is wedged cannot complete requests, and /healthz says so.
func (a *App) live(ctx context.Context) error {
	conn, err := a.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.PingContext(ctx)
}

// ready reports whether the database answers and the schema is current.
// Its messages are shown by /readyz, so they carry no internal detail.
func (a *App) ready(ctx context.Context) error {
	if err := a.DB.PingContext(ctx); err != nil {
		return errors.New("database unreachable")
	}
	pending, err := migrations.Pending(ctx, a.DB)
	if err != nil {
		return errors.New("migration status unavailable")
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d migrations pending", len(pending))
	}
	return nil
}

// Handler builds the HTTP application.
func (a *App) Handler() *fiber.App {
	return web.New(web.Deps{
		Cases: a.Cases, Staff: a.Staff, Residents: a.Residents, Calendar: a.Calendar, Ready: a.ready,
		Live: a.live, Unavailable: database.Unavailable, Base: a.base, Metrics: a.Metrics.Middleware(),
		Log: a.Log, Version: version(), Mounts: a.mounts, Documents: a.Documents,
		Pages: a.pages, CasePanels: a.panels, ListFilters: a.filters, OpenAPI: a.openapi,
		GroupWarnings:  a.groupWarnings(),
		CaseExports:    a.caseExports(),
		PublicURL:      os.Getenv("JIEFEN_PUBLIC_URL"),
		TrustedProxies: a.trustedProxies(),
	})
}

// trustedProxies is the checked JIEFEN_TRUSTED_PROXIES (OpenApp refused a bad one).
func (a *App) trustedProxies() []string {
	p, _ := web.ParseTrustedProxies(a.Config.TrustedProxies)
	return p
}

// Shutdown timing: SIGTERM must stop the server within 10 s at full load.
// Requests get drainFor to finish; those still running then are cancelled
// (they answer 503 and commit nothing) and the listener closes; running
// jobs get jobsFor, the rest resume on the next start or another server.
const (
	drainFor = 5 * time.Second
	closeFor = 2 * time.Second
	jobsFor  = 2 * time.Second
)

// Serve answers HTTP on ln until ctx ends, then drains in-flight requests
// (up to 20 s) before returning; the caller closes the database after.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	base, stopRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRequests()
	a.base = base
	app := a.Handler()
	if err := a.Jobs.Start(ctx); err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	stopMetrics, err := a.serveMetrics(ctx, a.Config.MetricsAddr, a.Metrics)
	if err != nil {
		return err
	}
	defer stopMetrics()
	go a.sweepSessions(ctx)
	go a.syncLoop(ctx)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: draining requests")
	timer := time.AfterFunc(drainFor, stopRequests)
	defer timer.Stop()
	if err := app.ShutdownWithTimeout(drainFor + closeFor); err != nil {
		a.Log.Warn("shutdown: connections still open were closed", "err", err)
	}
	// A shutdown that came before the listener goroutine began serving
	// finds nothing to stop, and fasthttp would then serve on: closing the
	// listener ends its accept loop either way.
	ln.Close()
	if err = <-errc; errors.Is(err, net.ErrClosed) {
		err = nil
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jobsFor)
	defer cancel()
	if jerr := a.Jobs.Stop(stopCtx); jerr != nil && !errors.Is(jerr, context.DeadlineExceeded) {
		err = errors.Join(err, jerr)
	}
	return err
}

// sweepSessions deletes expired tokens hourly. The delete is idempotent, so
// every server may run it.
func (a *App) sweepSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.Staff.Store.DeleteExpiredSessions(ctx, time.Now().UTC()); err != nil && ctx.Err() == nil {
			a.Log.Warn("session sweep failed", "err", err)
		} else if n > 0 {
			a.Log.Info("expired sessions deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func newLogger(w io.Writer, asJSON bool) *slog.Logger {
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
