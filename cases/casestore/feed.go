package casestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/search"
)

// Feed implements search.Feed over the store's tables, and search.Cursor
// for engines that keep their cursor in the database (Meilisearch).
type Feed struct {
	db     bun.IDB
	store  *Store // for prepared statements
	engine string
}

// NewFeed returns the change feed; engine names the cursor row.
func (s *Store) NewFeed(engine string) *Feed { return &Feed{db: s.idb, store: s, engine: engine} }

var (
	_ search.Feed   = (*Feed)(nil)
	_ search.Cursor = (*Feed)(nil)
)

// Changes implements search.Feed.
func (f *Feed) Changes(ctx context.Context, after int64, limit int) ([]search.Change, error) {
	var rows []changeRow
	q := f.store.text("Changes", func() string {
		return f.db.NewSelect().Model(&rows).Where("seq > ?", bun.Safe("?")).OrderExpr("seq LIMIT ?", bun.Safe("?")).String()
	})
	// Registration reads the feed before each detection: a prepared statement.
	err := f.store.scan(ctx, &rows, q, after, limit)
	out := make([]search.Change, len(rows))
	for i, r := range rows {
		out[i] = search.Change{Seq: r.Seq, CaseID: r.CaseID}
	}
	return out, err
}

type docRow struct {
	ID         int64     `bun:"id"`
	CaseID     int64     `bun:"case_id"`
	Region     string    `bun:"region_code"`
	ReceivedAt time.Time `bun:"received_at"`
	Status     string    `bun:"status"`
	Subject    string    `bun:"subject"`
	Content    string    `bun:"content"`
}

func docsQuery(q *bun.SelectQuery) *bun.SelectQuery {
	return q.TableExpr("intakes AS i").
		ColumnExpr("i.id, i.case_id, c.region_code, i.received_at, c.status, i.subject, i.content").
		Join("JOIN cases AS c ON c.id = i.case_id")
}

func (f *Feed) docs(ctx context.Context, q *bun.SelectQuery) ([]search.Doc, error) {
	var rows []docRow
	err := docsQuery(q).Scan(ctx, &rows)
	return toDocs(rows), err
}

func toDocs(rows []docRow) []search.Doc {
	out := make([]search.Doc, len(rows))
	for i, r := range rows {
		out[i] = search.Doc{ID: r.ID, CaseID: r.CaseID, Region: r.Region, ReceivedAt: r.ReceivedAt.UTC(),
			Status: r.Status, Subject: r.Subject, Content: r.Content}
	}
	return out
}

// Docs implements search.Feed.
func (f *Feed) Docs(ctx context.Context, caseIDs []int64) ([]search.Doc, error) {
	if len(caseIDs) == 0 {
		return nil, nil
	}
	if len(caseIDs) == 1 {
		// The common case (one registration changed one case): prepared.
		var rows []docRow
		q := f.store.text("Docs1", func() string {
			return docsQuery(f.db.NewSelect().Where("i.case_id = ?", bun.Safe("?")).OrderExpr("i.id")).String()
		})
		err := f.store.scan(ctx, &rows, q, caseIDs[0])
		return toDocs(rows), err
	}
	return f.docs(ctx, f.db.NewSelect().Where("i.case_id IN (?)", bun.In(caseIDs)).OrderExpr("i.id"))
}

// AllDocs implements search.Feed.
func (f *Feed) AllDocs(ctx context.Context, after search.Doc, limit int) ([]search.Doc, error) {
	q := f.db.NewSelect()
	if after.ID != 0 {
		q = q.Where("i.received_at > ? OR (i.received_at = ? AND i.id > ?)", after.ReceivedAt, after.ReceivedAt, after.ID)
	}
	return f.docs(ctx, q.OrderExpr("i.received_at, i.id").Limit(int64(limit)))
}

// LastSeq implements search.Feed.
func (f *Feed) LastSeq(ctx context.Context) (int64, error) {
	var seq *int64
	err := f.db.NewSelect().TableExpr("search_changes").ColumnExpr("MAX(seq)").Scan(ctx, &seq)
	if err != nil || seq == nil {
		return 0, err
	}
	return *seq, nil
}

// LoadCursor implements search.Cursor.
func (f *Feed) LoadCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := f.db.NewSelect().TableExpr("search_cursors").Column("seq").Where("engine = ?", f.engine).Scan(ctx, &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// SaveCursor implements search.Cursor. The cursor only moves forward, so
// servers racing to save it cannot set it back.
func (f *Feed) SaveCursor(ctx context.Context, seq int64) error {
	_, err := f.db.NewRaw(`INSERT INTO search_cursors (engine, seq, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (engine) DO UPDATE SET seq = CASE WHEN excluded.seq > search_cursors.seq THEN excluded.seq ELSE search_cursors.seq END,
		updated_at = excluded.updated_at`, f.engine, seq, time.Now().UTC()).Exec(ctx)
	return err
}

// Prune deletes change rows older than before, keeping the feed short.
// An index whose cursor falls behind what is kept must be rebuilt (see
// FirstSeq).
func (f *Feed) Prune(ctx context.Context, before time.Time) (int, error) {
	res, err := f.db.NewDelete().TableExpr("search_changes").Where("at < ?", before).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// FirstSeq returns the oldest change kept (0 when the feed is empty).
func (f *Feed) FirstSeq(ctx context.Context) (int64, error) {
	var seq *int64
	err := f.db.NewSelect().TableExpr("search_changes").ColumnExpr("MIN(seq)").Scan(ctx, &seq)
	if err != nil || seq == nil {
		return 0, err
	}
	return *seq, nil
}
