package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/metrics"
)

// newMetrics builds the app's metrics: the database pool, the job queue's
// depth and (when the syncer tells when it last caught up) the search
// index's lag. Call it once the database and the search syncer are open.
func (a *App) newMetrics() *metrics.Metrics {
	m := metrics.New(a.Log)
	m.AddDB("main", a.DB.DB)
	if a.Aux != nil && a.Aux != a.DB {
		m.AddDB("aux", a.Aux.DB)
	}
	db := a.DB
	m.AddJobDepth(func(ctx context.Context) (map[[2]string]int64, error) {
		return jobs.Depth(ctx, db)
	})
	if s, ok := any(a.Syncer).(lastSyncer); ok && a.Syncer != nil {
		m.AddFeedLag(feedLagFunc(db, s, time.Now))
	}
	return m
}

// lastSyncer is what the feed lag needs of the search syncer: when it last
// applied every change it could read.
type lastSyncer interface{ LastSynced() time.Time }

// feedLagFunc measures the index's lag from the change feed's timestamps
// (not its positions, which differ between SQLite and PostgreSQL): the
// changes written after the syncer last caught up, and the age of the
// oldest of them. A change written just before that moment but committed
// after it is missed until the next sync applies it, so the lag may read
// low for a moment, never high.
func feedLagFunc(db *bun.DB, s lastSyncer, now func() time.Time) metrics.FeedLagFunc {
	return func(ctx context.Context) (int64, float64, error) {
		return feedLag(ctx, db, s.LastSynced(), now())
	}
}

// feedLagTime is how search_changes.at is written on SQLite (text, UTC; see
// casestore's timeArg): comparing strings in it compares times.
const feedLagTime = "2006-01-02 15:04:05.999999-07:00"

// feedLag counts the changes written after since and returns the age at now
// of the oldest (0 when there is none). A zero since (the syncer never
// caught up) counts the whole feed.
func feedLag(ctx context.Context, db *bun.DB, since, now time.Time) (rows int64, seconds float64, err error) {
	const q = `SELECT count(*), MIN(at) FROM search_changes WHERE at > ?`
	var oldest time.Time
	if db.Dialect().Name() == dialect.PG {
		var t sql.NullTime
		if err := db.QueryRowContext(ctx, q, since.UTC()).Scan(&rows, &t); err != nil {
			return 0, 0, fmt.Errorf("search feed lag: %w", err)
		}
		oldest = t.Time
	} else {
		var t sql.NullString
		if err := db.QueryRowContext(ctx, q, since.UTC().Format(feedLagTime)).Scan(&rows, &t); err != nil {
			return 0, 0, fmt.Errorf("search feed lag: %w", err)
		}
		if t.Valid {
			if oldest, err = time.Parse(feedLagTime, t.String); err != nil {
				return 0, 0, fmt.Errorf("search feed lag: %w", err)
			}
		}
	}
	if rows == 0 || oldest.IsZero() {
		return rows, 0, nil
	}
	return rows, max(0, now.Sub(oldest).Seconds()), nil
}

// serveMetrics serves GET /metrics of m on its own listener at addr (off
// the public API: bind it to a private interface) until ctx ends or stop is
// called. With addr empty it does nothing.
func (a *App) serveMetrics(ctx context.Context, addr string, m *metrics.Metrics) (stop func(), err error) {
	if addr == "" || m == nil {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	a.Log.Info("metrics listening", "addr", ln.Addr().String())
	return a.serveMetricsOn(ctx, ln, m), nil
}

// serveMetricsOn serves m on ln; stop shuts the server down (waiting up to
// 5 s for a scrape in flight) and may be called more than once.
func (a *App) serveMetricsOn(ctx context.Context, ln net.Listener, m *metrics.Metrics) (stop func()) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("metrics server stopped", "err", err)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
			<-done
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-done:
		}
	}()
	return stop
}
