// Package documentstore is the bun implementation of documents.Store, for
// SQLite and PostgreSQL.
package documentstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/documents"
	"github.com/jiefen/jiefen/kernel"
)

type docRow struct {
	bun.BaseModel `bun:"table:case_documents,alias:d"`
	ID            int64     `bun:"id,pk,autoincrement"`
	CaseID        int64     `bun:"case_id"`
	Kind          string    `bun:"kind"`
	Title         string    `bun:"title"`
	Version       int       `bun:"version"`
	SHA256        string    `bun:"sha256"`
	Size          int       `bun:"size"`
	Content       []byte    `bun:"content"`
	SourceEventID *int64    `bun:"source_event_id"`
	CreatedBy     int64     `bun:"created_by"`
	CreatedByName string    `bun:"created_by_name"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (r *docRow) toDocument() documents.Document {
	d := documents.Document{ID: r.ID, CaseID: r.CaseID, Kind: documents.Kind(r.Kind), Title: r.Title,
		Version: r.Version, SHA256: r.SHA256, Size: r.Size, Content: r.Content, CreatedBy: r.CreatedBy,
		CreatedByName: r.CreatedByName, CreatedAt: r.CreatedAt.UTC()}
	if r.SourceEventID != nil {
		d.SourceEventID = *r.SourceEventID
	}
	return d
}

// listColumns are every column but the PDF.
var listColumns = []string{"id", "case_id", "kind", "title", "version", "sha256", "size", "source_event_id",
	"created_by", "created_by_name", "created_at"}

// Store implements documents.Store.
type Store struct {
	db  *bun.DB
	idb bun.IDB // db, or the transaction the store is bound to
}

var _ documents.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db, idb: db} }

// WithTx implements documents.Store.
func (s *Store) WithTx(tx kernel.Tx) documents.Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx)}
}

// Create implements documents.Store.
func (s *Store) Create(ctx context.Context, d *documents.Document) error {
	row := &docRow{CaseID: d.CaseID, Kind: string(d.Kind), Title: d.Title, Version: d.Version, SHA256: d.SHA256,
		Size: d.Size, Content: d.Content, CreatedBy: d.CreatedBy, CreatedByName: d.CreatedByName,
		CreatedAt: d.CreatedAt.UTC()}
	if d.SourceEventID != 0 {
		row.SourceEventID = &d.SourceEventID
	}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "文书")
	}
	d.ID = row.ID
	return nil
}

// NextVersion implements documents.Store.
func (s *Store) NextVersion(ctx context.Context, caseID int64, kind documents.Kind) (int, error) {
	var max sql.NullInt64
	err := s.idb.NewSelect().Model((*docRow)(nil)).ColumnExpr("MAX(version)").
		Where("case_id = ?", caseID).Where("kind = ?", string(kind)).Scan(ctx, &max)
	if err != nil {
		return 0, err
	}
	return int(max.Int64) + 1, nil
}

// BySource implements documents.Store.
func (s *Store) BySource(ctx context.Context, caseID int64, kind documents.Kind, eventID int64) (*documents.Document, error) {
	var row docRow
	err := s.idb.NewSelect().Model(&row).Column(listColumns...).Where("case_id = ?", caseID).
		Where("kind = ?", string(kind)).Where("source_event_id = ?", eventID).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d := row.toDocument()
	return &d, nil
}

// List implements documents.Store.
func (s *Store) List(ctx context.Context, caseID int64) ([]documents.Document, error) {
	var rows []docRow
	err := s.idb.NewSelect().Model(&rows).Column(listColumns...).Where("case_id = ?", caseID).
		OrderExpr("created_at DESC, id DESC").Scan(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]documents.Document, len(rows))
	for i := range rows {
		out[i] = rows[i].toDocument()
	}
	return out, nil
}

// Get implements documents.Store.
func (s *Store) Get(ctx context.Context, caseID, id int64) (*documents.Document, error) {
	var row docRow
	err := s.idb.NewSelect().Model(&row).Where("case_id = ?", caseID).Where("id = ?", id).Scan(ctx)
	if err != nil {
		return nil, database.Err(err, "文书")
	}
	d := row.toDocument()
	return &d, nil
}
