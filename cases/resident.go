package cases

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"
)

// What residents see of their own cases: the cases they own — opened by an
// intake of theirs, or joined by one that registration merged in because
// the case was already theirs or carries the phone WeChat verified for
// them. Holding an intake of theirs is not enough (issue 12): the detector
// would otherwise let anyone who knows a complainant's name and phone into
// their case, and staff may merge a resident's intake into another's case.
// Another resident's case is not found.

// Evaluation is a resident's verdict on how a case was handled (满意度).
type Evaluation struct {
	CaseID     int64     `json:"-"`
	ResidentID int64     `json:"-"`
	Rating     string    `json:"rating"` // satisfied | basically_satisfied | dissatisfied
	Comment    string    `json:"comment,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Ratings, in Chinese.
var ratingLabels = map[string]string{
	"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意",
}

// RatingLabel is the Chinese name of a rating ("" if unknown).
func RatingLabel(r string) string { return ratingLabels[r] }

// ResidentStore is what the resident-facing operations need from storage.
type ResidentStore interface {
	// ResidentCases lists the cases the resident owns, newest first, below
	// the cursor id (0 for the first page).
	ResidentCases(ctx context.Context, residentID, beforeID int64, limit int) ([]*Case, error)
	// ResidentCase finds such a case by number (ENotFound otherwise).
	ResidentCase(ctx context.Context, residentID int64, no string) (*Case, error)
	// AddCaseResident makes the resident an owner of the case (idempotent).
	AddCaseResident(ctx context.Context, caseID, residentID int64, now time.Time) error
	// ResidentMayJoin reports whether the resident's intake may be merged
	// into the case: they own it, or staff registered it with verifiedPhone
	// and no other resident owns it.
	ResidentMayJoin(ctx context.Context, caseID, residentID int64, verifiedPhone string) (bool, error)
	Evaluation(ctx context.Context, caseID int64) (*Evaluation, error)
	// CreateEvaluation stores an evaluation; EConflict if the case has one.
	CreateEvaluation(ctx context.Context, e *Evaluation) error
}

func (s *Service) residents() (ResidentStore, error) {
	rs, ok := s.Store.(ResidentStore)
	if !ok {
		return nil, kernel.Errorf(kernel.EInternal, "store does not serve residents")
	}
	return rs, nil
}

// residentCase finds one of a resident's cases in a transaction.
func residentCase(ctx context.Context, tx Store, residentID int64, no string) (ResidentStore, *Case, error) {
	rs, ok := tx.(ResidentStore)
	if !ok {
		return nil, nil, kernel.Errorf(kernel.EInternal, "store does not serve residents")
	}
	c, err := rs.ResidentCase(ctx, residentID, no)
	return rs, c, err
}

// ResidentCases lists a resident's own cases.
func (s *Service) ResidentCases(ctx context.Context, residentID, beforeID int64, limit int) ([]*Case, error) {
	rs, err := s.residents()
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	return rs.ResidentCases(ctx, residentID, beforeID, limit)
}

// ResidentCase returns one of a resident's cases with its details and its
// evaluation, if any.
func (s *Service) ResidentCase(ctx context.Context, residentID int64, no string) (*Case, *Evaluation, error) {
	rs, err := s.residents()
	if err != nil {
		return nil, nil, err
	}
	c, err := rs.ResidentCase(ctx, residentID, no)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Store.LoadDetails(ctx, c); err != nil {
		return nil, nil, err
	}
	ev, err := rs.Evaluation(ctx, c.ID)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		ev, err = nil, nil
	}
	return c, ev, err
}

// Evaluate records a resident's evaluation of a handled case, once; it is
// on the timeline too.
func (s *Service) Evaluate(ctx context.Context, residentID int64, no, rating, comment string) (*Evaluation, error) {
	if RatingLabel(rating) == "" {
		return nil, kernel.FieldError("rating", "评价应为 satisfied（满意）、basically_satisfied（基本满意）或 dissatisfied（不满意）")
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 500 {
		return nil, kernel.FieldError("comment", "评价内容不能超过500个字符")
	}
	var out *Evaluation
	err := s.update(ctx, func(tx Store) error {
		rs, c, err := residentCase(ctx, tx, residentID, no)
		if err != nil {
			return err
		}
		switch c.Status {
		case StatusResolved, StatusVisited, StatusClosed:
		default:
			return kernel.Errorf(kernel.EInvalid, "案件办结后才能评价")
		}
		now := s.Now().UTC()
		out = &Evaluation{CaseID: c.ID, ResidentID: residentID, Rating: rating, Comment: comment, CreatedAt: now}
		if err := rs.CreateEvaluation(ctx, out); err != nil {
			if kernel.ErrorCode(err) == kernel.EConflict {
				return kernel.Errorf(kernel.EConflict, "该案件已评价过")
			}
			return err
		}
		return s.record(ctx, tx, &Event{CaseID: c.ID, At: now, ActorName: "群众", Kind: EventEvaluated,
			Note: comment, Data: map[string]any{"rating": rating}})
	})
	return out, err
}

// Supplement adds what a resident supplies to one of their own open cases
// (补充材料), as an intake attached to the case without detection. It
// answers any open request for more information.
func (s *Service) Supplement(ctx context.Context, actor kernel.Actor, residentID int64, no string, in Intake) (*Registration, error) {
	now := s.Now().UTC()
	var reg *Registration
	err := s.update(ctx, func(tx Store) error {
		_, c, err := residentCase(ctx, tx, residentID, no)
		if err != nil {
			return err
		}
		if !c.Status.Open() {
			return kernel.Errorf(kernel.EInvalid, "案件当前状态为“%s”，不能再补充材料；如有新情况请重新反映", c.Status.Label())
		}
		in.RegionCode, in.Category, in.ResidentID = c.RegionCode, c.Category, residentID
		if in.Subject == "" {
			in.Subject = "补充材料：" + c.Subject
			if r := []rune(in.Subject); len(r) > MaxSubject {
				in.Subject = string(r[:MaxSubject])
			}
		}
		if err := s.prepareIntake(ctx, actor, &in, now); err != nil {
			return err
		}
		in.Decision = DecisionAttached
		if err := s.addIntake(ctx, tx, actor, c, &in, now); err != nil {
			return err
		}
		answered := c.InfoRequestedAt != nil
		c.InfoRequestedAt, c.UpdatedAt = nil, now
		if err := tx.UpdateCase(ctx, c); err != nil {
			return err
		}
		reg = &Registration{Case: c, Intake: &in, Decision: DecisionAttached}
		return s.record(ctx, tx, &Event{CaseID: c.ID, At: now, ActorID: actor.UserID, ActorName: actor.Name,
			Kind: EventIntakeAdded, Data: map[string]any{"intake_ref": in.Ref, "channel": in.Channel,
				"decision": DecisionAttached, "supplement": true, "answers_request": answered}})
	})
	return s.settle(ctx, actor, &in, reg, err)
}

// forResident keeps a resident's own intake out of cases that are not
// theirs: the detector matches on name and phone, which the other side of
// a dispute often knows. Merging into (or repeating) such a case becomes a
// new case with the candidate suggested to staff, who can merge by hand.
func (s *Service) forResident(ctx context.Context, tx Store, in *Intake, det *Detection) (*Detection, error) {
	if in.ResidentID == 0 || det.Target == nil || (det.Decision != DecisionMerged && det.Decision != DecisionRepeat) {
		return det, nil
	}
	rs, ok := tx.(ResidentStore)
	if !ok {
		return nil, kernel.Errorf(kernel.EInternal, "store does not serve residents")
	}
	mine, err := rs.ResidentMayJoin(ctx, det.Target.CaseID, in.ResidentID, in.VerifiedPhone)
	if err != nil || mine {
		return det, err
	}
	out := *det
	out.Decision, out.Target = DecisionNew, nil
	out.Review = append([]Match{*det.Target}, det.Review...)
	return &out, nil
}

// own records that the resident who filed the intake owns the case it
// opened or joined; staff's and systems' intakes own nothing.
func (s *Service) own(ctx context.Context, tx Store, c *Case, in *Intake, now time.Time) error {
	if in.ResidentID == 0 {
		return nil
	}
	rs, ok := tx.(ResidentStore)
	if !ok {
		return kernel.Errorf(kernel.EInternal, "store does not serve residents")
	}
	return rs.AddCaseResident(ctx, c.ID, in.ResidentID, now)
}
