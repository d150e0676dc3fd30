package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"
)

// A gate bounds how many transactions hold a connection at once, so that
// load queues in Go — with a deadline — instead of inside the database:
//   - SQLite has one writer. Every transaction (they all BEGIN IMMEDIATE)
//     and every write outside one passes a gate of one slot, so writers
//     never meet SQLITE_BUSY, and River's job fetches queue with the
//     requests instead of starving in SQLite's busy handler. Reads outside
//     transactions pass freely (WAL lets them run beside the writer).
//   - PostgreSQL: at most half the pool's connections are in transactions,
//     so a transaction that needs a second connection (a look-up through
//     the pool, a statement being prepared) always finds one.
//
// A caller that waits longer than maxWait (or its context's deadline) gets
// ErrBusy, which the web layer answers with 503 and Retry-After.
type gate struct {
	slots   chan struct{}
	maxWait time.Duration
	writes  bool // also gate writes outside transactions (SQLite)
}

// ErrBusy is returned when the database is saturated: the caller may retry.
var ErrBusy = errors.New("database busy: too many concurrent transactions")

func newGate(slots int, maxWait time.Duration, writes bool) *gate {
	return &gate{slots: make(chan struct{}, slots), maxWait: maxWait, writes: writes}
}

func (g *gate) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errors.Join(ErrBusy, ctx.Err())
	case <-t.C:
		return ErrBusy
	}
}

func (g *gate) release() { <-g.slots }

type heldKey struct{}

// hold marks ctx as passing g already, so the connection's BeginTx does not
// wait for it again.
func hold(ctx context.Context, g *gate) context.Context { return context.WithValue(ctx, heldKey{}, g) }

func (g *gate) heldBy(ctx context.Context) bool { return ctx.Value(heldKey{}) == g }

// gatedConnector wraps a driver's connector so that its connections pass
// the gate.
type gatedConnector struct {
	driver.Connector
	g *gate
}

func (c gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &gatedConn{Conn: conn, g: c.g}, nil
}

// gatedConn forwards to the driver's connection. database/sql uses a
// connection from one goroutine at a time, so inTx needs no lock.
type gatedConn struct {
	driver.Conn
	g    *gate
	inTx bool
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	release := func() {}
	if !c.g.heldBy(ctx) {
		if err := c.g.acquire(ctx); err != nil {
			return nil, err
		}
		release = c.g.release
	}
	var tx driver.Tx
	var err error
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		tx, err = c.Conn.Begin() //nolint:staticcheck // drivers without BeginTx
	}
	if err != nil {
		release()
		return nil, err
	}
	c.inTx = true
	return &gatedTx{Tx: tx, done: func() { c.inTx = false; release() }}, nil
}

func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

type gatedTx struct {
	driver.Tx
	once sync.Once
	done func()
}

func (t *gatedTx) Commit() error {
	defer t.once.Do(t.done)
	return t.Tx.Commit()
}

func (t *gatedTx) Rollback() error {
	defer t.once.Do(t.done)
	return t.Tx.Rollback()
}

// gatesWrite reports whether a statement outside a transaction must pass
// the gate: on SQLite, anything that may write.
func (c *gatedConn) gatesWrite(ctx context.Context, query string) bool {
	return c.g.writes && !c.inTx && !c.g.heldBy(ctx) && mayWrite(query)
}

// mayWrite tells writes from reads by the statement's first word (and, for
// a common table expression, by the writing words in it).
func mayWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	i := strings.IndexAny(q, " \t\r\n(")
	if i < 0 {
		i = len(q)
	}
	switch strings.ToUpper(q[:i]) {
	case "SELECT", "EXPLAIN":
		return false
	case "WITH":
		// A common table expression may write (WITH … INSERT/UPDATE/DELETE).
		u := strings.ToUpper(q)
		for _, w := range []string{"INSERT ", "UPDATE ", "DELETE ", "REPLACE ", "RETURNING"} {
			if strings.Contains(u, w) {
				return true
			}
		}
		return false
	}
	return true
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if c.gatesWrite(ctx, query) {
		if err := c.g.acquire(ctx); err != nil {
			return nil, err
		}
		defer c.g.release()
	}
	return e.ExecContext(ctx, query, args)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	if !c.gatesWrite(ctx, query) {
		return q.QueryContext(ctx, query, args)
	}
	if err := c.g.acquire(ctx); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, query, args)
	if err != nil {
		c.g.release()
		return nil, err
	}
	return &gatedRows{Rows: rows, done: c.g.release}, nil
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.Conn.Prepare(query)
	}
	if err != nil || !c.g.writes || !mayWrite(query) {
		return st, err
	}
	return &gatedStmt{Stmt: st, c: c}, nil
}

func (c *gatedConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *gatedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *gatedConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *gatedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// gatedStmt is a prepared write (SQLite): outside a transaction each run
// passes the gate.
type gatedStmt struct {
	driver.Stmt
	c *gatedConn
}

func (s *gatedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if !s.c.inTx && !s.c.g.heldBy(ctx) {
		if err := s.c.g.acquire(ctx); err != nil {
			return nil, err
		}
		defer s.c.g.release()
	}
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return nil, errors.New("database: driver statement without ExecContext")
}

func (s *gatedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("database: driver statement without QueryContext")
	}
	if s.c.inTx || s.c.g.heldBy(ctx) {
		return q.QueryContext(ctx, args)
	}
	if err := s.c.g.acquire(ctx); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		s.c.g.release()
		return nil, err
	}
	return &gatedRows{Rows: rows, done: s.c.g.release}, nil
}

func (s *gatedStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// gatedRows holds the gate until the rows of a write (RETURNING) are read.
type gatedRows struct {
	driver.Rows
	once sync.Once
	done func()
}

func (r *gatedRows) Close() error {
	defer r.once.Do(r.done)
	return r.Rows.Close()
}

func (r *gatedRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err == io.EOF {
		r.once.Do(r.done)
	}
	return err
}

func (r *gatedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *gatedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
