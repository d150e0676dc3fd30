package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/groupwarn"
	"github.com/jiefen/jiefen/groupwarn/warnstore"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/web"
)

// Group early warning (群体性事件预警): a periodic job counts the different
// people of each cluster's cases registered within a window, per county,
// and records each threshold crossed (the size, then doubling) once, with
// a timeline event on the cluster's newest case there.
// Environment:
//
//	JIEFEN_GROUP_WARN  "persons,days" + "d", default 5,30d: warn at 5
//	                   different people within 30 days, again at 10, 20, …
func init() { wirings = append(wirings, wireGroupWarn) }

func wireGroupWarn(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	cfg, err := groupwarn.ParseConfig(os.Getenv("JIEFEN_GROUP_WARN"))
	if err != nil {
		return nil, nil, fmt.Errorf("JIEFEN_GROUP_WARN: %w", err)
	}
	svc := &groupwarn.Service{Cases: a.Cases, Store: warnstore.New(a.DB), Config: cfg,
		Now: func() time.Time { return a.Cases.Now() }} // imports and tests replay time
	a.GroupWarn = svc
	jobs.Add(a.Jobs, river.Worker[GroupWarnArgs](&groupWarnWorker{svc: svc}))
	// Like the clock sweep: River runs it on its leader, and the unique key
	// of cluster_warnings keeps a crossing from being recorded twice anyway.
	a.Jobs.Client().PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return GroupWarnArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
	return nil, nil, nil
}

// groupWarnings is the console's and API's list, nil when not wired.
func (a *App) groupWarnings() web.GroupWarnings {
	if a.GroupWarn == nil {
		return nil
	}
	return a.GroupWarn
}

// GroupWarnArgs is the periodic job that records group early warnings.
type GroupWarnArgs struct{}

// Kind implements river.JobArgs.
func (GroupWarnArgs) Kind() string { return "group_warning_sweep" }

type groupWarnWorker struct {
	river.WorkerDefaults[GroupWarnArgs]
	svc *groupwarn.Service
}

func (w *groupWarnWorker) Work(ctx context.Context, job *river.Job[GroupWarnArgs]) error {
	_, err := w.svc.Sweep(ctx)
	return err
}
