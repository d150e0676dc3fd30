// Package mediationweb is the HTTP face of the mediation module: mediator
// profiles, the suggestion of bodies, mediations with their offers,
// sessions, outcome, 调解协议书, judicial confirmation and performance,
// and hand-offs between flows. Its routes are documented in openapi.json
// (this package's fragment of the API document).
package mediationweb

import (
	"context"
	_ "embed"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/mediation"
	"github.com/jiefen/jiefen/units"
	"github.com/jiefen/jiefen/web"
)

// OpenAPI is the module's fragment of the API document.
//
//go:embed openapi.json
var OpenAPI []byte

// Pages are the module's console pages: the mediator's desk and the
// bodies' roster for supervisors.
var Pages = []web.ConsolePage{
	{Path: "/mediator", Title: "我的调解", Nav: "我的调解", Roles: []kernel.Role{kernel.RoleMediator},
		Script: "/static/mediation-desk.js", Intro: "待答复的调解邀请、本周调解安排和我承办的调解（按期限排序）"},
	{Path: "/mediation/roster", Title: "调解组织与调解员", Nav: "调解员名册",
		Roles:  []kernel.Role{kernel.RoleSupervisor, kernel.RoleLeader, kernel.RoleAdmin},
		Script: "/static/mediation-roster.js", Intro: "各调解组织的调解员、承办量与上限，以及逾期未履行的协议"},
}

// Panel is the 调解 panel on the case page.
var Panel = web.CasePanel{ID: "mediation", Title: "调解", Script: "/static/mediation.js"}

// Mount adds the module's routes.
func Mount(svc *mediation.Service) web.Mount {
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		h := &handler{svc: svc}
		st := auth.Staff
		api.Put("/mediators/:username", st, h.putProfile)
		api.Get("/mediators/:username", st, h.getProfile)
		api.Get("/mediation/routes", st, h.routes)
		api.Get("/mediation/roster", st, h.roster)
		api.Get("/mediation/overdue", st, h.overdue)
		api.Get("/cases/:case_no/mediation/suggestion", st, h.suggest)
		api.Get("/cases/:case_no/mediation/units", st, h.caseUnits)
		api.Get("/cases/:case_no/mediation", st, h.ofCase)
		api.Post("/cases/:case_no/mediation", st, h.open)
		api.Get("/cases/:case_no/handoffs", st, h.handoffs)
		api.Post("/cases/:case_no/handoffs", st, h.createHandoff)
		api.Patch("/cases/:case_no/handoffs/:id", st, h.completeHandoff)
		api.Get("/mediations/mine", st, h.mine)
		api.Get("/mediations/:id", st, h.get)
		api.Post("/mediations/:id/offers/:offer_id/accept", st, h.accept)
		api.Post("/mediations/:id/offers/:offer_id/decline", st, h.decline)
		api.Post("/mediations/:id/recusal", st, step(func(ctx context.Context, a kernel.Actor, id int64, req reasonRequest) (*mediation.Mediation, error) {
			return h.svc.Recuse(ctx, a, id, req.Reason)
		}))
		api.Post("/mediations/:id/change-mediator", st, step(func(ctx context.Context, a kernel.Actor, id int64, req partyRequest) (*mediation.Mediation, error) {
			return h.svc.ChangeMediator(ctx, a, id, req.Party, req.Reason)
		}))
		api.Post("/mediations/:id/refusal", st, step(func(ctx context.Context, a kernel.Actor, id int64, req partyRequest) (*mediation.Mediation, error) {
			return h.svc.Refuse(ctx, a, id, req.Party, req.Reason)
		}))
		api.Post("/mediations/:id/extensions", st, h.extend)
		api.Post("/mediations/:id/sessions", st, h.addSession)
		api.Post("/mediations/:id/sessions/:session_id/minutes", st, h.minutes)
		api.Post("/mediations/:id/outcome", st, step(outcome(h.svc)))
		api.Get("/mediations/:id/agreement.pdf", st, h.agreement)
		api.Post("/mediations/:id/confirmation", st, step(func(ctx context.Context, a kernel.Actor, id int64, req confirmationRequest) (*mediation.Mediation, error) {
			return h.svc.ApplyConfirmation(ctx, a, id, req.CourtUnitID, req.AppliedOn)
		}))
		api.Post("/mediations/:id/confirmation/ruling", st, step(func(ctx context.Context, a kernel.Actor, id int64, req rulingRequest) (*mediation.Mediation, error) {
			return h.svc.Ruling(ctx, a, id, req.Result, req.RuledOn, req.RulingNo)
		}))
		api.Post("/mediations/:id/terms/:term_id/performance", st, h.performance)
	}
}

// step answers a step on mediation {id} whose JSON body is R with the
// mediation as it stands after it.
func step[R any](fn func(ctx context.Context, a kernel.Actor, id int64, req R) (*mediation.Mediation, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := param(c, "id", "调解")
		if err != nil {
			return err
		}
		var req R
		if err := web.DecodeJSON(c.Body(), &req); err != nil {
			return err
		}
		m, err := fn(c.UserContext(), actor(c), id, req)
		if err != nil {
			return err
		}
		return c.JSON(present(m))
	}
}

type confirmationRequest struct {
	CourtUnitID int64  `json:"court_unit_id"`
	AppliedOn   string `json:"applied_on"`
}

type rulingRequest struct {
	Result   string `json:"result"`
	RuledOn  string `json:"ruled_on"`
	RulingNo string `json:"ruling_no"`
}

// outcome records the outcome (agreement, failure, referral).
func outcome(svc *mediation.Service) func(ctx context.Context, a kernel.Actor, id int64, req outcomeRequest) (*mediation.Mediation, error) {
	return func(ctx context.Context, a kernel.Actor, id int64, req outcomeRequest) (*mediation.Mediation, error) {
		in := mediation.OutcomeInput{Kind: req.Kind, Form: req.Form, Facts: req.Facts, Issues: req.Issues, Method: req.Method,
			Reason: req.Reason, Target: req.Target, Note: req.Note}
		for _, t := range req.Terms {
			in.Terms = append(in.Terms, mediation.TermInput{Party: t.Party, Obligation: t.Obligation, Due: t.Due})
		}
		return svc.RecordOutcome(ctx, a, id, in)
	}
}

type handler struct{ svc *mediation.Service }

func actor(c *fiber.Ctx) kernel.Actor { return web.CurrentUser(c).Actor() }

func param(c *fiber.Ctx, name, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, kernel.Errorf(kernel.ENotFound, "%s不存在", what)
	}
	return id, nil
}

func caseNo(c *fiber.Ctx) string {
	no, err := url.PathUnescape(c.Params("case_no"))
	if err != nil {
		return c.Params("case_no")
	}
	return no
}

// --- presentation --------------------------------------------------------

type offerView struct {
	ID       int64  `json:"id"`
	Mediator string `json:"mediator"`
	Name     string `json:"mediator_name"`
	Status   string `json:"status"`
	DueAt    string `json:"due_at"`
}

// mediationView is a mediation as the API shows it: the contract's id,
// status and offer (the pending one, or null) first.
type mediationView struct {
	*mediation.Mediation
	StatusLabel string     `json:"status_label"`
	FlowLabel   string     `json:"flow_label"`
	Offer       *offerView `json:"offer"`
}

func present(m *mediation.Mediation) mediationView {
	v := mediationView{Mediation: m, StatusLabel: m.Status.Label(), FlowLabel: m.Flow.Label()}
	if o := m.PendingOffer(); o != nil {
		v.Offer = &offerView{ID: o.ID, Mediator: o.Mediator, Name: o.Name, Status: o.Status,
			DueAt: o.DueAt.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)}
	}
	return v
}

// --- profiles --------------------------------------------------------------

type relationRequest struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Note     string `json:"note"`
}

type profileRequest struct {
	UnitIDs       []int64           `json:"unit_ids"`
	Specialties   []string          `json:"specialties"`
	Capacity      int               `json:"capacity"`
	AvailableFrom string            `json:"available_from"`
	AvailableTo   string            `json:"available_to"`
	Relations     []relationRequest `json:"relations"`
}

func (h *handler) putProfile(c *fiber.Ctx) error {
	var req profileRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	in := mediation.ProfileInput{UnitIDs: req.UnitIDs, Specialties: req.Specialties, Capacity: req.Capacity,
		AvailableFrom: req.AvailableFrom, AvailableTo: req.AvailableTo}
	for _, r := range req.Relations {
		in.Relations = append(in.Relations, mediation.RelationInput{Name: r.Name, IDNumber: r.IDNumber, Phone: r.Phone, Note: r.Note})
	}
	p, err := h.svc.SetProfile(c.UserContext(), actor(c), c.Params("username"), in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (h *handler) getProfile(c *fiber.Ctx) error {
	p, err := h.svc.GetProfile(c.UserContext(), actor(c), c.Params("username"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (h *handler) routes(c *fiber.Ctx) error {
	type row struct {
		Category string            `json:"category"`
		Routes   []mediation.Route `json:"routes"`
	}
	var out []row
	for code, r := range mediation.Routes {
		out = append(out, row{Category: code, Routes: r})
	}
	sortRows(out, func(a, b row) bool { return a.Category < b.Category })
	return c.JSON(fiber.Map{"items": out})
}

func sortRows[T any](l []T, less func(a, b T) bool) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && less(l[j], l[j-1]); j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

func (h *handler) roster(c *fiber.Ctx) error {
	var unitID int64
	if v := c.Query("unit_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return kernel.FieldError("unit_id", "应为正整数")
		}
		unitID = n
	}
	list, err := h.svc.Roster(c.UserContext(), actor(c), unitID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (h *handler) overdue(c *fiber.Ctx) error {
	list, err := h.svc.Overdue(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

// --- cases -----------------------------------------------------------------

func (h *handler) suggest(c *fiber.Ctx) error {
	list, err := h.svc.Suggest(c.UserContext(), actor(c), caseNo(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (h *handler) ofCase(c *fiber.Ctx) error {
	list, err := h.svc.OfCase(c.UserContext(), actor(c), caseNo(c))
	if err != nil {
		return err
	}
	out := make([]mediationView, len(list))
	for i, m := range list {
		out[i] = present(m)
	}
	return c.JSON(fiber.Map{"items": out})
}

type openRequest struct {
	UnitID   int64          `json:"unit_id"`
	Flow     mediation.Flow `json:"flow"`
	Note     string         `json:"note"`
	Mediator string         `json:"mediator"`
}

func (h *handler) open(c *fiber.Ctx) error {
	var req openRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	m, err := h.svc.Open(c.UserContext(), actor(c), caseNo(c),
		mediation.OpenInput{UnitID: req.UnitID, Flow: req.Flow, Note: req.Note, Mediator: req.Mediator})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(present(m))
}

type handoffRequest struct {
	Kind       string `json:"kind"`
	Direction  string `json:"direction"`
	ToUnitID   int64  `json:"to_unit_id"`
	FromUnitID int64  `json:"from_unit_id"`
	Reason     string `json:"reason"`
}

func (h *handler) createHandoff(c *fiber.Ctx) error {
	var req handoffRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	ho, err := h.svc.CreateHandoff(c.UserContext(), actor(c), caseNo(c), mediation.HandoffInput{Kind: req.Kind,
		Direction: req.Direction, ToUnitID: req.ToUnitID, FromUnitID: req.FromUnitID, Reason: req.Reason})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ho)
}

func (h *handler) completeHandoff(c *fiber.Ctx) error {
	id, err := param(c, "id", "对接记录")
	if err != nil {
		return err
	}
	var req struct {
		Result string `json:"result"`
	}
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	ho, err := h.svc.CompleteHandoff(c.UserContext(), actor(c), caseNo(c), id, req.Result)
	if err != nil {
		return err
	}
	return c.JSON(ho)
}

func (h *handler) handoffs(c *fiber.Ctx) error {
	list, err := h.svc.Handoffs(c.UserContext(), actor(c), caseNo(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

// --- mediations --------------------------------------------------------------

func (h *handler) mine(c *fiber.Ctx) error {
	d, err := h.svc.MyDesk(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(d)
}

func (h *handler) get(c *fiber.Ctx) error {
	id, err := param(c, "id", "调解")
	if err != nil {
		return err
	}
	m, err := h.svc.Get(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(present(m))
}

func (h *handler) ids(c *fiber.Ctx, sub, what string) (int64, int64, error) {
	id, err := param(c, "id", "调解")
	if err != nil {
		return 0, 0, err
	}
	sid, err := param(c, sub, what)
	return id, sid, err
}

func (h *handler) accept(c *fiber.Ctx) error {
	id, oid, err := h.ids(c, "offer_id", "调解邀请")
	if err != nil {
		return err
	}
	m, err := h.svc.Accept(c.UserContext(), actor(c), id, oid)
	if err != nil {
		return err
	}
	return c.JSON(present(m))
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (h *handler) decline(c *fiber.Ctx) error {
	id, oid, err := h.ids(c, "offer_id", "调解邀请")
	if err != nil {
		return err
	}
	var req reasonRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	m, err := h.svc.Decline(c.UserContext(), actor(c), id, oid, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(present(m))
}

type sessionRequest struct {
	Kind         string                  `json:"kind"`
	StartsAt     string                  `json:"starts_at"`
	Place        string                  `json:"place"`
	Participants []mediation.Participant `json:"participants"`
}

func (h *handler) addSession(c *fiber.Ctx) error {
	id, err := param(c, "id", "调解")
	if err != nil {
		return err
	}
	var req sessionRequest
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	var at time.Time
	if req.StartsAt != "" {
		if at, err = time.Parse(time.RFC3339, req.StartsAt); err != nil {
			return kernel.FieldError("starts_at", "时间格式错误，应为RFC 3339格式，如2025-12-08T09:30:00+08:00")
		}
	}
	ss, err := h.svc.AddSession(c.UserContext(), actor(c), id, mediation.NewSession{Kind: req.Kind, StartsAt: at,
		Place: req.Place, Participants: req.Participants})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ss)
}

func (h *handler) minutes(c *fiber.Ctx) error {
	id, sid, err := h.ids(c, "session_id", "调解会议")
	if err != nil {
		return err
	}
	var req struct {
		Minutes string `json:"minutes"`
	}
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	ss, err := h.svc.RecordMinutes(c.UserContext(), actor(c), id, sid, req.Minutes)
	if err != nil {
		return err
	}
	return c.JSON(ss)
}

type termRequest struct {
	Party      string `json:"party"`
	Obligation string `json:"obligation"`
	Due        string `json:"due"`
}

type outcomeRequest struct {
	Kind   string        `json:"kind"`
	Form   string        `json:"form"`
	Facts  string        `json:"facts"`
	Issues string        `json:"issues"`
	Method string        `json:"method"`
	Terms  []termRequest `json:"terms"`
	Reason string        `json:"reason"`
	Target string        `json:"target"`
	Note   string        `json:"note"`
}

func (h *handler) agreement(c *fiber.Ctx) error {
	id, err := param(c, "id", "调解")
	if err != nil {
		return err
	}
	pdf, err := h.svc.AgreementPDF(c.UserContext(), actor(c), id, c.Query("reveal_reason"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	name := fmt.Sprintf("调解协议书-%d.pdf", id)
	c.Set(fiber.HeaderContentDisposition, "inline; filename*=UTF-8''"+url.PathEscape(name))
	return c.Send(pdf)
}

func (h *handler) performance(c *fiber.Ctx) error {
	id, tid, err := h.ids(c, "term_id", "协议条款")
	if err != nil {
		return err
	}
	var req struct {
		Status string `json:"status"`
		Note   string `json:"note"`
	}
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	t, err := h.svc.RecordPerformance(c.UserContext(), actor(c), id, tid, req.Status, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (h *handler) caseUnits(c *fiber.Ctx) error {
	list, err := h.svc.CaseUnits(c.UserContext(), actor(c), caseNo(c), units.Kind(c.Query("kind")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

type partyRequest struct {
	Party  string `json:"party"`
	Reason string `json:"reason"`
}

func (h *handler) extend(c *fiber.Ctx) error {
	id, err := param(c, "id", "调解")
	if err != nil {
		return err
	}
	var req struct {
		Days          int    `json:"days"`
		Reason        string `json:"reason"`
		PartiesAgreed bool   `json:"parties_agreed"`
	}
	if err := web.DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	v, err := h.svc.Extend(c.UserContext(), actor(c), id, mediation.ExtensionInput{Days: req.Days, Reason: req.Reason,
		PartiesAgreed: req.PartiesAgreed})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}
