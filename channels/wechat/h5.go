package wechat

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/jiefen/jiefen/kernel"
)

// The resident H5 page at /m/: plain HTML, CSS and JavaScript embedded in
// the binary, no build step. It uses the resident API like the
// mini-program does.

//go:embed h5
var h5Files embed.FS

type asset struct {
	body []byte
	etag string
	ct   string
}

var h5Assets = func() map[string]asset {
	sub, err := fs.Sub(h5Files, "h5")
	if err != nil {
		panic(err)
	}
	out := map[string]asset{}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[p] = asset{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ct: ct}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}()

// h5CSP allows the page's own files only (plus WeChat's JS-SDK, which a
// deployment inside WeChat loads); images are shown from blob: URLs.
const h5CSP = "default-src 'self'; script-src 'self' https://res.wx.qq.com; style-src 'self'; " +
	"img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'self'"

func (ch *Channel) h5(c *fiber.Ctx) error {
	if c.Path() == "/m" {
		// Relative asset URLs need the slash; routing ignores it.
		return c.Redirect("/m/", fiber.StatusMovedPermanently)
	}
	name := strings.TrimPrefix(c.Params("*"), "/")
	if name == "" {
		name = "index.html"
	}
	a, ok := h5Assets[name]
	if !ok {
		return kernel.Errorf(kernel.ENotFound, "页面不存在")
	}
	c.Set(fiber.HeaderContentType, a.ct)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderETag, a.etag)
	c.Set("Content-Security-Policy", h5CSP)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "no-referrer")
	if c.Get(fiber.HeaderIfNoneMatch) == a.etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(a.body)
}
