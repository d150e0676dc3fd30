package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/web"
)

// Clocks (期限): every deadline of a case is a row of case_clocks, started,
// paused and stopped by the case service in the transaction of the change;
// a periodic job marks the ones that passed as missed.
// Environment:
//
//	JIEFEN_CLOCKS  JSON file overriding rows of the clock rules with a
//	               province's regulation, e.g.
//	               [{"kind":"handling","days":30,"unit":"calendar_days",
//	                 "source":"《××省信访条例》第×条"}]
func init() { wirings = append(wirings, wireClocks) }

// SweepEvery is how often the leader among the servers sweeps for missed
// clocks.
const SweepEvery = time.Minute

func wireClocks(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	rules, err := clocks.LoadRules(os.Getenv("JIEFEN_CLOCKS"))
	if err != nil {
		return nil, nil, fmt.Errorf("JIEFEN_CLOCKS: %w", err)
	}
	svc := clocks.NewService(a.Cases, clockstore.New(a.DB), rules)
	svc.Now = func() time.Time { return a.Cases.Now() } // imports and tests replay time
	a.Cases.Clocks = svc
	a.Clocks = svc
	jobs.Add(a.Jobs, river.Worker[ClockSweepArgs](&clockSweepWorker{svc: svc}))
	// River runs periodic jobs on its elected leader only; the sweep's
	// conditional update keeps a clock from being marked twice regardless.
	a.Jobs.Client().PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return ClockSweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
	return web.Clocks(svc), nil, nil
}

// ClockSweepArgs is the periodic job that marks missed clocks.
type ClockSweepArgs struct{}

// Kind implements river.JobArgs.
func (ClockSweepArgs) Kind() string { return "clock_sweep" }

type clockSweepWorker struct {
	river.WorkerDefaults[ClockSweepArgs]
	svc *clocks.Service
}

func (w *clockSweepWorker) Work(ctx context.Context, job *river.Job[ClockSweepArgs]) error {
	_, err := w.svc.Sweep(ctx)
	return err
}
