package casestore

import (
	"context"

	"github.com/jiefen/jiefen/cases"
)

// LoadRegions inserts regions that are not there yet (parents first) and
// returns how many were added. Loading is idempotent, so every server may
// run it at start-up.
func (s *Store) LoadRegions(ctx context.Context, regions []cases.Region) (int, error) {
	added := 0
	err := s.InTx(ctx, func(tx cases.Store) error {
		idb := tx.(*Store).idb
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
