// Package unitweb is the HTTP face of units (机构): admins create, list and
// change the organisations of their region under /api/v1/units.
package unitweb

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
	"github.com/jiefen/jiefen/web"
)

// Mount adds the routes.
func Mount(svc *units.Service) web.Mount {
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		h := &handler{svc: svc, v: v}
		api.Post("/units", auth.Staff, h.create)
		api.Get("/units", auth.Staff, h.list)
		api.Patch("/units/:id", auth.Staff, h.update)
	}
}

type handler struct {
	svc *units.Service
	v   *web.Validator
}

func actor(c *fiber.Ctx) kernel.Actor { return web.CurrentUser(c).Actor() }

type createRequest struct {
	Name       string `json:"name" validate:"required,max=64"`
	Kind       string `json:"kind" validate:"required,max=32"`
	Specialty  string `json:"specialty" validate:"max=32"`
	RegionCode string `json:"region_code" validate:"required,regioncode"`
	ParentID   *int64 `json:"parent_id" validate:"omitempty,min=1"`
	Phone      string `json:"phone" validate:"max=32"`
	Address    string `json:"address" validate:"max=200"`
}

type patchRequest struct {
	Name       *string `json:"name" validate:"omitempty,max=64"`
	Kind       *string `json:"kind" validate:"omitempty,max=32"`
	Specialty  *string `json:"specialty" validate:"omitempty,max=32"`
	RegionCode *string `json:"region_code" validate:"omitempty,regioncode"`
	ParentID   *int64  `json:"parent_id" validate:"omitempty,min=0"`
	Phone      *string `json:"phone" validate:"omitempty,max=32"`
	Address    *string `json:"address" validate:"omitempty,max=200"`
	Active     *bool   `json:"active"`
}

// unitJSON is a unit with the Chinese names of its kind and specialty.
type unitJSON struct {
	*units.Unit
	KindLabel      string `json:"kind_label"`
	SpecialtyLabel string `json:"specialty_label,omitempty"`
}

func present(u *units.Unit) unitJSON {
	return unitJSON{Unit: u, KindLabel: u.Kind.Label(), SpecialtyLabel: u.Specialty.Label()}
}

func (h *handler) create(c *fiber.Ctx) error {
	var req createRequest
	if err := web.Bind(c, h.v, &req); err != nil {
		return err
	}
	u, err := h.svc.Create(c.UserContext(), actor(c), units.NewUnit{Name: req.Name, Kind: units.Kind(req.Kind),
		Specialty: units.Specialty(req.Specialty), RegionCode: req.RegionCode, ParentID: req.ParentID,
		Phone: req.Phone, Address: req.Address})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(present(u))
}

func (h *handler) list(c *fiber.Ctx) error {
	if err := actor(c).Require(kernel.PermManage); err != nil {
		return err
	}
	f := units.Filter{Region: c.Query("region"), Kind: units.Kind(c.Query("kind")), Q: c.Query("q")}
	switch c.Query("active") {
	case "":
	case "true", "false":
		b := c.Query("active") == "true"
		f.Active = &b
	default:
		return kernel.FieldError("active", "active 应为 true 或 false")
	}
	list, err := h.svc.List(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	items := make([]unitJSON, len(list))
	for i, u := range list {
		items[i] = present(u)
	}
	return c.JSON(fiber.Map{"items": items})
}

func (h *handler) update(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return kernel.Errorf(kernel.ENotFound, "机构不存在")
	}
	var req patchRequest
	if err := web.Bind(c, h.v, &req); err != nil {
		return err
	}
	p := units.Patch{Name: req.Name, RegionCode: req.RegionCode, ParentID: req.ParentID, Phone: req.Phone,
		Address: req.Address, Active: req.Active}
	if req.Kind != nil {
		k := units.Kind(*req.Kind)
		p.Kind = &k
	}
	if req.Specialty != nil {
		sp := units.Specialty(*req.Specialty)
		p.Specialty = &sp
	}
	u, err := h.svc.Update(c.UserContext(), actor(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(present(u))
}
