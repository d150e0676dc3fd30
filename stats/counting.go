package stats

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/cases"
)

// EventReturnVisit is the timeline event of a return visit (visits/); its
// data carries "reached" and "satisfaction" (满意/基本满意/不满意).
const EventReturnVisit = "return_visit"

// CaseFacts are what the counters need of a case.
type CaseFacts struct {
	Region, Channel, Category string
	Created                   time.Time
}

// EventFacts are what the counters need of an event.
type EventFacts struct {
	Kind     string
	From, To cases.Status
	At       time.Time
	Data     map[string]any
}

// Counts reports whether an event changes the counters at all.
func Counts(kind string) bool {
	switch kind {
	case cases.EventRegistered, cases.EventTransition, cases.EventEvaluated, EventReturnVisit:
		return true
	}
	return false
}

// NeedsFirst reports whether Deltas needs the case's first resolution.
func NeedsFirst(e EventFacts) bool {
	return e.Kind == cases.EventTransition && (e.To == cases.StatusResolved ||
		(e.To == cases.StatusInProgress && (e.From == cases.StatusResolved || e.From == cases.StatusVisited)))
}

// Resolutions is what the counters need of a case's resolutions before an
// event: when it was first resolved (zero if never) and whether the latest
// resolution counted as 化解成功 (a reopening takes back only a success
// that was counted).
type Resolutions struct {
	First       time.Time
	LastSuccess bool
}

// Deltas are the changes of the counters an event makes, given the case's
// resolutions before it. The notifier applies them in the event's
// transaction; Rebuild replays the timeline through them.
func Deltas(c CaseFacts, e EventFacts, r Resolutions) []Delta {
	first := r.First
	d := Delta{Region: c.Region, Day: Day(e.At), Channel: c.Channel, Category: c.Category}
	switch e.Kind {
	case cases.EventRegistered:
		d.C.Received = 1
	case cases.EventEvaluated:
		switch e.Data["rating"] {
		case "satisfied":
			d.C.Satisfied = 1
		case "basically_satisfied":
			d.C.Basically = 1
		case "dissatisfied":
			d.C.Unsatisfied = 1
		}
	case EventReturnVisit:
		if reached, _ := e.Data["reached"].(bool); !reached {
			return nil
		}
		switch e.Data["satisfaction"] {
		case "满意":
			d.C.Satisfied = 1
		case "基本满意":
			d.C.Basically = 1
		case "不满意":
			d.C.Unsatisfied = 1
		}
	case cases.EventTransition:
		failed := e.Data["resolution_success"] == false
		switch {
		case e.To == cases.StatusAccepted:
			d.C.Accepted = 1
		case e.To == cases.StatusRejected:
			d.C.Rejected = 1
		case e.To == cases.StatusClosed:
			d.C.Closed = 1
		case e.To == cases.StatusVisited:
			d.C.Visited = 1
		case e.To == cases.StatusResolved && first.IsZero():
			d.C.Resolved = 1
			if !failed {
				d.C.Success = 1
			}
			d.C.ResolveDays = max(0, calendar.DateOf(e.At).Sub(calendar.DateOf(c.Created)))
		case e.To == cases.StatusResolved: // resolved again: success returns to the first day
			if failed {
				return nil
			}
			d.Day = Day(first)
			d.C.Success = 1
		case e.To == cases.StatusInProgress && !first.IsZero() && r.LastSuccess &&
			(e.From == cases.StatusResolved || e.From == cases.StatusVisited): // reopened
			d.Day = Day(first)
			d.C.Success = -1
		}
	}
	if d.C.Zero() {
		return nil
	}
	return []Delta{d}
}

// Notifier returns the cases.Notifier that keeps the counters, in the
// transaction of each event.
func (s *Service) Notifier() cases.Notifier { return notifier{s} }

type notifier struct{ s *Service }

// CaseEvent implements cases.Notifier.
func (n notifier) CaseEvent(ctx context.Context, tx cases.Store, e *cases.Event) error {
	if !Counts(e.Kind) {
		return nil
	}
	if e.Kind == cases.EventTransition && e.ToStatus == cases.StatusMerged {
		return nil
	}
	c, err := tx.CaseByID(ctx, e.CaseID)
	if err != nil {
		return err
	}
	st := n.s.Store.WithTx(tx.Tx())
	ef := EventFacts{Kind: e.Kind, From: e.FromStatus, To: e.ToStatus, At: e.At, Data: e.Data}
	var r Resolutions
	if NeedsFirst(ef) {
		if r, err = st.Resolutions(ctx, e.CaseID, e.ID); err != nil {
			return err
		}
	}
	deltas := Deltas(CaseFacts{Region: c.RegionCode, Channel: string(c.Channel), Category: c.Category, Created: c.CreatedAt}, ef, r)
	if len(deltas) == 0 {
		return nil
	}
	return st.Add(ctx, deltas)
}
