package web

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// checkJSON answers POST /api/v1/intakes/check: what registering the body
// would decide, and the cases the clerk should see first.
type checkJSON struct {
	Decision   string          `json:"decision"`
	Target     string          `json:"target,omitempty"` // the case merged into or repeated
	Candidates []candidateJSON `json:"candidates"`
}

// candidateJSON is one case shown to the clerk before saving. Role says
// why it is listed: target (registration would merge into or repeat it),
// review (would be suggested), group (other people, same matter), similar
// (above the suggestion threshold) or person (the visitor's own case by ID
// number or phone, whatever its matter).
type candidateJSON struct {
	CaseNo       string          `json:"case_no"`
	Subject      string          `json:"subject"`
	Status       cases.Status    `json:"status"`
	StatusLabel  string          `json:"status_label"`
	Open         bool            `json:"open"`
	ReceivedAt   *time.Time      `json:"received_at"` // the case's first intake
	Channel      kernel.Channel  `json:"channel"`
	ChannelLabel string          `json:"channel_label"`
	Role         string          `json:"role"`
	SamePerson   bool            `json:"same_person"`
	PSamePerson  *float64        `json:"p_same_person"`
	PSameMatter  *float64        `json:"p_same_matter"`
	Reasons      []cases.Feature `json:"reasons"`
}

// maxCandidates bounds the hints: a clerk reads a handful, not a list.
const maxCandidates = 10

// intakeInput validates a staff intake body as registration does (the same
// 400s) and converts it.
func (s *Server) intakeInput(c *fiber.Ctx, req *intakeRequest) (cases.Intake, error) {
	req.Subject, req.Content = strings.TrimSpace(req.Subject), strings.TrimSpace(req.Content)
	req.Person.Name = strings.TrimSpace(req.Person.Name)
	if err := s.validate.Struct(req); err != nil {
		return cases.Intake{}, err
	}
	in := cases.Intake{
		Channel: kernel.Channel(req.Channel),
		Person:  cases.Person{Name: req.Person.Name, IDNumber: strings.ToUpper(req.Person.IDNumber), Phone: req.Person.Phone},
		Subject: req.Subject, Content: req.Content, Address: req.Address,
		RegionCode: req.RegionCode, Category: req.Category,
		Raw: c.Body(),
	}
	if req.ReceivedAt != nil {
		in.ReceivedAt = *req.ReceivedAt
	}
	in.Respondent = req.Respondent.Intake()
	return in, nil
}

// suggestion says whether staff should see a match and whether it is the
// same person; without a detector that knows its thresholds, everything
// is shown and the person is judged at even odds.
func (s *Server) suggestion(m cases.Match) (bool, bool) {
	if d := s.Cases.Detector; d != nil {
		return d.Suggestion(m)
	}
	return true, m.Reasons != nil && m.Reasons.SamePerson >= 0.5
}

func (s *Server) checkIntake(c *fiber.Ctx) error {
	var req intakeRequest
	if err := DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	in, err := s.intakeInput(c, &req)
	if err != nil {
		return err
	}
	a := actor(c)
	res, err := s.Cases.Check(c.UserContext(), a, in)
	if err != nil {
		return err
	}
	out := checkJSON{Decision: res.Decision, Candidates: []candidateJSON{}}
	if res.Target != nil {
		out.Target = res.Target.CaseNo
	}
	type entry struct {
		no, role   string
		m          *cases.Match
		samePerson bool
	}
	var list []entry
	if t := res.Target; t != nil {
		list = append(list, entry{t.CaseNo, "target", t, true})
	}
	for i := range res.Review {
		list = append(list, entry{res.Review[i].CaseNo, "review", &res.Review[i], true})
	}
	scored := map[string]*cases.Match{}
	for i := range res.Similar {
		scored[res.Similar[i].CaseNo] = &res.Similar[i]
	}
	for _, p := range res.Person {
		list = append(list, entry{p.CaseNo, "person", scored[p.CaseNo], true})
	}
	for i := range res.Group {
		list = append(list, entry{res.Group[i].CaseNo, "group", &res.Group[i], false})
	}
	for i := range res.Similar {
		if ok, same := s.suggestion(res.Similar[i]); ok {
			list = append(list, entry{res.Similar[i].CaseNo, "similar", &res.Similar[i], same})
		}
	}
	seen := map[string]bool{}
	for _, e := range list {
		if seen[e.no] || len(out.Candidates) == maxCandidates {
			continue
		}
		seen[e.no] = true
		cj, ok, err := s.candidate(c.UserContext(), a, e.no)
		if err != nil {
			return err
		} else if !ok {
			continue
		}
		cj.Role, cj.SamePerson = e.role, e.samePerson
		if e.m != nil && e.m.Reasons != nil {
			p, m := e.m.Reasons.SamePerson, e.m.Reasons.SameMatter
			cj.PSamePerson, cj.PSameMatter, cj.Reasons = &p, &m, e.m.Reasons.Features
		}
		out.Candidates = append(out.Candidates, cj)
	}
	return c.JSON(out)
}

// candidate loads a case for display within the actor's scope; ok is
// false when the case is outside it (the detector scopes too; this is the
// second lock on the door).
func (s *Server) candidate(ctx context.Context, a kernel.Actor, no string) (candidateJSON, bool, error) {
	cs, err := s.Cases.Store.CaseByNo(ctx, no, a.Scope())
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return candidateJSON{}, false, nil
	} else if err != nil {
		return candidateJSON{}, false, err
	}
	return candidateJSON{CaseNo: cs.No, Subject: cs.Subject, Status: cs.Status, StatusLabel: cs.Status.Label(),
		Open: cs.Status.Open(), ReceivedAt: china(&cs.CreatedAt), Channel: cs.Channel, ChannelLabel: cs.Channel.Label(),
		Reasons: []cases.Feature{}}, true, nil
}

// attachIntake adds a visit to a case the clerk chose (POST
// /api/v1/cases/{no}/intakes), without detection: the case must be in the
// clerk's region, else 404.
func (s *Server) attachIntake(c *fiber.Ctx) error {
	var req intakeRequest
	if err := DecodeJSON(c.Body(), &req); err != nil {
		return err
	}
	in, err := s.intakeInput(c, &req)
	if err != nil {
		return err
	}
	a, ctx := actor(c), c.UserContext()
	if key := strings.TrimSpace(c.Get("Idempotency-Key")); key != "" {
		if len(key) > 200 {
			return kernel.FieldError("Idempotency-Key", "幂等键不能超过200个字符")
		}
		in.SourceKey = "api:" + strconv.FormatInt(CurrentUser(c).ID, 10) + ":" + key
		// A retry of a visit already stored answers as it did then.
		if prev, err := s.Cases.Registered(ctx, in.SourceKey); err == nil {
			pc, err := s.Cases.CaseDetails(ctx, prev.CaseID)
			if err != nil {
				return err
			}
			full, err := s.Cases.Get(ctx, a, pc.No)
			if err != nil {
				return err
			}
			c.Set("Idempotent-Replayed", "true")
			return c.JSON(registrationJSON{CaseNo: full.No, IntakeRef: prev.Ref, Decision: prev.Decision,
				Related: []matchJSON{}, Replayed: true, Case: presentCaseDetail(full, s.Now())})
		} else if kernel.ErrorCode(err) != kernel.ENotFound {
			return err
		}
	}
	reg, err := s.Cases.AddIntake(ctx, a, c.Params("no"), in)
	if err != nil {
		return err
	}
	full, err := s.Cases.Get(ctx, a, reg.Case.No)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(registrationJSON{CaseNo: reg.Case.No, IntakeRef: reg.Intake.Ref,
		Decision: reg.Decision, Related: []matchJSON{}, Case: presentCaseDetail(full, s.Now())})
}

// registeredMessage says what registration did, for the console's banner
// when the form was posted without its script.
func registeredMessage(reg *cases.Registration) string {
	var others []string
	for _, m := range reg.Related {
		if m.CaseNo != reg.Case.No {
			others = append(others, m.CaseNo)
		}
	}
	switch reg.Decision {
	case cases.DecisionMerged, cases.DecisionAttached:
		return "已并入案件 " + reg.Case.No
	case cases.DecisionRepeat:
		if len(others) > 0 {
			return "重复信访，关联 " + others[0] + "，新案件编号 " + reg.Case.No
		}
	case cases.DecisionGrouped:
		return "群体性事项，已与 " + strings.Join(others, "、") + " 归为同一事项，新案件编号 " + reg.Case.No
	}
	return "已登记，案件编号 " + reg.Case.No
}
