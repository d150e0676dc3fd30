// Package channels holds what the channel adapters share; each channel —
// wechat, hotline, video — is a subpackage that turns the outside world into
// cases.Intake and pushes updates back through jobs.
package channels

import (
	"context"

	"github.com/jiefen/jiefen/cases"
)

// Fanout passes every case event to each channel's notifier in turn.
type Fanout []cases.Notifier

// CaseEvent implements cases.Notifier.
func (f Fanout) CaseEvent(ctx context.Context, tx cases.Store, e *cases.Event) error {
	for _, n := range f {
		if err := n.CaseEvent(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}
