package database

import (
	"context"
	"database/sql"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/kernel"
)

// Tx is the unit of work of this package: a bun transaction, and what runs
// once it has committed.
type Tx struct {
	bun.Tx
	after []func()
}

// AfterCommit implements kernel.Tx.
func (t *Tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

// Transactor begins units of work on a database: the one kernel.Transactor
// of Jiefen's stores.
type Transactor struct{ DB *bun.DB }

var _ kernel.Transactor = Transactor{}

// txAttempts bounds how often a transaction that met a concurrent one is run.
const txAttempts = 5

// InTx implements kernel.Transactor.
func (t Transactor) InTx(ctx context.Context, fn func(ctx context.Context, tx kernel.Tx) error) error {
	if tx, ok := kernel.TxFrom(ctx); ok {
		return fn(ctx, tx)
	}
	db := t.DB
	if p, ok := registry.Load(t.DB.DB); ok {
		// Wait for a turn before taking a connection (see registry).
		p := p.(*pool)
		if err := p.gate.acquire(ctx); err != nil {
			return err
		}
		defer p.gate.release()
		ctx = hold(ctx, p.gate)
		if p.writer != nil {
			db = p.writer
		}
	}
	for attempt := 1; ; attempt++ {
		var tx *Tx
		err := db.RunInTx(ctx, nil, func(ctx context.Context, btx bun.Tx) error {
			tx = &Tx{Tx: btx}
			return fn(kernel.WithTx(ctx, tx), tx)
		})
		if err == nil {
			for _, f := range tx.after {
				f()
			}
			return nil
		}
		if !Retryable(err) || attempt == txAttempts || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
	}
}

// IDB returns what a store bound to tx queries through: the bun
// transaction of a unit of work begun by this package, db for none.
func IDB(db *bun.DB, tx kernel.Tx) bun.IDB {
	if t, ok := tx.(*Tx); ok && t != nil {
		return t.Tx
	}
	return db
}

// SQLTx returns the database/sql transaction of a unit of work begun by
// this package (nil for none), for libraries that take one: River inserts
// jobs in the transaction of the change that causes them.
func SQLTx(tx kernel.Tx) *sql.Tx {
	if t, ok := tx.(*Tx); ok && t != nil {
		return t.Tx.Tx
	}
	return nil
}
