package web

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

type assignRequest struct {
	// Assignee is a staff username; empty takes the case back.
	Assignee string `json:"assignee" validate:"max=64"`
	Note     string `json:"note" validate:"max=2000"`
}

// assign gives a case to a handler (分派/交办) or takes it back.
func (s *Server) assign(c *fiber.Ctx) error {
	var req assignRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	to, err := s.assignee(c.UserContext(), strings.TrimSpace(req.Assignee))
	if err != nil {
		return err
	}
	return s.caseAction(c, func(a kernel.Actor) error {
		_, err := s.Cases.Assign(c.UserContext(), a, c.Params("no"), to, req.Note)
		return err
	})
}

// assignee finds the staff member a username names; "" is nobody.
func (s *Server) assignee(ctx context.Context, username string) (*cases.Assignee, error) {
	if username == "" {
		return nil, nil
	}
	u, err := s.Staff.User(ctx, username)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil, kernel.FieldError("assignee", "没有这个用户")
	} else if err != nil {
		return nil, err
	}
	a := u.Actor()
	return &cases.Assignee{UserID: u.ID, Name: a.Name, Role: u.Role, RegionCode: u.RegionCode, Disabled: u.Disabled}, nil
}

type assigneeOptionJSON struct {
	ID         int64       `json:"id"`
	Username   string      `json:"username"`
	Name       string      `json:"name"`
	Role       kernel.Role `json:"role"`
	RoleLabel  string      `json:"role_label"`
	RegionCode string      `json:"region_code"`
}

// assigneeOptions lists who may be given a case: enabled accounts of the
// handling roles whose region covers the case's, nearest region first.
func (s *Server) assigneeOptions(ctx context.Context, cs *cases.Case) ([]assigneeOptionJSON, error) {
	users, err := staff.Covering(ctx, s.Staff.Store, []kernel.Role{kernel.RoleWindowClerk, kernel.RoleMediator, kernel.RoleSupervisor}, cs.RegionCode)
	if err != nil {
		return nil, err
	}
	out := make([]assigneeOptionJSON, len(users))
	for i, u := range users {
		out[i] = assigneeOptionJSON{ID: u.ID, Username: u.Username, Name: u.Actor().Name, Role: u.Role, RoleLabel: u.Role.Label(),
			RegionCode: u.RegionCode}
	}
	return out, nil
}

// listAssignees answers GET /cases/{no}/assignees.
func (s *Server) listAssignees(c *fiber.Ctx) error {
	cs, err := s.Cases.Get(c.UserContext(), actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	items, err := s.assigneeOptions(c.UserContext(), cs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

type infoRequest struct {
	Request string `json:"request" validate:"required,max=1000"`
}

// requestInfo asks the resident to supply more information (补充材料).
func (s *Server) requestInfo(c *fiber.Ctx) error {
	var req infoRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	return s.caseAction(c, func(a kernel.Actor) error {
		_, err := s.Cases.RequestInfo(c.UserContext(), a, c.Params("no"), req.Request)
		return err
	})
}

// caseAction runs a change on the case named in the path and answers with
// the case as it now stands.
func (s *Server) caseAction(c *fiber.Ctx, change func(kernel.Actor) error) error {
	a := actor(c)
	if err := change(a); err != nil {
		return err
	}
	cs, err := s.Cases.Get(c.UserContext(), a, c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(presentCaseDetail(cs, s.Now()))
}

// assigneeFilter reads the assignee query parameter of case lists: "me",
// "none" (nobody yet) or a username.
func (s *Server) assigneeFilter(c *fiber.Ctx, f *cases.CaseFilter) error {
	switch v := strings.TrimSpace(c.Query("assignee")); v {
	case "":
	case "me":
		f.AssigneeID = CurrentUser(c).ID
	case "none":
		f.Unassigned = true
	default:
		u, err := s.Staff.User(c.UserContext(), v)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.FieldError("assignee", "没有这个用户")
		} else if err != nil {
			return err
		}
		f.AssigneeID = u.ID
	}
	return nil
}
