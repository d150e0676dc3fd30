package migrations

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// advisoryKey is an arbitrary constant naming Jiefen's migration lock.
const advisoryKey = 0x6a696566656e // "jiefen"

// WithLock runs fn while holding the migration lock (other schema
// migrations, such as the job queue's, use it too).
func WithLock(ctx context.Context, db *bun.DB, fn func() error) error { return withLock(ctx, db, fn) }

// withLock runs fn while holding the migration lock. On PostgreSQL several
// servers may start at once; a session advisory lock lets one migrate while
// the others wait, and it is released if the holder dies (bun's table lock
// would stay behind). SQLite is the single-process default and needs none.
func withLock(ctx context.Context, db *bun.DB, fn func() error) error {
	if db.Dialect().Name() != dialect.PG {
		return fn()
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", advisoryKey); err != nil {
		return fmt.Errorf("migrations: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", advisoryKey) //nolint:errcheck
	return fn()
}
