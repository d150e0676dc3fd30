// Package regionstore reads the regions table for name searches
// (regions.SearchStore), on SQLite and PostgreSQL.
package regionstore

import (
	"context"
	"strings"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/regions"
)

type regionRow struct {
	bun.BaseModel `bun:"table:regions,alias:r"`
	Code          string `bun:"code,pk"`
	Name          string `bun:"name"`
	Level         int    `bun:"level"`
	ParentCode    string `bun:"parent_code,nullzero"`
}

// Store implements regions.SearchStore.
type Store struct{ db bun.IDB }

var _ regions.SearchStore = (*Store)(nil)

// New returns a store on db.
func New(db bun.IDB) *Store { return &Store{db: db} }

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ByName implements regions.SearchStore. A name that starts with q ranks
// before one that merely contains it, then higher levels first.
func (s *Store) ByName(ctx context.Context, prefix, q string, limit int) ([]kernel.Region, error) {
	var rows []regionRow
	esc := likeEscaper.Replace(q)
	sel := s.db.NewSelect().Model(&rows).Where("r.name LIKE ? ESCAPE '\\'", "%"+esc+"%")
	if prefix != "" {
		sel = sel.Where("r.code >= ? AND r.code < ?", prefix, prefix+":")
	}
	err := sel.OrderExpr("CASE WHEN r.name LIKE ? ESCAPE '\\' THEN 0 ELSE 1 END, r.level, r.code", esc+"%").
		Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]kernel.Region, len(rows))
	for i, r := range rows {
		out[i] = kernel.Region{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode}
	}
	return out, nil
}

// Names implements regions.SearchStore.
func (s *Store) Names(ctx context.Context, codes []string) (map[string]string, error) {
	out := map[string]string{}
	if len(codes) == 0 {
		return out, nil
	}
	var rows []regionRow
	if err := s.db.NewSelect().Model(&rows).Column("code", "name").Where("r.code IN (?)", bun.In(codes)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.Code] = r.Name
	}
	return out, nil
}
