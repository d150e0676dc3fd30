package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/visits"
	"github.com/jiefen/jiefen/visits/visitstore"
	"github.com/jiefen/jiefen/visits/visitweb"
	"github.com/jiefen/jiefen/web"
)

// Return visits (回访): POST /api/v1/cases/{no}/visits records a visit of a
// resolved case and moves it to visited (or, 不满意 with "reopen", back to
// in_progress); a return_visit clock runs from the resolution (rule
// return_visit in JIEFEN_CLOCKS, default 5 working days). Supervisors and
// leaders draw spot checks (回访抽查, POST /api/v1/visits/samples) for
// another staff member, who records them through the same POST.
func init() { wirings = append(wirings, wireVisits) }

func wireVisits(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	rules, err := clocks.LoadRules(os.Getenv("JIEFEN_CLOCKS"))
	if err != nil {
		return nil, nil, fmt.Errorf("JIEFEN_CLOCKS: %w", err)
	}
	cl := clocks.NewService(a.Cases, clockstore.New(a.DB), rules)
	cl.Now = func() time.Time { return a.Cases.Now() }
	svc := visits.NewService(a.Cases, visitstore.New(a.DB), cl)
	svc.Now = func() time.Time { return a.Cases.Now() }
	svc.Users = a.Staff // the visitors of spot checks (回访抽查)
	a.panels = append(a.panels, visitweb.Panel)
	return visitweb.Mount(svc), svc.Notifier(), nil
}
