package cases

import (
	"context"
	"time"
)

// Clocks keeps the deadlines of cases (package clocks, in the table
// case_clocks). The service calls it in the transaction of the change it
// times; nil keeps only the two due columns, computed by Policy.
type Clocks interface {
	// Open computes the first clock of a case being registered and sets
	// c.AcceptDue from it, before the case is stored; save stores the
	// clock once the case has its id, in the same transaction.
	Open(ctx context.Context, tx Store, c *Case, receivedAt time.Time) (save func() error, err error)
	// Transition starts, pauses, resumes or stops the case's clocks for
	// from → to, keeps c.AcceptDue and c.HandleDue in step with them, and
	// returns what changed for the transition's timeline event.
	Transition(ctx context.Context, tx Store, c *Case, from, to Status, now time.Time, note string) (map[string]any, error)
}

// EventClockMissed marks a clock that passed its due: supervisors of the
// region see it on the timeline, notifiers hear it.
const EventClockMissed = "clock_missed"
