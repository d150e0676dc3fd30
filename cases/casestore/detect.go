package casestore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
)

func (r *linkRow) toLink() *cases.Link {
	return &cases.Link{ID: r.ID, CaseID: r.CaseID, OtherCaseID: r.OtherCaseID, Kind: cases.LinkKind(r.Kind),
		Status: r.Status, Score: r.Score, Reasons: r.Reasons, CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy}
}

// PersonHashes implements cases.Store.
func (s *Store) PersonHashes(p cases.Person) (string, string) {
	return s.keys.HashID(p.IDNumber), s.keys.HashPhone(p.Phone)
}

// IntakesByPerson implements cases.Store: one indexed lookup per key.
func (s *Store) IntakesByPerson(ctx context.Context, p cases.Person, nameKey string, limit int) ([]int64, error) {
	idHash, phoneHash := s.PersonHashes(p)
	if idHash == "" && phoneHash == "" && nameKey == "" {
		return nil, nil
	}
	// One prepared statement whatever keys are present: an empty key
	// matches nothing (empty values are never looked up). ID numbers and
	// phones are strong keys; a name (even by sound) is shared by many, so
	// it brings only the newest few.
	rows, err := s.query(ctx, `SELECT id FROM (SELECT id FROM intakes
		WHERE (id_number_hash = ? AND ? <> '') OR (phone_hash = ? AND ? <> '') ORDER BY received_at DESC LIMIT ?) AS strong
		UNION SELECT id FROM (SELECT id FROM intakes WHERE name_key = ? AND ? <> '' ORDER BY received_at DESC LIMIT ?) AS byname`,
		idHash, idHash, phoneHash, phoneHash, limit, nameKey, nameKey, max(5, limit/4))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	err = rows.Err()
	return ids, err
}

// Candidates implements cases.Store.
func (s *Store) Candidates(ctx context.Context, ids []int64, withContent bool) ([]cases.Candidate, error) {
	var out []cases.Candidate
	// Prepared statements with a fixed number of placeholders (unused ones
	// repeat an id): detection runs this for every intake.
	const chunk = 32
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		part := ids[:n]
		ids = ids[n:]
		got, err := s.candidates(ctx, part, withContent, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

func (s *Store) candidates(ctx context.Context, ids []int64, withContent bool, slots int) ([]cases.Candidate, error) {
	content := "''"
	if withContent {
		content = "i.content"
	}
	query := `SELECT i.id, i.ref, i.case_id, c.case_no, c.status, c.cluster_id, i.channel, i.received_at,
		i.person_name, i.name_key, i.id_number_hash, i.phone_hash, i.subject, i.address, c.region_code,
		i.respondent_name, ` + content + `
		FROM intakes AS i JOIN cases AS c ON c.id = i.case_id
		WHERE i.id IN (?` + strings.Repeat(", ?", slots-1) + `)`
	args := make([]any, slots)
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cases.Candidate
	for rows.Next() {
		var c cases.Candidate
		var status, channel string
		var received timeScan
		if err := rows.Scan(&c.IntakeID, &c.Ref, &c.CaseID, &c.CaseNo, &status, &c.ClusterID, &channel, &received,
			&c.Name, &c.NameKey, &c.IDHash, &c.PhoneHash, &c.Subject, &c.Address, &c.RegionCode,
			&c.Respondent, &c.Content); err != nil {
			return nil, err
		}
		c.CaseStatus, c.Channel, c.ReceivedAt = cases.Status(status), kernel.Channel(channel), received.t.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// timeScan reads a time as either dialect returns it: PostgreSQL a
// time.Time, SQLite the text bun wrote.
type timeScan struct{ t time.Time }

func (ts *timeScan) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		ts.t = x
		return nil
	case string:
		return ts.parse(x)
	case []byte:
		return ts.parse(string(x))
	}
	return fmt.Errorf("casestore: cannot read %T as a time", v)
}

func (ts *timeScan) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			ts.t = t
			return nil
		}
	}
	return fmt.Errorf("casestore: unreadable time %q", s)
}

// IntakeByRef implements cases.Store.
func (s *Store) IntakeByRef(ctx context.Context, ref string) (*cases.Intake, error) {
	var r intakeRow
	if err := s.idb.NewSelect().Model(&r).Where("ref = ?", ref).Scan(ctx); err != nil {
		return nil, database.Err(err, "受理记录")
	}
	return s.toIntake(&r)
}

// MoveIntake implements cases.Store.
func (s *Store) MoveIntake(ctx context.Context, intakeID, toCaseID int64) error {
	var from int64
	if err := s.idb.NewSelect().Model((*intakeRow)(nil)).Column("case_id").Where("id = ?", intakeID).Scan(ctx, &from); err != nil {
		return database.Err(err, "受理记录")
	}
	if _, err := s.idb.NewUpdate().Model((*intakeRow)(nil)).Set("case_id = ?", toCaseID).Where("id = ?", intakeID).Exec(ctx); err != nil {
		return err
	}
	if _, err := s.idb.NewUpdate().Model((*partyRow)(nil)).Set("case_id = ?", toCaseID).Where("intake_id = ?", intakeID).Exec(ctx); err != nil {
		return err
	}
	return s.MarkChanged(ctx, from, toCaseID)
}

// CreateLink implements cases.Store.
func (s *Store) CreateLink(ctx context.Context, l *cases.Link) error {
	row := &linkRow{CaseID: l.CaseID, OtherCaseID: l.OtherCaseID, Kind: string(l.Kind), Status: l.Status,
		Score: l.Score, Reasons: l.Reasons, CreatedAt: l.CreatedAt, CreatedBy: l.CreatedBy}
	// ON CONFLICT DO NOTHING rather than catching the violation: on
	// PostgreSQL a failed statement would abort the whole transaction.
	res, err := s.idb.NewInsert().Model(row).On("CONFLICT (case_id, other_case_id, kind) DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kernel.Errorf(kernel.EConflict, "关联已存在")
	}
	l.ID = row.ID
	return nil
}

// LinkByID implements cases.Store.
func (s *Store) LinkByID(ctx context.Context, id int64) (*cases.Link, error) {
	var r linkRow
	if err := s.idb.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "关联")
	}
	return r.toLink(), nil
}

// UpdateLinkStatus implements cases.Store.
func (s *Store) UpdateLinkStatus(ctx context.Context, id int64, status string) error {
	_, err := s.idb.NewUpdate().Model((*linkRow)(nil)).Set("status = ?", status).Where("id = ?", id).Exec(ctx)
	return err
}

// CreateCluster implements cases.Store.
func (s *Store) CreateCluster(ctx context.Context, c *cases.Cluster) error {
	row := &clusterRow{Title: c.Title, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if _, err := s.idb.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return err
	}
	c.ID = row.ID
	return nil
}

// SetCluster implements cases.Store.
func (s *Store) SetCluster(ctx context.Context, clusterID *int64, caseIDs ...int64) error {
	if len(caseIDs) == 0 {
		return nil
	}
	_, err := s.idb.NewUpdate().Model((*caseRow)(nil)).Set("cluster_id = ?", clusterID).
		Where("id IN (?)", bun.In(caseIDs)).Exec(ctx)
	if err != nil {
		return err
	}
	if clusterID != nil {
		if _, err := s.idb.NewUpdate().Model((*clusterRow)(nil)).Set("updated_at = ?", time.Now().UTC()).
			Where("id = ?", *clusterID).Exec(ctx); err != nil {
			return err
		}
	}
	return s.MarkChanged(ctx, caseIDs...)
}

// MergeClusters implements cases.Store.
func (s *Store) MergeClusters(ctx context.Context, keep int64, others []int64) error {
	var moved []int64
	if err := s.idb.NewSelect().Model((*caseRow)(nil)).Column("id").Where("cluster_id IN (?)", bun.In(others)).Scan(ctx, &moved); err != nil {
		return err
	}
	return s.SetCluster(ctx, &keep, moved...)
}

// Clusters implements cases.Store: one pass over the clusters' cases in
// scope, summarised in Go (regions and persons are sets).
func (s *Store) Clusters(ctx context.Context, scope string, now time.Time) ([]cases.ClusterSummary, error) {
	var rows []struct {
		ClusterID  int64     `bun:"cluster_id"`
		Title      string    `bun:"title"`
		CreatedAt  time.Time `bun:"created_at"`
		UpdatedAt  time.Time `bun:"updated_at"`
		CaseID     int64     `bun:"case_id"`
		Status     string    `bun:"status"`
		RegionCode string    `bun:"region_code"`
		CaseAt     time.Time `bun:"case_at"`
		Person     string    `bun:"person"`
	}
	q := s.idb.NewSelect().TableExpr("cases AS case_row").
		ColumnExpr("cl.id AS cluster_id, cl.title, cl.created_at, cl.updated_at").
		ColumnExpr("case_row.id AS case_id, case_row.status, case_row.region_code, case_row.created_at AS case_at").
		ColumnExpr("(SELECT COALESCE(NULLIF(i.id_number_hash, ''), NULLIF(i.phone_hash, ''), i.name_key) FROM intakes AS i WHERE i.case_id = case_row.id ORDER BY i.id LIMIT 1) AS person").
		Join("JOIN clusters AS cl ON cl.id = case_row.cluster_id")
	if err := scoped(q, "case_row.region_code", scope).OrderExpr("cl.id, case_row.id").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	var out []cases.ClusterSummary
	persons := map[string]bool{}
	regions := map[string]bool{}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.ClusterID {
			out = append(out, cases.ClusterSummary{Cluster: cases.Cluster{ID: r.ClusterID, Title: r.Title,
				CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, FirstSeen: r.CaseAt.UTC(), Regions: []string{}})
			persons, regions = map[string]bool{}, map[string]bool{}
		}
		cs := &out[len(out)-1]
		cs.Cases++
		if cases.Status(r.Status).Open() {
			cs.Open++
		}
		if !persons[r.Person] {
			persons[r.Person] = true
			cs.Persons++
		}
		if !regions[r.RegionCode] {
			regions[r.RegionCode] = true
			cs.Regions = append(cs.Regions, r.RegionCode)
		}
		at := r.CaseAt.UTC()
		if at.Before(cs.FirstSeen) {
			cs.FirstSeen = at
		}
		if at.After(cs.LastSeen) {
			cs.LastSeen = at
		}
		switch age := now.Sub(at); {
		case age <= 7*24*time.Hour:
			cs.Last7Days++
		case age <= 14*24*time.Hour:
			cs.Prev7Days++
		}
	}
	return out, nil
}

// ClusterCases implements cases.Store.
func (s *Store) ClusterCases(ctx context.Context, clusterID int64, scope string) ([]*cases.Case, error) {
	var rows []caseRow
	q := s.selectCases(&rows).Where("case_row.cluster_id = ?", clusterID)
	if err := scoped(q, "case_row.region_code", scope).OrderExpr("case_row.id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*cases.Case, len(rows))
	for i := range rows {
		out[i] = rows[i].toCase()
	}
	return out, nil
}

// MarkChanged implements cases.Store.
func (s *Store) MarkChanged(ctx context.Context, caseIDs ...int64) error {
	now := s.timeArg(time.Now())
	seen := make(map[int64]bool, len(caseIDs))
	for _, id := range caseIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := s.exec(ctx, `INSERT INTO search_changes (case_id, at) VALUES (?, ?)`, id, now); err != nil {
			return err
		}
	}
	return nil
}

// ExistingSourceKeys returns which of the source keys are registered.
func (s *Store) ExistingSourceKeys(ctx context.Context, keys []string) (map[string]bool, error) {
	out := make(map[string]bool, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	var found []string
	err := s.idb.NewSelect().Model((*intakeRow)(nil)).Column("source_key").Where("source_key IN (?)", bun.In(keys)).Scan(ctx, &found)
	for _, k := range found {
		out[k] = true
	}
	return out, err
}
