package main

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/regions/regionstore"
	"github.com/jiefen/jiefen/units"
	"github.com/jiefen/jiefen/units/unitstore"
	"github.com/jiefen/jiefen/units/unitweb"
	"github.com/jiefen/jiefen/web"
)

// Units (机构/单位): the organisations staff belong to, managed by admins;
// and the search of regions by name the console's region fields use.
func init() { wirings = append(wirings, wireUnits) }

func wireUnits(ctx context.Context, a *App) (web.Mount, cases.Notifier, error) {
	svc := newUnits(a)
	a.Staff.Units = svc
	search := web.RegionSearch(regionstore.New(a.DB))
	mount := unitweb.Mount(svc)
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		mount(app, api, auth, v)
		search(app, api, auth, v)
	}, nil, nil
}

// newUnits builds the units service on the app's database (the server and
// `jiefen unit add`).
func newUnits(a *App) *units.Service {
	return units.NewService(unitstore.New(a.DB), a.Store, database.Transactor{DB: a.DB})
}
