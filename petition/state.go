package petition

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// State is the petition state every route answers.
type State struct {
	CaseNo          string     `json:"case_no"`
	Stage           Stage      `json:"stage"`
	StageLabel      string     `json:"stage_label"`
	Class           Class      `json:"class"`
	LegalRoute      string     `json:"legal_route,omitempty"`
	UnitID          *int64     `json:"unit_id"`
	UnitName        string     `json:"unit_name,omitempty"`
	FromUnitID      *int64     `json:"from_unit_id,omitempty"`
	TransferKind    string     `json:"transfer_kind,omitempty"`
	TransferredAt   *time.Time `json:"transferred_at,omitempty"`
	ObjectBy        string     `json:"object_by,omitempty"` // last day of an objection (YYYY-MM-DD)
	AcceptedAt      *time.Time `json:"accepted_at,omitempty"`
	Extended        bool       `json:"extended"`
	ReplyResult     string     `json:"reply_result,omitempty"`
	RepliedAt       *time.Time `json:"replied_at,omitempty"`
	ReviewLevel     string     `json:"review_level,omitempty"`
	ReviewResult    string     `json:"review_result,omitempty"`
	DecidedUnitID   *int64     `json:"decided_unit_id,omitempty"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
	Hearing         bool       `json:"hearing"`
	Yueji           bool       `json:"yueji"`
	EarlierCaseNo   string     `json:"earlier_case_no,omitempty"`
	LowerCaseNo     string     `json:"lower_case_no,omitempty"`
	Representatives int        `json:"representatives"`
	Persons         int        `json:"persons"`
	Group           bool       `json:"group"`
	CaseStatus      string     `json:"case_status"`
	TerminatedAt    *time.Time `json:"terminated_at,omitempty"`
	// Owner is the leader's 包案, if any.
	Owner *OwnerView `json:"owner,omitempty"`
	// Supervised: a 督办 awaiting the unit's feedback, a 挂牌督办, or an
	// escalation (the supervised=true list filter).
	Supervised   bool              `json:"supervised"`
	Escalated    bool              `json:"escalated"`
	Supervisions []SupervisionView `json:"supervisions"`
}

// OwnerView is a 包案 as the state shows it.
type OwnerView struct {
	LeaderID   int64     `json:"leader_id"`
	LeaderName string    `json:"leader_name"`
	TargetOn   string    `json:"target_on"`
	Note       string    `json:"note,omitempty"`
	Since      time.Time `json:"since"`
}

// SupervisionView is a 督办 as the state shows it.
type SupervisionView struct {
	ID         int64      `json:"id"`
	UnitID     int64      `json:"unit_id"`
	Listed     bool       `json:"listed"`
	Deadline   string     `json:"deadline"`
	Note       string     `json:"note"`
	By         string     `json:"by"`
	CreatedAt  time.Time  `json:"created_at"`
	Feedback   string     `json:"feedback,omitempty"`
	FeedbackBy string     `json:"feedback_by,omitempty"`
	FeedbackAt *time.Time `json:"feedback_at,omitempty"`
	Overdue    bool       `json:"overdue"`
}

func china(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	x := t.In(calendar.China)
	return &x
}

// state presents p of case c.
func (s *Service) state(ctx context.Context, tx kernel.Tx, c *cases.Case, p *Petition) (*State, error) {
	st := &State{CaseNo: c.No, Stage: p.Stage, StageLabel: p.Stage.Label(), Class: p.Class, LegalRoute: p.LegalRoute,
		UnitID: p.UnitID, FromUnitID: p.FromUnitID, TransferKind: p.TransferKind, TransferredAt: china(p.TransferredAt),
		AcceptedAt: china(p.AcceptedAt), Extended: p.Extended, ReplyResult: p.ReplyResult, RepliedAt: china(p.RepliedAt),
		ReviewLevel: p.ReviewLevel, ReviewResult: p.ReviewResult, DecidedUnitID: p.DecidedUnitID,
		DecidedAt: china(p.DecidedAt), Hearing: p.Hearing, Yueji: p.Yueji, CaseStatus: string(c.Status),
		TerminatedAt: china(p.TerminatedAt), Supervisions: []SupervisionView{}}
	if s.Supervision != nil {
		sup := s.Supervision.WithTx(tx)
		if o, err := sup.Owner(ctx, c.ID); err == nil {
			st.Owner = &OwnerView{LeaderID: o.LeaderID, LeaderName: o.LeaderName, TargetOn: o.TargetOn, Note: o.Note,
				Since: o.CreatedAt.In(calendar.China)}
		} else if kernel.ErrorCode(err) != kernel.ENotFound {
			return nil, err
		}
		svs, err := sup.Supervisions(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		now := s.Now()
		for _, sv := range svs {
			st.Supervisions = append(st.Supervisions, SupervisionView{ID: sv.ID, UnitID: sv.UnitID, Listed: sv.Listed,
				Deadline: sv.DeadlineOn, Note: sv.Note, By: sv.ByName, CreatedAt: sv.CreatedAt.In(calendar.China),
				Feedback: sv.Feedback, FeedbackBy: sv.FeedbackBy, FeedbackAt: china(sv.FeedbackAt),
				Overdue: sv.FeedbackAt == nil && now.After(sv.DeadlineAt)})
		}
		if st.Escalated, err = sup.HasMark(ctx, c.ID, MarkEscalation); err != nil {
			return nil, err
		}
		st.Supervised = supervised(svs) || st.Escalated
	}
	if p.UnitID != nil {
		if u, err := s.Units.WithTx(tx).Unit(ctx, *p.UnitID); err == nil {
			st.UnitName = u.Name
		}
	}
	if p.Stage == StageTransferred && p.TransferredAt != nil {
		if d, err := s.Calendar.Deadline(calendar.DateOf(*p.TransferredAt), ObjectWorkingDays, calendar.WorkingDays); err == nil {
			st.ObjectBy = d.String()
		}
	}
	store := s.Cases.Store.WithTx(tx)
	for id, dst := range map[*int64]*string{p.EarlierCaseID: &st.EarlierCaseNo, p.LowerCaseID: &st.LowerCaseNo} {
		if id != nil {
			if o, err := store.CaseByID(ctx, *id); err == nil {
				*dst = o.No
			}
		}
	}
	full := *c
	if err := store.LoadDetails(ctx, &full); err != nil {
		return nil, err
	}
	people := map[string]bool{}
	for _, x := range full.Parties {
		switch x.Role {
		case cases.RoleRepresentative:
			st.Representatives++
		case cases.RoleApplicant:
			people[x.Name] = true
		}
	}
	st.Persons = len(people)
	if c.ClusterID != nil {
		if list, err := store.ClusterCases(ctx, *c.ClusterID, ""); err == nil && len(list) > st.Persons {
			st.Persons = len(list)
		}
	}
	threshold := s.GroupThreshold
	if threshold <= 0 {
		threshold = DefaultGroupThreshold
	}
	st.Group = st.Persons >= threshold
	return st, nil
}
