package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
	"github.com/jiefen/jiefen/units"
)

// cmdUnitAdd creates a unit (机构) from the command line, as the system:
// the first units of a fresh installation, before any admin signs in.
func cmdUnitAdd(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("unit add", flag.ContinueOnError)
	cfg.bind(fs)
	var nu units.NewUnit
	var kind, specialty string
	var parent int64
	fs.StringVar(&nu.Name, "name", "", "unit name, e.g. 汉滨区人民法院")
	fs.StringVar(&kind, "kind", "", "centre | petition_office | department | people_committee | industry_committee | court | procuratorate | police | township | village")
	fs.StringVar(&specialty, "specialty", "", "industry committees: medical | traffic | labour | property | land_acquisition | environment | consumer | other")
	fs.StringVar(&nu.RegionCode, "region", "", "region the unit sits in, e.g. 610902")
	fs.Int64Var(&parent, "parent", 0, "id of the parent unit")
	fs.StringVar(&nu.Phone, "phone", "", "contact phone")
	fs.StringVar(&nu.Address, "address", "", "address")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if nu.Name == "" || kind == "" || nu.RegionCode == "" {
		return usageErr("unit add: --name, --kind and --region are required")
	}
	nu.Kind, nu.Specialty = units.Kind(kind), units.Specialty(specialty)
	if parent != 0 {
		nu.ParentID = &parent
	}
	cfg.NoIndex = true
	app, err := OpenApp(ctx, cfg, newLogger(io.Discard, false))
	if err != nil {
		return err
	}
	defer app.Close()
	u, err := newUnits(app).Create(ctx, kernel.SystemActor("cli"), nu)
	if err != nil {
		return err
	}
	r, err := app.Store.Region(ctx, u.RegionCode)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "unit %d created: %s (%s), region %s %s\n", u.ID, u.Name, u.Kind.Label(), u.RegionCode, r.Name)
	return nil
}

// addUserCLI creates an account for `jiefen user add`: as the system, but
// a unit is checked as an admin's would be (it exists and is active).
func addUserCLI(ctx context.Context, app *App, nu staff.NewUser) (*staff.User, error) {
	if nu.UnitID != nil {
		// Account commands open the app without its wirings: build the
		// units service here.
		if err := newUnits(app).CheckMember(ctx, kernel.SystemActor("cli"), *nu.UnitID); err != nil {
			return nil, err
		}
	}
	return app.Staff.AddUser(ctx, nu)
}
