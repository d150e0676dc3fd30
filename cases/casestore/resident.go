package casestore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
)

var _ cases.ResidentStore = (*Store)(nil)

// ResidentCases implements cases.ResidentStore.
func (s *Store) ResidentCases(ctx context.Context, residentID, beforeID int64, limit int) ([]*cases.Case, error) {
	var rows []caseRow
	q := s.selectCases(&rows).
		Where(ownedBy, residentID)
	if beforeID > 0 {
		q = q.Where("case_row.id < ?", beforeID)
	}
	if err := q.OrderExpr("case_row.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*cases.Case, len(rows))
	for i := range rows {
		out[i] = rows[i].toCase()
	}
	return out, nil
}

// ResidentCase implements cases.ResidentStore.
func (s *Store) ResidentCase(ctx context.Context, residentID int64, no string) (*cases.Case, error) {
	if residentID == 0 {
		return nil, kernel.Errorf(kernel.ENotFound, "案件不存在")
	}
	var r caseRow
	err := s.selectCases(&r).Where("case_row.case_no = ?", no).
		Where(ownedBy, residentID).
		Scan(ctx)
	if err != nil {
		return nil, database.Err(err, "案件")
	}
	return r.toCase(), nil
}

type evaluationRow struct {
	bun.BaseModel `bun:"table:evaluations"`
	CaseID        int64     `bun:"case_id,pk"`
	ResidentID    int64     `bun:"resident_id"`
	Rating        string    `bun:"rating"`
	Comment       string    `bun:"comment"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Evaluation implements cases.ResidentStore.
func (s *Store) Evaluation(ctx context.Context, caseID int64) (*cases.Evaluation, error) {
	var r evaluationRow
	if err := s.idb.NewSelect().Model(&r).Where("case_id = ?", caseID).Scan(ctx); err != nil {
		return nil, database.Err(err, "评价")
	}
	return &cases.Evaluation{CaseID: r.CaseID, ResidentID: r.ResidentID, Rating: r.Rating, Comment: r.Comment,
		CreatedAt: r.CreatedAt.UTC()}, nil
}

// CreateEvaluation implements cases.ResidentStore.
func (s *Store) CreateEvaluation(ctx context.Context, e *cases.Evaluation) error {
	res, err := s.idb.NewInsert().Model(&evaluationRow{CaseID: e.CaseID, ResidentID: e.ResidentID, Rating: e.Rating,
		Comment: e.Comment, CreatedAt: e.CreatedAt}).On("CONFLICT (case_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kernel.Errorf(kernel.EConflict, "评价已存在")
	}
	return nil
}
