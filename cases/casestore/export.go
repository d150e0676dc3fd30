package casestore

import (
	"context"
	"strconv"

	"github.com/jiefen/jiefen/cases"
)

// ExportedCase is one case as `jiefen export` prints it.
type ExportedCase struct {
	CaseNo     string         `json:"case_no"`
	IntakeRefs []string       `json:"intake_refs"`
	Links      []ExportedLink `json:"links"`
	Cluster    string         `json:"cluster"`
}

// ExportedLink is a confirmed link of an exported case.
type ExportedLink struct {
	CaseNo string `json:"case_no"`
	Kind   string `json:"kind"`
}

// Export calls fn for every case that holds intakes, in id order, reading
// in batches so that a million cases need not fit in memory at once.
func (s *Store) Export(ctx context.Context, fn func(ExportedCase) error) error {
	const batch = 5000
	var after int64
	for {
		var rows []struct {
			ID        int64  `bun:"id"`
			CaseNo    string `bun:"case_no"`
			ClusterID *int64 `bun:"cluster_id"`
		}
		err := s.idb.NewSelect().TableExpr("cases").Column("id", "case_no", "cluster_id").
			Where("id > ? AND status <> ?", after, cases.StatusMerged).OrderExpr("id").Limit(batch).Scan(ctx, &rows)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		lo, hi := rows[0].ID, rows[len(rows)-1].ID
		var refs []struct {
			CaseID int64  `bun:"case_id"`
			Ref    string `bun:"ref"`
		}
		if err := s.idb.NewSelect().TableExpr("intakes").Column("case_id", "ref").
			Where("case_id BETWEEN ? AND ?", lo, hi).OrderExpr("case_id, received_at, id").Scan(ctx, &refs); err != nil {
			return err
		}
		var links []struct {
			CaseID int64  `bun:"case_id"`
			Other  string `bun:"other"`
			Kind   string `bun:"kind"`
		}
		if err := s.idb.NewSelect().TableExpr("links AS l").ColumnExpr("l.case_id, o.case_no AS other, l.kind").
			Join("JOIN cases AS o ON o.id = l.other_case_id").
			Where("l.case_id BETWEEN ? AND ? AND l.status = ?", lo, hi, cases.LinkConfirmed).
			OrderExpr("l.case_id, l.id").Scan(ctx, &links); err != nil {
			return err
		}
		byCase := map[int64][]string{}
		for _, r := range refs {
			byCase[r.CaseID] = append(byCase[r.CaseID], r.Ref)
		}
		linksOf := map[int64][]ExportedLink{}
		for _, l := range links {
			linksOf[l.CaseID] = append(linksOf[l.CaseID], ExportedLink{CaseNo: l.Other, Kind: l.Kind})
		}
		for _, r := range rows {
			if len(byCase[r.ID]) == 0 {
				continue
			}
			ec := ExportedCase{CaseNo: r.CaseNo, IntakeRefs: byCase[r.ID], Links: linksOf[r.ID]}
			if ec.Links == nil {
				ec.Links = []ExportedLink{}
			}
			if r.ClusterID != nil {
				ec.Cluster = "C" + strconv.FormatInt(*r.ClusterID, 10)
			}
			if err := fn(ec); err != nil {
				return err
			}
		}
		after = hi
	}
}
