// Package petitionstore is the bun implementation of petition.Store, for
// SQLite and PostgreSQL.
package petitionstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/petition"
)

type row struct {
	bun.BaseModel `bun:"table:petitions,alias:p"`
	CaseID        int64      `bun:"case_id,pk"`
	Stage         string     `bun:"stage"`
	Class         string     `bun:"class"`
	LegalRoute    string     `bun:"legal_route"`
	UnitID        *int64     `bun:"unit_id"`
	FromUnitID    *int64     `bun:"from_unit_id"`
	TransferKind  string     `bun:"transfer_kind"`
	TransferredAt *time.Time `bun:"transferred_at"`
	AcceptedAt    *time.Time `bun:"accepted_at"`
	Extended      bool       `bun:"extended"`
	ReplyResult   string     `bun:"reply_result"`
	RepliedAt     *time.Time `bun:"replied_at"`
	ReviewLevel   string     `bun:"review_level"`
	ReviewResult  string     `bun:"review_result"`
	DecidedUnitID *int64     `bun:"decided_unit_id"`
	DecidedAt     *time.Time `bun:"decided_at"`
	Hearing       bool       `bun:"hearing"`
	Yueji         bool       `bun:"yueji"`
	EarlierCaseID *int64     `bun:"earlier_case_id"`
	LowerCaseID   *int64     `bun:"lower_case_id"`
	TerminatedAt  *time.Time `bun:"terminated_at"`
	Version       int        `bun:"version"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	x := t.UTC()
	return &x
}

func toRow(p *petition.Petition) *row {
	return &row{CaseID: p.CaseID, Stage: string(p.Stage), Class: string(p.Class), LegalRoute: p.LegalRoute,
		UnitID: p.UnitID, FromUnitID: p.FromUnitID, TransferKind: p.TransferKind, TransferredAt: utc(p.TransferredAt),
		AcceptedAt: utc(p.AcceptedAt), Extended: p.Extended, ReplyResult: p.ReplyResult, RepliedAt: utc(p.RepliedAt),
		ReviewLevel: p.ReviewLevel, ReviewResult: p.ReviewResult, DecidedUnitID: p.DecidedUnitID,
		DecidedAt: utc(p.DecidedAt), Hearing: p.Hearing, Yueji: p.Yueji, EarlierCaseID: p.EarlierCaseID,
		LowerCaseID: p.LowerCaseID, TerminatedAt: utc(p.TerminatedAt), Version: p.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

func (r *row) petition() *petition.Petition {
	return &petition.Petition{CaseID: r.CaseID, Stage: petition.Stage(r.Stage), Class: petition.Class(r.Class),
		LegalRoute: r.LegalRoute, UnitID: r.UnitID, FromUnitID: r.FromUnitID, TransferKind: r.TransferKind,
		TransferredAt: utc(r.TransferredAt), AcceptedAt: utc(r.AcceptedAt), Extended: r.Extended,
		ReplyResult: r.ReplyResult, RepliedAt: utc(r.RepliedAt), ReviewLevel: r.ReviewLevel,
		ReviewResult: r.ReviewResult, DecidedUnitID: r.DecidedUnitID, DecidedAt: utc(r.DecidedAt),
		Hearing: r.Hearing, Yueji: r.Yueji, EarlierCaseID: r.EarlierCaseID, LowerCaseID: r.LowerCaseID,
		TerminatedAt: utc(r.TerminatedAt), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Store implements petition.Store.
type Store struct {
	db  *bun.DB
	idb bun.IDB
}

var _ petition.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db, idb: db} }

// WithTx implements petition.Store.
func (s *Store) WithTx(tx kernel.Tx) petition.Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx)}
}

// Get implements petition.Store.
func (s *Store) Get(ctx context.Context, caseID int64) (*petition.Petition, error) {
	var r row
	if err := s.idb.NewSelect().Model(&r).Where("case_id = ?", caseID).Scan(ctx); err != nil {
		return nil, database.Err(err, "信访事项")
	}
	return r.petition(), nil
}

// Create implements petition.Store.
func (s *Store) Create(ctx context.Context, p *petition.Petition) error {
	p.Version = 1
	if _, err := s.idb.NewInsert().Model(toRow(p)).Exec(ctx); err != nil {
		return database.Err(err, "信访事项")
	}
	return nil
}

// Update implements petition.Store: only if nobody changed the row since
// it was read.
func (s *Store) Update(ctx context.Context, p *petition.Petition) error {
	r := toRow(p)
	r.Version = p.Version + 1
	res, err := s.idb.NewUpdate().Model(r).ExcludeColumn("case_id", "created_at").
		Where("case_id = ?", p.CaseID).Where("version = ?", p.Version).Exec(ctx)
	if err != nil {
		return database.Err(err, "信访事项")
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return cases.ErrStale
	}
	p.Version = r.Version
	return nil
}

// finalLimit bounds the cases through 复核 one lookup returns: a person
// has a handful, never this many.
const finalLimit = 1000

// ByPerson implements petition.Store: the keyed hashes of the intakes, in
// every region. Cases through 复核 (re_review_decided) come first and are
// not cut by limit — however many later petitions the person has, the one
// that makes a repeat 不再受理 is found; limit bounds the other stages,
// newest first.
func (s *Store) ByPerson(ctx context.Context, idHash, phoneHash string, stages []petition.Stage, limit int) ([]int64, error) {
	if idHash == "" && phoneHash == "" {
		return nil, nil
	}
	var final, rest []string
	for _, st := range stages {
		if st == petition.StageReReviewDecided {
			final = append(final, string(st))
		} else {
			rest = append(rest, string(st))
		}
	}
	var out []int64
	for _, q := range []struct {
		names []string
		limit int
	}{{final, finalLimit}, {rest, limit}} {
		if len(q.names) == 0 {
			continue
		}
		var ids []int64
		err := s.idb.NewSelect().TableExpr("petitions AS p").ColumnExpr("DISTINCT p.case_id").
			Join("JOIN intakes AS i ON i.case_id = p.case_id").
			Where("p.stage IN (?)", bun.In(q.names)).
			Where("(i.id_number_hash = ? AND ? <> '') OR (i.phone_hash = ? AND ? <> '')", idHash, idHash, phoneHash, phoneHash).
			OrderExpr("p.case_id DESC").Limit(int64(q.limit)).Scan(ctx, &ids)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}
