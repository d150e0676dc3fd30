package web

import "github.com/gofiber/fiber/v2"

// console registers the staff console pages.
func (s *Server) console(app *fiber.App) {
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/console/", fiber.StatusFound) })
}
