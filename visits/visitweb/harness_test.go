package visitweb_test

import (
	"io"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/channels"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/clocks/clockstore"
	"github.com/jiefen/jiefen/stats"
	"github.com/jiefen/jiefen/stats/statstore"
	"github.com/jiefen/jiefen/visits"
	"github.com/jiefen/jiefen/visits/visitstore"
	"github.com/jiefen/jiefen/visits/visitweb"
	"github.com/jiefen/jiefen/web"
)

// wire puts visits on the harness's cases as the server does: the
// return_visit clock, the visits and statistics notifiers, the routes and
// the case page's 回访 panel, all on e's clock.
func wire(e *videotest.Env) (*visits.Service, *stats.Service, *fiber.App) {
	cl := clocks.NewService(e.Cases, clockstore.New(e.DB), nil)
	cl.Now = e.Now
	e.Cases.Clocks = cl
	svc := visits.NewService(e.Cases, visitstore.New(e.DB), cl)
	svc.Now, svc.Users = e.Now, e.Staff
	st := stats.NewService(statstore.New(e.DB), e.Cases.Calendar)
	st.Now = e.Now
	e.Cases.Notifier = channels.Fanout{st.Notifier(), svc.Notifier()}
	app := web.New(web.Deps{Cases: e.Cases, Staff: e.Staff, Now: e.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Mounts: []web.Mount{visitweb.Mount(svc)}, CasePanels: []web.CasePanel{visitweb.Panel}})
	return svc, st, app
}
