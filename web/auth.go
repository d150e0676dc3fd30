package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/staff"
)

const (
	userKey     = "user"
	tokenCookie = "jiefen_token"
)

// bearer extracts the token from the Authorization header or, for console
// pages, the session cookie.
func bearer(c *fiber.Ctx) string {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
		return ""
	}
	return c.Cookies(tokenCookie)
}

// authenticate requires a valid staff token.
func (s *Server) authenticate(c *fiber.Ctx) error {
	u, err := s.Staff.Authenticate(c.UserContext(), bearer(c))
	if err != nil {
		return err
	}
	c.Locals(userKey, u)
	return c.Next()
}

// CurrentUser is the staff user the request authenticated as (nil for
// routes without staff authentication).
func CurrentUser(c *fiber.Ctx) *staff.User {
	u, _ := c.Locals(userKey).(*staff.User)
	return u
}

func actor(c *fiber.Ctx) cases.Actor { return CurrentUser(c).Actor() }

type loginRequest struct {
	Username string `json:"username" validate:"required,max=64"`
	Password string `json:"password" validate:"required,max=128"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      userJSON  `json:"user"`
}

type userJSON struct {
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Role        cases.Role `json:"role"`
	RoleLabel   string     `json:"role_label"`
	RegionCode  string     `json:"region_code"`
}

func presentUser(u *staff.User) userJSON {
	return userJSON{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role,
		RoleLabel: u.Role.Label(), RegionCode: u.RegionCode}
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	token, exp, u, err := s.Staff.Login(c.UserContext(), req.Username, req.Password)
	if err != nil {
		return err
	}
	return c.JSON(loginResponse{Token: token, ExpiresAt: exp.In(cases.ChinaTime), User: presentUser(u)})
}

func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.Staff.Logout(c.UserContext(), bearer(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) me(c *fiber.Ctx) error {
	return c.JSON(presentUser(CurrentUser(c)))
}
