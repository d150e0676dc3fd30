// Package petitionweb mounts the petition track's routes under
// /api/v1/cases/{no}/petition, its case list filters and its console panel.
package petitionweb

import (
	_ "embed"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/petition"
	"github.com/jiefen/jiefen/web"
)

// OpenAPI is the module's fragment of the OpenAPI document.
//
//go:embed openapi.json
var OpenAPI []byte

// Panel is the 信访 panel of the case page.
var Panel = web.CasePanel{ID: "petition", Title: "信访办理", Script: "/static/petition.js"}

// Mount adds the track's routes.
func Mount(svc *petition.Service) web.Mount {
	return func(app *fiber.App, api fiber.Router, auth web.Auth, v *web.Validator) {
		h := handler{svc: svc, v: v}
		p := "/cases/:no/petition"
		api.Get(p, auth.Staff, h.get)
		api.Post(p+"/classify", auth.Staff, h.classify)
		api.Get(p+"/units", auth.Staff, h.targets)
		api.Post(p+"/transfer", auth.Staff, h.transfer)
		api.Post(p+"/object", auth.Staff, h.object)
		api.Post(p+"/accept", auth.Staff, h.accept)
		api.Post(p+"/decline", auth.Staff, h.decline)
		api.Post(p+"/extend", auth.Staff, h.extend)
		api.Post(p+"/reply", auth.Staff, h.reply)
		api.Post(p+"/review", auth.Staff, h.review)
		api.Post(p+"/review/decision", auth.Staff, h.decision)
		api.Post(p+"/hearing/start", auth.Staff, h.hearing(true))
		api.Post(p+"/hearing/end", auth.Staff, h.hearing(false))
		api.Post(p+"/representatives", auth.Staff, h.representative)
		api.Post(p+"/terminate", auth.Staff, h.terminate)
		api.Post(p+"/care", auth.Staff, h.care)
		api.Post(p+"/owner", auth.Staff, h.own)
		api.Post(p+"/supervise", auth.Staff, h.supervise)
		api.Post(p+"/supervise/feedback", auth.Staff, h.feedback)
		api.Get("/petition/leader/cases", auth.Staff, h.leaderCases)
		api.Get("/petition/listed", h.listed) // 挂牌督办: public
		api.Get("/petition/campaigns", auth.Staff, h.campaigns)
		api.Post("/petition/campaigns", auth.Staff, h.createCampaign)
		api.Get("/petition/campaigns/:id", auth.Staff, h.campaign)
		api.Put("/petition/campaigns/:id", auth.Staff, h.updateCampaign)
		api.Delete("/petition/campaigns/:id", auth.Staff, h.deleteCampaign)
		api.Post("/petition/campaigns/:id/cases", auth.Staff, h.tagCase)
		api.Delete("/petition/campaigns/:id/cases/:no", auth.Staff, h.untagCase)
	}
}

// Pages are the track's console pages: the leader's 包案 list.
var Pages = []web.ConsolePage{{Path: "/petition/leader", Title: "领导包案", Nav: "领导包案",
	Roles: []kernel.Role{kernel.RoleLeader}, Script: "/static/petition-leader.js",
	Intro: "我包案的信访事项：期限、督办与下一步。领导接访日见“领导接访”。"}}

type handler struct {
	svc *petition.Service
	v   *web.Validator
}

func staffOf(c *fiber.Ctx) petition.Staff {
	u := web.CurrentUser(c)
	st := petition.Staff{Actor: u.Actor()}
	if u.UnitID != nil {
		st.UnitID = *u.UnitID
	}
	return st
}

// bind decodes an optional body: a POST without one is an empty request.
func (h handler) bind(c *fiber.Ctx, req any) error {
	if len(c.Body()) == 0 {
		return h.v.Struct(req)
	}
	return web.Bind(c, h.v, req)
}

func answer(c *fiber.Ctx, st *petition.State, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (h handler) get(c *fiber.Ctx) error {
	st, err := h.svc.Get(c.UserContext(), web.CurrentUser(c).Actor(), c.Params("no"))
	return answer(c, st, err)
}

func (h handler) classify(c *fiber.Ctx) error {
	var req struct {
		Class      string `json:"class"`
		LegalRoute string `json:"legal_route"`
		Note       string `json:"note"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Classify(c.UserContext(), staffOf(c), c.Params("no"), petition.Class(strings.TrimSpace(req.Class)),
		req.LegalRoute, req.Note)
	return answer(c, st, err)
}

// targets answers the units the case may be transferred to, nearest first.
func (h handler) targets(c *fiber.Ctx) error {
	list, err := h.svc.Targets(c.UserContext(), staffOf(c), c.Params("no"))
	if err != nil {
		return err
	}
	type item struct {
		ID         int64  `json:"id"`
		Name       string `json:"name"`
		Kind       string `json:"kind"`
		RegionCode string `json:"region_code"`
	}
	items := make([]item, len(list))
	for i, u := range list {
		items[i] = item{u.ID, u.Name, string(u.Kind), u.RegionCode}
	}
	return c.JSON(fiber.Map{"items": items})
}

func (h handler) transfer(c *fiber.Ctx) error {
	var req struct {
		ToUnitID int64  `json:"to_unit_id"`
		Kind     string `json:"kind"`
		Note     string `json:"note"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Transfer(c.UserContext(), staffOf(c), c.Params("no"), req.ToUnitID, strings.TrimSpace(req.Kind), req.Note)
	return answer(c, st, err)
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

func (h handler) object(c *fiber.Ctx) error {
	var req reasonRequest
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Object(c.UserContext(), staffOf(c), c.Params("no"), req.Reason)
	return answer(c, st, err)
}

func (h handler) accept(c *fiber.Ctx) error {
	var req struct {
		Note string `json:"note"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Accept(c.UserContext(), staffOf(c), c.Params("no"), req.Note)
	return answer(c, st, err)
}

func (h handler) decline(c *fiber.Ctx) error {
	var req reasonRequest
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Decline(c.UserContext(), staffOf(c), c.Params("no"), req.Reason)
	return answer(c, st, err)
}

func (h handler) extend(c *fiber.Ctx) error {
	var req struct {
		Days       *int   `json:"days"`
		Reason     string `json:"reason"`
		ApprovedBy string `json:"approved_by"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	days := petition.MaxExtensionDays
	if req.Days != nil {
		days = *req.Days
	}
	st, err := h.svc.Extend(c.UserContext(), staffOf(c), c.Params("no"), days, req.Reason, req.ApprovedBy)
	return answer(c, st, err)
}

func (h handler) reply(c *fiber.Ctx) error {
	var req struct {
		Result string `json:"result"`
		Facts  string `json:"facts"`
		Basis  string `json:"basis"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Reply(c.UserContext(), staffOf(c), c.Params("no"), strings.TrimSpace(req.Result), req.Facts, req.Basis)
	return answer(c, st, err)
}

func (h handler) review(c *fiber.Ctx) error {
	var req struct {
		Level           string `json:"level"`
		ReceivedReplyOn string `json:"received_reply_on"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Apply(c.UserContext(), staffOf(c), c.Params("no"), strings.TrimSpace(req.Level), req.ReceivedReplyOn)
	return answer(c, st, err)
}

func (h handler) decision(c *fiber.Ctx) error {
	var req struct {
		Result string `json:"result"`
		Note   string `json:"note"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Decide(c.UserContext(), staffOf(c), c.Params("no"), strings.TrimSpace(req.Result), req.Note)
	return answer(c, st, err)
}

func (h handler) hearing(start bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req struct {
			Note string `json:"note"`
		}
		if err := h.bind(c, &req); err != nil {
			return err
		}
		st, err := h.svc.Hearing(c.UserContext(), staffOf(c), c.Params("no"), start, req.Note)
		return answer(c, st, err)
	}
}

func (h handler) representative(c *fiber.Ctx) error {
	var req struct {
		Name     string `json:"name" validate:"required,max=100"`
		IDNumber string `json:"id_number" validate:"omitempty,idcard"`
		Phone    string `json:"phone" validate:"omitempty,mobile"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Representative(c.UserContext(), staffOf(c), c.Params("no"),
		cases.Person{Name: req.Name, IDNumber: strings.ToUpper(req.IDNumber), Phone: req.Phone})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(st)
}

func (h handler) terminate(c *fiber.Ctx) error {
	var req reasonRequest
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Terminate(c.UserContext(), staffOf(c), c.Params("no"), req.Reason)
	return answer(c, st, err)
}

func (h handler) care(c *fiber.Ctx) error {
	var req struct {
		Kind string `json:"kind"`
		Note string `json:"note"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Care(c.UserContext(), staffOf(c), c.Params("no"), req.Kind, req.Note)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(st)
}

func (h handler) own(c *fiber.Ctx) error {
	var req struct {
		TargetOn string `json:"target_on"`
		Note     string `json:"note"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Own(c.UserContext(), staffOf(c), c.Params("no"), req.TargetOn, req.Note)
	return answer(c, st, err)
}

func (h handler) supervise(c *fiber.Ctx) error {
	var req struct {
		Deadline string `json:"deadline"`
		Note     string `json:"note"`
		Listed   bool   `json:"listed"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Supervise(c.UserContext(), staffOf(c), c.Params("no"), req.Deadline, req.Note, req.Listed)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(st)
}

func (h handler) feedback(c *fiber.Ctx) error {
	var req struct {
		Feedback string `json:"feedback"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	st, err := h.svc.Feedback(c.UserContext(), staffOf(c), c.Params("no"), req.Feedback)
	return answer(c, st, err)
}

func (h handler) leaderCases(c *fiber.Ctx) error {
	list, err := h.svc.LeaderCases(c.UserContext(), web.CurrentUser(c).Actor())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list, "reception": "/console/reception"})
}

func (h handler) listed(c *fiber.Ctx) error {
	list, err := h.svc.Listings(c.UserContext())
	if err != nil {
		return err
	}
	if list == nil {
		list = []petition.Listing{}
	}
	return c.JSON(fiber.Map{"items": list})
}

type campaignRequest struct {
	Name     string `json:"name"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Note     string `json:"note"`
}

func (r campaignRequest) campaign() petition.NewCampaign {
	return petition.NewCampaign{Name: r.Name, StartsOn: r.StartsOn, EndsOn: r.EndsOn, Note: r.Note}
}

func campaignID(c *fiber.Ctx) (int64, error) {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return 0, kernel.Errorf(kernel.ENotFound, "专项行动不存在")
	}
	return int64(id), nil
}

func (h handler) campaigns(c *fiber.Ctx) error {
	list, err := h.svc.ListCampaigns(c.UserContext(), web.CurrentUser(c).Actor())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (h handler) createCampaign(c *fiber.Ctx) error {
	var req campaignRequest
	if err := h.bind(c, &req); err != nil {
		return err
	}
	v, err := h.svc.CreateCampaign(c.UserContext(), web.CurrentUser(c).Actor(), req.campaign())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (h handler) campaign(c *fiber.Ctx) error {
	id, err := campaignID(c)
	if err != nil {
		return err
	}
	v, err := h.svc.CampaignByID(c.UserContext(), web.CurrentUser(c).Actor(), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (h handler) updateCampaign(c *fiber.Ctx) error {
	id, err := campaignID(c)
	if err != nil {
		return err
	}
	var req campaignRequest
	if err := h.bind(c, &req); err != nil {
		return err
	}
	v, err := h.svc.UpdateCampaign(c.UserContext(), web.CurrentUser(c).Actor(), id, req.campaign())
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (h handler) deleteCampaign(c *fiber.Ctx) error {
	id, err := campaignID(c)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteCampaign(c.UserContext(), web.CurrentUser(c).Actor(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h handler) tagCase(c *fiber.Ctx) error {
	id, err := campaignID(c)
	if err != nil {
		return err
	}
	var req struct {
		CaseNo   string `json:"case_no"`
		TargetOn string `json:"target_on"`
	}
	if err := h.bind(c, &req); err != nil {
		return err
	}
	v, err := h.svc.TagCase(c.UserContext(), web.CurrentUser(c).Actor(), id, strings.TrimSpace(req.CaseNo), req.TargetOn)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (h handler) untagCase(c *fiber.Ctx) error {
	id, err := campaignID(c)
	if err != nil {
		return err
	}
	v, err := h.svc.UntagCase(c.UserContext(), web.CurrentUser(c).Actor(), id, c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// Filters are the track's filters of the case list: petition_stage;
// backlog (积案, as b defines it: a clock of an open case past its due and
// not ended, or the matter raised b.Repeats times or more — b.Repeats-1
// confirmed repeat links); supervised (a 督办 awaiting the unit's written
// feedback, a 挂牌督办, or an escalation to the region above).
func Filters(b petition.Backlog) []web.ListFilter {
	return []web.ListFilter{
		{Param: "petition_stage", Parse: func(v string, _ time.Time) (cases.Cond, error) {
			if !petition.Stage(v).Valid() {
				return cases.Cond{}, kernel.FieldError("petition_stage", "未知的信访环节")
			}
			return cases.Cond{SQL: "EXISTS (SELECT 1 FROM petitions pf WHERE pf.case_id = case_row.id AND pf.stage = ?)",
				Args: []any{v}}, nil
		}},
		{Param: "backlog", Parse: func(v string, now time.Time) (cases.Cond, error) {
			on, err := boolParam("backlog", v)
			if err != nil || !on {
				return cases.Cond{SQL: "1 = 1"}, err
			}
			var parts []string
			var args []any
			if b.Overdue {
				parts = append(parts, "(case_row.status IN "+petition.BacklogOpen+" AND EXISTS (SELECT 1 FROM case_clocks bk WHERE bk.case_id = case_row.id "+
					"AND bk.ended_at IS NULL AND (bk.status = 'missed' OR (bk.status = 'running' AND bk.due_at < ?))))")
				args = append(args, now.UTC())
			}
			if b.Repeats > 0 {
				parts = append(parts, "(SELECT COUNT(*) FROM links bl WHERE bl.case_id = case_row.id AND bl.kind = 'repeat' "+
					"AND bl.status = 'confirmed') >= ?")
				args = append(args, b.Repeats-1)
			}
			if len(parts) == 0 {
				return cases.Cond{SQL: "1 = 0"}, nil
			}
			return cases.Cond{SQL: "(" + strings.Join(parts, " OR ") + ")", Args: args}, nil
		}},
		{Param: "supervised", Parse: func(v string, _ time.Time) (cases.Cond, error) {
			on, err := boolParam("supervised", v)
			if err != nil {
				return cases.Cond{}, err
			}
			sql := "(EXISTS (SELECT 1 FROM petition_supervisions sv WHERE sv.case_id = case_row.id AND (sv.feedback_at IS NULL OR sv.listed)) " +
				"OR EXISTS (SELECT 1 FROM petition_marks sm WHERE sm.case_id = case_row.id AND sm.kind = 'escalation'))"
			if !on {
				sql = "NOT " + sql
			}
			return cases.Cond{SQL: sql}, nil
		}},
	}
}

func boolParam(name, v string) (bool, error) {
	switch v {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, kernel.FieldError(name, "应为 true 或 false")
}
