package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/kernel"
)

type pingArgs struct{ N int }

func (pingArgs) Kind() string { return "test_ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	done  atomic.Int64
	fails atomic.Int64
}

func (w *pingWorker) NextRetry(*river.Job[pingArgs]) time.Time { return time.Now() }

func (w *pingWorker) Work(ctx context.Context, job *river.Job[pingArgs]) error {
	if job.Args.N < 0 && w.fails.Add(1) < 3 {
		return errors.New("outside system down") // retried, then succeeds
	}
	w.done.Add(1)
	return nil
}

func TestQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := jobs.Migrate(ctx, db); err != nil { // every server runs it at start
			t.Fatal(err)
		}
		q, err := jobs.New(db, jobs.Options{PollEvery: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		w := &pingWorker{}
		jobs.Add(q, river.Worker[pingArgs](w))

		// A job inserted in a transaction that rolls back never runs.
		txr := database.Transactor{DB: db}
		rollback := errors.New("roll back")
		if err := txr.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
			if err := q.Insert(ctx, tx, pingArgs{N: 1}, nil); err != nil {
				t.Fatal(err)
			}
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if err := txr.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
			if err := q.Insert(ctx, tx, pingArgs{N: 2}, nil); err != nil {
				return err
			}
			return q.Insert(ctx, tx, pingArgs{N: -1}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		deadline := time.Now().Add(20 * time.Second)
		for w.done.Load() < 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		if got := w.done.Load(); got != 2 {
			t.Fatalf("%d jobs done, want 2 (the rolled-back one must not run)", got)
		}
		if w.fails.Load() < 2 {
			t.Errorf("the failing job was tried %d times", w.fails.Load())
		}
	})
}
