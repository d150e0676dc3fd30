package mediation

import (
	"context"
	"fmt"
	"strings"

	"github.com/jiefen/jiefen/kernel"
)

// HandoffInput is a hand-off to record.
type HandoffInput struct {
	Kind       string
	Direction  string
	ToUnitID   int64
	FromUnitID int64
	Reason     string
}

// mayHandOff: the roles that handle or hand out cases.
func mayHandOff(a kernel.Actor) bool { return a.Can(kernel.PermRegister) || a.Can(kernel.PermAssign) }

// CreateHandoff records a case sent to (out) or received from (in) another
// flow's unit (诉调/访调/公调/检调 对接). The unit must lie on the case's
// region chain: above the case's region, or within it.
func (s *Service) CreateHandoff(ctx context.Context, actor kernel.Actor, no string, in HandoffInput) (*Handoff, error) {
	if !mayHandOff(actor) {
		return nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权办理对接", actor.Role.Label())
	}
	in.Reason = strings.TrimSpace(in.Reason)
	fields := map[string]string{}
	if _, ok := HandoffKinds[in.Kind]; !ok {
		fields["kind"] = "对接类型应为 诉调、访调、公调 或 检调"
	}
	unitField, unitID := "", int64(0)
	switch in.Direction {
	case "out":
		unitField, unitID = "to_unit_id", in.ToUnitID
		if in.FromUnitID != 0 {
			fields["from_unit_id"] = "移出时请填写 to_unit_id"
		}
	case "in":
		unitField, unitID = "from_unit_id", in.FromUnitID
		if in.ToUnitID != 0 {
			fields["to_unit_id"] = "移入时请填写 from_unit_id"
		}
	default:
		fields["direction"] = "方向应为 in（移入）或 out（移出）"
	}
	if unitField != "" && unitID <= 0 {
		fields[unitField] = "请选择对接单位"
	}
	if in.Reason == "" || tooLong(in.Reason, 2000) {
		fields["reason"] = "请填写对接理由（不超过2000个字）"
	}
	if err := invalid(fields); err != nil {
		return nil, err
	}
	var out *Handoff
	err := s.inTx(ctx, func(t *txn) error {
		c, err := t.cases.Find(t.ctx, actor, no)
		if err != nil {
			return err
		}
		u, err := t.units.Unit(t.ctx, unitID)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			return kernel.FieldError(unitField, "机构不存在")
		} else if err != nil {
			return err
		}
		if !kernel.InRegion(c.RegionCode, u.RegionCode) && !kernel.InRegion(u.RegionCode, c.RegionCode) {
			return kernel.FieldError(unitField, "该单位不在本案所在地的区划链上")
		}
		if !u.Active {
			return kernel.FieldError(unitField, "机构已停用")
		}
		h := &Handoff{CaseID: c.ID, CaseNo: c.No, Kind: in.Kind, Direction: in.Direction, UnitID: u.ID, UnitName: u.Name,
			Reason: in.Reason, Status: "sent", SentBy: actor.Name, CreatedAt: s.now()}
		if err := t.store.CreateHandoff(t.ctx, h); err != nil {
			return err
		}
		out = h
		verb := "移送"
		if in.Direction == "in" {
			verb = "接收"
		}
		return t.note(actor, c.ID, EventHandoff, fmt.Sprintf("%s：%s%s，理由：%s", HandoffKinds[in.Kind], verb, u.Name, in.Reason),
			map[string]any{"handoff_id": h.ID, "kind": in.Kind, "direction": in.Direction, "unit_id": u.ID, "unit": u.Name})
	})
	return out, err
}

// CompleteHandoff records what came back of a hand-off.
func (s *Service) CompleteHandoff(ctx context.Context, actor kernel.Actor, no string, id int64, result string) (*Handoff, error) {
	if !mayHandOff(actor) {
		return nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权办理对接", actor.Role.Label())
	}
	result = strings.TrimSpace(result)
	if result == "" || tooLong(result, 2000) {
		return nil, kernel.FieldError("result", "请填写对接结果（不超过2000个字）")
	}
	var out *Handoff
	err := s.inTx(ctx, func(t *txn) error {
		c, err := t.cases.Find(t.ctx, actor, no)
		if err != nil {
			return err
		}
		h, err := t.store.Handoff(t.ctx, id)
		if err != nil || h.CaseID != c.ID {
			return kernel.Errorf(kernel.ENotFound, "对接记录不存在")
		}
		if h.Status != "sent" {
			return kernel.Errorf(kernel.EConflict, "该对接已登记结果")
		}
		now := s.now()
		h.Status, h.Result, h.ResultAt, h.ResultBy = "returned", result, &now, actor.Name
		if err := t.store.UpdateHandoff(t.ctx, h); err != nil {
			return err
		}
		out = h
		return t.note(actor, c.ID, EventHandoffBack, fmt.Sprintf("%s（%s）结果：%s", HandoffKinds[h.Kind], h.UnitName, result),
			map[string]any{"handoff_id": h.ID})
	})
	return out, err
}

// Handoffs lists a case's hand-offs.
func (s *Service) Handoffs(ctx context.Context, actor kernel.Actor, no string) ([]Handoff, error) {
	c, err := s.Cases.Find(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	l, err := s.Store.CaseHandoffs(ctx, c.ID)
	if l == nil && err == nil {
		l = []Handoff{}
	}
	return l, err
}
