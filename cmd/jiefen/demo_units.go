package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jiefen/jiefen/demo"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
)

// seedDemoUnits creates the demo organisations (demo.Units) and returns
// their ids by key. A unit left by an earlier, failed demo load is reused.
func seedDemoUnits(ctx context.Context, app *App, out io.Writer) (map[string]*int64, error) {
	svc := newUnits(app)
	sys := kernel.SystemActor("demo")
	ids := map[string]*int64{}
	for _, du := range demo.Units() {
		nu := units.NewUnit{Name: du.Name, Kind: du.Kind, Specialty: du.Specialty, RegionCode: du.Region,
			ParentID: ids[du.Parent], Phone: du.Phone, Address: du.Address}
		u, err := svc.Create(ctx, sys, nu)
		if kernel.ErrorCode(err) == kernel.EConflict {
			var found []*units.Unit
			if found, err = svc.List(ctx, sys, units.Filter{Region: du.Region, Q: du.Name}); err == nil && len(found) > 0 {
				u = found[0]
			}
		}
		if err != nil || u == nil {
			return nil, fmt.Errorf("unit %s: %v", du.Name, err)
		}
		ids[du.Key] = &u.ID
	}
	fmt.Fprintf(out, "演示机构：%d 个（汉滨区矛调中心、信访局、人社局、住建局、卫健局、社区调委会、医疗和交通调委会、法院、派出所）\n", len(ids))
	return ids, nil
}
