// Package visits records return visits (回访) of resolved cases: how the
// resident was reached, whether they were, their satisfaction and words. A
// visit moves the case to visited, or — 不满意 with a reason and "reopen" —
// back to in_progress, through the case service in the visit's own unit
// of work, with its timeline event (kind return_visit, which the
// statistics count in satisfaction). A resolved case gets a return-visit
// clock (return_visit, 5 working days by default, JIEFEN_CLOCKS overrides
// it) that the visit stops.
package visits

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/stats"
)

// ReturnVisit is the clock of the return visit of a resolved case.
var ReturnVisit = clocks.Define(clocks.Rule{Kind: "return_visit", Label: "回访期限", Days: 5,
	Unit: calendar.WorkingDays, Source: "矛盾纠纷化解工作规范：办结后5个工作日内回访（可按本省规定调整）"})

// Methods of a visit.
var methodLabels = map[string]string{"phone": "电话回访", "in_person": "上门回访", "wechat": "微信回访"}

// Satisfactions a visit records.
var satisfactions = map[string]bool{"满意": true, "基本满意": true, "不满意": true}

// MethodLabel is a method's Chinese name ("" if unknown).
func MethodLabel(m string) string { return methodLabels[m] }

// Visit is one return visit.
type Visit struct {
	ID           int64  `json:"id"`
	CaseID       int64  `json:"-"`
	Method       string `json:"method"`
	Reached      bool   `json:"reached"`
	Satisfaction string `json:"satisfaction,omitempty"`
	Note         string `json:"note,omitempty"`
	Reopened     bool   `json:"reopened"`
	// Sample marks a spot-check visit (回访抽查) by another staff member.
	Sample      bool      `json:"sample"`
	VisitorID   int64     `json:"-"`
	VisitorName string    `json:"visitor"`
	CreatedAt   time.Time `json:"created_at"`
}

// Input is what staff record.
type Input struct {
	Method       string
	Reached      bool
	Satisfaction string
	Note         string
	Reopen       bool
}

// Store keeps visits.
type Store interface {
	WithTx(tx kernel.Tx) Store
	Create(ctx context.Context, v *Visit) error
	ByCase(ctx context.Context, caseID int64) ([]Visit, error)
}

// Clocks are the clock steps visits take inside a unit of work.
type Clocks interface {
	StartIn(ctx context.Context, tx kernel.Tx, caseID int64, kind clocks.Kind, at time.Time) (*clocks.Clock, error)
	StopIn(ctx context.Context, tx kernel.Tx, caseID int64, kind clocks.Kind, at time.Time, cancel bool) (*clocks.Clock, error)
}

// Service records visits.
type Service struct {
	Cases  *cases.Service
	Store  Store
	Clocks Clocks
	Now    func() time.Time
	// Users finds the visitors of spot checks (回访抽查; sample.go).
	Users Users
}

// NewService returns the visits of svc's cases.
func NewService(svc *cases.Service, store Store, cl Clocks) *Service {
	return &Service{Cases: svc, Store: store, Clocks: cl, Now: time.Now}
}

// Check validates an input, with Chinese field messages.
func (in *Input) Check() error {
	in.Note = strings.TrimSpace(in.Note)
	fields := map[string]string{}
	if MethodLabel(in.Method) == "" {
		fields["method"] = "回访方式应为 phone（电话）、in_person（上门）或 wechat（微信）"
	}
	if in.Reached && !satisfactions[in.Satisfaction] {
		fields["satisfaction"] = "满意度应为 满意、基本满意 或 不满意"
	}
	if !in.Reached && in.Satisfaction != "" {
		fields["satisfaction"] = "未联系上群众时不能填写满意度"
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		fields["note"] = "长度不能超过2000个字符"
	}
	if in.Reopen && in.Satisfaction != "不满意" {
		fields["reopen"] = "只有群众不满意时才能重新办理"
	} else if in.Reopen && in.Note == "" {
		fields["note"] = "重新办理必须填写不满意的理由"
	}
	if len(fields) > 0 {
		return &kernel.Error{Code: kernel.EInvalid, Message: "提交的数据有误", Fields: fields}
	}
	return nil
}

// Record records a visit of a resolved case by staff who may move its
// status: one unit of work with the visit's event and the case's
// transition (visited, or in_progress when reopened). A visit that did not
// reach the resident changes no status; its clock runs on. The visitor of
// a spot check (回访抽查) drawn for the case records it the same way: it is
// marked sample (in the visit and its event), completes the sample when
// the resident was reached, and may be made on a case already visited (it
// then moves the case only when 不满意 reopens it).
func (s *Service) Record(ctx context.Context, actor kernel.Actor, no string, in Input) (*Visit, *cases.Case, error) {
	if err := actor.Require(kernel.PermTransition); err != nil {
		return nil, nil, err
	}
	if err := in.Check(); err != nil {
		return nil, nil, err
	}
	var v *Visit
	var out *cases.Case
	err := s.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		cs := s.Cases.WithTx(tx)
		c, err := cs.Store.CaseByNo(ctx, no, actor.Scope())
		if err != nil {
			return err
		}
		vs := s.Store.WithTx(tx)
		sample := false
		if ss, ok := vs.(SampleStore); ok {
			if sample, err = ss.OpenSample(ctx, c.ID, actor.UserID); err != nil {
				return err
			}
		}
		if c.Status != cases.StatusResolved && !(sample && c.Status == cases.StatusVisited) {
			return kernel.Errorf(kernel.EInvalid, "案件当前状态为“%s”，只有已办结的案件才能回访", c.Status.Label())
		}
		now := s.Now().UTC()
		v = &Visit{CaseID: c.ID, Method: in.Method, Reached: in.Reached, Satisfaction: in.Satisfaction, Note: in.Note,
			Reopened: in.Reopen, Sample: sample, VisitorID: actor.UserID, VisitorName: actor.Name, CreatedAt: now}
		if err := vs.Create(ctx, v); err != nil {
			return err
		}
		data := map[string]any{"method": in.Method, "reached": in.Reached, "visit_id": v.ID}
		if sample {
			data["sample"] = true
			if in.Reached {
				if err := vs.(SampleStore).FinishSample(ctx, c.ID); err != nil {
					return err
				}
			}
		}
		if in.Reached {
			data["satisfaction"] = in.Satisfaction
		}
		if in.Reopen {
			data["reopen"] = true
		}
		if err := cs.Note(ctx, actor, c.ID, stats.EventReturnVisit, in.Note, data); err != nil {
			return err
		}
		out = c
		if !in.Reached {
			return nil
		}
		to, note := cases.StatusVisited, "回访："+in.Satisfaction
		if sample {
			note = "回访抽查：" + in.Satisfaction
		}
		if in.Reopen {
			to, note = cases.StatusInProgress, "回访不满意，重新办理："+in.Note
		} else if c.Status == cases.StatusVisited {
			return nil // a spot check of a visited case: recorded, no move
		}
		out, err = cs.Transition(ctx, actor, no, to, note)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return v, out, nil
}

// List returns a case's visits.
func (s *Service) List(ctx context.Context, actor kernel.Actor, no string) ([]Visit, error) {
	c, err := s.Cases.Store.CaseByNo(ctx, no, actor.Scope())
	if err != nil {
		return nil, err
	}
	return s.Store.ByCase(ctx, c.ID)
}

// Notifier returns the cases.Notifier that keeps the return-visit clock:
// started when a case is resolved, met when it is visited, cancelled when
// it is reopened — in the transition's transaction.
func (s *Service) Notifier() cases.Notifier { return notifier{s} }

type notifier struct{ s *Service }

// CaseEvent implements cases.Notifier.
func (n notifier) CaseEvent(ctx context.Context, tx cases.Store, e *cases.Event) error {
	if e.Kind != cases.EventTransition || n.s.Clocks == nil {
		return nil
	}
	var err error
	switch {
	case e.ToStatus == cases.StatusResolved:
		_, err = n.s.Clocks.StartIn(ctx, tx.Tx(), e.CaseID, ReturnVisit, e.At)
	case e.FromStatus == cases.StatusResolved:
		_, err = n.s.Clocks.StopIn(ctx, tx.Tx(), e.CaseID, ReturnVisit, e.At, e.ToStatus != cases.StatusVisited)
		if kernel.ErrorCode(err) == kernel.ENotFound {
			err = nil // resolved before return visits were timed
		}
	}
	return err
}
