// Package database opens the bun database the DSN names, SQLite (pure Go,
// the default) or PostgreSQL, and maps driver errors to domain errors.
package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jiefen/jiefen/kernel"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
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

// Pool sizes. On PostgreSQL at most half the main pool is in transactions
// (see gate); on SQLite one transaction writes at a time and readers share
// the rest.
const (
	pgConns     = 20
	sqliteConns = 8
	gateWait    = 2 * time.Second
	pgAuxConns  = 4
)

// Open connects to the database and checks that it answers. It is the
// pool requests use.
func Open(ctx context.Context, dsn string) (*bun.DB, error) {
	if IsPostgres(dsn) {
		return openPG(ctx, dsn, pgConns, newGate(pgConns/2, gateWait, false))
	}
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
	conn, err := sqlite.NewConnector(dsn + sep + sqlitePragmas)
	if err != nil {
		return nil, err
	}
	g := newGate(1, gateWait, true)
	sqldb := openGated(conn, g)
	sqldb.SetMaxOpenConns(sqliteConns)
	sqldb.SetMaxIdleConns(sqliteConns)
	db, err := ping(ctx, bun.NewDB(sqldb, sqlitedialect.New()))
	if err != nil {
		return nil, err
	}
	// Transactions run on one connection of their own: SQLite drops a
	// connection's page cache whenever another connection has written, so
	// transactions spread over the pool would each start cold and re-read
	// every page they touch (most of a registration's time, measured).
	wdb := sql.OpenDB(gatedConnector{Connector: conn, g: g})
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	writer := bun.NewDB(wdb, sqlitedialect.New())
	p, _ := registry.Load(sqldb)
	p.(*pool).writer = writer
	return db, nil
}

// Writer returns the pool transactions on db run on: a connection of its
// own on SQLite, db itself on PostgreSQL.
func Writer(db *bun.DB) *bun.DB {
	if p, ok := registry.Load(db.DB); ok && p.(*pool).writer != nil {
		return p.(*pool).writer
	}
	return db
}

// Close closes db and the writer opened with it.
func Close(db *bun.DB) error {
	var err error
	if p, ok := registry.LoadAndDelete(db.DB); ok && p.(*pool).writer != nil {
		err = p.(*pool).writer.Close()
	}
	return errors.Join(err, db.Close())
}

// OpenAux returns a small pool of its own for background work on
// PostgreSQL (River, the index syncer), so that load on the request pool
// can never starve it. On SQLite, whose one writer is gated per pool, it
// returns main: background writes queue with the requests' writes.
func OpenAux(ctx context.Context, dsn string, main *bun.DB) (*bun.DB, error) {
	if !IsPostgres(dsn) {
		return main, nil
	}
	return openPG(ctx, dsn, pgAuxConns, newGate(pgAuxConns/2, gateWait, false))
}

func openPG(ctx context.Context, dsn string, conns int, g *gate) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(dsn, "default_query_exec_mode") {
		// bun writes values into the SQL text, so most statements are seen
		// once: caching them as named statements costs a round trip to
		// prepare each and fills the cache with one-offs. Exec sends parse,
		// bind and execute together. Hot statements are prepared
		// explicitly (casestore's prepared.go) and keep their plans.
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	sqldb := openGated(stdlib.GetConnector(*cfg), g)
	sqldb.SetMaxOpenConns(conns)
	sqldb.SetMaxIdleConns(conns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return ping(ctx, bun.NewDB(sqldb, pgdialect.New()))
}

// pool is what this package keeps about a database it opened.
type pool struct {
	gate   *gate
	writer *bun.DB // SQLite: the transactions' connection
}

// registry finds the pool of a *sql.DB opened here: Transactor passes its
// gate before taking a connection (a request waiting for its turn must not
// hold a connection meanwhile, or the readers — every request
// authenticates — would queue behind the writers) and runs on its writer.
var registry sync.Map // *sql.DB → *pool

func openGated(c driver.Connector, g *gate) *sql.DB {
	db := sql.OpenDB(gatedConnector{Connector: c, g: g})
	registry.Store(db, &pool{gate: g})
	return db
}

func ping(ctx context.Context, db *bun.DB) (*bun.DB, error) {
	if err := db.PingContext(ctx); err != nil {
		registry.Delete(db.DB)
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
		return kernel.Errorf(kernel.ENotFound, "%s不存在", what)
	case IsUniqueViolation(err):
		return kernel.Errorf(kernel.EConflict, "%s已存在", what)
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

// Unavailable reports whether err means the database cannot serve now —
// saturated (ErrBusy, a deadline passed while waiting), unreachable (a
// restart), out of disk — rather than that the request was wrong: the
// client should retry later (503 with Retry-After), and nothing was
// written, since the transaction did not commit.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrBusy) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ENOSPC) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),                                 // insufficient resources: disk full, too many connections
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutting down, cannot connect now
			pgErr.Code == "57014": // statement timeout
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR:
			return true
		}
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// Retryable reports whether a transaction failed only because it met
// another one (a serialization failure or a deadlock on PostgreSQL), so
// that running it again may succeed.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}
