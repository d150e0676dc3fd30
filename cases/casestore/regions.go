package casestore

import (
	"context"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
)

// LoadRegions inserts regions that are not there yet (parents first) and
// returns how many were added. Loading is idempotent, so every server may
// run it at start-up.
func (s *Store) LoadRegions(ctx context.Context, regions []kernel.Region) (int, error) {
	added := 0
	err := database.Transactor{DB: s.db}.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		idb := s.bind(tx).idb
		const batch = 500
		for i := 0; i < len(regions); i += batch {
			end := min(i+batch, len(regions))
			rows := make([]regionRow, 0, end-i)
			for _, r := range regions[i:end] {
				rows = append(rows, regionRow{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode})
			}
			res, err := idb.NewInsert().Model(&rows).On("CONFLICT (code) DO NOTHING").Exec(ctx)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	return added, err
}

// CountRegions returns how many regions are loaded.
func (s *Store) CountRegions(ctx context.Context) (int64, error) {
	return s.idb.NewSelect().Model((*regionRow)(nil)).Count(ctx)
}

// ChildRegions implements cases.Store.
func (s *Store) ChildRegions(ctx context.Context, code string) ([]kernel.Region, error) {
	var rows []regionRow
	if err := s.idb.NewSelect().Model(&rows).Where("parent_code = ?", code).Order("code").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]kernel.Region, len(rows))
	for i, r := range rows {
		out[i] = kernel.Region{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode}
	}
	return out, nil
}

// CreateRegion implements cases.Store.
func (s *Store) CreateRegion(ctx context.Context, r *kernel.Region) error {
	_, err := s.idb.NewInsert().Model(&regionRow{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode}).Exec(ctx)
	return database.Err(err, "行政区划")
}

// SubtreeRegions implements cases.Store.
func (s *Store) SubtreeRegions(ctx context.Context, prefix string, maxLevel int) ([]kernel.Region, error) {
	var rows []regionRow
	q := s.idb.NewSelect().Model(&rows).Where("level <= ?", maxLevel)
	if err := scoped(q, "code", prefix).Order("code").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]kernel.Region, len(rows))
	for i, r := range rows {
		out[i] = kernel.Region{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode}
	}
	return out, nil
}

// TopRegion returns the root of the detailed part of the region tree: the
// nearest common ancestor of the regions loaded down to towns and villages
// (陕西省 for the embedded data). Imports file records without a region
// there.
func (s *Store) TopRegion(ctx context.Context) (string, error) {
	var lo, hi *string
	err := s.idb.NewSelect().Model((*regionRow)(nil)).ColumnExpr("MIN(code), MAX(code)").
		Where("level >= ?", kernel.LevelTown).Scan(ctx, &lo, &hi)
	if err != nil {
		return "", err
	}
	if lo == nil || hi == nil {
		var first string
		err := s.idb.NewSelect().Model((*regionRow)(nil)).Column("code").Where("level = 1").OrderExpr("code").Limit(1).Scan(ctx, &first)
		return first, database.Err(err, "行政区划")
	}
	n := 0
	for n < len(*lo) && n < len(*hi) && (*lo)[n] == (*hi)[n] {
		n++
	}
	// Cut back to a whole level: 2, 4, 6, 9 or 12 digits.
	cut := 0
	for _, end := range []int{2, 4, 6, 9, 12} {
		if end <= n {
			cut = end
		}
	}
	if cut == 0 {
		cut = 2
	}
	code, _ := kernel.NormalizeRegionCode((*lo)[:cut])
	return code, nil
}
