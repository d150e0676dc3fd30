package clocks

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
)

// Store is the storage of clocks and of the calendar overrides entered at
// run time. Missing rows are ENotFound.
type Store interface {
	WithTx(tx kernel.Tx) Store
	Create(ctx context.Context, k *Clock) error
	// Update saves the mutable fields of k.
	Update(ctx context.Context, k *Clock) error
	// ByCase lists a case's clocks in the order they started.
	ByCase(ctx context.Context, caseID int64) ([]*Clock, error)
	// Due lists running clocks of open cases whose due is before now.
	Due(ctx context.Context, now time.Time, limit int) ([]*Clock, error)
	// MarkMissed marks clock id missed if it is still running and past due
	// at now, in one conditional update: of several servers sweeping at
	// once exactly one gets true.
	MarkMissed(ctx context.Context, id int64, now time.Time) (bool, error)
	// Overrides lists every run-time calendar override.
	Overrides(ctx context.Context) ([]calendar.Override, error)
	// SetOverrides replaces the overrides of year.
	SetOverrides(ctx context.Context, year int, list []calendar.Override, by string, now time.Time) error
}

// Service keeps the clocks of cases: it is the case service's
// cases.Clocks, answers the clocks of a case, sweeps missed ones and
// manages the calendar overrides.
type Service struct {
	Cases    *cases.Service // its Tx begins units of work; its store finds cases
	Store    Store
	Calendar *calendar.Calendar
	Rules    *Rules
	Now      func() time.Time
	// RefreshEvery is how often a server rereads the calendar overrides,
	// so that one an administrator entered on another server applies here.
	RefreshEvery time.Duration

	mu       sync.Mutex
	loadedAt time.Time
	applied  map[int]string // year -> fingerprint of the overrides set on the calendar
}

var _ cases.Clocks = (*Service)(nil)

// NewService returns the clocks of svc's cases on its calendar.
func NewService(svc *cases.Service, store Store, rules *Rules) *Service {
	if rules == nil {
		rules = DefaultRules()
	}
	return &Service{Cases: svc, Store: store, Calendar: svc.Calendar, Rules: rules, Now: time.Now,
		RefreshEvery: 30 * time.Second, applied: map[int]string{}}
}

func (s *Service) rule(k Kind) (Rule, error) {
	r, ok := s.Rules.Rule(k)
	if !ok {
		return Rule{}, fmt.Errorf("clocks: no rule for kind %q", k)
	}
	return r, nil
}

// Open implements cases.Clocks: a registered case's accept decision clock.
func (s *Service) Open(ctx context.Context, tx cases.Store, c *cases.Case, receivedAt time.Time) (func() error, error) {
	st := s.Store.WithTx(tx.Tx())
	if err := s.refresh(ctx, st, false); err != nil {
		return nil, err
	}
	r, err := s.rule(AcceptDecision)
	if err != nil {
		return nil, err
	}
	k, err := Start(s.Calendar, r, 0, receivedAt)
	if err != nil {
		return nil, err
	}
	due := k.Due
	c.AcceptDue = &due
	return func() error {
		k.CaseID = c.ID
		return st.Create(ctx, k)
	}, nil
}

// Transition implements cases.Clocks.
func (s *Service) Transition(ctx context.Context, tx cases.Store, c *cases.Case, from, to cases.Status, now time.Time, note string) (map[string]any, error) {
	st := s.Store.WithTx(tx.Tx())
	list, err := st.ByCase(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	byKind := map[Kind]*Clock{}
	for _, k := range list {
		byKind[k.Kind] = k
	}
	changed := map[*Clock]bool{}
	data := map[string]any{}
	switch {
	case to == cases.StatusAccepted, to == cases.StatusRejected:
		if k := byKind[AcceptDecision]; k != nil && k.Open() {
			k.Stop(now, false)
			changed[k] = true
		}
		if to == cases.StatusAccepted && byKind[Handling] == nil {
			if err := s.refresh(ctx, st, false); err != nil {
				return nil, err
			}
			r, err := s.rule(Handling)
			if err != nil {
				return nil, err
			}
			k, err := Start(s.Calendar, r, c.ID, now)
			if err != nil {
				return nil, err
			}
			if err := st.Create(ctx, k); err != nil {
				return nil, err
			}
			due := k.Due
			c.HandleDue = &due
			data["handle_due_at"] = due
			data["clock"] = string(Handling)
			data["unit"] = string(k.Unit)
			data["source"] = k.Source
		}
	case to == cases.StatusSuspended:
		if k := byKind[Handling]; k != nil && k.Pause(now, note) {
			changed[k] = true
			data["paused"] = string(Handling)
		}
	case from == cases.StatusSuspended && to == cases.StatusInProgress:
		if k := byKind[Handling]; k != nil && k.Status == Paused {
			if k.openPause() == nil && c.SuspendedAt != nil {
				// Suspended before clocks were kept: the pause began then.
				k.Pauses = append(k.Pauses, Pause{From: c.SuspendedAt.UTC()})
			}
			days, err := k.Resume(s.Calendar, now)
			if err != nil {
				return nil, err
			}
			changed[k] = true
			due := k.Due
			c.HandleDue = &due
			data["paused_days"] = days
			data["unit"] = string(k.Unit)
			data["handle_due_at"] = due
		}
	case to == cases.StatusInProgress && (from == cases.StatusResolved || from == cases.StatusVisited):
		if k := byKind[Handling]; k != nil {
			k.Reopen(now)
			changed[k] = true
		}
	case to == cases.StatusResolved:
		if k := byKind[Handling]; k != nil && k.Open() {
			k.Stop(now, false)
			changed[k] = true
			data["clock_status"] = string(k.Status)
		}
	}
	if !to.Open() && to != cases.StatusResolved && to != cases.StatusVisited {
		// Closed, rejected, merged: nothing is timed any more.
		for _, k := range list {
			if k.Open() {
				k.Stop(now, true)
				changed[k] = true
			}
		}
	}
	for _, k := range list {
		if changed[k] {
			if err := st.Update(ctx, k); err != nil {
				return nil, err
			}
		}
	}
	if len(data) == 0 {
		return nil, nil
	}
	return data, nil
}

// View is a clock as the API and the console show it.
type View struct {
	Kind            Kind          `json:"kind"`
	Label           string        `json:"label"`
	Start           time.Time     `json:"start"`
	Due             time.Time     `json:"due"`
	Status          Status        `json:"status"`
	DaysLeft        int           `json:"days_left"`
	Unit            calendar.Unit `json:"unit"`
	Days            int           `json:"days"`
	Source          string        `json:"source"`
	Pauses          []Pause       `json:"pauses"`
	Extensions      []Extension   `json:"extensions"`
	CalendarCovered bool          `json:"calendar_covered"`
	EndedAt         *time.Time    `json:"ended_at,omitempty"`
}

// View presents k at now, times in China time.
func (s *Service) View(k *Clock, now time.Time) View {
	label := string(k.Kind)
	if r, ok := s.Rules.Rule(k.Kind); ok && r.Label != "" {
		label = r.Label
	}
	v := View{Kind: k.Kind, Label: label, Start: k.Start.In(calendar.China), Due: k.Due.In(calendar.China),
		Status: k.Status, DaysLeft: k.DaysLeft(s.Calendar, now), Unit: k.Unit, Days: k.Days, Source: k.Source,
		Pauses: make([]Pause, len(k.Pauses)), Extensions: make([]Extension, len(k.Extensions)),
		CalendarCovered: k.CalendarCovered(s.Calendar)}
	for i, p := range k.Pauses {
		p.From = p.From.In(calendar.China)
		if p.To != nil {
			t := p.To.In(calendar.China)
			p.To = &t
		}
		v.Pauses[i] = p
	}
	for i, e := range k.Extensions {
		e.At = e.At.In(calendar.China)
		v.Extensions[i] = e
	}
	if k.EndedAt != nil {
		t := k.EndedAt.In(calendar.China)
		v.EndedAt = &t
	}
	return v
}

// OfCase returns the clocks of the case numbered no, if the actor sees it.
func (s *Service) OfCase(ctx context.Context, actor kernel.Actor, no string) ([]View, error) {
	c, err := s.Cases.Find(ctx, actor, no)
	if err != nil {
		return nil, err
	}
	return s.ByCaseID(ctx, c.ID)
}

// ByCaseID returns the views of a case's clocks, without a scope check:
// for callers that have found the case in the actor's scope already.
func (s *Service) ByCaseID(ctx context.Context, caseID int64) ([]View, error) {
	if err := s.refresh(ctx, s.Store, false); err != nil {
		return nil, err
	}
	list, err := s.Store.ByCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]View, len(list))
	for i, k := range list {
		out[i] = s.View(k, now)
	}
	return out, nil
}

// sweepBatch bounds the clocks one sweep query returns.
const sweepBatch = 100

// Sweep marks the running clocks that passed their due as missed, each in
// its own transaction with a clock_missed timeline event (which the case
// service's notifier hears). Servers may sweep at once: each clock is
// marked, and its event written, by one of them only. It returns how many
// this call marked.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	marked := 0
	for {
		due, err := s.Store.Due(ctx, now, sweepBatch)
		if err != nil {
			return marked, err
		}
		n := 0
		for _, k := range due {
			err := s.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
				ok, err := s.Store.WithTx(tx).MarkMissed(ctx, k.ID, now)
				if err != nil || !ok {
					return err
				}
				n++
				bound := s.Cases.WithTx(tx)
				return bound.RecordEvent(ctx, bound.Store, &cases.Event{CaseID: k.CaseID, At: now,
					ActorName: "系统", Kind: cases.EventClockMissed,
					Note: fmt.Sprintf("%s已于%s届满", s.label(k.Kind), k.Due.In(calendar.China).Format("2006年1月2日")),
					Data: map[string]any{"clock": string(k.Kind), "due_at": k.Due, "source": k.Source}})
			})
			if err != nil {
				return marked, err
			}
		}
		marked += n
		if len(due) < sweepBatch || n == 0 {
			return marked, nil
		}
	}
}

func (s *Service) label(k Kind) string {
	if r, ok := s.Rules.Rule(k); ok && r.Label != "" {
		return r.Label
	}
	return string(k)
}

// Overrides returns the run-time overrides of year.
func (s *Service) Overrides(ctx context.Context, year int) ([]calendar.Override, error) {
	all, err := s.Store.Overrides(ctx)
	if err != nil {
		return nil, err
	}
	out := []calendar.Override{}
	for _, o := range all {
		if o.Date.Year == year {
			out = append(out, o)
		}
	}
	return out, nil
}

// MinYear and MaxYear bound the years overrides may be entered for.
const (
	MinYear = 2000
	MaxYear = 2100
)

// SetOverrides replaces the holiday overrides of year (an administrator
// entering the State Council's notice) and applies them on this server at
// once; the others reread them within RefreshEvery.
func (s *Service) SetOverrides(ctx context.Context, actor kernel.Actor, year int, list []calendar.Override) error {
	if err := actor.Require(kernel.PermManage); err != nil {
		return err
	}
	if year < MinYear || year > MaxYear {
		return kernel.FieldError("year", fmt.Sprintf("年份应在%d至%d之间", MinYear, MaxYear))
	}
	seen := map[calendar.Date]bool{}
	for i, o := range list {
		if o.Date.Year != year {
			return kernel.FieldError(fmt.Sprintf("days[%d].date", i), fmt.Sprintf("日期应在%d年内", year))
		}
		if seen[o.Date] {
			return kernel.FieldError(fmt.Sprintf("days[%d].date", i), "日期重复")
		}
		seen[o.Date] = true
		k, err := calendar.OverrideKind(string(o.Kind), o.Date)
		if err != nil {
			return kernel.FieldError(fmt.Sprintf("days[%d].kind", i), "应为 holiday、rest 或 workday")
		}
		list[i].Kind = k
		list[i].Name = strings.TrimSpace(o.Name)
	}
	err := s.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		return s.Store.WithTx(tx).SetOverrides(ctx, year, list, actor.Name, s.Now().UTC())
	})
	if err != nil {
		return err
	}
	// Only once committed does this server's calendar change.
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apply(year, list)
}

// apply sets the overrides of year on the calendar unless they are there
// already; s.mu is held.
func (s *Service) apply(year int, list []calendar.Override) error {
	sort.Slice(list, func(i, j int) bool { return list[i].Date.Before(list[j].Date) })
	fp := fmt.Sprint(list)
	if len(list) == 0 {
		fp = ""
	}
	if s.applied[year] == fp {
		return nil
	}
	if err := s.Calendar.SetYear(year, list); err != nil {
		return err
	}
	if fp == "" {
		delete(s.applied, year)
	} else {
		s.applied[year] = fp
	}
	return nil
}

// refresh rereads the run-time overrides when RefreshEvery has passed (or
// always, if force) and sets the years that changed on the calendar.
func (s *Service) refresh(ctx context.Context, st Store, force bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if !force && !s.loadedAt.IsZero() && now.Sub(s.loadedAt) < s.RefreshEvery {
		return nil
	}
	all, err := st.Overrides(ctx)
	if err != nil {
		return err
	}
	byYear := map[int][]calendar.Override{}
	for _, o := range all {
		byYear[o.Date.Year] = append(byYear[o.Date.Year], o)
	}
	for y := range s.applied {
		if _, ok := byYear[y]; !ok {
			byYear[y] = nil // removed since: drop it from the calendar
		}
	}
	for y, list := range byYear {
		if err := s.apply(y, list); err != nil {
			return err
		}
	}
	s.loadedAt = now
	return nil
}

func unitLabel(u calendar.Unit) string {
	if u == calendar.WorkingDays {
		return "个工作日"
	}
	return "日"
}

// EventExtended is the timeline event of an extension.
const EventExtended = "clock_extended"

// Extend lengthens a clock of the case numbered no (延长办理期限) by days of
// unit, approved by the actor (a supervisor or leader: the assign
// permission), and writes the extension on the timeline, in one
// transaction. The case's due column follows the clock.
func (s *Service) Extend(ctx context.Context, actor kernel.Actor, no string, kind Kind, days int, unit calendar.Unit, reason string) (*View, error) {
	if err := actor.Require(kernel.PermAssign); err != nil {
		return nil, err
	}
	if r, ok := s.Rules.Rule(kind); ok && r.ExtendVia != "" {
		return nil, kernel.Errorf(kernel.EConflict, "%s须经%s延长", s.label(kind), r.ExtendVia)
	}
	var out View
	err := s.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		bound := s.Cases.WithTx(tx)
		c, err := bound.Find(ctx, actor, no)
		if err != nil {
			return err
		}
		st := s.Store.WithTx(tx)
		if err := s.refresh(ctx, st, false); err != nil {
			return err
		}
		list, err := st.ByCase(ctx, c.ID)
		if err != nil {
			return err
		}
		var k *Clock
		for _, x := range list {
			if x.Kind == kind {
				k = x
			}
		}
		if k == nil {
			return kernel.Errorf(kernel.ENotFound, "该案件没有此期限")
		}
		now := s.Now().UTC()
		if err := k.Extend(s.Calendar, days, unit, reason, actor.Name, now); err != nil {
			return err
		}
		if err := st.Update(ctx, k); err != nil {
			return err
		}
		due := k.Due
		switch kind {
		case Handling:
			c.HandleDue = &due
		case AcceptDecision:
			c.AcceptDue = &due
		}
		c.UpdatedAt = now
		if err := bound.Store.UpdateCase(ctx, c); err != nil {
			return err
		}
		out = s.View(k, now)
		return bound.RecordEvent(ctx, bound.Store, &cases.Event{CaseID: c.ID, At: now, ActorID: actor.UserID,
			ActorName: actor.Name, Kind: EventExtended,
			Note: fmt.Sprintf("%s延长%d%s（%s批准）：%s", s.label(kind), days, unitLabel(unit), actor.Name, strings.TrimSpace(reason)),
			Data: map[string]any{"clock": string(kind), "days": days, "unit": string(unit), "due_at": k.Due}})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
