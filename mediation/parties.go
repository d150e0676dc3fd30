package mediation

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
)

// What the parties decide (人民调解法 第二十三条: a party may choose or
// accept the mediator, accept or refuse mediation or ask to end it;
// 第十七条: when one party clearly refuses, there is no mediation).

// mayActForParty: who records what a party asked for — the mediation's
// mediator, or the window clerks, supervisors and leaders who see the case.
func mayActForParty(a kernel.Actor, m *Mediation) bool {
	return handles(a, m) || (mayOpen(a) && (a.System || a.Sees(m.RegionCode)))
}

// partyOf finds the case's party named name (trimmed), nil if none.
func partyOf(c *cases.Case, name string) *cases.Party {
	for i := range c.Parties {
		if c.Parties[i].Name == name {
			return &c.Parties[i]
		}
	}
	return nil
}

func checkPartyReason(party, reason string) error {
	fields := map[string]string{}
	if party == "" || tooLong(party, 100) {
		fields["party"] = "请填写提出申请的当事人姓名"
	}
	if reason == "" || tooLong(reason, 500) {
		fields["reason"] = "请填写理由（不超过500个字）"
	}
	return invalid(fields)
}

// ChangeMediator records a party's request for another mediator: the
// current mediator (who accepted, or whose offer is pending) is replaced
// and the mediation offered to the next one of the body. Each party may
// ask once per mediation; a second request is EConflict.
func (s *Service) ChangeMediator(ctx context.Context, actor kernel.Actor, id int64, party, reason string) (*Mediation, error) {
	party, reason = strings.TrimSpace(party), strings.TrimSpace(reason)
	if err := checkPartyReason(party, reason); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		if !mayActForParty(actor, m) {
			return kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权登记当事人的申请", actor.Role.Label())
		}
		if !m.Status.Open() {
			return kernel.Errorf(kernel.EConflict, "调解已结束（%s）", m.Status.Label())
		}
		c, err := t.cases.CaseDetails(t.ctx, m.CaseID)
		if err != nil {
			return err
		}
		if partyOf(c, party) == nil {
			return kernel.FieldError("party", "“"+party+"”不是本案当事人")
		}
		for _, ch := range m.Changes {
			if ch.Party == party {
				return kernel.Errorf(kernel.EConflict, "当事人%s已于%s申请过更换调解员（每位当事人限一次）", party,
					ch.At.In(cases.ChinaTime).Format("2006年1月2日"))
			}
		}
		now := s.now()
		ch := &MediatorChange{MediationID: m.ID, Party: party, Reason: reason, RequestedBy: actor.Name, At: now}
		why := "当事人" + party + "申请更换调解员：" + reason
		switch {
		case m.Status == StatusActive && m.MediatorID != nil:
			ch.FromMediator, ch.FromName = m.Mediator, m.MediatorName
			for _, o := range m.Offers {
				if o.Status == OfferAccepted && o.MediatorID == *m.MediatorID {
					if err := t.store.SetOfferStatus(t.ctx, o.ID, OfferRecused, why); err != nil {
						return err
					}
				}
			}
			m.MediatorID, m.Mediator, m.MediatorName, m.AcceptedAt = nil, "", "", nil
			if _, err := t.cases.Assign(t.ctx, module(actor), m.CaseNo, nil, why); err != nil {
				return err
			}
		case m.PendingOffer() != nil:
			o := m.PendingOffer()
			ch.FromMediator, ch.FromName = o.Mediator, o.Name
			if ok, err := t.store.AnswerOffer(t.ctx, o.ID, OfferWithdrawn, why, now); err != nil {
				return err
			} else if !ok {
				return kernel.Errorf(kernel.EConflict, "调解邀请刚刚已被答复，请刷新后重试")
			}
		default:
			return kernel.Errorf(kernel.EConflict, "本调解目前没有调解员，无需更换")
		}
		if err := t.store.CreateMediatorChange(t.ctx, ch); err != nil {
			return err
		}
		if err := t.note(actor, m.CaseID, EventChangeRequested, fmt.Sprintf("当事人%s申请更换调解员%s：%s", party, ch.FromName, reason),
			map[string]any{"mediation_id": m.ID, "party": party, "reason": reason, "from_mediator": ch.FromMediator}); err != nil {
			return err
		}
		return s.offerNext(t, actor, m, c, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, id)
}

// Refuse records that a party refuses mediation (mediation is voluntary):
// the mediation ends as a failure with the reason one_side_refuses and the
// party, a pending offer is withdrawn, the mediation clock is cancelled
// (the time limit neither met nor missed: the parties ended it), and the
// case goes back to the handling queue with the reason on its timeline.
func (s *Service) Refuse(ctx context.Context, actor kernel.Actor, id int64, party, reason string) (*Mediation, error) {
	party, reason = strings.TrimSpace(party), strings.TrimSpace(reason)
	if err := checkPartyReason(party, reason); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.load(t.ctx, t.store, actor, id)
		if err != nil {
			return err
		}
		if !mayActForParty(actor, m) {
			return kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权登记当事人的申请", actor.Role.Label())
		}
		if m.Outcome != nil || !m.Status.Open() {
			return kernel.Errorf(kernel.EConflict, "该调解已有结果（%s），不能再次记录", m.Status.Label())
		}
		c, err := t.cases.CaseDetails(t.ctx, m.CaseID)
		if err != nil {
			return err
		}
		if partyOf(c, party) == nil {
			return kernel.FieldError("party", "“"+party+"”不是本案当事人")
		}
		now := s.now()
		why := "当事人" + party + "拒绝调解：" + reason
		if o := m.PendingOffer(); o != nil {
			if ok, err := t.store.AnswerOffer(t.ctx, o.ID, OfferWithdrawn, why, now); err != nil {
				return err
			} else if !ok {
				return kernel.Errorf(kernel.EConflict, "调解邀请刚刚已被答复，请刷新后重试")
			}
		}
		wasMediator := m.Status == StatusActive && m.MediatorID != nil && c.AssigneeID != nil && *c.AssigneeID == *m.MediatorID
		m.Status, m.EndedAt = StatusFailed, &now
		m.Outcome = &Outcome{Kind: OutcomeFailure, Reason: "one_side_refuses", Party: party, Note: reason, At: now}
		if _, err := s.Clocks.StopIn(t.ctx, t.tx, m.CaseID, m.ClockKind, now, true); err != nil && kernel.ErrorCode(err) != kernel.ENotFound {
			return err
		}
		if err := t.store.UpdateMediation(t.ctx, m); err != nil {
			return err
		}
		note := why + "，调解终止，案件退回办理"
		if err := t.note(actor, m.CaseID, EventRefused, note, map[string]any{"mediation_id": m.ID, "party": party,
			"reason": reason, "outcome": OutcomeFailure, "failure_reason": "one_side_refuses"}); err != nil {
			return err
		}
		if wasMediator {
			_, err = t.cases.Assign(t.ctx, module(actor), m.CaseNo, nil, note)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Mediation(ctx, id)
}

// ExtensionInput asks for more time for a running mediation.
type ExtensionInput struct {
	Days          int
	Reason        string
	PartiesAgreed bool
}

// Extend lengthens the running mediation clock by days (in the clock's own
// unit: calendar or working days), only with a reason and the parties'
// agreement (《最高人民法院关于人民法院特邀调解的规定》第二十条,
// 《医疗纠纷预防和处理条例》: extended when the parties agree). The
// mediation's mediator or a supervisor records it; the approver on the
// clock is the person who recorded it, the extension and the parties'
// agreement are on the timeline, in one unit of work.
func (s *Service) Extend(ctx context.Context, actor kernel.Actor, id int64, in ExtensionInput) (*clocks.View, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	fields := map[string]string{}
	if !in.PartiesAgreed {
		fields["parties_agreed"] = "延长调解期限须经各方当事人同意"
	}
	if in.Days < 1 || in.Days > 365 {
		fields["days"] = "延长天数应为1至365之间的整数"
	}
	if in.Reason == "" || tooLong(in.Reason, 500) {
		fields["reason"] = "延长调解期限必须说明理由（不超过500个字）"
	}
	if err := invalid(fields); err != nil {
		return nil, err
	}
	var out clocks.View
	err := s.inTx(ctx, func(t *txn) error {
		m, err := s.activeFor(t, actor, id)
		if err != nil {
			return err
		}
		k, err := s.Clocks.FindIn(t.ctx, t.tx, m.CaseID, m.ClockKind)
		if err != nil {
			return err
		}
		if k == nil {
			return kernel.Errorf(kernel.ENotFound, "本案没有%s", s.Clocks.Label(m.ClockKind))
		}
		now := s.now()
		if k, err = s.Clocks.ExtendIn(t.ctx, t.tx, m.CaseID, m.ClockKind, in.Days, k.Unit, in.Reason, actor.Name, now); err != nil {
			return err
		}
		unit := "日"
		if k.Unit == calendar.WorkingDays {
			unit = "个工作日"
		}
		out = s.Clocks.View(k, now)
		return t.note(actor, m.CaseID, clocks.EventExtended, fmt.Sprintf("%s经各方当事人同意延长%d%s，至%s：%s",
			s.Clocks.Label(m.ClockKind), in.Days, unit, k.Due.In(cases.ChinaTime).Format("2006年1月2日"), in.Reason),
			map[string]any{"clock": string(m.ClockKind), "days": in.Days, "unit": string(k.Unit), "due_at": k.Due,
				"mediation_id": m.ID, "parties_agreed": true})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UnitOption is a unit staff may pick in a mediation form (the court of a
// judicial confirmation, the unit of a hand-off).
type UnitOption struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Kind       units.Kind `json:"kind"`
	KindLabel  string     `json:"kind_label"`
	RegionCode string     `json:"region_code"`
}

// CaseUnits lists the active units on the case's region line — the
// regions above the case's and within it, where hand-offs may go — of
// kind (every kind for ""), nearest first. Staff who see the case may
// list them (GET /api/v1/units needs the manage permission).
func (s *Service) CaseUnits(ctx context.Context, actor kernel.Actor, no string, kind units.Kind) ([]UnitOption, error) {
	c, err := s.Cases.Find(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	above, err := s.Units.InRegions(ctx, chainCodes(c.RegionCode))
	if err != nil {
		return nil, err
	}
	below, err := s.Units.List(ctx, kernel.RegionPrefix(c.RegionCode), units.Filter{})
	if err != nil {
		return nil, err
	}
	level := kernel.RegionLevel(c.RegionCode)
	seen := map[int64]bool{}
	type ranked struct {
		UnitOption
		dist int
	}
	var list []ranked
	for _, u := range append(above, below...) {
		if seen[u.ID] || !u.Active || (kind != "" && u.Kind != kind) {
			continue
		}
		seen[u.ID] = true
		d := level - kernel.RegionLevel(u.RegionCode)
		if d < 0 {
			d = -d
		}
		list = append(list, ranked{UnitOption{ID: u.ID, Name: u.Name, Kind: u.Kind, KindLabel: u.Kind.Label(), RegionCode: u.RegionCode}, d})
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].dist != list[j].dist {
			return list[i].dist < list[j].dist
		}
		return list[i].ID < list[j].ID
	})
	out := make([]UnitOption, len(list))
	for i := range list {
		out[i] = list[i].UnitOption
	}
	return out, nil
}
