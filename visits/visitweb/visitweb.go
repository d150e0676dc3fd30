// Package visitweb is the HTTP face of return visits:
// POST /api/v1/cases/{case_no}/visits and GET of the same.
package visitweb

import (
	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/visits"
	"github.com/jiefen/jiefen/web"
)

// Mount adds the routes.
func Mount(svc *visits.Service) web.Mount {
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		h := &handler{svc: svc, v: v}
		api.Post("/cases/:no/visits", auth.Staff, h.record)
		api.Get("/cases/:no/visits", auth.Staff, h.list)
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
