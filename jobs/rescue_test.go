package jobs_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/jobs"
)

type stuckArgs struct{}

func (stuckArgs) Kind() string { return "test_stuck" }

type stuckWorker struct {
	river.WorkerDefaults[stuckArgs]
	got atomic.Pointer[river.Job[stuckArgs]]
}

func (w *stuckWorker) Work(ctx context.Context, job *river.Job[stuckArgs]) error {
	w.got.Store(job)
	return nil
}

// TestRescueStuckJobs (issue 12): a job left running by a server that died
// goes again once it has run longer than RescueAfter, just above the job
// timeout — not after River's default hour.
func TestRescueStuckJobs(t *testing.T) {
	if jobs.RescueAfter <= jobs.JobTimeout || jobs.RescueAfter > jobs.JobTimeout+time.Minute {
		t.Fatalf("RescueAfter %v is not just above JobTimeout %v", jobs.RescueAfter, jobs.JobTimeout)
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.New(db, jobs.Options{PollEvery: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		w := &stuckWorker{}
		jobs.Add(q, river.Worker[stuckArgs](w))
		if err := q.Insert(ctx, nil, stuckArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		// The job was taken by a server that died RescueAfter + 10 s ago.
		ago := int((jobs.RescueAfter + 10*time.Second).Seconds())
		past := "now() - make_interval(secs => ?)"
		if db.Dialect().Name() != dialect.PG {
			past = "strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ? || ' seconds')"
		}
		if _, err := db.NewRaw("UPDATE river_job SET state = 'running', attempt = 1, attempted_at = "+past+
			" WHERE kind = 'test_stuck'", ago).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		deadline := time.Now().Add(20 * time.Second)
		for w.got.Load() == nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		job := w.got.Load()
		if job == nil {
			t.Fatal("the stuck job was not rescued")
		}
		if job.Attempt != 2 || len(job.Errors) == 0 || !strings.Contains(job.Errors[len(job.Errors)-1].Error, "Stuck job rescued") {
			t.Errorf("rescued job: attempt %d, errors %+v", job.Attempt, job.Errors)
		}
	})
}
