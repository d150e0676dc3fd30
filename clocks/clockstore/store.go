// Package clockstore is the bun implementation of clocks.Store, for SQLite
// and PostgreSQL.
package clockstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
)

// Store implements clocks.Store.
type Store struct {
	db  *bun.DB
	idb bun.IDB // db, or the transaction this store is bound to
}

var _ clocks.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db, idb: db} }

// WithTx implements clocks.Store.
func (s *Store) WithTx(tx kernel.Tx) clocks.Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx)}
}

type clockRow struct {
	bun.BaseModel `bun:"table:case_clocks,alias:k"`
	ID            int64      `bun:"id,pk,autoincrement"`
	CaseID        int64      `bun:"case_id"`
	Kind          string     `bun:"kind"`
	Unit          string     `bun:"unit"`
	Days          int        `bun:"days"`
	Source        string     `bun:"source"`
	StartAt       time.Time  `bun:"start_at"`
	DueAt         time.Time  `bun:"due_at"`
	Status        string     `bun:"status"`
	Pauses        string     `bun:"pauses"`
	Extensions    string     `bun:"extensions"`
	MissedAt      *time.Time `bun:"missed_at"`
	EndedAt       *time.Time `bun:"ended_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func fromClock(k *clocks.Clock) (*clockRow, error) {
	pauses, err := json.Marshal(nonNil(k.Pauses))
	if err != nil {
		return nil, err
	}
	ext, err := json.Marshal(nonNil(k.Extensions))
	if err != nil {
		return nil, err
	}
	return &clockRow{ID: k.ID, CaseID: k.CaseID, Kind: string(k.Kind), Unit: string(k.Unit), Days: k.Days,
		Source: k.Source, StartAt: k.Start.UTC(), DueAt: k.Due.UTC(), Status: string(k.Status),
		Pauses: string(pauses), Extensions: string(ext), MissedAt: utcPtr(k.MissedAt), EndedAt: utcPtr(k.EndedAt),
		UpdatedAt: k.UpdatedAt.UTC()}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (r *clockRow) toClock() (*clocks.Clock, error) {
	k := &clocks.Clock{ID: r.ID, CaseID: r.CaseID, Kind: clocks.Kind(r.Kind), Unit: calendar.Unit(r.Unit),
		Days: r.Days, Source: r.Source, Start: r.StartAt.UTC(), Due: r.DueAt.UTC(), Status: clocks.Status(r.Status),
		MissedAt: utcPtr(r.MissedAt), EndedAt: utcPtr(r.EndedAt), UpdatedAt: r.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(r.Pauses), &k.Pauses); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(r.Extensions), &k.Extensions); err != nil {
		return nil, err
	}
	for i := range k.Pauses {
		k.Pauses[i].From = k.Pauses[i].From.UTC()
		k.Pauses[i].To = utcPtr(k.Pauses[i].To)
	}
	return k, nil
}

// Create implements clocks.Store.
func (s *Store) Create(ctx context.Context, k *clocks.Clock) error {
	r, err := fromClock(k)
	if err != nil {
		return err
	}
	if _, err := s.idb.NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "期限")
	}
	k.ID = r.ID
	return nil
}

// Update implements clocks.Store.
func (s *Store) Update(ctx context.Context, k *clocks.Clock) error {
	r, err := fromClock(k)
	if err != nil {
		return err
	}
	_, err = s.idb.NewUpdate().Model(r).
		Column("unit", "days", "source", "start_at", "due_at", "status", "pauses", "extensions",
			"missed_at", "ended_at", "updated_at").
		WherePK().Exec(ctx)
	return database.Err(err, "期限")
}

// ByCase implements clocks.Store.
func (s *Store) ByCase(ctx context.Context, caseID int64) ([]*clocks.Clock, error) {
	var rows []clockRow
	if err := s.idb.NewSelect().Model(&rows).Where("case_id = ?", caseID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	return toClocks(rows)
}

func toClocks(rows []clockRow) ([]*clocks.Clock, error) {
	out := make([]*clocks.Clock, len(rows))
	for i := range rows {
		k, err := rows[i].toClock()
		if err != nil {
			return nil, err
		}
		out[i] = k
	}
	return out, nil
}

// OpenStatuses are the case statuses under which a clock can be missed.
var OpenStatuses = []string{"registered", "accepted", "in_progress"}

// Due implements clocks.Store.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]*clocks.Clock, error) {
	var rows []clockRow
	err := s.idb.NewSelect().Model(&rows).
		Where("k.status = 'running' AND k.due_at < ?", now.UTC()).
		Where("EXISTS (SELECT 1 FROM cases c WHERE c.id = k.case_id AND c.status IN (?))", bun.In(OpenStatuses)).
		OrderExpr("k.due_at, k.id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, err
	}
	return toClocks(rows)
}

// MarkMissed implements clocks.Store.
func (s *Store) MarkMissed(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.idb.NewUpdate().Table("case_clocks").
		Set("status = 'missed'").Set("missed_at = ?", now.UTC()).Set("updated_at = ?", now.UTC()).
		Where("id = ? AND status = 'running' AND due_at < ?", id, now.UTC()).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

type overrideRow struct {
	bun.BaseModel `bun:"table:calendar_overrides,alias:o"`
	Day           string    `bun:"day,pk"`
	Year          int       `bun:"year"`
	Kind          string    `bun:"kind"`
	Name          string    `bun:"name"`
	UpdatedBy     string    `bun:"updated_by"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

// Overrides implements clocks.Store.
func (s *Store) Overrides(ctx context.Context) ([]calendar.Override, error) {
	var rows []overrideRow
	if err := s.idb.NewSelect().Model(&rows).OrderExpr("day").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]calendar.Override, 0, len(rows))
	for _, r := range rows {
		d, err := calendar.ParseDate(r.Day)
		if err != nil {
			continue // the CHECK keeps these out; never fail every deadline on one row
		}
		out = append(out, calendar.Override{Date: d, Kind: calendar.DayKind(r.Kind), Name: r.Name})
	}
	return out, nil
}

// SetOverrides implements clocks.Store.
func (s *Store) SetOverrides(ctx context.Context, year int, list []calendar.Override, by string, now time.Time) error {
	if _, err := s.idb.NewDelete().Model((*overrideRow)(nil)).Where("year = ?", year).Exec(ctx); err != nil {
		return err
	}
	if len(list) == 0 {
		return nil
	}
	rows := make([]overrideRow, len(list))
	for i, o := range list {
		rows[i] = overrideRow{Day: o.Date.String(), Year: year, Kind: string(o.Kind), Name: o.Name,
			UpdatedBy: by, UpdatedAt: now.UTC()}
	}
	_, err := s.idb.NewInsert().Model(&rows).Exec(ctx)
	return database.Err(err, "节假日调整")
}
