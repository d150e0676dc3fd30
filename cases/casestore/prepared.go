package casestore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The hottest statements of registration run as prepared statements with
// bound parameters: bun writes values into the SQL text, which SQLite then
// parses anew every time, and an intake's text and sealed payload make that
// text kilobytes long. Prepared once per connection, they skip the parse.

type prepared struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	texts map[string]string // bun-built query texts by name
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
	st, err := s.stmt(ctx, query)
	if err != nil {
		return err
	}
	var rows *sql.Rows
	if tx, ok := s.idb.(bun.Tx); ok {
		rows, err = tx.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	} else {
		rows, err = st.QueryContext(ctx, args...)
	}
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest)
}

// stmt returns the statement for query, prepared on the database (database/sql
// re-prepares it per connection as needed and keeps it).
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.prep.mu.Lock()
	defer s.prep.mu.Unlock()
	if st, ok := s.prep.stmts[query]; ok {
		return st, nil
	}
	if s.db.Dialect().Name() == dialect.PG {
		query = dollarPlaceholders(query)
	}
	st, err := s.db.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if s.prep.stmts == nil {
		s.prep.stmts = map[string]*sql.Stmt{}
	}
	s.prep.stmts[query] = st
	return st, nil
}

// queryRow runs a prepared query in the store's transaction, if any.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if tx, ok := s.idb.(bun.Tx); ok {
		return tx.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...), nil
	}
	return st.QueryRowContext(ctx, args...), nil
}

// exec runs a prepared statement in the store's transaction, if any.
func (s *Store) exec(ctx context.Context, query string, args ...any) error {
	_, err := s.execN(ctx, query, args...)
	return err
}

// execN is exec returning the number of rows affected.
func (s *Store) execN(ctx context.Context, query string, args ...any) (int64, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	var res sql.Result
	if tx, ok := s.idb.(bun.Tx); ok {
		res, err = tx.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		res, err = st.ExecContext(ctx, args...)
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
