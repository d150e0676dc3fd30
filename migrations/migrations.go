// Package migrations holds the SQL schema, one directory per dialect, and
// applies it with bun's migrator.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

func migrator(db *bun.DB) (*migrate.Migrator, error) {
	dir := "sqlite"
	if db.Dialect().Name() == dialect.PG {
		dir = "postgres"
	}
	sub, err := fs.Sub(files, dir)
	if err != nil {
		return nil, err
	}
	m := migrate.NewMigrations()
	if err := m.Discover(sub); err != nil {
		return nil, err
	}
	// Without WithMarkAppliedOnSuccess a failed migration is still recorded
	// as applied and would never be retried.
	return migrate.NewMigrator(db, m, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Up applies every pending migration and returns their names.
func Up(ctx context.Context, db *bun.DB) (applied []string, err error) {
	m, err := migrator(db)
	if err != nil {
		return nil, err
	}
	err = withLock(ctx, db, func() error {
		if err := m.Init(ctx); err != nil {
			return fmt.Errorf("migrations: init: %w", err)
		}
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		for _, mig := range group.Migrations {
			applied = append(applied, mig.Name)
		}
		return nil
	})
	return applied, err
}

// Pending returns the names of migrations not yet applied.
func Pending(ctx context.Context, db *bun.DB) ([]string, error) {
	m, err := migrator(db)
	if err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mig := range ms.Unapplied() {
		out = append(out, mig.Name)
	}
	return out, nil
}
