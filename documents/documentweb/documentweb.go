// Package documentweb serves a case's documents (文书) to staff of its
// region: the list, and each PDF.
package documentweb

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/web"
)

// Mount adds the document routes.
func Mount(svc *documents.Service) web.Mount {
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		h := handler{svc}
		api.Get("/cases/:no/documents", auth.Staff, h.list)
		api.Get("/cases/:no/documents/:id", auth.Staff, h.get)
	}
}

type handler struct{ svc *documents.Service }

func actor(c *fiber.Ctx) kernel.Actor { return web.CurrentUser(c).Actor() }

type item struct {
	ID        int64          `json:"id"`
	Kind      documents.Kind `json:"kind"`
	Title     string         `json:"title"`
	Version   int            `json:"version"`
	SHA256    string         `json:"sha256"`
	Size      int            `json:"size"`
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
}

func (h handler) list(c *fiber.Ctx) error {
	docs, err := h.svc.List(c.UserContext(), actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	items := make([]item, len(docs))
	for i, d := range docs {
		items[i] = item{ID: d.ID, Kind: d.Kind, Title: d.Title, Version: d.Version, SHA256: d.SHA256, Size: d.Size,
			CreatedBy: d.CreatedByName, CreatedAt: d.CreatedAt}
	}
	return c.JSON(fiber.Map{"items": items})
}

func (h handler) get(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return kernel.Errorf(kernel.ENotFound, "文书不存在")
	}
	d, err := h.svc.Get(c.UserContext(), actor(c), c.Params("no"), id)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%s-v%d.pdf", d.Title, c.Params("no"), d.Version)
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, "inline; filename*=UTF-8''"+url.PathEscape(name))
	c.Set(fiber.HeaderETag, `"`+d.SHA256+`"`)
	// The notice names the resident: no shared cache keeps it.
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(d.Content)
}
