package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"time"

	"github.com/jiefen/jiefen/kernel"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/search"
	"github.com/jiefen/jiefen/search/embedded"
	"github.com/jiefen/jiefen/search/meili"
)

// openSearch opens the search engine the configuration names (Meilisearch
// when MEILI_URL is set, the embedded index otherwise), wires the detector
// and the syncer, and catches the index up with the database.
func (a *App) openSearch(ctx context.Context) error {
	cfg := search.DefaultConfig
	// The models' weights are maps: a file decoded into the shared default
	// would change it for every later App in the process (eval's folds).
	for _, m := range []*search.Model{&cfg.Person, &cfg.Matter, &cfg.Group} {
		m.Weights = maps.Clone(m.Weights)
	}
	if a.Config.Detector != "" {
		b, err := os.ReadFile(a.Config.Detector)
		if err != nil {
			return fmt.Errorf("detector configuration: %w", err)
		}
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("detector configuration %s: %w", a.Config.Detector, err)
		}
	}
	var (
		idx     search.Index
		stats   search.GramStats
		cursor  search.Cursor
		rebuild bool
	)
	if a.Config.MeiliURL != "" {
		e, err := meili.Open(ctx, a.Config.MeiliURL, a.Config.MeiliKey, a.Config.MeiliIndex)
		if err != nil {
			return err
		}
		feed := a.feedStore().NewFeed("meili:" + a.Config.MeiliIndex)
		counts := search.NewCounts()
		// Meilisearch keeps no gram statistics the detector can read: count
		// them here from the database.
		if err := counts.Load(ctx, feed); err != nil {
			e.Close()
			return err
		}
		idx, stats, cursor = search.Counted{Index: e, Counts: counts}, counts, feed
		a.engineName = "meilisearch"
	} else {
		e, err := embedded.Open(a.Config.indexDir())
		if err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		idx, stats, cursor, rebuild = e, e, e, e.Rebuilt
		a.maintain = e.Maintain
		a.engineName = "embedded"
	}
	a.Index = idx
	feed := a.feedStore().NewFeed("")
	a.Syncer = &search.Syncer{Feed: feed, Index: idx, Cursor: cursor, Log: a.Log}
	if !rebuild {
		// An index behind changes already pruned missed some: rebuild.
		cur, err := cursor.LoadCursor(ctx)
		if err != nil {
			return err
		}
		pruned, err := feed.Pruned(ctx)
		if err != nil {
			return err
		}
		rebuild = pruned > cur
	}
	a.Detector = &search.Detector{Index: idx, Stats: stats, Config: cfg, Log: a.Log}
	a.Cases.Detector = a.Detector
	if a.engineName == "embedded" {
		// The embedded index lives in this process: applying what other
		// requests (and servers) committed a moment ago costs a feed read
		// and microseconds, so detection catches up first and the next
		// intake sees this one — bounded, so a slow database read never
		// holds a registration. Meilisearch is only ever synced in the
		// background: waiting for its tasks is what made registration slow.
		a.Cases.Detector = syncFirst{Detector: a.Detector, sync: a.catchUp}
	}
	a.Cases.Searcher = search.CaseSearcher{Index: idx}
	a.Cases.Changed = a.indexNow
	if rebuild {
		n, err := a.Syncer.Rebuild(ctx, nil)
		if err != nil {
			a.Log.Warn("search index rebuild failed; it will catch up from the change feed", "err", err)
		} else if n > 0 {
			a.Log.Info("search index rebuilt from the database", "docs", n)
		}
	}
	if _, err := a.Syncer.Sync(ctx); err != nil {
		a.Log.Warn("search index is behind the database; catching up in the background", "err", err)
	}
	return nil
}

// feedStore reads the change feed for the syncer: on the background pool,
// so that load on the request pool cannot stall indexing.
func (a *App) feedStore() *casestore.Store {
	if a.Aux == nil || a.Aux == a.DB {
		return a.Store
	}
	return casestore.New(a.Aux, a.Keys)
}

// indexNow asks the background sync to apply the commit that just
// happened, so the next intake sees it in a moment. It never waits: the
// change feed guarantees the change is applied, and a slow engine must not
// slow registration (person keys come from the database, so a same-person
// duplicate is found even before the index has it).
func (a *App) indexNow(context.Context) { a.Syncer.Kick() }

// catchUp applies committed changes to the index before a detection, for
// at most catchUpFor.
func (a *App) catchUp(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), catchUpFor)
	defer cancel()
	if _, err := a.Syncer.Sync(ctx); err != nil && a.Log != nil {
		a.Log.Debug("search index catch-up before detection deferred", "err", err)
	}
}

const catchUpFor = 250 * time.Millisecond

// syncEvery is how often the index looks for changes nobody kicked it
// for: other servers' registrations (each server's embedded index follows
// the shared feed, and a duplicate filed on another server a moment later
// must find this one) and anything left after an outage. Reading an empty
// feed is one indexed query.
func (a *App) syncEvery() time.Duration {
	if a.engineName == "embedded" {
		return 200 * time.Millisecond
	}
	return time.Second
}

// startSync runs the index sync in the background until Close: kicked
// after each commit, and every syncEvery.
func (a *App) startSync() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Syncer.Run(ctx, a.syncEvery())
	}()
	a.stopSync = func() { cancel(); <-done }
}

// syncLoop snapshots the embedded index now and then and prunes the change
// feed hourly.
func (a *App) syncLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for minute := 1; ; minute++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if minute%60 == 0 {
			a.pruneFeed(ctx)
		}
		if a.maintain != nil {
			if err := a.maintain(); err != nil {
				a.Log.Warn("search index snapshot failed", "err", err)
			}
		}
	}
}

// pruneFeed deletes changes a month old: every running server has long
// applied them, and one that was down longer rebuilds on start. The delete
// is idempotent, so every server may run it.
func (a *App) pruneFeed(ctx context.Context) {
	n, err := a.Store.NewFeed("").Prune(ctx, time.Now().AddDate(0, 0, -30))
	if err != nil && ctx.Err() == nil {
		a.Log.Warn("search change feed pruning failed", "err", err)
	} else if n > 0 {
		a.Log.Info("search change feed pruned", "rows", n)
	}
}

// batch runs fn with the case service bound to one transaction,
// for bulk work (imports, the demo): the search index follows inside the
// transaction, so that each registration sees the ones before it, and is
// confirmed from the committed change feed afterwards.
func (a *App) batch(ctx context.Context, now func() time.Time, fn func(svc *cases.Service) error) error {
	// Catch up with what is committed; the transaction's own changes are
	// then the feed's rows after its end as the transaction first sees it.
	if _, err := a.Syncer.Sync(ctx); err != nil {
		a.Log.Warn("search index is behind the database", "err", err)
	}
	err := a.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		svc := a.Cases.WithTx(tx)
		svc.Now = now
		// Uncommitted changes are indexed from the transaction; the cursor
		// stays in memory until the commit (a rollback would otherwise
		// leave it past rows that never were). The index is brought up to
		// date when the detector is about to read it, not after every
		// change: a run of changes (an import closing old cases) costs one
		// sync.
		feed := a.Store.TxFeed(tx)
		start, err := feed.End(ctx)
		if err != nil {
			return err
		}
		inTx := &search.Syncer{Feed: feed, Index: a.Index, Cursor: &memCursor{seq: start}}
		svc.Changed = nil // the commit is followed by a sync below
		if svc.Detector != nil {
			svc.Detector = syncFirst{Detector: a.Detector, sync: func(ctx context.Context) {
				if _, err := inTx.Sync(ctx); err != nil {
					a.Log.Warn("search index update deferred", "err", err)
				}
			}}
		}
		return fn(svc)
	})
	if err != nil {
		return err
	}
	if _, err := a.Syncer.Sync(ctx); err != nil {
		a.Log.Warn("search index update deferred", "err", err)
	}
	return nil
}

// syncFirst brings the index up to date before each detection.
type syncFirst struct {
	cases.Detector
	sync func(context.Context)
}

func (d syncFirst) Detect(ctx context.Context, tx cases.Store, in *cases.Intake, scope string, now time.Time) (*cases.Detection, error) {
	d.sync(ctx)
	return d.Detector.Detect(ctx, tx, in, scope, now)
}

func (d syncFirst) Similar(ctx context.Context, tx cases.Store, in *cases.Intake, scope string, now time.Time) ([]cases.Match, error) {
	d.sync(ctx)
	return d.Detector.Similar(ctx, tx, in, scope, now)
}

// memCursor is a change-feed cursor that is not saved.
type memCursor struct{ seq int64 }

func (c *memCursor) LoadCursor(context.Context) (int64, error)     { return c.seq, nil }
func (c *memCursor) SaveCursor(_ context.Context, seq int64) error { c.seq = seq; return nil }
