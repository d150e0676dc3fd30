// Package visitstore is the bun implementation of visits.Store.
package visitstore

import (
	"context"

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
		visitor_id, visitor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		v.CaseID, v.Method, v.Reached, v.Satisfaction, v.Note, v.Reopened, v.VisitorID, v.VisitorName, v.CreatedAt.UTC()).Scan(&v.ID)
}

// ByCase implements visits.Store.
func (s *Store) ByCase(ctx context.Context, caseID int64) ([]visits.Visit, error) {
	rows, err := s.idb.QueryContext(ctx, `SELECT id, case_id, method, reached, satisfaction, note, reopened, visitor_id,
		visitor_name, created_at FROM return_visits WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []visits.Visit{}
	for rows.Next() {
		var v visits.Visit
		if err := rows.Scan(&v.ID, &v.CaseID, &v.Method, &v.Reached, &v.Satisfaction, &v.Note, &v.Reopened,
			&v.VisitorID, &v.VisitorName, &v.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
