// Package visitstore is the bun implementation of visits.Store.
package visitstore

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/visits"
)

// Store implements visits.Store.
type Store struct {
	db  *bun.DB
	idb bun.IDB
}

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db, idb: db} }

// WithTx implements visits.Store.
func (s *Store) WithTx(tx kernel.Tx) visits.Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx)}
}

// Create implements visits.Store.
func (s *Store) Create(ctx context.Context, v *visits.Visit) error {
	return s.idb.QueryRowContext(ctx, `INSERT INTO return_visits (case_id, method, reached, satisfaction, note, reopened,
		sample, visitor_id, visitor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		v.CaseID, v.Method, v.Reached, v.Satisfaction, v.Note, v.Reopened, v.Sample, v.VisitorID, v.VisitorName, v.CreatedAt.UTC()).Scan(&v.ID)
}

// ByCase implements visits.Store.
func (s *Store) ByCase(ctx context.Context, caseID int64) ([]visits.Visit, error) {
	rows, err := s.idb.QueryContext(ctx, `SELECT id, case_id, method, reached, satisfaction, note, reopened, sample, visitor_id,
		visitor_name, created_at FROM return_visits WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []visits.Visit{}
	for rows.Next() {
		var v visits.Visit
		if err := rows.Scan(&v.ID, &v.CaseID, &v.Method, &v.Reached, &v.Satisfaction, &v.Note, &v.Reopened, &v.Sample,
			&v.VisitorID, &v.VisitorName, &v.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// eligible is the WHERE clause of the cases a draw may take (SampleQuery),
// on cases aliased c, with its arguments.
func eligible(q visits.SampleQuery) (string, []any) {
	return `c.region_code >= ? AND c.region_code < ?
		AND c.status IN ('resolved', 'visited') AND c.resolved_at >= ? AND c.resolved_at < ?
		AND (c.assignee_id IS NULL OR c.assignee_id <> ?)
		AND NOT EXISTS (SELECT 1 FROM visit_samples vs WHERE vs.case_id = c.id)
		AND NOT EXISTS (SELECT 1 FROM events ev WHERE ev.case_id = c.id AND ev.kind = 'transition'
			AND ev.to_status = 'resolved' AND ev.actor_id = ?)
		AND NOT EXISTS (SELECT 1 FROM return_visits rv WHERE rv.case_id = c.id AND rv.visitor_id = ?)`,
		[]any{q.Prefix, q.Prefix + ":", q.From.UTC(), q.To.UTC(), q.VisitorID, q.VisitorID, q.VisitorID}
}

// Eligible implements visits.SampleStore.
func (s *Store) Eligible(ctx context.Context, q visits.SampleQuery) (int, error) {
	where, args := eligible(q)
	var n int
	err := s.idb.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE `+where, args...).Scan(&n)
	return n, err
}

// Draw implements visits.SampleStore: random() is a function of both
// SQLite and PostgreSQL.
func (s *Store) Draw(ctx context.Context, q visits.SampleQuery, n int, by int64, at time.Time) ([]int64, error) {
	where, args := eligible(q)
	rows, err := s.idb.QueryContext(ctx, `SELECT c.id FROM cases c WHERE `+where+` ORDER BY random() LIMIT ?`, append(args, n)...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		if _, err := s.idb.ExecContext(ctx, `INSERT INTO visit_samples (case_id, assignee_id, assigned_by, done, created_at)
			VALUES (?, ?, ?, ?, ?)`, id, q.VisitorID, by, false, at.UTC()); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// Samples implements visits.SampleStore.
func (s *Store) Samples(ctx context.Context, f visits.SampleFilter) ([]visits.Sample, error) {
	// The handler: the case's assignee, or who last resolved it.
	q := `SELECT c.id, c.case_no, c.subject, c.region_code, c.status, c.resolved_at,
		COALESCE(NULLIF(c.assignee_name, ''), (SELECT ev.actor_name FROM events ev WHERE ev.case_id = c.id
			AND ev.kind = 'transition' AND ev.to_status = 'resolved' ORDER BY ev.id DESC LIMIT 1), ''),
		vs.assignee_id, COALESCE(u.username, ''), vs.assigned_by, vs.done, vs.created_at
		FROM visit_samples vs JOIN cases c ON c.id = vs.case_id LEFT JOIN users u ON u.id = vs.assignee_id
		WHERE c.region_code >= ? AND c.region_code < ?`
	args := []any{f.Prefix, f.Prefix + ":"}
	if f.AssigneeID != 0 {
		q += ` AND vs.assignee_id = ?`
		args = append(args, f.AssigneeID)
	}
	if f.Done != nil {
		q += ` AND vs.done = ?`
		args = append(args, *f.Done)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += ` ORDER BY vs.created_at DESC, c.id DESC LIMIT ?`
	rows, err := s.idb.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []visits.Sample{}
	for rows.Next() {
		var x visits.Sample
		var resolved sql.NullTime
		if err := rows.Scan(&x.CaseID, &x.CaseNo, &x.Subject, &x.RegionCode, &x.Status, &resolved, &x.Handler,
			&x.AssigneeID, &x.Assignee, &x.AssignedBy, &x.Done, &x.CreatedAt); err != nil {
			return nil, err
		}
		if resolved.Valid {
			t := resolved.Time
			x.ResolvedAt = &t
		}
		x.StatusLabel = x.Status.Label()
		out = append(out, x)
	}
	return out, rows.Err()
}

// OpenSample implements visits.SampleStore.
func (s *Store) OpenSample(ctx context.Context, caseID, visitor int64) (bool, error) {
	var n int
	err := s.idb.QueryRowContext(ctx, `SELECT COUNT(*) FROM visit_samples WHERE case_id = ? AND assignee_id = ? AND done = ?`,
		caseID, visitor, false).Scan(&n)
	return n > 0, err
}

// FinishSample implements visits.SampleStore.
func (s *Store) FinishSample(ctx context.Context, caseID int64) error {
	_, err := s.idb.ExecContext(ctx, `UPDATE visit_samples SET done = ? WHERE case_id = ?`, true, caseID)
	return err
}
