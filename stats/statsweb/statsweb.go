// Package statsweb is the HTTP face of the statistics: the overview the
// dashboard draws (GET /api/v1/stats/overview) and the monthly report
// (GET /api/v1/stats/monthly.xlsx).
package statsweb

import (
	"bytes"
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/stats"
	"github.com/jiefen/jiefen/stats/xlsx"
	"github.com/jiefen/jiefen/web"
)

// MaxOverdueRows caps the overdue sheet of the monthly report.
const MaxOverdueRows = 5000

// Mount adds the statistics routes; cs lists the overdue cases of the
// monthly report.
func Mount(svc *stats.Service, cs *cases.Service) web.Mount {
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		h := &handler{svc: svc, cases: cs}
		api.Get("/stats/overview", auth.Staff, h.overview)
		api.Get("/stats/monthly.xlsx", auth.Staff, h.monthly)
	}
}

type handler struct {
	svc   *stats.Service
	cases *cases.Service
}

func actor(c *fiber.Ctx) kernel.Actor { return web.CurrentUser(c).Actor() }

func (h *handler) overview(c *fiber.Ctx) error {
	q, reg, err := h.svc.ParseQuery(c.UserContext(), actor(c), c.Query("region"), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	o, err := h.svc.Overview(c.UserContext(), q, reg)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

func (h *handler) monthly(c *fiber.Ctx) error {
	ctx := c.UserContext()
	a := actor(c)
	month := c.Query("month")
	var from, to string
	if month == "" {
		month = h.svc.Now().In(calendar.China).Format("2006-01")
	}
	m, err := time.ParseInLocation("2006-01", month, calendar.China)
	if err != nil {
		return kernel.FieldError("month", "月份格式错误，应为2025-11")
	}
	from, to = m.Format(time.DateOnly), m.AddDate(0, 1, -1).Format(time.DateOnly)
	q, reg, err := h.svc.ParseQuery(ctx, a, c.Query("region"), from, to)
	if err != nil {
		return err
	}
	o, err := h.svc.Overview(ctx, q, reg)
	if err != nil {
		return err
	}
	overdue := true
	var list []*cases.Case
	f := cases.CaseFilter{Region: q.Region, Overdue: &overdue, Limit: 200}
	for len(list) < MaxOverdueRows {
		page, err := h.cases.List(ctx, a, f)
		if err != nil {
			return err
		}
		list = append(list, page...)
		if len(page) < f.Limit {
			break
		}
		f.BeforeID = page[len(page)-1].ID
	}
	var buf bytes.Buffer
	if err := Monthly(&buf, o, list, month, h.svc.Now()); err != nil {
		return err
	}
	filters := url.Values{"region": {q.Region}, "month": {month}}.Encode()
	if err := h.svc.RecordExport(ctx, a, "monthly", filters, len(list)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsx.ContentType)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="monthly-%s-%s.xlsx"; filename*=UTF-8''%s`,
		q.Region, month, url.PathEscape(reg.Name+month+"月报.xlsx")))
	return c.Send(buf.Bytes())
}
