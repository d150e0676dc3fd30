package casestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jiefen/jiefen/kernel"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

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

// TxFeed returns the change feed as the unit of work tx sees it, its own
// uncommitted changes included: bulk work indexes them as it goes.
func (s *Store) TxFeed(tx kernel.Tx) *Feed { return s.bind(tx).NewFeed("") }

var (
	_ search.Feed   = (*Feed)(nil)
	_ search.Cursor = (*Feed)(nil)
)

// The feed's positions. A reader applies the rows after its position and
// moves to the last one's; it must never move past a row that commits
// later. On SQLite one transaction writes at a time, so rows commit in seq
// order and the position is the seq. On PostgreSQL a transaction that
// took a seq may commit after one that took a later seq, so the position
// is the writing transaction's id: rows are read only once every older
// transaction of this database has ended (see horizon), whole
// transactions at a time. pgBase sets PostgreSQL positions above any seq,
// so a cursor saved as a seq by an older version re-reads the feed (the
// upserts are idempotent) instead of skipping rows.
const pgBase = int64(1) << 62

// horizonSQL finds the oldest transaction still running in this database,
// as a full (epoch-extended) id: every transaction of this database with a
// smaller id has ended. The snapshot's own xmin would do, but it counts every
// database of the server, so a long transaction elsewhere (another tenant,
// a test) would hold back this index. pg_stat_activity names 32-bit ids;
// they are extended relative to the snapshot's xmax, above every running
// one. Read before the feed, in a statement of its own: a transaction that
// ends between the two is then visible to the second.
const horizonSQL = `WITH s AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS n)
SELECT COALESCE(MIN(s.n - ((s.n % 4294967296 - a.backend_xid::text::bigint + 4294967296) % 4294967296)), MIN(s.n))
FROM s LEFT JOIN pg_stat_activity AS a ON a.datname = current_database()
	AND a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()`

func (f *Feed) horizon(ctx context.Context) (int64, error) {
	var h int64
	err := f.db.NewRaw(horizonSQL).Scan(ctx, &h)
	return h, err
}

func (f *Feed) pg() bool { return f.store.db.Dialect().Name() == dialect.PG }

// Changes implements search.Feed.
func (f *Feed) Changes(ctx context.Context, after int64, limit int) ([]search.Change, error) {
	if !f.pg() {
		return f.changesBySeq(ctx, "Changes", "seq > ?", after, limit)
	}
	if _, inTx := f.db.(bun.Tx); inTx {
		// Bulk work indexes its own uncommitted rows (see App.batch): the
		// rows of this transaction, in seq order.
		return f.changesBySeq(ctx, "TxChanges", "xid = pg_current_xact_id()::text::bigint AND seq > ?", after, limit)
	}
	h, err := f.horizon(ctx)
	if err != nil {
		return nil, err
	}
	var rows []changeRow
	q := f.store.text("PGChanges", func() string {
		return f.db.NewSelect().Model(&rows).Column("seq", "case_id", "xid").
			Where("xid > ? AND xid < ?", bun.Safe("?"), bun.Safe("?")).OrderExpr("xid, seq LIMIT ?", bun.Safe("?")).String()
	})
	if err := f.store.scan(ctx, &rows, q, after-pgBase, h, limit); err != nil {
		return nil, err
	}
	if len(rows) == limit {
		// The last transaction may go on past the limit: leave it to the
		// next read, unless it is the only one, then read it whole.
		last := rows[len(rows)-1].XID
		n := len(rows)
		for n > 0 && rows[n-1].XID == last {
			n--
		}
		if n > 0 {
			rows = rows[:n]
		} else if err := f.db.NewSelect().Model(&rows).Column("seq", "case_id", "xid").
			Where("xid = ?", last).OrderExpr("seq").Scan(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]search.Change, len(rows))
	for i, r := range rows {
		out[i] = search.Change{Pos: pgBase + r.XID, CaseID: r.CaseID}
	}
	return out, nil
}

func (f *Feed) changesBySeq(ctx context.Context, name, where string, after int64, limit int) ([]search.Change, error) {
	var rows []changeRow
	q := f.store.text(name, func() string {
		return f.db.NewSelect().Model(&rows).Column("seq", "case_id").
			Where(where, bun.Safe("?")).OrderExpr("seq LIMIT ?", bun.Safe("?")).String()
	})
	// Registration reads the feed before each detection: a prepared statement.
	err := f.store.scan(ctx, &rows, q, after, limit)
	out := make([]search.Change, len(rows))
	for i, r := range rows {
		out[i] = search.Change{Pos: r.Seq, CaseID: r.CaseID}
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

// End implements search.Feed: a position that every change not yet
// readable lies after.
func (f *Feed) End(ctx context.Context) (int64, error) {
	if f.pg() {
		if _, inTx := f.db.(bun.Tx); !inTx {
			h, err := f.horizon(ctx)
			return pgBase + h - 1, err
		}
	}
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

// prunedEngine names the cursor row that records how far the feed was
// pruned.
const prunedEngine = "~pruned"

// Prune deletes change rows older than before, keeping the feed short, and
// records the last position it deleted: an index whose cursor is behind it
// missed changes and must be rebuilt (see Pruned).
func (f *Feed) Prune(ctx context.Context, before time.Time) (int, error) {
	pos := "MAX(seq)"
	if f.pg() {
		pos = fmt.Sprintf("MAX(xid) + %d", pgBase)
	}
	var last *int64
	if err := f.db.NewSelect().TableExpr("search_changes").ColumnExpr(pos).Where("at < ?", before).Scan(ctx, &last); err != nil || last == nil {
		return 0, err
	}
	res, err := f.db.NewDelete().TableExpr("search_changes").Where("at < ?", before).Exec(ctx)
	if err != nil {
		return 0, err
	}
	if err := (&Feed{db: f.db, store: f.store, engine: prunedEngine}).SaveCursor(ctx, *last); err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Pruned returns the last position pruned from the feed (0 if none).
func (f *Feed) Pruned(ctx context.Context) (int64, error) {
	return (&Feed{db: f.db, store: f.store, engine: prunedEngine}).LoadCursor(ctx)
}
