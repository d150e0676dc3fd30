// Package warnstore is the bun implementation of groupwarn.Store, for
// SQLite and PostgreSQL.
package warnstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/groupwarn"
	"github.com/jiefen/jiefen/kernel"
)

// Store implements groupwarn.Store.
type Store struct {
	db  *bun.DB
	idb bun.IDB // db, or the transaction this store is bound to
}

var _ groupwarn.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db, idb: db} }

// WithTx implements groupwarn.Store.
func (s *Store) WithTx(tx kernel.Tx) groupwarn.Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx)}
}

// Rows implements groupwarn.Store. The person of a case is its first
// intake's, as the cluster list counts them.
func (s *Store) Rows(ctx context.Context, since time.Time) ([]groupwarn.Row, error) {
	var rows []struct {
		ClusterID  int64     `bun:"cluster_id"`
		CaseID     int64     `bun:"case_id"`
		RegionCode string    `bun:"region_code"`
		At         time.Time `bun:"case_at"`
		Person     *string   `bun:"person"`
	}
	err := s.idb.NewSelect().TableExpr("cases AS case_row").
		ColumnExpr("case_row.cluster_id, case_row.id AS case_id, case_row.region_code, case_row.created_at AS case_at").
		ColumnExpr("(SELECT COALESCE(NULLIF(i.id_number_hash, ''), NULLIF(i.phone_hash, ''), i.name_key) FROM intakes AS i WHERE i.case_id = case_row.id ORDER BY i.id LIMIT 1) AS person").
		Where("case_row.cluster_id IS NOT NULL AND case_row.merged_into_id IS NULL AND case_row.created_at >= ?", since.UTC()).
		OrderExpr("case_row.cluster_id, case_row.id").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]groupwarn.Row, len(rows))
	for i, r := range rows {
		out[i] = groupwarn.Row{ClusterID: r.ClusterID, CaseID: r.CaseID, RegionCode: r.RegionCode, At: r.At.UTC()}
		if r.Person != nil {
			out[i].Person = *r.Person
		}
	}
	return out, nil
}

type warningRow struct {
	bun.BaseModel `bun:"table:cluster_warnings,alias:w"`
	ClusterID     int64     `bun:"cluster_id"`
	County        string    `bun:"county"`
	Threshold     int       `bun:"threshold"`
	Persons       int       `bun:"persons"`
	PerWeek       float64   `bun:"per_week"`
	CaseID        int64     `bun:"case_id"`
	At            time.Time `bun:"at"`
}

// Recorded implements groupwarn.Store.
func (s *Store) Recorded(ctx context.Context, clusterIDs []int64) (map[groupwarn.Key]bool, error) {
	var rows []warningRow
	if err := s.idb.NewSelect().Model(&rows).Column("cluster_id", "county", "threshold").
		Where("cluster_id IN (?)", bun.In(clusterIDs)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[groupwarn.Key]bool, len(rows))
	for _, r := range rows {
		out[groupwarn.Key{ClusterID: r.ClusterID, County: r.County, Threshold: r.Threshold}] = true
	}
	return out, nil
}

// Record implements groupwarn.Store.
func (s *Store) Record(ctx context.Context, w *groupwarn.Warning) (bool, error) {
	r := &warningRow{ClusterID: w.ClusterID, County: w.County, Threshold: w.Threshold, Persons: w.Persons,
		PerWeek: w.PerWeek, CaseID: w.CaseID, At: w.At.UTC()}
	res, err := s.idb.NewInsert().Model(r).On("CONFLICT (cluster_id, county, threshold) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, database.Err(err, "群体性事件预警")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// List implements groupwarn.Store.
func (s *Store) List(ctx context.Context, scope, county string, limit int) ([]groupwarn.Warning, error) {
	var rows []struct {
		ClusterID  int64     `bun:"cluster_id"`
		County     string    `bun:"county"`
		Threshold  int       `bun:"threshold"`
		Persons    int       `bun:"persons"`
		PerWeek    float64   `bun:"per_week"`
		CaseID     int64     `bun:"case_id"`
		At         time.Time `bun:"at"`
		CountyName *string   `bun:"county_name"`
	}
	q := s.idb.NewSelect().TableExpr("cluster_warnings AS w").
		ColumnExpr("w.cluster_id, w.county, w.threshold, w.persons, w.per_week, w.case_id, w.at").
		ColumnExpr("(SELECT r.name FROM regions AS r WHERE r.code = w.county) AS county_name")
	if scope != "" {
		// A range instead of LIKE, as for cases: it uses the index.
		if county != "" {
			q = q.Where("(w.county >= ? AND w.county < ?) OR w.county = ?", scope, scope+":", county)
		} else {
			q = q.Where("w.county >= ? AND w.county < ?", scope, scope+":")
		}
	}
	if err := q.OrderExpr("w.at DESC, w.threshold DESC").Limit(int64(limit)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]groupwarn.Warning, len(rows))
	for i, r := range rows {
		out[i] = groupwarn.Warning{ClusterID: r.ClusterID, County: r.County, Threshold: r.Threshold,
			Persons: r.Persons, PerWeek: r.PerWeek, At: r.At.UTC(), CaseID: r.CaseID}
		if r.CountyName != nil {
			out[i].CountyName = *r.CountyName
		}
	}
	return out, nil
}
