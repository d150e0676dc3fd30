package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/groupwarn"
	"github.com/jiefen/jiefen/kernel"
)

type matchJSON struct {
	CaseNo  string             `json:"case_no"`
	Kind    cases.LinkKind     `json:"kind"`
	Score   float64            `json:"score"`
	Reasons *cases.Explanation `json:"reasons,omitempty"`
	// The case page's review list only (reviewList): the other case as
	// staff recognise it, and whether merging it here makes sense.
	Case      *candidateJSON `json:"-"`
	Mergeable bool           `json:"-"`
}

// maxReview bounds the case page's 相似案件.
const maxReview = 5

// reviewList is the case page's 相似案件: the candidates not yet linked at
// or above the detector's suggestion threshold, each with the other case's
// subject, first intake date, channel and status. Only a same-person
// candidate may be merged: other people's cases on the matter are a group
// issue, never one case.
func (s *Server) reviewList(ctx context.Context, a kernel.Actor, sim []cases.Match, linked map[string]bool) ([]matchJSON, error) {
	var out []matchJSON
	for _, m := range sim {
		if len(out) == maxReview {
			break
		}
		suggest, same := s.suggestion(m)
		if linked[m.CaseNo] || !suggest {
			continue
		}
		cj, ok, err := s.candidate(ctx, a, m.CaseNo)
		if err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		mj := presentMatches([]cases.Match{m})[0]
		mj.Case, mj.Mergeable = &cj, same
		out = append(out, mj)
	}
	return out, nil
}

func presentMatches(ms []cases.Match) []matchJSON {
	out := make([]matchJSON, len(ms))
	for i, m := range ms {
		out[i] = matchJSON{CaseNo: m.CaseNo, Kind: m.Kind, Score: m.Score, Reasons: m.Reasons}
	}
	return out
}

func (s *Server) similar(c *fiber.Ctx) error {
	ms, err := s.Cases.Similar(c.UserContext(), actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	if len(ms) > 20 {
		ms = ms[:20]
	}
	return c.JSON(fiber.Map{"items": presentMatches(ms)})
}

type linkStatusRequest struct {
	Status string `json:"status" validate:"required,oneof=confirmed rejected suggested"`
	Note   string `json:"note" validate:"max=2000"`
}

func (s *Server) setLinkStatus(c *fiber.Ctx) error {
	var req linkStatusRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return kernel.Errorf(kernel.ENotFound, "关联不存在")
	}
	a := actor(c)
	if _, err := s.Cases.SetLinkStatus(c.UserContext(), a, c.Params("no"), id, req.Status, req.Note); err != nil {
		return err
	}
	return s.caseDetail(c, a, c.Params("no"))
}

// caseDetail answers with a case as it now is.
func (s *Server) caseDetail(c *fiber.Ctx, a kernel.Actor, no string) error {
	cs, err := s.Cases.Get(c.UserContext(), a, no)
	if err != nil {
		return err
	}
	return c.JSON(presentCaseDetail(cs, s.Now()))
}

type splitRequest struct {
	IntakeRef string `json:"intake_ref" validate:"required,max=100"`
	Note      string `json:"note" validate:"max=2000"`
}

func (s *Server) split(c *fiber.Ctx) error {
	var req splitRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	a := actor(c)
	nc, err := s.Cases.Split(c.UserContext(), a, c.Params("no"), req.IntakeRef, req.Note)
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return s.caseDetail(c, a, nc.No)
}

type mergeRequest struct {
	From string `json:"from" validate:"required,max=40"`
	Note string `json:"note" validate:"max=2000"`
}

func (s *Server) merge(c *fiber.Ctx) error {
	var req mergeRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	a := actor(c)
	if _, err := s.Cases.Merge(c.UserContext(), a, c.Params("no"), strings.TrimSpace(req.From), req.Note); err != nil {
		return err
	}
	return s.caseDetail(c, a, c.Params("no"))
}

type undoRequest struct {
	EventID int64  `json:"event_id" validate:"required,gt=0"`
	Note    string `json:"note" validate:"max=2000"`
}

func (s *Server) undo(c *fiber.Ctx) error {
	var req undoRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	a := actor(c)
	if _, err := s.Cases.Undo(c.UserContext(), a, c.Params("no"), req.EventID, req.Note); err != nil {
		return err
	}
	return s.caseDetail(c, a, c.Params("no"))
}

func (s *Server) clusters(c *fiber.Ctx) error {
	cl, err := s.Cases.Clusters(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	if cl == nil {
		cl = []cases.ClusterSummary{}
	}
	for i := range cl {
		c := &cl[i]
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.In(cases.ChinaTime), c.UpdatedAt.In(cases.ChinaTime)
		c.FirstSeen, c.LastSeen = c.FirstSeen.In(cases.ChinaTime), c.LastSeen.In(cases.ChinaTime)
	}
	return c.JSON(fiber.Map{"items": cl})
}

// clusterWarnings lists the group early warnings of the actor's region.
func (s *Server) clusterWarnings(c *fiber.Ctx) error {
	list, err := s.groupWarnings(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *Server) groupWarnings(c *fiber.Ctx) ([]groupwarn.Warning, error) {
	if s.GroupWarnings == nil {
		return []groupwarn.Warning{}, nil
	}
	list, err := s.GroupWarnings.List(c.UserContext(), actor(c))
	if list == nil {
		list = []groupwarn.Warning{}
	}
	return list, err
}

func (s *Server) clusterCases(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return kernel.Errorf(kernel.ENotFound, "群体性事项不存在")
	}
	list, err := s.Cases.ClusterCases(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	now := s.Now()
	items := make([]caseJSON, len(list))
	for i, cs := range list {
		items[i] = presentCase(cs, now)
	}
	return c.JSON(fiber.Map{"id": id, "items": items})
}

func (s *Server) search(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("q"))
	if len([]rune(q)) > 200 {
		return kernel.FieldError("q", "搜索内容不能超过200个字符")
	}
	limit := 20
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return kernel.FieldError("limit", "应为1至100之间的整数")
		}
		limit = n
	}
	list, err := s.Cases.Search(c.UserContext(), actor(c), q, limit)
	if err != nil {
		return err
	}
	now := s.Now()
	items := make([]caseJSON, len(list))
	for i, cs := range list {
		items[i] = presentCase(cs, now)
	}
	return c.JSON(fiber.Map{"items": items})
}
