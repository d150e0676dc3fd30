// Package channels holds what the channel adapters share; each channel —
// wechat, hotline, video — is a subpackage that turns the outside world into
// cases.Intake and pushes updates back through jobs.
package channels

import (
	"context"
	"database/sql"

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

// SQLTx returns the database transaction a case store is bound to, so that
// jobs are inserted with the change that causes them (nil outside one).
func SQLTx(tx cases.Store) *sql.Tx {
	if t, ok := tx.(interface{ SQLTx() *sql.Tx }); ok {
		return t.SQLTx()
	}
	return nil
}
