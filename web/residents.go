package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/residents"
)

const residentKey = "resident"

// ResidentAuth requires a resident's bearer token (the resident API under
// /api/v1/me and the resident pages).
func ResidentAuth(svc *residents.Service) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// The header only: the console's cookie carries staff sessions.
		token := ""
		if h := c.Get(fiber.HeaderAuthorization); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			token = strings.TrimSpace(h[7:])
		}
		r, err := svc.Authenticate(c.UserContext(), token)
		if err != nil {
			return err
		}
		c.Locals(residentKey, r)
		return c.Next()
	}
}

// CurrentResident is the resident the request authenticated as (nil on
// routes without resident authentication).
func CurrentResident(c *fiber.Ctx) *residents.Resident {
	r, _ := c.Locals(residentKey).(*residents.Resident)
	return r
}
