// Package visitweb is the HTTP face of return visits:
// POST /api/v1/cases/{case_no}/visits and GET of the same; and the spot
// checks (回访抽查): POST /api/v1/visits/samples draws a sample, GET lists
// them.
package visitweb

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/visits"
	"github.com/jiefen/jiefen/web"
)

// Panel is the 回访 card of the case page: the visits, and the form on a
// resolved case.
var Panel = web.CasePanel{ID: "visits", Title: "回访", Script: "/static/visits.js"}

// Mount adds the routes.
func Mount(svc *visits.Service) web.Mount {
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		h := &handler{svc: svc, v: v}
		api.Post("/cases/:no/visits", auth.Staff, h.record)
		api.Get("/cases/:no/visits", auth.Staff, h.list)
		api.Post("/visits/samples", auth.Staff, h.draw)
		api.Get("/visits/samples", auth.Staff, h.samples)
	}
}

type handler struct {
	svc *visits.Service
	v   *web.Validator
}

type visitRequest struct {
	Method       string `json:"method"`
	Reached      *bool  `json:"reached"`
	Satisfaction string `json:"satisfaction"`
	Note         string `json:"note"`
	Reopen       bool   `json:"reopen"`
}

func actor(c *fiber.Ctx) kernel.Actor { return web.CurrentUser(c).Actor() }

func (h *handler) record(c *fiber.Ctx) error {
	var req visitRequest
	if err := web.Bind(c, h.v, &req); err != nil {
		return err
	}
	if req.Reached == nil {
		return kernel.FieldError("reached", "请填写是否联系上群众（true 或 false）")
	}
	v, cs, err := h.svc.Record(c.UserContext(), actor(c), c.Params("no"), visits.Input{Method: req.Method,
		Reached: *req.Reached, Satisfaction: req.Satisfaction, Note: req.Note, Reopen: req.Reopen})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"visit": v, "case_no": cs.No, "status": cs.Status,
		"status_label": cs.Status.Label()})
}

func (h *handler) list(c *fiber.Ctx) error {
	list, err := h.svc.List(c.UserContext(), actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

type sampleRequest struct {
	Region   string  `json:"region"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Percent  float64 `json:"percent"`
	Count    int     `json:"count"`
	Assignee string  `json:"assignee"`
}

func (h *handler) draw(c *fiber.Ctx) error {
	var req sampleRequest
	if err := web.Bind(c, h.v, &req); err != nil {
		return err
	}
	out, err := h.svc.DrawSample(c.UserContext(), actor(c), visits.SampleRequest{Region: req.Region, From: req.From,
		To: req.To, Percent: req.Percent, Count: req.Count, Assignee: req.Assignee})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (h *handler) samples(c *fiber.Ctx) error {
	var done *bool
	if v := c.Query("done"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return kernel.FieldError("done", "应为 true 或 false")
		}
		done = &b
	}
	list, err := h.svc.Samples(c.UserContext(), actor(c), c.Query("assignee"), done)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}
