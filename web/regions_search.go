package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/regions"
)

// RegionSearch mounts GET /api/v1/regions?q=恒口: regions in the caller's
// scope by a part of their name, with their paths, so that forms take a
// place name instead of a 12-digit code.
func RegionSearch(st regions.SearchStore) Mount {
	return func(app *fiber.App, api fiber.Router, auth Auth, v *Validator) {
		api.Get("/regions", auth.Staff, func(c *fiber.Ctx) error {
			items, err := regions.Search(c.UserContext(), st, actor(c), c.Query("q"), c.QueryInt("limit"))
			if err != nil {
				return err
			}
			return c.JSON(fiber.Map{"items": items})
		})
	}
}
