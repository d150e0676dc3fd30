package casestore

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Which resident accounts own which cases (issue 12): what a resident may
// see, supplement, evaluate and merge into. Intakes alone do not say it,
// since staff may move a resident's intake into someone else's case.

type caseResidentRow struct {
	bun.BaseModel `bun:"table:case_residents"`
	CaseID        int64     `bun:"case_id,pk"`
	ResidentID    int64     `bun:"resident_id,pk"`
	CreatedAt     time.Time `bun:"created_at"`
}

// AddCaseResident implements cases.ResidentStore.
func (s *Store) AddCaseResident(ctx context.Context, caseID, residentID int64, now time.Time) error {
	_, err := s.idb.NewInsert().Model(&caseResidentRow{CaseID: caseID, ResidentID: residentID, CreatedAt: now}).
		On("CONFLICT (case_id, resident_id) DO NOTHING").Exec(ctx)
	return err
}

// ResidentMayJoin implements cases.ResidentStore.
func (s *Store) ResidentMayJoin(ctx context.Context, caseID, residentID int64, verifiedPhone string) (bool, error) {
	if residentID == 0 {
		return false, nil
	}
	owned, err := s.idb.NewSelect().Model((*caseResidentRow)(nil)).
		Where("case_id = ? AND resident_id = ?", caseID, residentID).Exists(ctx)
	if err != nil || owned || verifiedPhone == "" {
		return owned, err
	}
	hash := s.keys.HashPhone(verifiedPhone)
	if hash == "" {
		return false, nil
	}
	// Staff registered the phone (a walk-in, a call), and no other resident
	// owns the case: a phone typed into someone's own intake proves nothing.
	return s.idb.NewSelect().TableExpr("intakes AS i").
		Where("i.case_id = ? AND i.phone_hash = ? AND i.resident_id = 0", caseID, hash).
		Where("NOT EXISTS (SELECT 1 FROM case_residents AS cr WHERE cr.case_id = ? AND cr.resident_id <> ?)", caseID, residentID).
		Exists(ctx)
}

// ownedBy is the condition that the resident owns case_row.
const ownedBy = "EXISTS (SELECT 1 FROM case_residents AS cr WHERE cr.case_id = case_row.id AND cr.resident_id = ?)"
