package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

// loginLimit is the per-address limiter both login routes share.
type loginLimit struct {
	limitOnce   sync.Once
	limitLogins fiber.Handler
}

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

// authenticate requires a valid staff token. A token from the console's
// cookie (not the Authorization header) on a state-changing request must
// come from the console's own origin with a JSON body (crossSite).
func (s *Server) authenticate(c *fiber.Ctx) error {
	tok := bearer(c)
	if tok != "" && c.Get(fiber.HeaderAuthorization) == "" {
		if err := s.crossSite(c); err != nil {
			return err
		}
	}
	u, err := s.Staff.Authenticate(c.UserContext(), tok)
	if err != nil {
		return err
	}
	c.Locals(userKey, u)
	return c.Next()
}

// crossSite refuses a cookie-authenticated state-changing API request that
// a page of another site could have sent: it must say it comes from the
// console's own origin (Origin equal to this server's — its Host, or
// JIEFEN_PUBLIC_URL — or Sec-Fetch-Site: same-origin), and a body must be
// JSON (which no cross-site form or simple request can send without a CORS
// preflight, and this server answers none). Bearer tokens are unaffected:
// browsers never add them by themselves.
func (s *Server) crossSite(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return nil
	}
	refuse := func(why string) error {
		rid, _ := c.Locals("requestid").(string)
		s.Log.Warn("cross-site request refused", "request_id", rid, "path", c.Path(), "why", why,
			"origin", c.Get(fiber.HeaderOrigin), "sec_fetch_site", c.Get("Sec-Fetch-Site"), "remote", c.IP())
		return kernel.Errorf(kernel.EForbidden, "拒绝跨站请求：请从控制台页面操作")
	}
	site, origin := c.Get("Sec-Fetch-Site"), c.Get(fiber.HeaderOrigin)
	switch {
	case site != "" && site != "same-origin":
		return refuse("sec-fetch-site")
	case origin != "" && !s.ownOrigin(c, origin):
		return refuse("origin")
	case site == "" && origin == "":
		return refuse("no origin")
	}
	if len(c.Request().Body()) > 0 {
		ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
		if ct != fiber.MIMEApplicationJSON {
			return refuse("content type")
		}
	}
	return nil
}

// ownOrigin reports whether origin (scheme://host[:port]) is this server's:
// the public URL's, or the host the request was sent to.
func (s *Server) ownOrigin(c *fiber.Ctx, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	if pub := strings.TrimSpace(s.PublicURL); pub != "" {
		if p, err := url.Parse(pub); err == nil && strings.EqualFold(p.Scheme, u.Scheme) && strings.EqualFold(p.Host, u.Host) {
			return true
		}
	}
	return strings.EqualFold(u.Host, string(c.Request().Host()))
}

// secureCookie: the session cookie is Secure on TLS and whenever the public
// URL is https (a TLS-terminating proxy speaks plain HTTP to us).
func (s *Server) secureCookie(c *fiber.Ctx) bool {
	return c.Protocol() == "https" || strings.HasPrefix(strings.ToLower(strings.TrimSpace(s.PublicURL)), "https://")
}

// CurrentUser is the staff user the request authenticated as (nil for
// routes without staff authentication).
func CurrentUser(c *fiber.Ctx) *staff.User {
	u, _ := c.Locals(userKey).(*staff.User)
	return u
}

func actor(c *fiber.Ctx) kernel.Actor { return CurrentUser(c).Actor() }

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
	Username    string      `json:"username"`
	DisplayName string      `json:"display_name"`
	Role        kernel.Role `json:"role"`
	RoleLabel   string      `json:"role_label"`
	RegionCode  string      `json:"region_code"`
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
	token, exp, u, err := s.Staff.LoginFrom(c.UserContext(), req.Username, req.Password, c.IP())
	if err != nil {
		setRetryAfter(c, err)
		return err
	}
	return c.JSON(loginResponse{Token: token, ExpiresAt: exp.In(cases.ChinaTime), User: presentUser(u)})
}

// setRetryAfter tells a client refused for a time when to try again.
func setRetryAfter(c *fiber.Ctx, err error) {
	var refused *staff.RefusedError
	if errors.As(err, &refused) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(refused.RetryAfterSeconds()))
	}
}

// loginLimiter caps login attempts per client address, across both login
// routes (the API's and the console's): a 429 with Retry-After beyond
// LoginPerMinute a minute. The throttle per username and address (staff)
// comes on top.
func (s *Server) loginLimiter() fiber.Handler {
	s.limitOnce.Do(func() {
		s.limitLogins = limiter.New(limiter.Config{
			Max:        s.LoginPerMinute,
			Expiration: time.Minute,
			LimitReached: func(c *fiber.Ctx) error {
				s.Log.Warn("login rate limited", "audit", "login", "address", c.IP(), "path", c.Path())
				return kernel.Errorf(errTooManyRequests, "登录尝试过于频繁，请稍后再试")
			},
		})
	})
	return s.limitLogins
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
