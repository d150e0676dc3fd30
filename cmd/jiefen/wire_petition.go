package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/petition/petitionstore"
	"github.com/jiefen/jiefen/petition/petitionweb"
	"github.com/jiefen/jiefen/units/unitstore"
	"github.com/jiefen/jiefen/web"
)

// The petition track (信访, petition/): its routes under
// /cases/{no}/petition and /petition/…, its clocks, the 处理意见书, the
// registration hook (不再受理, 越级, art. 19), the case list filters, the case
// page panel, the leader's 包案 page and the supervision sweep (催办, overdue
// 督办, escalation), a periodic job.
// Environment:
//
//	JIEFEN_GROUP_PETITION        people on one matter from which a petition
//	                             is a group petition (集体访), default 5
//	JIEFEN_PETITION_SUPERVISION  "remind,escalate" in working days, default
//	                             3,5: 催办 3 working days before a staff clock
//	                             is due, escalation to the next region's
//	                             supervisors 5 working days after
//	JIEFEN_PETITION_BACKLOG      积案: "overdue,repeats=3" (default), either
//	                             part, or "none"
func init() { wirings = append(wirings, wirePetition) }

// PetitionSweepEvery is how often the leader among the servers runs the
// supervision sweep.
const PetitionSweepEvery = 10 * time.Minute

func wirePetition(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	svc, err := newPetition(a)
	if err != nil {
		return nil, nil, err
	}
	a.Cases.Hooks = append(a.Cases.Hooks, svc.Hook())
	a.filters = append(a.filters, petitionweb.Filters(svc.Backlog)...)
	a.panels = append(a.panels, petitionweb.Panel)
	a.pages = append(a.pages, petitionweb.Pages...)
	a.openapi = append(a.openapi, petitionweb.OpenAPI)
	// The overview's 积案 and 督办 as the track defines them.
	a.figures = append(a.figures, petition.Figure{Store: petitionstore.New(a.DB), Backlog: svc.Backlog})
	jobs.Add(a.Jobs, river.Worker[PetitionSweepArgs](&petitionSweepWorker{svc: svc}))
	// River runs periodic jobs on its elected leader; the unique marks
	// (petition_marks) keep a reminder or escalation from being written
	// twice regardless.
	a.Jobs.Client().PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(PetitionSweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return PetitionSweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
	return petitionweb.Mount(svc), nil, nil
}

// newPetition builds the track on the app (the server and the demo) with
// the app's clocks and documents (wired before it), without its jobs.
func newPetition(a *App) (*petition.Service, error) {
	if a.Clocks == nil || a.Docs == nil {
		return nil, errors.New("petition: the clocks and documents must be wired first")
	}
	st := petitionstore.New(a.DB)
	svc := petition.NewService(database.Transactor{DB: a.DB}, st, a.Cases, a.Clocks, a.Docs, unitstore.New(a.DB))
	svc.Supervision, svc.Campaigns = st.Supervision(), st.Campaigns()
	svc.Supervisors = petition.StaffSupervisors(a.Staff.Store)
	if v := os.Getenv("JIEFEN_GROUP_PETITION"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			return nil, errors.New("JIEFEN_GROUP_PETITION: a number of people, at least 2")
		}
		svc.GroupThreshold = n
	}
	if v := os.Getenv("JIEFEN_PETITION_SUPERVISION"); v != "" {
		r, e, ok := strings.Cut(v, ",")
		remind, err1 := strconv.Atoi(strings.TrimSpace(r))
		escalate, err2 := strconv.Atoi(strings.TrimSpace(e))
		if !ok || err1 != nil || err2 != nil || remind < 1 || escalate < 1 {
			return nil, errors.New("JIEFEN_PETITION_SUPERVISION: \"remind,escalate\" in working days, e.g. 3,5")
		}
		svc.RemindDays, svc.EscalateDays = remind, escalate
	}
	b, err := petition.ParseBacklog(os.Getenv("JIEFEN_PETITION_BACKLOG"))
	if err != nil {
		return nil, fmt.Errorf("JIEFEN_PETITION_BACKLOG: %w", err)
	}
	svc.Backlog = b
	return svc, nil
}

// PetitionSweepArgs is the periodic supervision sweep of the track.
type PetitionSweepArgs struct{}

// Kind implements river.JobArgs.
func (PetitionSweepArgs) Kind() string { return "petition_supervision_sweep" }

type petitionSweepWorker struct {
	river.WorkerDefaults[PetitionSweepArgs]
	svc *petition.Service
}

func (w *petitionSweepWorker) Work(ctx context.Context, job *river.Job[PetitionSweepArgs]) error {
	_, err := w.svc.Sweep(ctx)
	return err
}
