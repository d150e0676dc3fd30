package cases

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
)

// Assignee is a staff member a case can be given to, as the caller found
// them (the case core does not read staff accounts itself).
type Assignee struct {
	UserID     int64
	Name       string
	Role       kernel.Role
	RegionCode string // padded code of their scope root; "" for everything
	Disabled   bool
}

// MaxInfoRequest bounds what staff ask a resident to supply, in characters.
const MaxInfoRequest = 1000

// Assign gives an open case to a handler (分派/交办), or takes it back when
// to is nil. Supervisors and leaders may assign anyone who handles cases
// and whose region covers the case; a handler may take an unassigned case
// themselves (认领). Assigning the current assignee again changes nothing.
func (s *Service) Assign(ctx context.Context, actor kernel.Actor, no string, to *Assignee, note string) (*Case, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 2000 {
		return nil, kernel.FieldError("note", "长度不能超过2000个字符")
	}
	if to != nil {
		switch {
		case to.Disabled:
			return nil, kernel.FieldError("assignee", "该账号已停用，不能承办案件")
		case !to.Role.Handles():
			return nil, kernel.FieldError("assignee", "该用户的角色（"+to.Role.Label()+"）不承办案件")
		}
	}
	var out *Case
	err := s.update(ctx, func(tx Store) error {
		c, err := tx.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		claim := to != nil && to.UserID == actor.UserID && c.AssigneeID == nil && actor.Can(kernel.PermTransition)
		if !claim {
			if err := actor.Require(kernel.PermAssign); err != nil {
				return err
			}
		}
		if !c.Status.Open() {
			return kernel.Errorf(kernel.EInvalid, "案件当前状态为“%s”，不能分派", c.Status.Label())
		}
		if to != nil && to.RegionCode != "" && !kernel.InRegion(c.RegionCode, to.RegionCode) {
			return kernel.FieldError("assignee", "承办人的管辖区域不包含本案所在地")
		}
		out = c
		prevID, prevName := c.AssigneeID, c.AssigneeName
		data := map[string]any{}
		if prevID != nil {
			data["previous_id"], data["previous"] = *prevID, prevName
		}
		if to == nil {
			if prevID == nil {
				return nil
			}
			c.AssigneeID, c.AssigneeName = nil, ""
		} else {
			if prevID != nil && *prevID == to.UserID {
				return nil
			}
			id := to.UserID
			c.AssigneeID, c.AssigneeName = &id, to.Name
			data["assignee_id"], data["assignee"] = to.UserID, to.Name
		}
		now := s.Now().UTC()
		c.UpdatedAt = now
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, tx, &Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
			Kind: EventAssigned, Note: note, Data: data})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RequestInfo asks the resident(s) of an open case to supply more
// information (补充材料). The request is written for them: it appears on
// their timeline and in their notification, unlike staff notes. The case
// shows as waiting until a supplement arrives.
func (s *Service) RequestInfo(ctx context.Context, actor kernel.Actor, no, request string) (*Case, error) {
	if err := actor.Require(kernel.PermTransition); err != nil {
		return nil, err
	}
	request = strings.TrimSpace(request)
	switch n := utf8.RuneCountInString(request); {
	case n == 0:
		return nil, kernel.FieldError("request", "请写明需要补充的材料或情况")
	case n > MaxInfoRequest:
		return nil, kernel.FieldError("request", "长度不能超过1000个字符")
	}
	var out *Case
	err := s.update(ctx, func(tx Store) error {
		c, err := tx.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		if !c.Status.Open() {
			return kernel.Errorf(kernel.EInvalid, "案件当前状态为“%s”，不能要求补充材料", c.Status.Label())
		}
		now := s.Now().UTC()
		c.InfoRequestedAt, c.UpdatedAt = &now, now
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		out = c
		return s.record(ctx, tx, &Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
			Kind: EventNeedsMoreInfo, Data: map[string]any{"request": request}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// InfoRequest returns the latest request for more information on a loaded
// case while it is still waiting for an answer.
func (c *Case) InfoRequest() (request string, at time.Time, ok bool) {
	if c.InfoRequestedAt == nil {
		return "", time.Time{}, false
	}
	for i := len(c.Events) - 1; i >= 0; i-- {
		if e := c.Events[i]; e.Kind == EventNeedsMoreInfo {
			r, _ := e.Data["request"].(string)
			return r, e.At, true
		}
	}
	return "", *c.InfoRequestedAt, true
}
