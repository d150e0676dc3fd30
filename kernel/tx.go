package kernel

import "context"

// Tx is one unit of work: every store bound to it (WithTx) writes in the
// same database transaction, so a module's rows, the case's timeline event
// and the jobs they cause commit together or not at all. It says nothing
// about which database: the storage adapter that began it knows.
type Tx interface {
	// AfterCommit runs fn once the transaction has committed (never after
	// a rollback): for work that must not see uncommitted state, such as
	// telling the search index to catch up.
	AfterCommit(fn func())
}

// Transactor begins units of work.
type Transactor interface {
	// InTx runs fn in one transaction, committed when fn returns nil and
	// rolled back otherwise. Called with a context that already carries a
	// transaction (inside fn), it joins it instead of nesting. A
	// transaction that fails only because it met a concurrent one (a
	// serialization failure, a deadlock) is run again.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}

type txKey struct{}

// WithTx returns ctx carrying tx, for InTx to join.
func WithTx(ctx context.Context, tx Tx) context.Context { return context.WithValue(ctx, txKey{}, tx) }

// TxFrom returns the transaction ctx carries, if any.
func TxFrom(ctx context.Context) (Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(Tx)
	return tx, ok
}
