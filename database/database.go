// Package database opens the bun database the DSN names, SQLite (pure Go,
// the default) or PostgreSQL, and maps driver errors to domain errors.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/jiefen/jiefen/cases"
)

// IsPostgres reports whether a DSN names a PostgreSQL server.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLiteDSN is the DSN of the default database file in a data directory.
func SQLiteDSN(dataDir string) string {
	return "file:" + filepath.Join(dataDir, "jiefen.db")
}

// sqlitePragmas: WAL lets readers run beside the one writer; busy_timeout
// makes writers queue instead of failing; immediate transactions take the
// write lock up front so two read-then-write transactions cannot deadlock;
// a memory map and a 128 MiB page cache keep the detector's random reads of
// a million intakes off the read system call.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-131072)&_pragma=mmap_size(4294967296)&_pragma=temp_store(MEMORY)&_txlock=immediate"

// Open connects to the database and checks that it answers.
func Open(ctx context.Context, dsn string) (*bun.DB, error) {
	var db *bun.DB
	if IsPostgres(dsn) {
		sqldb, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		sqldb.SetMaxOpenConns(20)
		db = bun.NewDB(sqldb, pgdialect.New())
	} else {
		path := strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "file:")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		sqldb, err := sql.Open("sqlite", dsn+sep+sqlitePragmas)
		if err != nil {
			return nil, err
		}
		sqldb.SetMaxOpenConns(8)
		db = bun.NewDB(sqldb, sqlitedialect.New())
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	return db, nil
}

// Err maps driver errors to domain errors: no rows to ENotFound, unique
// violations to EConflict. Other errors pass through unchanged.
func Err(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return cases.Errorf(cases.ENotFound, "%s不存在", what)
	case IsUniqueViolation(err):
		return cases.Errorf(cases.EConflict, "%s已存在", what)
	}
	return err
}

// IsUniqueViolation reports whether err is a unique or primary-key clash.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
