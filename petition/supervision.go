package petition

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/staff"
)

// Leaders and supervision (领导包案, 催办, 督办, 挂牌督办, 黄牌, 逐级督办).

// Supervision defaults; both are configuration (JIEFEN_PETITION_SUPERVISION).
const (
	// DefaultRemindDays: 催办 when a clock is due within this many working days.
	DefaultRemindDays = 3
	// DefaultEscalateDays: a case overdue by this many working days is
	// escalated to the supervisors of the next region up.
	DefaultEscalateDays = 5
	// YellowCardListings: a unit listed (挂牌督办) this many times within a
	// year gets a 黄牌 warning.
	YellowCardListings = 2
	// DefaultSweepBatch: rows one sweep takes of each list (Service.SweepBatch).
	DefaultSweepBatch = 500
)

// Events of leaders and supervision.
const (
	EventOwned              = "petition_owned"                // 包案
	EventReminder           = "petition_reminder"             // 催办
	EventSupervised         = "petition_supervised"           // 督办 / 挂牌督办
	EventSupervisionFeed    = "petition_supervision_feedback" // the unit's written feedback
	EventSupervisionOverdue = "petition_supervision_overdue"  // 督办 deadline passed without feedback
	EventYellowCard         = "petition_yellow_card"          // 黄牌
	EventEscalated          = "petition_escalated"            // to the next region's supervisors
	EventTerminated         = "petition_terminated"           // 终结
	EventCare               = "petition_care"                 // 疏导 / 帮扶
	EventCampaignTagged     = "petition_campaign_tagged"      // 专项行动
	EventCampaignUntagged   = "petition_campaign_untagged"
)

// Marks of the sweep and of listings: each written once (UNIQUE (case,
// kind, ref)); the one insert that takes writes the event.
const (
	MarkReminder   = "reminder"
	MarkEscalation = "escalation"
	MarkSupOverdue = "sup_overdue"
	MarkYellowCard = "yellow_card"
)

// StaffClocks are the clocks that time staff's work (the application
// clocks time the petitioner's): 催办 and escalation watch them.
var StaffClocks = []clocks.Kind{Notify, clocks.Handling, ReviewDecide, ReReviewDecide}

// Owner is a leader's 包案 of a case.
type Owner struct {
	CaseID     int64
	LeaderID   int64
	LeaderName string
	TargetOn   string // YYYY-MM-DD
	Note       string
	CreatedAt  time.Time
}

// Supervision is a 督办 (Listed: 挂牌督办, its deadline public).
type Supervision struct {
	ID         int64
	CaseID     int64
	UnitID     int64
	Listed     bool
	DeadlineOn string // YYYY-MM-DD
	DeadlineAt time.Time
	Note       string
	ByID       int64
	ByName     string
	RegionCode string // the supervisor's region
	CreatedAt  time.Time
	Feedback   string
	FeedbackBy string
	FeedbackAt *time.Time
}

// Mark is one thing the sweep or a listing did, once.
type Mark struct {
	CaseID     int64
	Kind       string
	Ref        string
	UnitID     *int64
	RegionCode string
	At         time.Time
}

// WatchedClock is a staff clock of a case on the track, for the sweep.
type WatchedClock struct {
	ClockID    int64
	CaseID     int64
	CaseNo     string
	Kind       clocks.Kind
	Due        time.Time
	Status     clocks.Status
	UnitID     *int64
	RegionCode string // the case's
}

// OwnedCase is a row of a leader's list.
type OwnedCase struct {
	Owner
	CaseNo  string
	Subject string
	Status  cases.Status
	Stage   Stage
}

// Listing is a public 挂牌督办 entry.
type Listing struct {
	CaseNo     string    `json:"case_no"`
	UnitID     int64     `json:"unit_id"`
	UnitName   string    `json:"unit_name"`
	DeadlineOn string    `json:"deadline"`
	ListedAt   time.Time `json:"listed_at"`
	Answered   bool      `json:"answered"`
}

// SupervisionStore keeps owners, supervisions and marks.
type SupervisionStore interface {
	WithTx(tx kernel.Tx) SupervisionStore
	Owner(ctx context.Context, caseID int64) (*Owner, error)
	// SetOwner writes the case's owner, replacing an earlier one.
	SetOwner(ctx context.Context, o *Owner) error
	OwnedBy(ctx context.Context, leaderID int64) ([]OwnedCase, error)
	CreateSupervision(ctx context.Context, sv *Supervision) error
	Supervisions(ctx context.Context, caseID int64) ([]*Supervision, error)
	// AnswerSupervision saves feedback on supervision id if it has none
	// yet: false when it had.
	AnswerSupervision(ctx context.Context, id int64, feedback, by string, at time.Time) (bool, error)
	// Listings counts a unit's listed supervisions created in [from, to].
	Listings(ctx context.Context, unitID int64, from, to time.Time) (int, error)
	// Listed lists the listed supervisions, newest first.
	Listed(ctx context.Context, limit int) ([]Listing, error)
	// OpenSupervisions lists supervisions without feedback whose deadline
	// is before to and without the mark the sweep at now writes for them
	// (MarkSupOverdue "supervision:ID" once the deadline is before now,
	// else MarkReminder "supervision:ID"): those already handled do not
	// crowd out the rest.
	OpenSupervisions(ctx context.Context, now, to time.Time, limit int) ([]*Supervision, error)
	// AddMark inserts a mark unless one with its (case, kind, ref) exists:
	// true when this call inserted it.
	AddMark(ctx context.Context, m *Mark) (bool, error)
	// HasMark reports whether a case has a mark of kind.
	HasMark(ctx context.Context, caseID int64, kind string) (bool, error)
	// DueClocks lists running staff clocks of cases on the track (stage
	// not ended) with a due in [from, to] and no MarkReminder of their
	// kind and due day ("kind@YYYY-MM-DD", the day in China).
	DueClocks(ctx context.Context, kinds []clocks.Kind, from, to time.Time, limit int) ([]WatchedClock, error)
	// OverdueClocks lists running or missed, not ended, staff clocks of
	// cases on the track with a due before to and no escalation mark.
	OverdueClocks(ctx context.Context, kinds []clocks.Kind, to time.Time, limit int) ([]WatchedClock, error)
}

// ended stages: the track is over (no reminders, no escalation).
var EndedStages = []Stage{StageRouted, StageDeclined, StageReReviewDecided, StageNotAccepted, StageTerminated}

// nextSteps is what comes next at each stage (the leader's list).
var nextSteps = map[Stage]string{
	StageRegistered: "信访部门分类", StageClassified: "转送或交办承办单位", StageRouted: "引导至法定途径",
	StageTransferred: "承办单位受理、不予受理或提出异议", StageObjected: "信访部门重新转送、交办",
	StageAccepted: "办理并出具处理意见书", StageDeclined: "已告知不予受理",
	StageReplied: "信访人可在30日内申请复查", StageReviewApplied: "上一级机关作出复查意见",
	StageReviewDecided: "信访人可在30日内申请复核", StageReReviewApplied: "上一级机关作出复核意见",
	StageReReviewDecided: "终结；做好疏导、帮扶", StageNotAccepted: "不再受理；做好疏导、帮扶",
	StageTerminated: "已终结；做好疏导、帮扶",
}

// NextStep is what comes next at stage s.
func (s Stage) NextStep() string { return nextSteps[s] }

func parseDay(field, v string) (calendar.Date, error) {
	d, err := calendar.ParseDate(strings.TrimSpace(v))
	if err != nil || !d.IsValid() {
		return calendar.Date{}, kernel.FieldError(field, "日期格式应为 YYYY-MM-DD")
	}
	return d, nil
}

// Own records a leader's 包案 of the case with a target date: an
// ownership of its own, beside the handler assignment. A later 包案
// replaces it. Leaders take ownership of serious ordinary disputes too
// (领导包案化解矛盾纠纷), so 包案 of a case not on the petition track is
// recorded as it is — owner and timeline event — without putting the case
// on the track (no petitions row: it does not match petition_stage filters
// nor the supervision sweep).
func (s *Service) Own(ctx context.Context, who Staff, no, targetOn, note string) (*State, error) {
	if who.Role != kernel.RoleLeader {
		return nil, kernel.Errorf(kernel.EForbidden, "只有领导可以包案")
	}
	target, err := parseDay("target_on", targetOn)
	if err != nil {
		return nil, err
	}
	if note, err = text("note", note, false, 2000); err != nil {
		return nil, err
	}
	return s.stepAside(ctx, who, no, func(ctx context.Context, w *work) error {
		if target.Before(calendar.DateOf(w.now)) {
			return kernel.FieldError("target_on", "化解期限不能早于今天")
		}
		if err := w.recuse(ctx); err != nil {
			return err
		}
		o := &Owner{CaseID: w.c.ID, LeaderID: who.UserID, LeaderName: who.Name, TargetOn: target.String(),
			Note: note, CreatedAt: w.now}
		if err := s.Supervision.WithTx(w.tx).SetOwner(ctx, o); err != nil {
			return err
		}
		_, err := w.event(ctx, EventOwned, note, map[string]any{"leader_id": who.UserID, "leader": who.Name,
			"target_on": o.TargetOn})
		return err
	})
}

// LeaderCase is a row of a leader's 包案 list: the case, its stage and next
// step, its open clocks and supervision.
type LeaderCase struct {
	CaseNo     string        `json:"case_no"`
	Subject    string        `json:"subject"`
	Status     string        `json:"case_status"`
	Stage      Stage         `json:"stage"`
	StageLabel string        `json:"stage_label"`
	NextStep   string        `json:"next_step"`
	TargetOn   string        `json:"target_on"`
	TargetLate bool          `json:"target_overdue"`
	Supervised bool          `json:"supervised"`
	Clocks     []clocks.View `json:"clocks"`
}

// LeaderCases lists the cases the leader owns (包案), nearest target first.
func (s *Service) LeaderCases(ctx context.Context, actor kernel.Actor) ([]LeaderCase, error) {
	if actor.Role != kernel.RoleLeader {
		return nil, kernel.Errorf(kernel.EForbidden, "只有领导有包案清单")
	}
	list, err := s.Supervision.OwnedBy(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(s.Now())
	out := make([]LeaderCase, 0, len(list))
	for _, o := range list {
		lc := LeaderCase{CaseNo: o.CaseNo, Subject: o.Subject, Status: string(o.Status), Stage: o.Stage,
			StageLabel: o.Stage.Label(), NextStep: o.Stage.NextStep(), TargetOn: o.TargetOn, Clocks: []clocks.View{}}
		if d, err := calendar.ParseDate(o.TargetOn); err == nil && d.Before(today) && o.Status.Open() {
			lc.TargetLate = true
		}
		views, err := s.Clocks.ByCaseID(ctx, o.CaseID)
		if err != nil {
			return nil, err
		}
		for _, v := range views {
			if v.EndedAt == nil && v.Status != clocks.Cancelled && v.Status != clocks.Met {
				lc.Clocks = append(lc.Clocks, v)
			}
		}
		svs, err := s.Supervision.Supervisions(ctx, o.CaseID)
		if err != nil {
			return nil, err
		}
		lc.Supervised = supervised(svs)
		out = append(out, lc)
	}
	return out, nil
}

func supervised(svs []*Supervision) bool {
	for _, sv := range svs {
		if sv.FeedbackAt == nil || sv.Listed {
			return true
		}
	}
	return false
}

// Supervise records a 督办 of the case (listed: 挂牌督办, its deadline
// public) on its handling unit, with a deadline of its own and written
// feedback required from the unit. Supervisors and leaders whose region
// covers the case. A unit listed a second time within a year gets a 黄牌.
func (s *Service) Supervise(ctx context.Context, who Staff, no, deadlineOn, note string, listed bool) (*State, error) {
	if who.Role != kernel.RoleSupervisor && who.Role != kernel.RoleLeader && !who.System {
		return nil, kernel.Errorf(kernel.EForbidden, "只有督办负责人或领导可以督办")
	}
	deadline, err := parseDay("deadline", deadlineOn)
	if err != nil {
		return nil, err
	}
	if note, err = text("note", note, true, 2000); err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		if !deadline.After(calendar.DateOf(w.now)) {
			return kernel.FieldError("deadline", "督办期限应晚于今天")
		}
		if w.p.UnitID == nil || (w.p.Stage != StageTransferred && w.p.Stage != StageAccepted) {
			return errStage(w.p, "督办（应已转送、交办或受理）")
		}
		if err := w.recuse(ctx); err != nil {
			return err
		}
		u, err := s.unit(ctx, w.tx, *w.p.UnitID)
		if err != nil {
			return err
		}
		st := s.Supervision.WithTx(w.tx)
		sv := &Supervision{CaseID: w.c.ID, UnitID: u.ID, Listed: listed, DeadlineOn: deadline.String(),
			DeadlineAt: deadline.EndOfDay(), Note: note, ByID: who.UserID, ByName: who.Name,
			RegionCode: who.RegionCode, CreatedAt: w.now}
		if err := st.CreateSupervision(ctx, sv); err != nil {
			return err
		}
		label := "督办"
		if listed {
			label = "挂牌督办"
		}
		if _, err := w.event(ctx, EventSupervised, note, map[string]any{"supervision_id": sv.ID, "listed": listed,
			"unit_id": u.ID, "unit": u.Name, "deadline": sv.DeadlineOn, "kind": label,
			"notice": fmt.Sprintf("%s：请%s于%s前办结并书面反馈办理情况。", label, u.Name, sv.DeadlineOn)}); err != nil {
			return err
		}
		if !listed {
			return nil
		}
		n, err := st.Listings(ctx, u.ID, w.now.AddDate(-1, 0, 0), w.now)
		if err != nil || n < YellowCardListings {
			return err
		}
		took, err := st.AddMark(ctx, &Mark{CaseID: w.c.ID, Kind: MarkYellowCard, Ref: "supervision:" + strconv.FormatInt(sv.ID, 10),
			UnitID: &u.ID, RegionCode: u.RegionCode, At: w.now})
		if err != nil || !took {
			return err
		}
		_, err = w.event(ctx, EventYellowCard, fmt.Sprintf("黄牌警告：%s一年内第%d次被挂牌督办", u.Name, n),
			map[string]any{"unit_id": u.ID, "unit": u.Name, "listings": n})
		return err
	})
}

// Feedback records the handling unit's written feedback on the case's
// open supervision (the oldest without feedback).
func (s *Service) Feedback(ctx context.Context, who Staff, no, content string) (*State, error) {
	content, err := text("feedback", content, true, 5000)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		st := s.Supervision.WithTx(w.tx)
		svs, err := st.Supervisions(ctx, w.c.ID)
		if err != nil {
			return err
		}
		var open *Supervision
		for _, sv := range svs {
			if sv.FeedbackAt == nil {
				open = sv
				break
			}
		}
		if open == nil {
			return kernel.Errorf(kernel.EConflict, "该信访事项没有待反馈的督办")
		}
		if err := w.member(ctx, &open.UnitID, "反馈督办办理情况"); err != nil {
			return err
		}
		ok, err := st.AnswerSupervision(ctx, open.ID, content, who.Name, w.now)
		if err != nil {
			return err
		}
		if !ok {
			return cases.ErrStale
		}
		late := w.now.After(open.DeadlineAt)
		_, err = w.event(ctx, EventSupervisionFeed, content, map[string]any{"supervision_id": open.ID,
			"unit_id": open.UnitID, "deadline": open.DeadlineOn, "late": late})
		return err
	})
}

// Listings is the public list of 挂牌督办 cases and their deadlines.
func (s *Service) Listings(ctx context.Context) ([]Listing, error) {
	return s.Supervision.Listed(ctx, 200)
}

// SweepResult counts what one sweep wrote.
type SweepResult struct {
	Reminded, Escalated, Overdue int
}

// Sweep is the supervision job: 催办 of staff clocks and 督办 deadlines due
// within RemindDays working days, overdue 督办 without feedback, and the
// escalation of clocks overdue by EscalateDays working days to the
// supervisors of the next region up. Each is a mark inserted once (ON
// CONFLICT DO NOTHING) and its timeline event, in one transaction: of
// several servers sweeping at once exactly one writes each.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := s.Now().UTC()
	today := calendar.DateOf(now)
	remind, escalate := s.RemindDays, s.EscalateDays
	if remind <= 0 {
		remind = DefaultRemindDays
	}
	if escalate <= 0 {
		escalate = DefaultEscalateDays
	}
	horizonDay, err := s.Calendar.Deadline(today, remind, calendar.WorkingDays)
	if err != nil {
		return res, err
	}
	horizon := horizonDay.EndOfDay()
	batch := s.SweepBatch
	if batch <= 0 {
		batch = DefaultSweepBatch
	}

	due, err := s.Supervision.DueClocks(ctx, StaffClocks, now, horizon, batch)
	if err != nil {
		return res, err
	}
	for _, k := range due {
		left := s.Calendar.WorkingDaysBetween(today.AddDays(1), calendar.DateOf(k.Due).AddDays(1))
		note := fmt.Sprintf("催办：%s将于%s届满（剩余%d个工作日），请抓紧办理", s.Clocks.Label(k.Kind),
			k.Due.In(calendar.China).Format("2006年1月2日"), left)
		took, err := s.once(ctx, &Mark{CaseID: k.CaseID, Kind: MarkReminder,
			Ref: string(k.Kind) + "@" + calendar.DateOf(k.Due).String(), UnitID: k.UnitID, RegionCode: k.RegionCode, At: now},
			&cases.Event{Kind: EventReminder, Note: note, Data: map[string]any{"clock": string(k.Kind), "due": k.Due,
				"working_days_left": left, "unit_id": k.UnitID}})
		if err != nil {
			return res, err
		}
		if took {
			res.Reminded++
		}
	}

	svs, err := s.Supervision.OpenSupervisions(ctx, now, horizon, batch)
	if err != nil {
		return res, err
	}
	for _, sv := range svs {
		m := &Mark{CaseID: sv.CaseID, Kind: MarkReminder, Ref: "supervision:" + strconv.FormatInt(sv.ID, 10),
			UnitID: &sv.UnitID, At: now}
		e := &cases.Event{Kind: EventReminder, Note: fmt.Sprintf("催办：督办期限%s将届满，请按期书面反馈办理情况", sv.DeadlineOn),
			Data: map[string]any{"supervision_id": sv.ID, "deadline": sv.DeadlineOn, "unit_id": sv.UnitID}}
		if now.After(sv.DeadlineAt) {
			m.Kind = MarkSupOverdue
			e.Kind = EventSupervisionOverdue
			e.Note = fmt.Sprintf("督办期限%s已过，承办单位尚未书面反馈", sv.DeadlineOn)
		}
		took, err := s.once(ctx, m, e)
		if err != nil {
			return res, err
		}
		if took && m.Kind == MarkSupOverdue {
			res.Overdue++
		} else if took {
			res.Reminded++
		}
	}

	// The latest due day that is escalate working days overdue today.
	last := today
	for {
		d, err := s.Calendar.Deadline(last, escalate, calendar.WorkingDays)
		if err != nil {
			return res, err
		}
		if !d.After(today) {
			break
		}
		last = last.AddDays(-1)
	}
	over, err := s.Supervision.OverdueClocks(ctx, StaffClocks, last.AddDays(1).StartOfDay(), batch)
	if err != nil {
		return res, err
	}
	for _, k := range over {
		took, err := s.escalate(ctx, k, escalate, now)
		if err != nil {
			return res, err
		}
		if took {
			res.Escalated++
		}
	}
	return res, nil
}

// once writes mark m and, if this call inserted it, event e on its case.
func (s *Service) once(ctx context.Context, m *Mark, e *cases.Event) (bool, error) {
	var took bool
	err := s.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		var err error
		if took, err = s.Supervision.WithTx(tx).AddMark(ctx, m); err != nil || !took {
			return err
		}
		e.CaseID, e.At, e.ActorName = m.CaseID, m.At, "系统"
		bound := s.Cases.WithTx(tx)
		return bound.RecordEvent(ctx, bound.Store, e)
	})
	return took, err
}

// escalate sends an overdue clock's case to the supervisors of the region
// above its handling unit's (or, without a unit, above the case's county).
func (s *Service) escalate(ctx context.Context, k WatchedClock, days int, now time.Time) (bool, error) {
	region := k.RegionCode
	unitName := ""
	if k.UnitID != nil {
		if u, err := s.Units.Unit(ctx, *k.UnitID); err == nil {
			region, unitName = u.RegionCode, u.Name
		}
	}
	if k.UnitID == nil {
		// The handling level of a case without a unit: its county.
		for _, a := range kernel.RegionAncestors(region) {
			if kernel.RegionLevel(a) <= kernel.LevelCounty {
				region = a
				break
			}
		}
	}
	up := ""
	if anc := kernel.RegionAncestors(region); len(anc) > 1 {
		up = anc[1]
	}
	var names []string
	if up != "" && s.Supervisors != nil {
		var err error
		if names, err = s.Supervisors(ctx, up); err != nil {
			return false, err
		}
	}
	note := fmt.Sprintf("逾期升级：%s已于%s届满，逾期%d个工作日仍未办结，提请上一级督办", s.Clocks.Label(k.Kind),
		k.Due.In(calendar.China).Format("2006年1月2日"), days)
	if len(names) > 0 {
		note += "（" + strings.Join(names, "、") + "）"
	}
	return s.once(ctx, &Mark{CaseID: k.CaseID, Kind: MarkEscalation, Ref: strconv.FormatInt(k.ClockID, 10),
		UnitID: k.UnitID, RegionCode: up, At: now},
		&cases.Event{Kind: EventEscalated, Note: note, Data: map[string]any{"clock": string(k.Kind), "due": k.Due,
			"overdue_working_days": days, "unit_id": k.UnitID, "unit": unitName, "to_region": up, "supervisors": names}})
}

// Terminate ends the track (信访终结): after 复核, or earlier when the
// petitioner withdraws, with a reason; by a supervisor or leader. Open
// clocks of the track are cancelled; a case still registered is closed as
// rejected, one being handled is resolved (办结), a resolved one stays.
func (s *Service) Terminate(ctx context.Context, who Staff, no, reason string) (*State, error) {
	reason, err := text("reason", reason, true, 2000)
	if err != nil {
		return nil, err
	}
	if who.Role != kernel.RoleSupervisor && who.Role != kernel.RoleLeader && !who.System {
		return nil, kernel.Errorf(kernel.EForbidden, "只有督办负责人或领导可以终结信访事项")
	}
	return s.step(ctx, who, no, func(ctx context.Context, w *work) error {
		switch w.p.Stage {
		case StageRouted, StageDeclined, StageNotAccepted, StageTerminated:
			return errStage(w.p, "终结")
		}
		if err := w.recuse(ctx); err != nil {
			return err
		}
		var cancelled []string
		for _, kind := range []clocks.Kind{Notify, clocks.Handling, ReviewApply, ReviewDecide, ReReviewApply, ReReviewDecide} {
			k, err := s.Clocks.FindIn(ctx, w.tx, w.c.ID, kind)
			if err != nil {
				return err
			}
			if k == nil || k.EndedAt != nil || (!k.Open() && k.Status != clocks.Missed) {
				continue
			}
			if _, err := s.Clocks.StopIn(ctx, w.tx, w.c.ID, kind, w.now, true); err != nil {
				return err
			}
			cancelled = append(cancelled, string(kind))
		}
		switch w.c.Status {
		case cases.StatusRegistered:
			if err := w.transition(ctx, cases.StatusRejected, "终结："+reason, nil); err != nil {
				return err
			}
		case cases.StatusAccepted, cases.StatusSuspended, cases.StatusInProgress:
			for _, to := range []cases.Status{cases.StatusInProgress, cases.StatusResolved} {
				if w.c.Status.CanTransition(to) {
					// A termination resolves the case without a result:
					// not a 化解成功.
					var extra map[string]any
					if to == cases.StatusResolved {
						extra = map[string]any{"resolution_success": false}
					}
					if err := w.transition(ctx, to, "终结："+reason, extra); err != nil {
						return err
					}
				}
			}
		}
		w.p.Stage, w.p.TerminatedAt, w.p.Hearing = StageTerminated, ptr(w.now), false
		_, err := w.event(ctx, EventTerminated, reason, map[string]any{"cancelled_clocks": cancelled,
			"notice": "您的信访事项已办理终结。如有困难，可联系工作人员了解帮扶措施。"})
		return err
	})
}

// Care kinds: 疏导 (counselling) and 帮扶 (assistance).
var careKinds = map[string]bool{"疏导": true, "帮扶": true}

// Care records follow-up care on the case (疏导/帮扶): open at every stage,
// including a case closed as 不再受理 or terminated; handling staff with the
// case in scope. 疏导 and 帮扶 are what any office does for a person in
// difficulty, petition or not, so on a case not on the track it is
// recorded on the timeline without putting the case on the track.
func (s *Service) Care(ctx context.Context, who Staff, no, kind, note string) (*State, error) {
	kind = strings.TrimSpace(kind)
	if !careKinds[kind] {
		return nil, kernel.FieldError("kind", "应为 疏导 或 帮扶")
	}
	note, err := text("note", note, true, 5000)
	if err != nil {
		return nil, err
	}
	return s.stepAside(ctx, who, no, func(ctx context.Context, w *work) error {
		if !who.System && !who.Role.Handles() && who.Role != kernel.RoleLeader {
			return kernel.Errorf(kernel.EForbidden, "当前角色（%s）不能记录疏导、帮扶", who.Role.Label())
		}
		data := map[string]any{"kind": kind, "stage": string(w.p.Stage)}
		if w.isNew {
			data["stage"], data["on_track"] = "", false
		}
		_, err := w.event(ctx, EventCare, note, data)
		return err
	})
}

// StaffSupervisors names the enabled supervisors whose region is exactly
// region, from the staff accounts: Service.Supervisors.
func StaffSupervisors(st staff.Store) func(ctx context.Context, region string) ([]string, error) {
	return func(ctx context.Context, region string) ([]string, error) {
		users, err := st.ListUsers(ctx, kernel.RegionPrefix(region))
		if err != nil {
			return nil, err
		}
		var names []string
		for _, u := range users {
			if u.Role == kernel.RoleSupervisor && u.RegionCode == region && !u.Disabled {
				names = append(names, u.DisplayName)
			}
		}
		return names, nil
	}
}
