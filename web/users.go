package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

// Staff administration (PermManage): accounts of the admin's region.

type createUserRequest struct {
	Username   string `json:"username" validate:"required,max=64"`
	Password   string `json:"password" validate:"required,min=8,max=128"`
	Name       string `json:"name" validate:"max=64"`
	Role       string `json:"role" validate:"required,max=32"`
	RegionCode string `json:"region_code" validate:"required,regioncode"`
	UnitID     *int64 `json:"unit_id" validate:"omitempty,min=1"`
}

type patchUserRequest struct {
	Name       *string `json:"name" validate:"omitempty,max=64"`
	Password   *string `json:"password" validate:"omitempty,min=8,max=128"`
	Role       *string `json:"role" validate:"omitempty,max=32"`
	RegionCode *string `json:"region_code" validate:"omitempty,regioncode"`
	UnitID     *int64  `json:"unit_id" validate:"omitempty,min=0"`
	Disabled   *bool   `json:"disabled"`
}

// accountJSON is an account as admins see it.
type accountJSON struct {
	Username    string      `json:"username"`
	DisplayName string      `json:"display_name"`
	Role        kernel.Role `json:"role"`
	RoleLabel   string      `json:"role_label"`
	RegionCode  string      `json:"region_code"`
	UnitID      *int64      `json:"unit_id"`
	Disabled    bool        `json:"disabled"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

func presentAccount(u *staff.User) accountJSON {
	return accountJSON{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, RoleLabel: u.Role.Label(),
		RegionCode: u.RegionCode, UnitID: u.UnitID, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt.In(cases.ChinaTime), UpdatedAt: u.UpdatedAt.In(cases.ChinaTime)}
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var req createUserRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	u, err := s.Staff.Create(c.UserContext(), actor(c), staff.NewUser{Username: req.Username, Password: req.Password,
		Role: kernel.Role(req.Role), RegionCode: req.RegionCode, DisplayName: req.Name, UnitID: req.UnitID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(presentAccount(u))
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	list, err := s.Staff.List(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	items := make([]accountJSON, len(list))
	for i, u := range list {
		items[i] = presentAccount(u)
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) updateUser(c *fiber.Ctx) error {
	var req patchUserRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	ch := staff.Change{DisplayName: req.Name, Password: req.Password, RegionCode: req.RegionCode,
		UnitID: req.UnitID, Disabled: req.Disabled}
	if req.Role != nil {
		r := kernel.Role(*req.Role)
		ch.Role = &r
	}
	u, err := s.Staff.Update(c.UserContext(), actor(c), c.Params("username"), ch)
	if err != nil {
		return err
	}
	return c.JSON(presentAccount(u))
}

// usersPage is the console's 用户管理 page; its script drives the API.
func (s *Server) usersPage(c *fiber.Ctx) error {
	if err := actor(c).Require(kernel.PermManage); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "users", &page{Title: "用户管理", Script: "/static/users.js"})
}
