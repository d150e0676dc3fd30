package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/residents"
)

const residentKey = "resident"

// ResidentAuth requires a resident's bearer token (the resident API under
// /api/v1/me and the resident pages).
func ResidentAuth(svc *residents.Service) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r, err := svc.Authenticate(c.UserContext(), bearer(c))
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
