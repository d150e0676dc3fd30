// Package web is the HTTP face of Jiefen: the JSON API under /api/v1, the
// staff console and static assets. It is the only place that maps domain
// errors to HTTP statuses.
package web

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/groupwarn"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/residents"
	"github.com/jiefen/jiefen/staff"
)

// Deps is what the web layer serves.
type Deps struct {
	Cases     *cases.Service
	Staff     *staff.Service
	Residents *residents.Service
	Calendar  *calendar.Calendar
	// Ready reports whether the service can take traffic (database reachable,
	// migrations current).
	Ready func(ctx context.Context) error
	// Live reports whether the server can still complete requests (a
	// database connection can be had); /healthz fails when it cannot, so
	// that an orchestrator restarts a wedged server.
	Live func(ctx context.Context) error
	// Unavailable tells errors that mean "retry later" (a saturated or
	// unreachable database) from internal errors: 503 with Retry-After.
	Unavailable func(error) bool
	// Base is the context requests derive from; cancelling it ends the
	// requests still running at shutdown. Default: never cancelled.
	Base context.Context
	// Metrics, if set, sees every request first (route, status, latency).
	Metrics fiber.Handler
	// RequestTimeout bounds every request (default 10 s).
	RequestTimeout time.Duration
	Log            *slog.Logger
	Now            func() time.Time
	// LoginPerMinute caps login attempts per client address.
	LoginPerMinute int
	Version        string
	// PublicURL is this server's address as browsers see it
	// (JIEFEN_PUBLIC_URL): its origin is the console's, and when it is https
	// the session cookie is Secure even behind a TLS-terminating proxy.
	PublicURL string
	// TrustedProxies are the reverse proxies (IPs, CIDR ranges; see
	// ParseTrustedProxies) whose X-Forwarded-For names the client.
	TrustedProxies []string
	// Mounts add the channels' routes (WeChat, hotline, video) and pages.
	Mounts []Mount
	// Pages and CasePanels are the modules' console pages and case page
	// panels (modules.go).
	Pages      []ConsolePage
	CasePanels []CasePanel
	// ListFilters are the modules' filters of GET /cases and its export.
	// OpenAPI are the modules' fragments of the OpenAPI document (their
	// tags, paths and components), merged into /api/v1/openapi.json.
	OpenAPI     [][]byte
	ListFilters []ListFilter
	// Documents, if set, lists a case's documents (文书) on its console page.
	Documents CaseDocuments
	// GroupWarnings, if set, lists the group early warnings (群体性事件预警)
	// of the actor's region: GET /clusters/warnings and the 群体性事项 page.
	GroupWarnings GroupWarnings
	CaseExports   ExportLog // records GET /cases/export.xlsx in the audit log (export.go)
}

// GroupWarnings lists the group early warnings an actor's region covers.
type GroupWarnings interface {
	List(ctx context.Context, actor kernel.Actor) ([]groupwarn.Warning, error)
}

// Mount adds routes to the app: api is /api/v1, auth the middleware that
// requires a staff or a resident login, v the shared validator.
type Mount func(app *fiber.App, api fiber.Router, auth Auth, v *Validator)

// Auth is the authentication middleware channels use.
type Auth struct {
	Staff    fiber.Handler
	Resident fiber.Handler
}

// Server holds the handlers' dependencies.
type Server struct {
	Deps
	validate *Validator
	loginLimit
	openapiDoc []byte // the core document with the modules' fragments
}

// BodyLimit caps request bodies; intakes are text.
const BodyLimit = 1 << 20

// New builds the fiber app with every route.
func New(d Deps) *fiber.App {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.LoginPerMinute == 0 {
		d.LoginPerMinute = 20
	}
	if d.Base == nil {
		d.Base = context.Background()
	}
	if d.RequestTimeout == 0 {
		d.RequestTimeout = 10 * time.Second
	}
	s := &Server{Deps: d, validate: NewValidator(d.Now)}
	doc, err := mergeOpenAPI(openapiJSON, d.OpenAPI)
	if err != nil {
		panic(err) // the fragments are embedded in the binary: a programming error
	}
	s.openapiDoc = doc
	cfg := fiber.Config{
		AppName:               "jiefen",
		BodyLimit:             BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		// Handlers keep strings beyond the request (in errors, logs, the
		// database); fasthttp would otherwise reuse their bytes.
		Immutable:    true,
		ErrorHandler: s.errorHandler,
	}
	proxyConfig(&cfg, d.TrustedProxies)
	app := fiber.New(cfg)
	if len(d.TrustedProxies) > 0 {
		app.Use(forwardedFor(d.TrustedProxies))
	}
	if d.Metrics != nil {
		app.Use(d.Metrics)
	}
	app.Use(requestid.New())
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(s.logRequests)
	app.Use(s.deadline)
	app.Use(CheckInput)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)

	api := app.Group("/api/v1")
	api.Get("/openapi.json", s.openapi)
	api.Post("/auth/login", s.loginLimiter(), s.login)
	api.Get("/calendar/deadline", s.calendarDeadline)
	api.Get("/calendar/days", s.calendarDays)
	api.Get("/categories", s.categories)

	// Authentication per route, not per group: an unknown path is a 404
	// with or without a token.
	a := s.authenticate
	api.Post("/auth/logout", a, s.logout)
	api.Get("/me", a, s.me)
	api.Post("/intakes", a, s.createIntake)
	api.Post("/intakes/check", a, s.checkIntake)
	api.Get("/cases", a, s.listCases)
	api.Get("/cases/export.xlsx", a, s.exportCases) // before /cases/:no
	api.Get("/cases/:no", a, s.getCase)
	api.Post("/cases/:no/transitions", a, s.transition)
	api.Post("/cases/:no/reveal", a, s.reveal)
	api.Get("/cases/:no/assignees", a, s.listAssignees)
	api.Post("/cases/:no/assignment", a, s.assign)
	api.Post("/cases/:no/info-requests", a, s.requestInfo)
	api.Get("/cases/:no/similar", a, s.similar)
	api.Post("/cases/:no/intakes", a, s.attachIntake)
	api.Post("/cases/:no/links/:id", a, s.setLinkStatus)
	api.Post("/cases/:no/split", a, s.split)
	api.Post("/cases/:no/merge", a, s.merge)
	api.Post("/cases/:no/undo", a, s.undo)
	api.Get("/clusters", a, s.clusters)
	api.Get("/clusters/warnings", a, s.clusterWarnings) // before /clusters/:id
	api.Get("/clusters/:id", a, s.clusterCases)
	api.Get("/search", a, s.search)
	api.Get("/regions/:code", a, s.getRegion)
	api.Post("/regions/:code/grids", a, s.createGrid)
	api.Post("/users", a, s.createUser)
	api.Get("/users", a, s.listUsers)
	api.Patch("/users/:username", a, s.updateUser)

	auth := Auth{Staff: s.authenticate}
	if d.Residents != nil {
		auth.Resident = ResidentAuth(d.Residents)
	}
	for _, m := range d.Mounts {
		m(app, api, auth, s.validate)
	}
	api.Use(func(c *fiber.Ctx) error { return kernel.Errorf(kernel.ENotFound, "接口不存在") })
	s.console(app)
	return app
}

// errTooManyRequests is a web-only code for rate limits.
const errTooManyRequests = "too_many_requests"

// errBusy is a web-only code for a saturated or unreachable database: the
// client should retry after a moment.
const errBusy = "busy"

// deadline gives every request a deadline, derived from the server's base
// context, so that nothing waits forever and shutdown can end stragglers.
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(s.Base, s.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// statusOf is the one map from error codes to HTTP statuses.
var statusOf = map[string]int{
	kernel.EInvalid:      fiber.StatusBadRequest,
	kernel.ENotFound:     fiber.StatusNotFound,
	kernel.EConflict:     fiber.StatusConflict,
	kernel.EUnauthorized: fiber.StatusUnauthorized,
	kernel.EForbidden:    fiber.StatusForbidden,
	kernel.ELocked:       fiber.StatusLocked,
	errTooManyRequests:   fiber.StatusTooManyRequests,
	errBusy:              fiber.StatusServiceUnavailable,
	kernel.EUnavailable:  fiber.StatusServiceUnavailable,
	kernel.EUpstream:     fiber.StatusBadGateway,
}

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// errorHandler writes every error in one shape. Internal errors are logged
// with the request ID and never shown to the client.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	code := kernel.ErrorCode(err)
	status, known := statusOf[code]
	var fe *fiber.Error
	if !known && errors.As(err, &fe) {
		// fiber's own errors: unknown route, body too large, bad method.
		status = fe.Code
		switch fe.Code {
		case fiber.StatusNotFound:
			code, err = kernel.ENotFound, kernel.Errorf(kernel.ENotFound, "页面不存在")
		case fiber.StatusRequestEntityTooLarge:
			code, err = "too_large", kernel.Errorf("too_large", "请求体过大")
		case fiber.StatusMethodNotAllowed:
			code, err = "method_not_allowed", kernel.Errorf("method_not_allowed", "不支持的请求方法")
		default:
			code, err = kernel.EInvalid, kernel.Errorf(kernel.EInvalid, "请求无效")
		}
		known = true
	}
	rid, _ := c.Locals("requestid").(string)
	if !known && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		(s.Unavailable != nil && s.Unavailable(err))) {
		// Saturated, restarting or out of disk: nothing was committed, and
		// the same request may succeed in a moment.
		s.Log.Warn("request not served: database unavailable", "request_id", rid, "method", c.Method(),
			"path", c.Path(), "err", err)
		code, status, known = errBusy, fiber.StatusServiceUnavailable, true
		err = kernel.Errorf(errBusy, "系统繁忙，请稍后重试")
	}
	if status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "1")
	}
	if !known {
		status = fiber.StatusInternalServerError
		code = kernel.EInternal
		s.Log.Error("request failed", "request_id", rid, "method", c.Method(), "path", c.Path(), "err", err)
	}
	if strings.HasPrefix(c.Path(), "/console") {
		return s.render(c, status, "error", &page{Title: kernel.ErrorMessage(err)})
	}
	return c.Status(status).JSON(errorBody{Error: errorJSON{
		Code: code, Message: kernel.ErrorMessage(err), Fields: kernel.ErrorFields(err), RequestID: rid,
	}})
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	rid, _ := c.Locals("requestid").(string)
	s.Log.Error("panic", "request_id", rid, "path", c.Path(), "panic", e)
}

// logRequests logs one line per request. Paths carry case numbers but never
// personal data; bodies and query strings are not logged.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		// Let the error handler set the status before we read it.
		if herr := s.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	rid, _ := c.Locals("requestid").(string)
	attrs := []any{"request_id", rid, "method", c.Method(), "path", c.Path(),
		"status", c.Response().StatusCode(), "ms", time.Since(start).Milliseconds()}
	if u, ok := c.Locals(userKey).(*staff.User); ok {
		attrs = append(attrs, "user", u.Username)
	}
	s.Log.Info("http", attrs...)
	return nil
}

// healthz is the liveness probe: it fails when the server cannot complete
// requests, not merely when it is busy.
func (s *Server) healthz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	if s.Live != nil {
		if err := s.Live(ctx); err != nil {
			s.Log.Warn("not live", "err", err)
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
		}
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			s.Log.Warn("not ready", "err", err)
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "reason": err.Error()})
		}
	}
	return c.JSON(fiber.Map{"status": "ready", "version": s.Version})
}
