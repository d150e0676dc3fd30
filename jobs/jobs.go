// Package jobs is the durable job queue in Jiefen's own database: riverqueue
// River with its SQLite or PostgreSQL driver. Jobs are inserted in the
// transaction of the change that causes them, so a crash or an outage of
// the outside system delays them but never drops them; River runs each job
// once across any number of servers and retries failures with backoff.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/migrations"
)

// Queue inserts jobs and, once started, works them.
type Queue struct {
	client  *river.Client[*sql.Tx]
	workers *river.Workers
	kinds   int
	started bool
}

// JobTimeout bounds every job: a worker's own Timeout may be shorter,
// never longer (Add refuses it), so that the rescuer never takes a job
// that is still running for a stuck one.
const JobTimeout = time.Minute

// RescueAfter is how long a job may be running before River's rescuer
// takes it for stuck — its server died mid-job — and schedules it again:
// just above JobTimeout (River's default is an hour). The rescuer looks
// every 30 s, so a dead server's jobs go again within about two minutes.
const RescueAfter = JobTimeout + 15*time.Second

// Add registers a worker; call before Start. A worker whose Timeout
// exceeds JobTimeout (or has none) is a programming error: it would be
// rescued while still running.
func Add[T river.JobArgs](q *Queue, w river.Worker[T]) {
	if t := w.Timeout(&river.Job[T]{JobRow: &rivertype.JobRow{}}); t > JobTimeout || t < 0 {
		var args T
		panic(fmt.Sprintf("jobs: worker %s: timeout %v exceeds JobTimeout %v", args.Kind(), t, JobTimeout))
	}
	river.AddWorker(q.workers, w)
	q.kinds++
}

// Options configure the queue.
type Options struct {
	Log      *slog.Logger
	Periodic []*river.PeriodicJob
	// PollEvery is how often workers look for new jobs (default 1 s; tests
	// use less).
	PollEvery time.Duration
}

func driverFor(db *bun.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect().Name() == dialect.PG {
		return riverdatabasesql.New(db.DB)
	}
	return riversqlite.New(db.DB)
}

// Migrate applies River's own schema migrations.
func Migrate(ctx context.Context, db *bun.DB) error {
	m, err := rivermigrate.New(driverFor(db), nil)
	if err != nil {
		return err
	}
	return migrations.WithLock(ctx, db, func() error {
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("job queue migrations: %w", err)
		}
		return nil
	})
}

// New returns a queue on db. Workers are added with Add before Start; a
// queue never started still inserts (commands like import do that).
func New(db *bun.DB, opts Options) (*Queue, error) {
	q := &Queue{workers: river.NewWorkers()}
	poll := opts.PollEvery
	if poll == 0 {
		poll = time.Second
	}
	cfg := &river.Config{
		Logger:            opts.Log,
		Workers:           q.workers,
		PeriodicJobs:      opts.Periodic,
		FetchPollInterval: poll,
		FetchCooldown:     min(poll, 100*time.Millisecond),
		// database/sql drivers cannot LISTEN: poll.
		PollOnly:    true,
		MaxAttempts: 10,
		// Jobs of a server that died mid-job go again after RescueAfter,
		// not River's default hour.
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueAfter,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
	}
	client, err := river.NewClient(driverFor(db), cfg)
	if err != nil {
		return nil, err
	}
	q.client = client
	return q, nil
}

// Insert enqueues a job in the unit of work tx (or on its own when tx is
// nil), so that it runs if and only if the change that causes it commits.
func (q *Queue) Insert(ctx context.Context, tx kernel.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	var err error
	if sqlTx := database.SQLTx(tx); sqlTx != nil {
		_, err = q.client.InsertTx(ctx, sqlTx, args, opts)
	} else {
		_, err = q.client.Insert(ctx, args, opts)
	}
	return err
}

// Start begins working jobs until Stop (nothing to do without workers).
func (q *Queue) Start(ctx context.Context) error {
	if q.kinds == 0 {
		return nil
	}
	if err := q.client.Start(ctx); err != nil {
		return err
	}
	q.started = true
	return nil
}

// Stop lets running jobs finish (up to the context's deadline).
func (q *Queue) Stop(ctx context.Context) error {
	if !q.started {
		return nil
	}
	return q.client.Stop(ctx)
}

// Client exposes River's client (tests wait on it for jobs).
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// At schedules jobs of args A at their time, in the caller's transaction:
// the reminder scheduler of the modules that remind (video sessions,
// mediation sessions).
type At[A river.JobArgs] struct{ Q *Queue }

// ScheduleReminder inserts args to run at at.
func (s At[A]) ScheduleReminder(ctx context.Context, tx kernel.Tx, args A, at time.Time) error {
	return s.Q.Insert(ctx, tx, args, &river.InsertOpts{ScheduledAt: at})
}

// Func is a worker that runs Do with each job's args, with River's defaults.
type Func[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	Do func(ctx context.Context, args A) error
}

// Work implements river.Worker.
func (w *Func[A]) Work(ctx context.Context, job *river.Job[A]) error { return w.Do(ctx, job.Args) }
