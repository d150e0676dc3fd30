package casestore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/cases/casestore"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/search"
)

// The search change feed must deliver every committed change, whatever
// order concurrent transactions commit in, to every reader (issue 9, item
// 2). These tests go through the public surface only — a unit of work and
// MarkChanged to write, Store.NewFeed and search.Syncer to read — and keep
// each reader's position in the feed's own cursor row, never looking at
// its value: how the feed orders rows (a sequence, a transaction id) is the
// feed's business.

// feedIndex is a search index that only records which cases it was given.
type feedIndex struct {
	mu    sync.Mutex
	cases map[int64]int // case id → documents upserted
}

func newFeedIndex() *feedIndex { return &feedIndex{cases: map[int64]int{}} }

func (x *feedIndex) Upsert(_ context.Context, docs ...search.Doc) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, d := range docs {
		x.cases[d.CaseID]++
	}
	return nil
}

func (x *feedIndex) Delete(context.Context, ...int64) error { return nil }
func (x *feedIndex) Search(context.Context, search.Query) ([]search.Hit, error) {
	return nil, nil
}
func (x *feedIndex) Close() error { return nil }

func (x *feedIndex) has(id int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.cases[id] > 0
}

func (x *feedIndex) reset() {
	x.mu.Lock()
	x.cases = map[int64]int{}
	x.mu.Unlock()
}

// feedReader is one server reading the feed into its own index, with its
// own cursor (kept in the database under its engine name).
type feedReader struct {
	name   string
	index  *feedIndex
	syncer *search.Syncer
}

func newFeedReader(store *casestore.Store, name string) *feedReader {
	x := newFeedIndex()
	return &feedReader{name: name, index: x, syncer: &search.Syncer{
		Feed: store.NewFeed(""), Index: x, Cursor: store.NewFeed("feedtest:" + name)}}
}

// openShared opens the same fresh database twice, as two servers would.
func openShared(t *testing.T, dialect string) (*bun.DB, *bun.DB) {
	t.Helper()
	dsn := dbtest.DSN(t, dialect)
	var dbs [2]*bun.DB
	for i := range dbs {
		db, err := database.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// feedCases registers n cases (no detector: each opens its own case) and
// returns their ids.
func feedCases(t *testing.T, db *bun.DB, n int) []int64 {
	t.Helper()
	svc := cases.NewService(database.Transactor{DB: db}, casestore.New(db, dbtest.Keys(t)), calendar.Default())
	actor := kernel.Actor{UserID: 1, Name: "张窗口", Role: kernel.RoleWindowClerk, RegionCode: "610902000000"}
	ids := make([]int64, n)
	for i := range ids {
		reg, err := svc.Register(context.Background(), actor, cases.Intake{
			Channel: kernel.ChannelWindow,
			Person:  cases.Person{Name: "赵桂兰", Phone: fmt.Sprintf("1391234%04d", i)},
			Subject: fmt.Sprintf("第%d户楼上漏水", i+1),
			Content: fmt.Sprintf("新城街道幸福小区%d号楼住户反映楼上卫生间漏水，天花板发霉，物业协调未果。", i+1),
			Address: "汉滨区新城街道", RegionCode: "610902001003", Category: "neighbourhood",
		})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = reg.Case.ID
	}
	return ids
}

// catchUp syncs the readers until they are current, then forgets what
// their indexes were given, so that only later changes count.
func catchUp(t *testing.T, readers ...*feedReader) {
	t.Helper()
	for _, r := range readers {
		if _, err := r.syncer.Sync(context.Background()); err != nil {
			t.Fatalf("%s: initial sync: %v", r.name, err)
		}
		r.index.reset()
	}
}

// TestFeedConcurrentWriters has transactions mark cases changed and commit
// in whatever order the scheduler gives, while two readers (one per
// database handle, as two servers) sync all along: at the end each reader
// has been given every case whose transaction committed.
func TestFeedConcurrentWriters(t *testing.T) {
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { feedConcurrentWriters(t, dialect) })
	}
}

func feedConcurrentWriters(t *testing.T, dialect string) {
	const writers = 48
	dbA, dbB := openShared(t, dialect)
	ids := feedCases(t, dbA, writers)
	storeA, storeB := casestore.New(dbA, dbtest.Keys(t)), casestore.New(dbB, dbtest.Keys(t))
	readers := []*feedReader{newFeedReader(storeA, "a"), newFeedReader(storeB, "b")}
	catchUp(t, readers...)

	const writeDeadline = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), writeDeadline)
	defer cancel()
	var (
		mu        sync.Mutex
		committed []int64
		failed    []string
		retries   int
		wg        sync.WaitGroup
	)
	start := make(chan struct{})
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(i), 9))
			<-start
			time.Sleep(time.Duration(rnd.IntN(20)) * time.Millisecond)
			// Writers alternate between the two handles, as two servers.
			store := storeA
			if i%2 == 1 {
				store = storeB
			}
			// A writer turned away (a saturated pool answers "busy") tries
			// again a few times: only commits count, and they must all
			// eventually succeed at this modest load.
			var err error
			for attempt := range 5 {
				if attempt > 0 {
					mu.Lock()
					retries++
					mu.Unlock()
					time.Sleep(time.Duration(10*attempt) * time.Millisecond)
				}
				err = inStoreTx(ctx, store, func(tx cases.Store) error {
					if err := tx.MarkChanged(ctx, id); err != nil {
						return err
					}
					// Hold the transaction open a random while: on
					// PostgreSQL later transactions overtake this one.
					time.Sleep(time.Duration(1+rnd.IntN(15)) * time.Millisecond)
					return nil
				})
				if err == nil || ctx.Err() != nil {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, fmt.Sprintf("case %d: %v", id, err))
			} else {
				committed = append(committed, id)
			}
		}()
	}
	writersDone := make(chan struct{})
	go func() { wg.Wait(); close(writersDone) }()

	// Both readers sync continuously while the writers commit.
	var rwg sync.WaitGroup
	syncErrs := make([]error, len(readers))
	for i, r := range readers {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				if _, err := r.syncer.Sync(ctx); err != nil && syncErrs[i] == nil {
					syncErrs[i] = err
				}
				select {
				case <-writersDone:
					return
				case <-ctx.Done():
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
	}
	close(start)
	select {
	case <-writersDone:
	case <-ctx.Done():
		mu.Lock()
		t.Errorf("writers did not finish within %v (hang?): %d committed, %d failed, %d still waiting",
			writeDeadline, len(committed), len(failed), writers-len(committed)-len(failed))
		mu.Unlock()
		select { // the deadline has cancelled them
		case <-writersDone:
		case <-time.After(10 * time.Second):
			t.Fatal("writers still stuck 10 s after their context ended")
		}
	}
	rwg.Wait()
	// Every writer has committed: a final sync must deliver the rest.
	fctx, fcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer fcancel()
	for _, r := range readers {
		for range 2 {
			if _, err := r.syncer.Sync(fctx); err != nil {
				t.Errorf("%s: final sync: %v", r.name, err)
			}
		}
	}
	for i, err := range syncErrs {
		if err != nil {
			t.Errorf("%s: sync during the writes: %v", readers[i].name, err)
		}
	}
	if retries > 0 {
		t.Logf("%d writer attempts were turned away and retried", retries)
	}
	if len(failed) > 0 {
		t.Errorf("%d of %d writers failed after retries, e.g. %v", len(failed), writers, failed[:min(len(failed), 5)])
	}
	for _, r := range readers {
		var missing []int64
		for _, id := range committed {
			if !r.index.has(id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			t.Errorf("reader %s: %d of %d committed changes never delivered: cases %v", r.name, len(missing), len(committed), missing)
		}
	}
}

// TestFeedCommitOutOfOrder forces the interleaving that loses rows when the
// feed's position is the order rows were inserted in: transaction A writes
// its change first, transaction B writes later but commits first, readers
// sync (and may move past B), then A commits. A's change must still reach
// every reader. Only PostgreSQL lets two writers interleave so; SQLite has
// one writer at a time.
func TestFeedCommitOutOfOrder(t *testing.T) {
	dbA, dbB := openShared(t, "postgres")
	ids := feedCases(t, dbA, 2)
	caseA, caseB := ids[0], ids[1]
	storeA, storeB := casestore.New(dbA, dbtest.Keys(t)), casestore.New(dbB, dbtest.Keys(t))
	readers := []*feedReader{newFeedReader(storeA, "a"), newFeedReader(storeB, "b")}
	catchUp(t, readers...)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	aWritten, releaseA := make(chan struct{}), make(chan struct{})
	aDone := make(chan error, 1)
	go func() {
		aDone <- inStoreTx(ctx, storeA, func(tx cases.Store) error {
			if err := tx.MarkChanged(ctx, caseA); err != nil {
				return err
			}
			close(aWritten)
			select {
			case <-releaseA:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	select {
	case <-aWritten:
	case err := <-aDone:
		t.Fatalf("transaction A: %v", err)
	case <-ctx.Done():
		t.Fatal("transaction A did not write its change in time")
	}
	// B writes after A (a later feed row) and commits while A is open.
	if err := inStoreTx(ctx, storeB, func(tx cases.Store) error { return tx.MarkChanged(ctx, caseB) }); err != nil {
		close(releaseA)
		t.Fatalf("transaction B: %v", err)
	}
	for _, r := range readers {
		if _, err := r.syncer.Sync(ctx); err != nil {
			t.Errorf("%s: sync with A open: %v", r.name, err)
		}
		if r.index.has(caseA) {
			t.Errorf("%s: case A delivered before its transaction committed", r.name)
		}
		t.Logf("%s: with A still open, B delivered: %v", r.name, r.index.has(caseB))
	}
	close(releaseA)
	if err := <-aDone; err != nil {
		t.Fatalf("transaction A commit: %v", err)
	}
	// A has committed: the next syncs must deliver it (and B, if held back).
	for _, r := range readers {
		deadline := time.Now().Add(2 * time.Second)
		for {
			if _, err := r.syncer.Sync(ctx); err != nil {
				t.Errorf("%s: sync after A committed: %v", r.name, err)
			}
			if (r.index.has(caseA) && r.index.has(caseB)) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !r.index.has(caseA) {
			t.Errorf("reader %s: case A (change written first, committed last) never delivered", r.name)
		}
		if !r.index.has(caseB) {
			t.Errorf("reader %s: case B never delivered", r.name)
		}
	}

	// A reader that starts after both commits, from scratch, sees both too.
	late := newFeedReader(storeB, "late")
	if _, err := late.syncer.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !late.index.has(caseA) || !late.index.has(caseB) {
		t.Errorf("a new reader from the start of the feed: A %v, B %v", late.index.has(caseA), late.index.has(caseB))
	}
}

// inStoreTx runs fn with store bound to one unit of work.
func inStoreTx(ctx context.Context, store *casestore.Store, fn func(tx cases.Store) error) error {
	return store.Transactor().InTx(ctx, func(ctx context.Context, tx kernel.Tx) error { return fn(store.WithTx(tx)) })
}
