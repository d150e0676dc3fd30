package search

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Change is one row of the search change feed: a case whose intakes must be
// (re)indexed.
type Change struct {
	Pos    int64 // the feed's position after this change (opaque)
	CaseID int64
}

// Feed is the database side of indexing: the change feed written in the
// same transactions as the changes, and the documents of cases.
type Feed interface {
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	Docs(ctx context.Context, caseIDs []int64) ([]Doc, error)
	// AllDocs pages through every intake in the order received (then by
	// id), after the given one, for rebuilds: an index built in that order
	// keeps old intakes together, which time windows use.
	AllDocs(ctx context.Context, after Doc, limit int) ([]Doc, error)
	// End returns a position before every change not yet readable: where
	// a rebuild that starts now leaves the cursor.
	End(ctx context.Context) (int64, error)
}

// Cursor remembers how far an index has applied the feed. An embedded
// index keeps it with its own files; a shared server keeps it in the
// database.
type Cursor interface {
	LoadCursor(ctx context.Context) (int64, error)
	SaveCursor(ctx context.Context, seq int64) error
}

// Syncer applies the change feed to an index. Applying is idempotent
// (upserts by intake id), so any number of servers may run it against a
// shared engine, and a crash between applying and saving the cursor only
// repeats work.
type Syncer struct {
	Feed   Feed
	Index  Index
	Cursor Cursor
	Log    *slog.Logger

	mu         sync.Mutex // one sync at a time in this process
	kick       chan struct{}
	kickOnce   sync.Once
	lastSynced atomic.Int64 // unix nanoseconds of the last sync that reached the end
}

func (s *Syncer) kicks() chan struct{} {
	s.kickOnce.Do(func() { s.kick = make(chan struct{}, 1) })
	return s.kick
}

// Kick asks Run to sync now. It never waits: registration calls it after
// each commit, and a slow engine must not slow registration (the feed
// guarantees the change is applied later anyway).
func (s *Syncer) Kick() {
	select {
	case s.kicks() <- struct{}{}:
	default:
	}
}

// LastSynced returns when the index last caught up with the feed.
func (s *Syncer) LastSynced() time.Time {
	if n := s.lastSynced.Load(); n > 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// batch is how many change rows are applied at once.
const batch = 2000

// Sync applies every pending change and returns how many documents it
// upserted. Registration calls it after each commit so the next intake sees
// this one; a background loop calls it to catch up after an outage.
func (s *Syncer) Sync(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.Cursor.LoadCursor(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		changes, err := s.Feed.Changes(ctx, cur, batch)
		if err != nil {
			return total, err
		}
		if len(changes) == 0 {
			s.lastSynced.Store(time.Now().UnixNano())
			return total, nil
		}
		seen := make(map[int64]bool, len(changes))
		ids := make([]int64, 0, len(changes))
		for _, c := range changes {
			if !seen[c.CaseID] {
				seen[c.CaseID] = true
				ids = append(ids, c.CaseID)
			}
		}
		docs, err := s.Feed.Docs(ctx, ids)
		if err != nil {
			return total, err
		}
		if err := s.Index.Upsert(ctx, docs...); err != nil {
			return total, err
		}
		total += len(docs)
		cur = changes[len(changes)-1].Pos
		if err := s.Cursor.SaveCursor(ctx, cur); err != nil {
			return total, err
		}
	}
}

// Run syncs every interval, and at once when kicked, until ctx ends,
// logging failures (an engine outage) without giving up.
func (s *Syncer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		// A hung engine gives up within a minute and is tried again.
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		n, err := s.Sync(sctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing && s.Log != nil {
				s.Log.Warn("search index sync failed; will retry", "err", err)
			}
			failing = true
		case err == nil:
			if failing && s.Log != nil {
				s.Log.Info("search index sync recovered", "docs", n)
			}
			failing = false
		}
		kicks := s.kicks()
		if failing {
			kicks = nil // while the engine fails, retry on the ticker only
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kicks:
		}
	}
}

// Rebuild indexes every intake from the database and moves the cursor to
// the feed's end as it was when the rebuild began, so changes made during
// the rebuild are applied after it.
func (s *Syncer) Rebuild(ctx context.Context, progress func(done int)) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	end, err := s.Feed.End(ctx)
	if err != nil {
		return 0, err
	}
	// The next batch is read from the database while this one is indexed.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type batch struct {
		docs []Doc
		err  error
	}
	batches := make(chan batch, 1)
	go func() {
		defer close(batches)
		var after Doc
		for {
			docs, err := s.Feed.AllDocs(ctx, after, 5000)
			select {
			case batches <- batch{docs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(docs) == 0 {
				return
			}
			after = docs[len(docs)-1]
		}
	}()
	total := 0
	for b := range batches {
		if b.err != nil {
			return total, b.err
		}
		if len(b.docs) == 0 {
			break
		}
		if err := s.Index.Upsert(ctx, b.docs...); err != nil {
			return total, err
		}
		total += len(b.docs)
		if progress != nil {
			progress(total)
		}
	}
	return total, s.Cursor.SaveCursor(ctx, end)
}

// CaseSearcher answers staff's free-text search from the index.
type CaseSearcher struct{ Index Index }

// SearchCases implements cases.Searcher: the best intakes' cases, in order,
// each once.
func (s CaseSearcher) SearchCases(ctx context.Context, q, scope string, limit int) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*SearchTimeout)
	defer cancel()
	hits, err := s.Index.Search(ctx, Query{Text: q, Limit: limit * 3, Filter: Filter{RegionPrefix: scope}})
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []int64
	for _, h := range hits {
		if !seen[h.CaseID] && len(out) < limit {
			seen[h.CaseID] = true
			out = append(out, h.CaseID)
		}
	}
	return out, nil
}
