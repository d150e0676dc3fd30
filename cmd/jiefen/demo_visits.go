package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/visits"
	"github.com/jiefen/jiefen/visits/visitstore"
)

func init() { demoSteps = append(demoSteps, visitsDemo) }

// visitsDemo records return visits (回访) on up to six of the demo's
// resolved cases — satisfied, basically satisfied, one unreached — so that
// the dashboard's satisfaction and 化解成功率 have figures.
func visitsDemo(ctx context.Context, app *App, byRole map[kernel.Role]*staff.User, now time.Time, out io.Writer) error {
	super := byRole[kernel.RoleSupervisor]
	if super == nil {
		return nil
	}
	actor := super.Actor()
	list, err := app.Cases.List(ctx, actor, cases.CaseFilter{Statuses: []cases.Status{cases.StatusResolved}, Limit: 6})
	if err != nil {
		return err
	}
	cl := clocks.NewService(app.Cases, clockstore.New(app.DB), nil)
	svc := visits.NewService(app.Cases, visitstore.New(app.DB), cl)
	svc.Now = app.Cases.Now
	sat := []string{"满意", "满意", "基本满意", "满意", "基本满意", ""}
	n := 0
	for i, c := range list {
		in := visits.Input{Method: []string{"phone", "in_person", "wechat"}[i%3], Reached: sat[i] != "", Satisfaction: sat[i]}
		if !in.Reached {
			in.Note = "电话无人接听，改日再访"
		}
		if _, _, err := svc.Record(ctx, actor, c.No, in); err != nil {
			return fmt.Errorf("demo visit of %s: %w", c.No, err)
		}
		n++
	}
	fmt.Fprintf(out, "return visits: %d\n", n)
	return nil
}
