package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/jobs"
	"github.com/jiefen/jiefen/mediation"
	"github.com/jiefen/jiefen/mediation/mediationstore"
	"github.com/jiefen/jiefen/mediation/mediationweb"
	"github.com/jiefen/jiefen/units/unitstore"
	"github.com/jiefen/jiefen/web"
)

// Mediation (调解): committees, mediator profiles, offers, sessions,
// agreements (调解协议书), judicial confirmation, performance and hand-offs.
// It uses the app's clocks (JIEFEN_CLOCKS may override its kinds) and
// documents (the CJK font, JIEFEN_FONT), and the video link template
// (JIEFEN_VIDEO_LINK) for video sessions. A periodic job moves offers
// unanswered for 3 working days to the next mediator.
func init() { wirings = append(wirings, wireMediation) }

// OfferSweepEvery is how often the leader among the servers looks for
// expired offers.
const OfferSweepEvery = 10 * time.Minute

func wireMediation(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	svc, err := newMediation(a)
	if err != nil {
		return nil, nil, err
	}
	svc.Scheduler = jobs.At[mediation.ReminderArgs]{Q: a.Jobs}
	jobs.Add(a.Jobs, river.Worker[mediation.ReminderArgs](&jobs.Func[mediation.ReminderArgs]{Do: svc.Remind}))
	jobs.Add(a.Jobs, river.Worker[OfferSweepArgs](&offerSweepWorker{svc: svc}))
	// River runs periodic jobs on its elected leader; the conditional
	// update of each offer keeps two sweeps from moving it twice.
	a.Jobs.Client().PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(OfferSweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return OfferSweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
	a.pages = append(a.pages, mediationweb.Pages...)
	a.panels = append(a.panels, mediationweb.Panel)
	a.openapi = append(a.openapi, mediationweb.OpenAPI)
	return mediationweb.Mount(svc), nil, nil
}

// newMediation builds the mediation service on the app (the server and
// the demo) with the app's clocks and documents (wired before it: their
// files sort first), without its jobs. Without a CJK font the documents
// service has no renderer: outcomes go through and the agreement route
// answers 503.
func newMediation(a *App) (*mediation.Service, error) {
	if a.Clocks == nil || a.Docs == nil {
		return nil, errors.New("mediation: the clocks and documents must be wired first")
	}
	svc := mediation.NewService(a.Cases, mediationstore.New(a.DB), unitstore.New(a.DB), a.Clocks, a.Docs, a.Staff.Store, a.Keys)
	svc.Now = func() time.Time { return a.Cases.Now() }
	var err error
	if svc.Link, err = video.ParseLinkTemplate(os.Getenv("JIEFEN_VIDEO_LINK")); err != nil {
		return nil, fmt.Errorf("JIEFEN_VIDEO_LINK: %w", err)
	}
	return svc, nil
}

// OfferSweepArgs is the periodic job that moves expired offers on.
type OfferSweepArgs struct{}

// Kind implements river.JobArgs.
func (OfferSweepArgs) Kind() string { return "mediation_offer_sweep" }

type offerSweepWorker struct {
	river.WorkerDefaults[OfferSweepArgs]
	svc *mediation.Service
}

func (w *offerSweepWorker) Work(ctx context.Context, job *river.Job[OfferSweepArgs]) error {
	_, err := w.svc.ExpireOffers(ctx)
	return err
}
