package petition

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
)

// Service runs the steps of the track, each in one unit of work with the
// case's events, clocks, status and documents.
type Service struct {
	Tx       kernel.Transactor
	Store    Store
	Cases    *cases.Service
	Clocks   *clocks.Service
	Docs     *documents.Service
	Units    units.Store
	Calendar *calendar.Calendar
	Now      func() time.Time
	// GroupThreshold is the number of people on one matter from which a
	// petition is a group petition (default 5).
	GroupThreshold int

	// Leaders and supervision: the owners, supervisions and marks; 催办
	// RemindDays working days before a staff clock is due (default 3);
	// escalation EscalateDays working days after (default 5) to the
	// supervisors of the next region up, named by Supervisors (optional).
	Supervision  SupervisionStore
	RemindDays   int
	EscalateDays int
	Supervisors  func(ctx context.Context, regionCode string) ([]string, error)
	// SweepBatch caps each list one sweep reads (default 500); what is left
	// is taken by the next sweep, those already marked being skipped.
	SweepBatch int
	// Campaigns keeps 专项行动; Backlog defines 积案.
	Campaigns CampaignStore
	Backlog   Backlog
}

// NewService wires the track on the case service's calendar and clock;
// the caller sets Supervision and Campaigns (petitionstore.Store is both).
func NewService(tx kernel.Transactor, st Store, cs *cases.Service, ck *clocks.Service, docs *documents.Service, us units.Store) *Service {
	return &Service{Tx: tx, Store: st, Cases: cs, Clocks: ck, Docs: docs, Units: us, Calendar: cs.Calendar,
		Now: func() time.Time { return cs.Now() }, GroupThreshold: DefaultGroupThreshold,
		RemindDays: DefaultRemindDays, EscalateDays: DefaultEscalateDays, Backlog: DefaultBacklog}
}

// Staff is a staff member acting on the track: their actor and the unit
// they belong to (0 for none).
type Staff struct {
	kernel.Actor
	UnitID int64
}

// work is one step in progress.
type work struct {
	s     *Service
	tx    kernel.Tx
	cs    *cases.Service // bound to tx
	st    Store          // bound to tx
	c     *cases.Case
	p     *Petition
	isNew bool
	// aside: a step that may run on a case not on the track (包案, care,
	// representatives) and does not put it there: no petitions row is
	// created for it.
	aside bool
	who   Staff
	now   time.Time
}

// event writes a timeline event of the step.
func (w *work) event(ctx context.Context, kind, note string, data map[string]any) (*cases.Event, error) {
	e := &cases.Event{CaseID: w.c.ID, At: w.now, ActorID: w.who.UserID, ActorName: w.who.Name, Kind: kind,
		Note: note, Data: data}
	return e, w.cs.RecordEvent(ctx, w.cs.Store, e)
}

// transition moves the case through the core status machine in the step's
// unit of work (the clocks follow); extra goes on the transition event
// (e.g. "resolution_success").
func (w *work) transition(ctx context.Context, to cases.Status, note string, extra map[string]any) error {
	c, err := w.cs.TransitionWith(ctx, w.who.Actor, w.c.No, to, note, extra)
	if err != nil {
		return err
	}
	w.c = c
	return nil
}

// step runs fn on the petition of case no in the staff member's scope and
// answers the petition state after it.
func (s *Service) step(ctx context.Context, who Staff, no string, fn func(ctx context.Context, w *work) error) (*State, error) {
	return s.run(ctx, who, no, false, fn)
}

// stepAside is step for what may be done on any case in scope without
// putting it on the track (包案, 疏导/帮扶, group representatives): on a case
// without a petitions row none is created, so an ordinary case does not
// start matching petition_stage filters or the supervision sweep.
func (s *Service) stepAside(ctx context.Context, who Staff, no string, fn func(ctx context.Context, w *work) error) (*State, error) {
	return s.run(ctx, who, no, true, fn)
}

func (s *Service) run(ctx context.Context, who Staff, no string, aside bool, fn func(ctx context.Context, w *work) error) (*State, error) {
	var out *State
	err := s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		w := &work{s: s, tx: tx, cs: s.Cases.WithTx(tx), st: s.Store.WithTx(tx), who: who, aside: aside, now: s.Now().UTC()}
		c, err := w.cs.Store.CaseByNo(ctx, no, who.Scope())
		if err != nil {
			return err
		}
		w.c = c
		if w.p, err = w.st.Get(ctx, c.ID); kernel.ErrorCode(err) == kernel.ENotFound {
			w.p, w.isNew, err = &Petition{CaseID: c.ID, Stage: StageRegistered, CreatedAt: w.now}, true, nil
		}
		if err != nil {
			return err
		}
		if err := fn(ctx, w); err != nil {
			return err
		}
		w.p.UpdatedAt = w.now
		if w.isNew && w.aside {
			// Not on the track: nothing of the track to save.
		} else if w.isNew {
			err = w.st.Create(ctx, w.p)
		} else {
			err = w.st.Update(ctx, w.p)
		}
		if err != nil {
			return err
		}
		out, err = s.state(ctx, tx, w.c, w.p)
		return err
	})
	return out, err
}

// Get answers the petition state of a case in the actor's scope; a case
// not on the track yet is "registered".
func (s *Service) Get(ctx context.Context, actor kernel.Actor, no string) (*State, error) {
	var out *State
	err := s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		c, err := s.Cases.Store.WithTx(tx).CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		p, err := s.Store.WithTx(tx).Get(ctx, c.ID)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			p, err = &Petition{CaseID: c.ID, Stage: StageRegistered}, nil
		}
		if err != nil {
			return err
		}
		out, err = s.state(ctx, tx, c, p)
		return err
	})
	return out, err
}

// Targets lists the units a petition may be transferred to: the active
// units of the case's region and of every region above it (their staff see
// the case), nearest first, without the staff member's own unit — the
// transfer form's choices; Transfer checks the same again.
func (s *Service) Targets(ctx context.Context, who Staff, no string) ([]*units.Unit, error) {
	c, err := s.Cases.Store.CaseByNo(ctx, no, who.Scope())
	if err != nil {
		return nil, err
	}
	list, err := s.Units.InRegions(ctx, kernel.RegionAncestors(c.RegionCode))
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, u := range list {
		if u.Active && u.ID != who.UnitID {
			out = append(out, u)
		}
	}
	// Nearest first (the deeper the region, the nearer the case), then by name.
	sort.SliceStable(out, func(i, j int) bool {
		if li, lj := kernel.RegionLevel(out[i].RegionCode), kernel.RegionLevel(out[j].RegionCode); li != lj {
			return li > lj
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Errors of the steps.
func errStage(p *Petition, what string) error {
	return kernel.Errorf(kernel.EConflict, "信访事项当前环节为“%s”，不能%s", stageLabels[p.Stage], what)
}

var stageLabels = map[Stage]string{
	StageRegistered: "已登记", StageClassified: "已分类", StageRouted: "已导入法定途径", StageTransferred: "已转送/交办",
	StageObjected: "已退回（有异议）", StageAccepted: "已受理", StageDeclined: "不予受理", StageReplied: "已出具处理意见",
	StageReviewApplied: "复查中", StageReviewDecided: "已复查", StageReReviewApplied: "复核中",
	StageReReviewDecided: "已复核", StageNotAccepted: "不再受理", StageTerminated: "已终结",
}

// Label is the stage's Chinese name.
func (s Stage) Label() string { return stageLabels[s] }

// unit returns a unit by id.
func (s *Service) unit(ctx context.Context, tx kernel.Tx, id int64) (*units.Unit, error) {
	u, err := s.Units.WithTx(tx).Unit(ctx, id)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil, kernel.FieldError("unit_id", "机构不存在")
	}
	return u, err
}

// handler checks that the staff member is in a handling role (window clerk,
// mediator, supervisor) and not a party to the matter (art. 28: 回避).
func (w *work) handler(ctx context.Context) error {
	if w.who.System {
		return nil
	}
	if !w.who.Role.Handles() {
		return kernel.Errorf(kernel.EForbidden, "当前角色（%s）不能办理信访事项", w.who.Role.Label())
	}
	return w.recuse(ctx)
}

// recuse refuses a staff member named as a party of the case (art. 28).
func (w *work) recuse(ctx context.Context) error {
	if w.who.Name == "" {
		return nil
	}
	if err := w.cs.Store.LoadDetails(ctx, w.c); err != nil {
		return err
	}
	for _, p := range w.c.Parties {
		if p.Kind == cases.KindPerson && strings.TrimSpace(p.Name) == w.who.Name {
			return kernel.Errorf(kernel.EForbidden, "您是本信访事项的当事人，应当回避（《信访工作条例》第二十八条）")
		}
	}
	return nil
}

// member checks that the staff member belongs to unit id (the responsible
// unit of the petition) in a handling role.
func (w *work) member(ctx context.Context, id *int64, what string) error {
	if w.who.System {
		return nil
	}
	if id == nil || w.who.UnitID != *id {
		return kernel.Errorf(kernel.EForbidden, "只有承办单位的工作人员可以%s", what)
	}
	return w.handler(ctx)
}

// office checks that the staff member belongs to a petition office.
func (w *work) office(ctx context.Context, what string) (*units.Unit, error) {
	if w.who.UnitID == 0 {
		return nil, kernel.Errorf(kernel.EForbidden, "只有信访部门的工作人员可以%s", what)
	}
	u, err := w.s.unit(ctx, w.tx, w.who.UnitID)
	if err != nil {
		return nil, err
	}
	if u.Kind != units.KindPetitionOffice {
		return nil, kernel.Errorf(kernel.EForbidden, "只有信访部门的工作人员可以%s", what)
	}
	return u, w.handler(ctx)
}

func text(field, s string, required bool, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && required {
		return "", kernel.FieldError(field, "不能为空")
	}
	if utf8.RuneCountInString(s) > max {
		return "", kernel.FieldError(field, fmt.Sprintf("长度不能超过%d个字符", max))
	}
	return s, nil
}

// Classify classifies the petition (arts. 29–31). A 申诉求决 matter that
// belongs to a legal procedure (legalRoute: 诉讼, 仲裁, 行政复议, 其他法定途径)
// is routed there with a notice to the petitioner (诉访分离).
func (s *Service) Classify(ctx context.Context, who Staff, no string, class Class, legalRoute, note string) (*State, error) {
	if !class.Valid() {
		return nil, kernel.FieldError("class", "应为 建议意见、检举控告 或 申诉求决")
	}
	legalRoute = strings.TrimSpace(legalRoute)
	if legalRoute != "" && (class != ClassClaim || !legalRoutes[legalRoute]) {
		return nil, kernel.FieldError("legal_route", "只有申诉求决类事项可以导入诉讼、仲裁、行政复议或其他法定途径")
	}
	note, err := text("note", note, false, 2000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if w.p.Stage != StageRegistered && w.p.Stage != StageClassified && w.p.Stage != StageObjected {
			return errStage(w.p, "分类")
		}
		if _, err := w.office(ctx, "对信访事项分类"); err != nil {
			return err
		}
		w.p.Class, w.p.LegalRoute = class, legalRoute
		if legalRoute != "" {
			w.p.Stage = StageRouted
			if _, err := w.event(ctx, EventRouted, note, map[string]any{"class": string(class), "legal_route": legalRoute,
				"notice": fmt.Sprintf("您反映的事项属于%s解决范围，请依照有关法律、行政法规规定的程序向有关机关提出。", legalRoute)}); err != nil {
				return err
			}
			if w.c.Status == cases.StatusRegistered {
				return w.transition(ctx, cases.StatusRejected, "诉访分离：导入"+legalRoute+"途径", nil)
			}
			return nil
		}
		if w.p.Stage == StageRegistered {
			w.p.Stage = StageClassified
		}
		_, err := w.event(ctx, EventClassified, note, map[string]any{"class": string(class)})
		return err
	})
}

// Transfer sends the petition to the responsible unit (转送 or 交办, art. 22)
// and starts its notify clock (15 days, art. 23). A denunciation is never
// sent to the unit it denounces (art. 30).
func (s *Service) Transfer(ctx context.Context, who Staff, no string, toUnitID int64, kind, note string) (*State, error) {
	if kind != "转送" && kind != "交办" {
		return nil, kernel.FieldError("kind", "应为 转送 或 交办")
	}
	if toUnitID <= 0 {
		return nil, kernel.FieldError("to_unit_id", "请选择承办单位")
	}
	note, err := text("note", note, false, 2000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		switch w.p.Stage {
		case StageClassified, StageObjected:
		case StageRegistered:
			return kernel.Errorf(kernel.EConflict, "请先对信访事项分类，再转送或交办")
		default:
			return errStage(w.p, "转送或交办")
		}
		from, err := w.office(ctx, "转送或交办信访事项")
		if err != nil {
			return err
		}
		to, err := s.unit(ctx, w.tx, toUnitID)
		if err != nil {
			return kernel.FieldError("to_unit_id", "机构不存在")
		}
		if !to.Active {
			return kernel.FieldError("to_unit_id", "机构已停用")
		}
		if to.ID == from.ID {
			return kernel.FieldError("to_unit_id", "不能转送给本单位")
		}
		// The receiving unit's staff must see the case: its region contains
		// the case's (the same county, its city, the province) — a unit of a
		// sibling county or another city could not act on it.
		if !kernel.InRegion(w.c.RegionCode, to.RegionCode) {
			return kernel.FieldError("to_unit_id", fmt.Sprintf("承办单位（%s）不在该信访事项所在地区或其上级地区，无法办理", to.Name))
		}
		if w.p.Class == ClassDenunciation {
			if err := w.cs.Store.LoadDetails(ctx, w.c); err != nil {
				return err
			}
			for _, p := range w.c.Parties {
				if p.Role == cases.RoleRespondent && denounces(p.Name, to.Name) {
					return kernel.Errorf(kernel.EConflict, "检举控告事项不得转送被检举控告的单位（%s）（《信访工作条例》第三十条）", to.Name)
				}
			}
		}
		w.p.Stage, w.p.TransferKind = StageTransferred, kind
		w.p.FromUnitID, w.p.UnitID = &from.ID, &to.ID
		w.p.TransferredAt = ptr(w.now)
		k, err := s.Clocks.StartIn(ctx, w.tx, w.c.ID, Notify, w.now)
		if err != nil {
			return err
		}
		_, err = w.event(ctx, EventTransferred, note, map[string]any{"kind": kind, "from_unit_id": from.ID,
			"from_unit": from.Name, "to_unit_id": to.ID, "to_unit": to.Name, "clock": string(Notify), "due": k.Due})
		return err
	})
}

// denounces reports whether a respondent's name names the unit (either
// contains the other, ignoring blanks).
func denounces(respondent, unit string) bool {
	r, u := strings.Join(strings.Fields(respondent), ""), strings.Join(strings.Fields(unit), "")
	if utf8.RuneCountInString(r) < 2 || u == "" {
		return false
	}
	return strings.Contains(u, r) || strings.Contains(r, u)
}

// Object sends the petition back to the sender: the receiving unit is not
// responsible; within 5 working days of the transfer, with reasons.
func (s *Service) Object(ctx context.Context, who Staff, no, reason string) (*State, error) {
	reason, err := text("reason", reason, true, 2000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if w.p.Stage != StageTransferred {
			return errStage(w.p, "提出异议")
		}
		if err := w.member(ctx, w.p.UnitID, "提出异议"); err != nil {
			return err
		}
		last, err := s.Calendar.Deadline(calendar.DateOf(*w.p.TransferredAt), ObjectWorkingDays, calendar.WorkingDays)
		if err != nil {
			return err
		}
		if calendar.DateOf(w.now).After(last) {
			return kernel.Errorf(kernel.EConflict, "异议应在收到转送、交办之日起5个工作日内提出（截至%s）", last)
		}
		if _, err := s.Clocks.StopIn(ctx, w.tx, w.c.ID, Notify, w.now, true); err != nil {
			return err
		}
		objector := *w.p.UnitID
		w.p.UnitID, w.p.FromUnitID = w.p.FromUnitID, &objector
		w.p.Stage = StageObjected
		_, err = w.event(ctx, EventObjected, reason, map[string]any{"unit_id": objector, "back_to_unit_id": *w.p.UnitID,
			"object_by": last.String()})
		return err
	})
}

// Accept accepts the petition in the responsible unit. A case still
// registered in the core becomes accepted through the case service, which
// starts the handling clock (60 days, art. 34) in the same unit of work. A
// case the core already accepted or is handling (accepted, in progress,
// suspended) keeps its status — the core allows accepted only from
// registered — and the handling clock is (re)started at this acceptance:
// the 60 days of art. 34 run from the petition's acceptance, not from the
// core's earlier one. A case the core has closed (resolved, visited,
// closed, rejected, merged) is refused: reopen it (重新办理) first.
func (s *Service) Accept(ctx context.Context, who Staff, no, note string) (*State, error) {
	note, err := text("note", note, false, 2000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if w.p.Stage != StageTransferred {
			return errStage(w.p, "受理")
		}
		if err := w.member(ctx, w.p.UnitID, "受理"); err != nil {
			return err
		}
		switch w.c.Status {
		case cases.StatusRegistered, cases.StatusAccepted, cases.StatusInProgress, cases.StatusSuspended:
		default:
			return kernel.Errorf(kernel.EConflict, "案件当前状态为“%s”，不能受理信访事项；如需重新办理，请先重新办理该案件", w.c.Status.Label())
		}
		k, err := s.Clocks.StopIn(ctx, w.tx, w.c.ID, Notify, w.now, false)
		if err != nil {
			return err
		}
		data := map[string]any{"unit_id": *w.p.UnitID, "notify_clock": string(k.Status),
			"notice": "您的信访事项已受理，将在60日内办结。"}
		if w.c.Status == cases.StatusRegistered {
			if err := w.transition(ctx, cases.StatusAccepted, note, nil); err != nil {
				return err
			}
		} else {
			h, err := s.Clocks.StartIn(ctx, w.tx, w.c.ID, clocks.Handling, w.now)
			if err != nil {
				return err
			}
			if w.c.Status == cases.StatusSuspended {
				// The case is suspended (中止) in the core: its handling time
				// does not run until the core resumes it.
				if h, err = s.Clocks.PauseIn(ctx, w.tx, w.c.ID, clocks.Handling, w.now, "案件中止"); err != nil {
					return err
				}
			}
			// Keep the case's cached handling due in step with the clock.
			due := h.Due
			w.c.HandleDue, w.c.UpdatedAt = &due, w.now
			if err := w.cs.Store.UpdateCase(ctx, w.c); err != nil {
				return err
			}
			data["clock"], data["due"], data["case_status_kept"] = string(clocks.Handling), h.Due, string(w.c.Status)
		}
		w.p.Stage, w.p.AcceptedAt = StageAccepted, ptr(w.now)
		_, err = w.event(ctx, EventAccepted, note, data)
		return err
	})
}

// Decline does not accept the petition, with the reason told to the
// petitioner. A case still registered in the core becomes rejected. A case
// the core already accepted or is handling (or has closed) keeps its
// status: the core allows rejected only from registered, and the decision
// is about the petition track, not about the matter the core is handling
// (e.g. a dispute accepted for mediation), so the decline is recorded on
// the petition and the timeline only and the core's handling goes on.
func (s *Service) Decline(ctx context.Context, who Staff, no, reason string) (*State, error) {
	reason, err := text("reason", reason, true, 2000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if w.p.Stage != StageTransferred {
			return errStage(w.p, "不予受理")
		}
		if err := w.member(ctx, w.p.UnitID, "决定不予受理"); err != nil {
			return err
		}
		if _, err := s.Clocks.StopIn(ctx, w.tx, w.c.ID, Notify, w.now, false); err != nil {
			return err
		}
		data := map[string]any{"unit_id": *w.p.UnitID}
		if w.c.Status == cases.StatusRegistered {
			if err := w.transition(ctx, cases.StatusRejected, reason, nil); err != nil {
				return err
			}
		} else {
			data["case_status_kept"] = string(w.c.Status)
		}
		w.p.Stage = StageDeclined
		_, err := w.event(ctx, EventDeclined, reason, data)
		return err
	})
}

// Extend lengthens the handling clock once, by up to 30 days, with the
// approver and a reason told to the petitioner (art. 34): 60 + 30 = 90
// days from acceptance, rolled over once at its end.
func (s *Service) Extend(ctx context.Context, who Staff, no string, days int, reason, approvedBy string) (*State, error) {
	if days < 1 || days > MaxExtensionDays {
		return nil, kernel.FieldError("days", "延长天数应为1至30日")
	}
	reason, err := text("reason", reason, true, 500)
	if err != nil {
		return nil, err
	}
	if approvedBy, err = text("approved_by", approvedBy, true, 100); err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if w.p.Stage != StageAccepted {
			return errStage(w.p, "延长办理期限")
		}
		if w.p.Extended {
			return kernel.Errorf(kernel.EConflict, "办理期限只能延长一次（《信访工作条例》第三十四条）")
		}
		if err := w.member(ctx, w.p.UnitID, "延长办理期限"); err != nil {
			return err
		}
		k, err := s.Clocks.ExtendIn(ctx, w.tx, w.c.ID, clocks.Handling, days, calendar.CalendarDays, reason, approvedBy, w.now)
		if err != nil {
			return err
		}
		w.p.Extended = true
		_, err = w.event(ctx, EventExtended, reason, map[string]any{"days": days, "approved_by": approvedBy,
			"clock": string(clocks.Handling), "due": k.Due,
			"notice": fmt.Sprintf("因%s，您的信访事项办理期限延长%d日，至%s。", reason, days, calendar.DateOf(k.Due))})
		return err
	})
}

// Reply issues the 处理意见书 (art. 32) as a case document and resolves the
// case (the handling clock stops); the 复查 application clock starts.
func (s *Service) Reply(ctx context.Context, who Staff, no, result, facts, basis string) (*State, error) {
	label, ok := replyResults[result]
	if !ok {
		return nil, kernel.FieldError("result", "应为 support、explain 或 not_support")
	}
	facts, err := text("facts", facts, true, 5000)
	if err != nil {
		return nil, err
	}
	if basis, err = text("basis", basis, true, 5000); err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if w.p.Stage != StageAccepted {
			return errStage(w.p, "出具处理意见书")
		}
		if err := w.member(ctx, w.p.UnitID, "出具处理意见书"); err != nil {
			return err
		}
		u, err := s.unit(ctx, w.tx, *w.p.UnitID)
		if err != nil {
			return err
		}
		if err := w.cs.Store.LoadDetails(ctx, w.c); err != nil {
			return err
		}
		pdf, err := s.Docs.Render(documents.Sheet{Kind: KindReply, CaseNo: w.c.No, Date: w.now,
			Paragraphs: []string{
				applicantLine(w.c) + "：",
				"　　你（们）反映的“" + w.c.Subject + "”信访事项（编号" + w.c.No + "），本机关已于" +
					documents.ChineseDate(*w.p.AcceptedAt) + "受理。现将处理意见告知如下：",
				"## 一、查明的事实", "　　" + facts,
				"## 二、处理依据", "　　" + basis,
				"## 三、处理意见", "　　" + label + "。",
				"　　如对本处理意见不服，可以自收到本意见书之日起30日内请求原办理机关的上一级机关复查（《信访工作条例》第三十五条）。",
			},
			Sign: []string{u.Name}})
		if err != nil {
			return err
		}
		for _, to := range []cases.Status{cases.StatusInProgress, cases.StatusResolved} {
			if w.c.Status.CanTransition(to) {
				// 化解成功率: a reply that supports the request or explains
				// it counts as resolved successfully, one that does not
				// support it does not.
				var extra map[string]any
				if to == cases.StatusResolved {
					extra = map[string]any{"resolution_success": result != "not_support"}
				}
				if err := w.transition(ctx, to, "出具处理意见书："+label, extra); err != nil {
					return err
				}
			}
		}
		k, err := s.Clocks.StartIn(ctx, w.tx, w.c.ID, ReviewApply, w.now)
		if err != nil {
			return err
		}
		e, err := w.event(ctx, EventReplied, label, map[string]any{"result": result, "unit_id": u.ID,
			"clock": string(ReviewApply), "due": k.Due})
		if err != nil {
			return err
		}
		if _, err := s.Docs.Save(ctx, w.tx, w.c.ID, KindReply, pdf, w.who.Actor, e.ID); err != nil {
			return err
		}
		w.p.Stage, w.p.ReplyResult, w.p.RepliedAt = StageReplied, result, ptr(w.now)
		w.p.DecidedUnitID, w.p.DecidedAt = &u.ID, ptr(w.now)
		return nil
	})
}

func applicantLine(c *cases.Case) string {
	var names []string
	for _, p := range c.Parties {
		if p.Role == cases.RoleApplicant && p.Name != "" {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return "信访人"
	}
	return strings.Join(names, "、")
}

// reviewKinds are the clocks of a level: application, decision.
func reviewKinds(level string) (apply, decide clocks.Kind) {
	if level == LevelReReview {
		return ReReviewApply, ReReviewDecide
	}
	return ReviewApply, ReviewDecide
}

// Apply records the petitioner's application for 复查 (level review, within
// 30 days of receiving the reply, art. 35) or 复核 (re_review, within 30
// days of receiving the review decision, art. 36); any staff with the case
// in scope may record it on their behalf. A late application is refused.
func (s *Service) Apply(ctx context.Context, who Staff, no, level, receivedOn string) (*State, error) {
	if level != LevelReview && level != LevelReReview {
		return nil, kernel.FieldError("level", "应为 review 或 re_review")
	}
	received, err := calendar.ParseDate(strings.TrimSpace(receivedOn))
	if err != nil {
		return nil, kernel.FieldError("received_reply_on", "日期格式应为 YYYY-MM-DD")
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		want, since := StageReplied, w.p.RepliedAt
		if level == LevelReReview {
			want, since = StageReviewDecided, w.p.DecidedAt
		}
		if w.p.Stage != want {
			return errStage(w.p, map[string]string{LevelReview: "申请复查", LevelReReview: "申请复核"}[level])
		}
		if received.After(calendar.DateOf(w.now)) || (since != nil && received.Before(calendar.DateOf(*since))) {
			return kernel.FieldError("received_reply_on", "收到日期应在出具意见之日与今天之间")
		}
		apply, decide := reviewKinds(level)
		k, err := s.Clocks.StartIn(ctx, w.tx, w.c.ID, apply, received.StartOfDay())
		if err != nil {
			return err
		}
		if w.now.After(k.Due) {
			return kernel.Errorf(kernel.EConflict, "已超过申请期限：应自收到意见之日起30日内提出（截至%s）",
				calendar.DateOf(k.Due))
		}
		if _, err := s.Clocks.StopIn(ctx, w.tx, w.c.ID, apply, w.now, false); err != nil {
			return err
		}
		d, err := s.Clocks.StartIn(ctx, w.tx, w.c.ID, decide, w.now)
		if err != nil {
			return err
		}
		w.p.Stage, w.p.ReviewLevel, w.p.ReviewResult, w.p.Hearing = StageReviewApplied, level, "", false
		if level == LevelReReview {
			w.p.Stage = StageReReviewApplied
		}
		_, err = w.event(ctx, EventReviewApplied, "", map[string]any{"level": level, "received_reply_on": received.String(),
			"apply_due": k.Due, "clock": string(decide), "due": d.Due})
		return err
	})
}

// Decide records the 复查 or 复核 decision, by staff of a unit whose region
// is one level above the unit that decided before (county → city →
// province). After 复查 the 复核 application clock starts.
func (s *Service) Decide(ctx context.Context, who Staff, no, result, note string) (*State, error) {
	label, ok := reviewResults[result]
	if !ok {
		return nil, kernel.FieldError("result", "应为 uphold 或 revise")
	}
	note, err := text("note", note, false, 5000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if w.p.Stage != StageReviewApplied && w.p.Stage != StageReReviewApplied {
			return errStage(w.p, "作出复查、复核意见")
		}
		if w.p.DecidedUnitID == nil {
			return kernel.Errorf(kernel.EConflict, "没有原处理机关，不能复查")
		}
		prev, err := s.unit(ctx, w.tx, *w.p.DecidedUnitID)
		if err != nil {
			return err
		}
		if w.who.UnitID == 0 {
			return errLevel
		}
		mine, err := s.unit(ctx, w.tx, w.who.UnitID)
		if err != nil {
			return err
		}
		if kernel.RegionLevel(mine.RegionCode) != kernel.RegionLevel(prev.RegionCode)-1 ||
			!kernel.InRegion(prev.RegionCode, mine.RegionCode) {
			return errLevel
		}
		if err := w.handler(ctx); err != nil {
			return err
		}
		_, decide := reviewKinds(w.p.ReviewLevel)
		k, err := s.Clocks.StopIn(ctx, w.tx, w.c.ID, decide, w.now, false)
		if err != nil {
			return err
		}
		if err := w.cs.Store.LoadDetails(ctx, w.c); err != nil {
			return err
		}
		pdf, err := s.Docs.Render(decisionSheet(w, prev.Name, mine.Name, label, note))
		if err != nil {
			return err
		}
		data := map[string]any{"level": w.p.ReviewLevel, "result": result, "unit_id": mine.ID, "unit": mine.Name,
			"clock_status": string(k.Status)}
		w.p.ReviewResult, w.p.DecidedUnitID, w.p.DecidedAt, w.p.Hearing = result, &mine.ID, ptr(w.now), false
		if w.p.ReviewLevel == LevelReview {
			w.p.Stage = StageReviewDecided
			a, err := s.Clocks.StartIn(ctx, w.tx, w.c.ID, ReReviewApply, w.now)
			if err != nil {
				return err
			}
			data["next_clock"], data["next_due"] = string(ReReviewApply), a.Due
		} else {
			w.p.Stage = StageReReviewDecided
		}
		kind := KindReviewDecision
		if w.p.ReviewLevel == LevelReReview {
			kind = KindReReviewDecision
		}
		e, err := w.event(ctx, EventReviewDecided, strings.TrimSpace(label+"。"+note), data)
		if err != nil {
			return err
		}
		_, err = s.Docs.Save(ctx, w.tx, w.c.ID, kind, pdf, w.who.Actor, e.ID)
		return err
	})
}

// decisionSheet is the 复查意见书 or 复核意见书: what was reviewed, the
// decision and its reasons, and what the petitioner may do next — 复核
// within 30 days after a 复查 (art. 35), nothing after a 复核 (art. 36).
func decisionSheet(w *work, prevUnit, unit, label, note string) documents.Sheet {
	kind, what, next := KindReviewDecision, "复查", "　　如对本复查意见不服，可以自收到本意见书之日起30日内向复查机关的上一级机关请求复核（《信访工作条例》第三十六条）。"
	if w.p.ReviewLevel == LevelReReview {
		kind, what, next = KindReReviewDecision, "复核", "　　本复核意见为最终意见。信访人对复核意见不服，仍以同一事实和理由提出信访事项的，各级机关不再受理（《信访工作条例》第三十六条）。"
	}
	earlier := "处理意见"
	if what == "复核" {
		earlier = "复查意见"
	}
	paras := []string{
		applicantLine(w.c) + "：",
		"　　你（们）不服" + prevUnit + "就“" + w.c.Subject + "”信访事项（编号" + w.c.No + "）作出的" + earlier +
			"，请求" + what + "。本机关经" + what + "，意见如下：",
		"## " + what + "意见", "　　" + label + "。",
	}
	if note != "" {
		paras = append(paras, "## 理由", "　　"+note)
	}
	paras = append(paras, next)
	return documents.Sheet{Kind: kind, CaseNo: w.c.No, Date: w.now, Paragraphs: paras, Sign: []string{unit}}
}

var errLevel = kernel.Errorf(kernel.EForbidden, "复查、复核应由原处理机关上一级机关的工作人员办理")

// Hearing starts or ends a hearing (听证) of a 复核: its time does not count
// (art. 36), a pause of the re_review_decide clock.
func (s *Service) Hearing(ctx context.Context, who Staff, no string, start bool, note string) (*State, error) {
	note, err := text("note", note, false, 2000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if w.p.Stage != StageReReviewApplied {
			return errStage(w.p, "组织听证")
		}
		if err := w.handler(ctx); err != nil {
			return err
		}
		if start == w.p.Hearing {
			if start {
				return kernel.Errorf(kernel.EConflict, "听证已在进行中")
			}
			return kernel.Errorf(kernel.EConflict, "没有进行中的听证")
		}
		var k *clocks.Clock
		kind := EventHearingStarted
		if start {
			k, err = s.Clocks.PauseIn(ctx, w.tx, w.c.ID, ReReviewDecide, w.now, "听证："+note)
		} else {
			kind = EventHearingEnded
			k, err = s.Clocks.ResumeIn(ctx, w.tx, w.c.ID, ReReviewDecide, w.now)
		}
		if err != nil {
			return err
		}
		w.p.Hearing = start
		_, err = w.event(ctx, kind, note, map[string]any{"clock": string(ReReviewDecide), "due": k.Due})
		return err
	})
}

// Representative adds a representative of a group petition as a party of
// the case: at most 5 (art. 20). Representatives are chosen when people
// come together, usually before the petition office classifies the matter,
// so they are recorded on a case not on the track yet without putting it
// there (the classification does).
func (s *Service) Representative(ctx context.Context, who Staff, no string, p cases.Person) (*State, error) {
	name, err := text("name", p.Name, true, cases.MaxName)
	if err != nil {
		return nil, err
	}
	return s.stepAside(ctx, who, no, func(ctx context.Context, w *work) error {
		if err := who.Require(kernel.PermRegister); err != nil {
			return err
		}
		if err := w.cs.Store.LoadDetails(ctx, w.c); err != nil {
			return err
		}
		n := 0
		for _, x := range w.c.Parties {
			if x.Role == cases.RoleRepresentative {
				n++
			}
		}
		if n >= MaxRepresentatives {
			return kernel.Errorf(kernel.EConflict, "多人提出同一信访事项的，推选代表不得超过%d人（《信访工作条例》第二十条）", MaxRepresentatives)
		}
		party := &cases.Party{CaseID: w.c.ID, Role: cases.RoleRepresentative, Kind: cases.KindPerson, Name: name,
			IDNumber: p.IDNumber, Phone: p.Phone}
		if len(w.c.Intakes) > 0 {
			party.IntakeID = w.c.Intakes[0].ID
		}
		if err := w.cs.Store.CreateParty(ctx, party); err != nil {
			return err
		}
		_, err := w.event(ctx, EventRepresentative, name, map[string]any{"representatives": n + 1})
		return err
	})
}
