// Package unitstore is the bun implementation of units.Store, for SQLite
// and PostgreSQL.
package unitstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/units"
)

type unitRow struct {
	bun.BaseModel `bun:"table:units,alias:u"`
	ID            int64     `bun:"id,pk,autoincrement"`
	Name          string    `bun:"name"`
	Kind          string    `bun:"kind"`
	Specialty     string    `bun:"specialty"`
	RegionCode    string    `bun:"region_code"`
	ParentID      *int64    `bun:"parent_id"`
	Phone         string    `bun:"phone"`
	Address       string    `bun:"address"`
	Active        bool      `bun:"active"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func fromUnit(u *units.Unit) *unitRow {
	return &unitRow{ID: u.ID, Name: u.Name, Kind: string(u.Kind), Specialty: string(u.Specialty),
		RegionCode: u.RegionCode, ParentID: u.ParentID, Phone: u.Phone, Address: u.Address, Active: u.Active,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

func (r *unitRow) toUnit() *units.Unit {
	return &units.Unit{ID: r.ID, Name: r.Name, Kind: units.Kind(r.Kind), Specialty: units.Specialty(r.Specialty),
		RegionCode: r.RegionCode, ParentID: r.ParentID, Phone: r.Phone, Address: r.Address, Active: r.Active,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Store implements units.Store.
type Store struct {
	db  *bun.DB
	idb bun.IDB // the bound transaction, or db
}

var _ units.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db, idb: db} }

// WithTx implements units.Store.
func (s *Store) WithTx(tx kernel.Tx) units.Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx)}
}

// Create implements units.Store.
func (s *Store) Create(ctx context.Context, u *units.Unit) error {
	row := fromUnit(u)
	row.ID = 0
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "机构")
	}
	u.ID = row.ID
	return nil
}

// Unit implements units.Store.
func (s *Store) Unit(ctx context.Context, id int64) (*units.Unit, error) {
	var r unitRow
	if err := s.idb.NewSelect().Model(&r).Where("u.id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "机构")
	}
	return r.toUnit(), nil
}

// Update implements units.Store.
func (s *Store) Update(ctx context.Context, u *units.Unit) error {
	res, err := s.idb.NewUpdate().Model(fromUnit(u)).
		Column("name", "kind", "specialty", "region_code", "parent_id", "phone", "address", "active", "updated_at").
		WherePK().Exec(ctx)
	if err != nil {
		return database.Err(err, "机构")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kernel.Errorf(kernel.ENotFound, "机构不存在")
	}
	return nil
}

// List implements units.Store.
func (s *Store) List(ctx context.Context, prefix string, f units.Filter) ([]*units.Unit, error) {
	var rows []unitRow
	q := s.idb.NewSelect().Model(&rows)
	if prefix != "" {
		// A range, not LIKE: it uses the index on both dialects (':' sorts
		// right after '9').
		q = q.Where("u.region_code >= ? AND u.region_code < ?", prefix, prefix+":")
	}
	if f.Kind != "" {
		q = q.Where("u.kind = ?", string(f.Kind))
	}
	if f.Q != "" {
		q = q.Where("u.name LIKE ? ESCAPE '\\'", "%"+likeEscape(f.Q)+"%")
	}
	if f.Active != nil {
		q = q.Where("u.active = ?", *f.Active)
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.OrderExpr("u.region_code, u.name").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*units.Unit, len(rows))
	for i := range rows {
		out[i] = rows[i].toUnit()
	}
	return out, nil
}

// InRegions implements units.Store.
func (s *Store) InRegions(ctx context.Context, codes []string) ([]*units.Unit, error) {
	if codes != nil && len(codes) == 0 {
		return nil, nil
	}
	var rows []unitRow
	q := s.idb.NewSelect().Model(&rows).Order("u.region_code", "u.id")
	if codes != nil {
		q = q.Where("u.region_code IN (?)", bun.In(codes))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*units.Unit, len(rows))
	for i := range rows {
		out[i] = rows[i].toUnit()
	}
	return out, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func likeEscape(s string) string { return likeEscaper.Replace(s) }
