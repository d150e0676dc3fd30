package casestore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/database"
)

// The hottest statements of registration run as prepared statements with
// bound parameters: bun writes values into the SQL text, which SQLite then
// parses anew every time, and an intake's text and sealed payload make that
// text kilobytes long. Prepared once per connection, they skip the parse.

// stmtKey is a statement of one pool: a *sql.Stmt belongs to the pool it
// was prepared on.
type stmtKey struct {
	pool  *sql.DB
	query string
}

type prepared struct {
	mu      sync.Mutex
	stmts   map[stmtKey]*sql.Stmt
	pending map[stmtKey]bool  // being prepared in the background
	texts   map[string]string // bun-built query texts by name
}

// text returns the query named name, built by build on first use. Queries
// built with bun take their parameters as bun.Safe("?"), so that the text
// is a template and the values are bound when it runs.
func (s *Store) text(name string, build func() string) string {
	s.prep.mu.Lock()
	q, ok := s.prep.texts[name]
	s.prep.mu.Unlock()
	if ok {
		return q
	}
	q = build()
	s.prep.mu.Lock()
	if s.prep.texts == nil {
		s.prep.texts = map[string]string{}
	}
	s.prep.texts[name] = q
	s.prep.mu.Unlock()
	return q
}

// scan runs a prepared query in the store's transaction, if any, and scans
// the rows into dest (a slice of bun models).
func (s *Store) scan(ctx context.Context, dest any, query string, args ...any) error {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest)
}

// stmt returns the statement for query if it is prepared, and otherwise
// the query in the dialect's placeholders, to run unprepared this once.
//
// Preparing takes a connection from the pool. A caller inside a
// transaction already holds one and must never wait for a second (with
// every connection in a transaction, nobody would get one: the deadlock
// seen under load), so the statement is prepared in the background, where
// waiting holds nothing, and used from the next call on. No lock is held
// while preparing. Statements run in transactions are prepared on the
// pool transactions use (database.Writer), the others on the store's.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, string) {
	pool := s.db
	if _, inTx := s.idb.(bun.Tx); inTx {
		pool = database.Writer(s.db)
	}
	key := stmtKey{pool.DB, query}
	s.prep.mu.Lock()
	st, ok := s.prep.stmts[key]
	pending := s.prep.pending[key]
	if !ok && !pending {
		if s.prep.pending == nil {
			s.prep.pending = map[stmtKey]bool{}
		}
		s.prep.pending[key] = true
	}
	s.prep.mu.Unlock()
	if ok {
		return st, ""
	}
	text := query
	if s.db.Dialect().Name() == dialect.PG {
		text = dollarPlaceholders(query)
	}
	if !pending {
		go s.prepare(context.WithoutCancel(ctx), key, text)
	}
	return nil, text
}

// prepare prepares a statement on its pool and keeps it; a failure leaves
// the query to run unprepared and to be tried again later.
func (s *Store) prepare(ctx context.Context, key stmtKey, text string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := key.pool.PrepareContext(ctx, text)
	s.prep.mu.Lock()
	defer s.prep.mu.Unlock()
	delete(s.prep.pending, key)
	if err != nil {
		return
	}
	if s.prep.stmts == nil {
		s.prep.stmts = map[stmtKey]*sql.Stmt{}
	}
	s.prep.stmts[key] = st
}

// query runs a query, prepared once it can be, in the store's transaction
// if any.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, text := s.stmt(ctx, query)
	tx, inTx := s.idb.(bun.Tx)
	switch {
	case st != nil && inTx:
		return tx.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	case st != nil:
		return st.QueryContext(ctx, args...)
	case inTx:
		return tx.Tx.QueryContext(ctx, text, args...)
	}
	return s.db.DB.QueryContext(ctx, text, args...)
}

// queryRow runs a prepared query in the store's transaction, if any.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, text := s.stmt(ctx, query)
	tx, inTx := s.idb.(bun.Tx)
	switch {
	case st != nil && inTx:
		return tx.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...), nil
	case st != nil:
		return st.QueryRowContext(ctx, args...), nil
	case inTx:
		return tx.Tx.QueryRowContext(ctx, text, args...), nil
	}
	return s.db.DB.QueryRowContext(ctx, text, args...), nil
}

// exec runs a prepared statement in the store's transaction, if any.
func (s *Store) exec(ctx context.Context, query string, args ...any) error {
	_, err := s.execN(ctx, query, args...)
	return err
}

// execN is exec returning the number of rows affected.
func (s *Store) execN(ctx context.Context, query string, args ...any) (int64, error) {
	st, text := s.stmt(ctx, query)
	tx, inTx := s.idb.(bun.Tx)
	var res sql.Result
	var err error
	switch {
	case st != nil && inTx:
		res, err = tx.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	case st != nil:
		res, err = st.ExecContext(ctx, args...)
	case inTx:
		res, err = tx.Tx.ExecContext(ctx, text, args...)
	default:
		res, err = s.db.DB.ExecContext(ctx, text, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// dollarPlaceholders turns ? into $1, $2, … for PostgreSQL.
func dollarPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// nullBytes stores an empty byte slice as NULL, as bun did.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
