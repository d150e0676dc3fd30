// Package statstore is the bun implementation of stats.Store, for SQLite
// and PostgreSQL: daily counters (stat_days, stat_dims) and their monthly
// roll-ups (stat_months, stat_dim_months) kept per region and every region
// above it, the open clocks for the figures of now, and the export audit
// log.
package statstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/stats"
)

// Store implements stats.Store.
type Store struct {
	db  *bun.DB
	idb bun.IDB
}

var _ stats.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db, idb: db} }

// WithTx implements stats.Store.
func (s *Store) WithTx(tx kernel.Tx) stats.Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx)}
}

// Region implements stats.Store.
func (s *Store) Region(ctx context.Context, code string) (*kernel.Region, error) {
	var r kernel.Region
	var parent sql.NullString
	err := s.idb.QueryRowContext(ctx, "SELECT code, name, level, parent_code FROM regions WHERE code = ?", code).
		Scan(&r.Code, &r.Name, &r.Level, &parent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kernel.Errorf(kernel.ENotFound, "地区不存在")
	}
	r.ParentCode = parent.String
	return &r, err
}

// Children implements stats.Store.
func (s *Store) Children(ctx context.Context, code string) ([]kernel.Region, error) {
	rows, err := s.idb.QueryContext(ctx, "SELECT code, name, level FROM regions WHERE parent_code = ? ORDER BY code", code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kernel.Region
	for rows.Next() {
		r := kernel.Region{ParentCode: code}
		if err := rows.Scan(&r.Code, &r.Name, &r.Level); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

const sums = "SUM(received), SUM(accepted), SUM(rejected), SUM(resolved), SUM(closed), SUM(success), " +
	"SUM(resolve_days), SUM(visited), SUM(satisfied), SUM(basically), SUM(unsatisfied)"

func scanCounters(rows *sql.Rows, key *string) (stats.Counters, error) {
	var c stats.Counters
	err := rows.Scan(key, &c.Received, &c.Accepted, &c.Rejected, &c.Resolved, &c.Closed, &c.Success,
		&c.ResolveDays, &c.Visited, &c.Satisfied, &c.Basically, &c.Unsatisfied)
	return c, err
}

func (s *Store) counters(ctx context.Context, query string, args ...any) (map[string]stats.Counters, error) {
	rows, err := s.idb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]stats.Counters{}
	for rows.Next() {
		var key string
		c, err := scanCounters(rows, &key)
		if err != nil {
			return nil, err
		}
		out[key] = c
	}
	return out, rows.Err()
}

// Days implements stats.Store: one primary-key range of the region's daily
// rows, received and resolved only.
func (s *Store) Days(ctx context.Context, region, from, to string) (map[string]stats.Counters, error) {
	rows, err := s.idb.QueryContext(ctx, "SELECT day, received, resolved FROM stat_days WHERE region_code = ? AND day >= ? AND day <= ?",
		region, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]stats.Counters{}
	for rows.Next() {
		var day string
		var c stats.Counters
		if err := rows.Scan(&day, &c.Received, &c.Resolved); err != nil {
			return nil, err
		}
		out[day] = c
	}
	return out, rows.Err()
}

// spanSQL is a UNION ALL of the non-empty parts of sp: cols of the daily
// table for the days at its ends, of the monthly table for its whole
// months, each with where (on the placeholders of args) and the part's key
// range. The caller sums over it.
func spanSQL(sp stats.Span, dayTable, monthTable, cols, where string, args ...any) (string, []any) {
	var parts []string
	var all []any
	part := func(table, key string, r [2]string) {
		if r[0] == "" {
			return
		}
		parts = append(parts, fmt.Sprintf("SELECT %s FROM %s WHERE %s AND %s >= ? AND %s <= ?", cols, table, where, key, key))
		all = append(all, args...)
		all = append(all, r[0], r[1])
	}
	part(dayTable, "day", sp.Head)
	part(monthTable, "month", sp.Months)
	part(dayTable, "day", sp.Tail)
	if len(parts) == 0 { // no day at all
		part(dayTable, "day", [2]string{"1", "0"})
	}
	return strings.Join(parts, " UNION ALL "), all
}

const counterCols = "region_code, received, accepted, rejected, resolved, closed, success, resolve_days, visited, satisfied, basically, unsatisfied"

// Totals implements stats.Store.
func (s *Store) Totals(ctx context.Context, region string, sp stats.Span) (stats.Counters, error) {
	u, args := spanSQL(sp, "stat_days", "stat_months", counterCols, "region_code = ?", region)
	m, err := s.counters(ctx, "SELECT region_code, "+sums+" FROM ("+u+") t GROUP BY region_code", args...)
	return m[region], err
}

// ChildCounters implements stats.Store: received, resolved, success and
// satisfaction only, from the covering indexes stat_days_parent_idx and
// stat_months_parent_idx.
func (s *Store) ChildCounters(ctx context.Context, region string, sp stats.Span) (map[string]stats.Counters, error) {
	u, args := spanSQL(sp, "stat_days", "stat_months", "region_code, received, resolved, success, satisfied, basically, unsatisfied",
		"parent_code = ?", region)
	rows, err := s.idb.QueryContext(ctx, `SELECT region_code, SUM(received), SUM(resolved), SUM(success), SUM(satisfied),
		SUM(basically), SUM(unsatisfied) FROM (`+u+`) t GROUP BY region_code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]stats.Counters{}
	for rows.Next() {
		var key string
		var c stats.Counters
		if err := rows.Scan(&key, &c.Received, &c.Resolved, &c.Success, &c.Satisfied, &c.Basically, &c.Unsatisfied); err != nil {
			return nil, err
		}
		out[key] = c
	}
	return out, rows.Err()
}

// Dims implements stats.Store.
func (s *Store) Dims(ctx context.Context, region string, sp stats.Span) (map[string]int, map[string]int, error) {
	u, args := spanSQL(sp, "stat_dims", "stat_dim_months", "dim, value, received", "region_code = ?", region)
	rows, err := s.idb.QueryContext(ctx, "SELECT dim, value, SUM(received) FROM ("+u+") t GROUP BY dim, value", args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	chans, cats := map[string]int{}, map[string]int{}
	for rows.Next() {
		var dim, value string
		var n int
		if err := rows.Scan(&dim, &value, &n); err != nil {
			return nil, nil, err
		}
		if dim == "channel" {
			chans[value] = n
		} else {
			cats[value] = n
		}
	}
	return chans, cats, rows.Err()
}

// Current implements stats.Store. It reads only open clocks due before
// soon (the partial index stat_open_clocks_idx), joined to their cases:
// CROSS JOIN keeps SQLite from driving the join from the open cases of the
// region instead (tens of thousands at 1 M cases); PostgreSQL plans it as
// an inner join.
func (s *Store) Current(ctx context.Context, prefix string, childLen int, now, soon time.Time) (map[string]stats.Current, error) {
	q := fmt.Sprintf(`SELECT substr(c.region_code, 1, %d) AS p,
		COUNT(DISTINCT CASE WHEN k.status = 'missed' OR (k.status = 'running' AND k.due_at < ?) THEN c.id END),
		COUNT(DISTINCT CASE WHEN k.status = 'running' AND k.due_at >= ? THEN c.id END),
		COUNT(DISTINCT CASE WHEN k.kind = 'handling' AND (k.status = 'missed' OR (k.status = 'running' AND k.due_at < ?)) THEN c.id END)
		FROM case_clocks k CROSS JOIN cases c
		WHERE c.id = k.case_id AND k.ended_at IS NULL AND k.due_at < ?
		  AND c.status IN ('registered', 'accepted', 'in_progress')
		  AND c.region_code >= ? AND c.region_code < ?
		GROUP BY substr(c.region_code, 1, %d)`, childLen, childLen)
	rows, err := s.idb.QueryContext(ctx, q, now, now, now, soon, prefix, prefix+":")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]stats.Current{}
	for rows.Next() {
		var p string
		var c stats.Current
		if err := rows.Scan(&p, &c.Overdue, &c.DueSoon, &c.Backlog); err != nil {
			return nil, err
		}
		out[p] = c
	}
	return out, rows.Err()
}

// Clusters implements stats.Store. A case's person is its first intake's
// (ID number hash, else phone hash, else name key), as the cluster list
// and the group warnings count them.
func (s *Store) Clusters(ctx context.Context, prefix string, from, to, week time.Time, n int) ([]stats.ClusterFigure, error) {
	rows, err := s.idb.QueryContext(ctx, `SELECT c.cluster_id, COUNT(*),
		SUM(CASE WHEN c.created_at >= ? THEN 1 ELSE 0 END)
		FROM cases c
		WHERE c.cluster_id IS NOT NULL AND c.region_code >= ? AND c.region_code < ?
		  AND c.created_at >= ? AND c.created_at < ? AND c.merged_into_id IS NULL
		GROUP BY c.cluster_id ORDER BY COUNT(*) DESC, c.cluster_id LIMIT ?`,
		week, prefix, prefix+":", from, to, n)
	if err != nil {
		return nil, err
	}
	var out []stats.ClusterFigure
	for rows.Next() {
		var f stats.ClusterFigure
		if err := rows.Scan(&f.ID, &f.Cases, &f.Growth); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		f := &out[i]
		err := s.idb.QueryRowContext(ctx, `SELECT cl.title, (SELECT COUNT(DISTINCT (
				SELECT COALESCE(NULLIF(i.id_number_hash, ''), NULLIF(i.phone_hash, ''), i.name_key)
				FROM intakes i WHERE i.case_id = c.id ORDER BY i.id LIMIT 1))
			FROM cases c WHERE c.cluster_id = cl.id AND c.region_code >= ? AND c.region_code < ?
			  AND c.created_at >= ? AND c.created_at < ? AND c.merged_into_id IS NULL)
			FROM clusters cl WHERE cl.id = ?`, prefix, prefix+":", from, to, f.ID).Scan(&f.Title, &f.Persons)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Add implements stats.Store: one upsert per table, of every region above
// each delta's.
func (s *Store) Add(ctx context.Context, deltas []stats.Delta) error {
	a := newAccum()
	a.add(deltas)
	return s.write(ctx, a)
}

// accum sums deltas into the daily and the monthly rows of every region
// above theirs.
type accum struct {
	days, months    counterRows
	dims, dimMonths dimRows
}

// counterRows are rows of stat_days or stat_months keyed by (region, day or
// month), in the order first seen.
type counterRows struct {
	rows map[[2]string]*dayRow
	keys [][2]string
}

func (r *counterRows) add(code, key, parent string, c stats.Counters) {
	k := [2]string{code, key}
	row := r.rows[k]
	if row == nil {
		row = &dayRow{parent: parent}
		r.rows[k] = row
		r.keys = append(r.keys, k)
	}
	row.c.Add(c)
}

// dimRows are rows of stat_dims or stat_dim_months keyed by (region, day
// or month, dim, value): received and resolved.
type dimRows struct {
	rows map[[4]string]*[2]int
	keys [][4]string
}

func (r *dimRows) add(k [4]string, received, resolved int) {
	v := r.rows[k]
	if v == nil {
		v = &[2]int{}
		r.rows[k] = v
		r.keys = append(r.keys, k)
	}
	v[0] += received
	v[1] += resolved
}

func newAccum() *accum {
	return &accum{days: counterRows{rows: map[[2]string]*dayRow{}}, months: counterRows{rows: map[[2]string]*dayRow{}},
		dims: dimRows{rows: map[[4]string]*[2]int{}}, dimMonths: dimRows{rows: map[[4]string]*[2]int{}}}
}

func (a *accum) add(deltas []stats.Delta) {
	for _, d := range deltas {
		month := stats.Month(d.Day)
		anc := kernel.RegionAncestors(d.Region)
		for i, code := range anc {
			parent := ""
			if i+1 < len(anc) {
				parent = anc[i+1]
			}
			a.days.add(code, d.Day, parent, d.C)
			a.months.add(code, month, parent, d.C)
			if d.C.Received == 0 && d.C.Resolved == 0 {
				continue
			}
			for _, dv := range [][2]string{{"channel", d.Channel}, {"category", d.Category}} {
				a.dims.add([4]string{code, d.Day, dv[0], dv[1]}, d.C.Received, d.C.Resolved)
				a.dimMonths.add([4]string{code, month, dv[0], dv[1]}, d.C.Received, d.C.Resolved)
			}
		}
	}
}

type dayRow struct {
	parent string
	c      stats.Counters
}

// write upserts the accumulated rows in batches: the daily and the monthly
// counters, the daily and the monthly splits.
func (s *Store) write(ctx context.Context, a *accum) error {
	if err := s.writeCounters(ctx, "stat_days", "day", &a.days); err != nil {
		return err
	}
	if err := s.writeCounters(ctx, "stat_months", "month", &a.months); err != nil {
		return err
	}
	if err := s.writeDims(ctx, "stat_dims", "day", &a.dims); err != nil {
		return err
	}
	return s.writeDims(ctx, "stat_dim_months", "month", &a.dimMonths)
}

const upsertBatch = 200

func (s *Store) writeCounters(ctx context.Context, table, keyCol string, r *counterRows) error {
	for start := 0; start < len(r.keys); start += upsertBatch {
		keys := r.keys[start:min(start+upsertBatch, len(r.keys))]
		var b strings.Builder
		args := make([]any, 0, len(keys)*14)
		fmt.Fprintf(&b, "INSERT INTO %s (region_code, %s, parent_code, received, accepted, rejected, resolved, closed, success, resolve_days, visited, satisfied, basically, unsatisfied) VALUES ", table, keyCol)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			row := r.rows[k]
			c := row.c
			args = append(args, k[0], k[1], row.parent, c.Received, c.Accepted, c.Rejected, c.Resolved, c.Closed, c.Success,
				c.ResolveDays, c.Visited, c.Satisfied, c.Basically, c.Unsatisfied)
		}
		fmt.Fprintf(&b, " ON CONFLICT (region_code, %s) DO UPDATE SET ", keyCol)
		for i, col := range []string{"received", "accepted", "rejected", "resolved", "closed", "success", "resolve_days", "visited", "satisfied", "basically", "unsatisfied"} {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", col, table, col, col)
		}
		if _, err := s.idb.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) writeDims(ctx context.Context, table, keyCol string, r *dimRows) error {
	for start := 0; start < len(r.keys); start += upsertBatch {
		keys := r.keys[start:min(start+upsertBatch, len(r.keys))]
		var b strings.Builder
		args := make([]any, 0, len(keys)*6)
		fmt.Fprintf(&b, "INSERT INTO %s (region_code, %s, dim, value, received, resolved) VALUES ", table, keyCol)
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?)")
			v := r.rows[k]
			args = append(args, k[0], k[1], k[2], k[3], v[0], v[1])
		}
		fmt.Fprintf(&b, " ON CONFLICT (region_code, %s, dim, value) DO UPDATE SET received = %s.received + excluded.received, resolved = %s.resolved + excluded.resolved",
			keyCol, table, table)
		if _, err := s.idb.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// FirstResolved implements stats.Store.
func (s *Store) Resolutions(ctx context.Context, caseID, beforeEvent int64) (stats.Resolutions, error) {
	var rows []struct {
		At   time.Time      `bun:"at"`
		Data sql.NullString `bun:"data"`
	}
	err := s.idb.NewSelect().TableExpr("events").ColumnExpr("at, data").
		Where("case_id = ? AND id < ? AND kind = 'transition' AND to_status = 'resolved'", caseID, beforeEvent).
		OrderExpr("id").Scan(ctx, &rows)
	if err != nil || len(rows) == 0 {
		return stats.Resolutions{}, err
	}
	last := decodeData(rows[len(rows)-1].Data.String)
	return stats.Resolutions{First: rows[0].At, LastSuccess: last["resolution_success"] != false}, nil
}

// RecordExport implements stats.Store.
func (s *Store) RecordExport(ctx context.Context, e *stats.Export) error {
	_, err := s.idb.ExecContext(ctx, "INSERT INTO stat_exports (user_id, username, kind, filters, row_count, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		e.UserID, e.Username, e.Kind, e.Filters, e.Rows, e.At.UTC())
	return err
}

// Exports lists the newest exports (the audit log), for tests and admins.
func (s *Store) Exports(ctx context.Context, limit int) ([]stats.Export, error) {
	rows, err := s.idb.QueryContext(ctx, "SELECT user_id, username, kind, filters, row_count, created_at FROM stat_exports ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stats.Export
	for rows.Next() {
		var e stats.Export
		if err := rows.Scan(&e.UserID, &e.Username, &e.Kind, &e.Filters, &e.Rows, &e.At); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Empty reports whether no counter has been written yet while cases exist:
// a database from before the counters, which Rebuild fills.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM stat_days LIMIT 1) t").Scan(&n); err != nil || n > 0 {
		return false, err
	}
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM cases LIMIT 1) t").Scan(&n)
	return n > 0, err
}

// Rebuild recomputes every counter from the timeline: the events replayed
// through stats.Deltas, case by case, in one transaction of tx (or
// directly on the database when tx is nil).
func (s *Store) Rebuild(ctx context.Context) error {
	for _, table := range []string{"stat_days", "stat_dims", "stat_months", "stat_dim_months"} {
		if _, err := s.idb.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return err
		}
	}
	rows, err := s.idb.QueryContext(ctx, `SELECT e.case_id, e.id, e.kind, e.from_status, e.to_status, e.at,
		CASE WHEN e.kind IN ('evaluated', 'return_visit') OR e.to_status = 'resolved' THEN e.data ELSE NULL END,
		c.region_code, c.channel, c.category, c.created_at
		FROM events e JOIN cases c ON c.id = e.case_id
		WHERE e.kind IN ('registered', 'transition', 'evaluated', 'return_visit')
		ORDER BY e.case_id, e.id`)
	if err != nil {
		return err
	}
	a := newAccum()
	var lastCase int64 = -1
	var res stats.Resolutions
	for rows.Next() {
		var caseID, id int64
		var kind, from, to string
		var at, created time.Time
		var data sql.NullString
		var cf stats.CaseFacts
		if err := rows.Scan(&caseID, &id, &kind, &from, &to, &at, &data, &cf.Region, &cf.Channel, &cf.Category, &created); err != nil {
			rows.Close()
			return err
		}
		if caseID != lastCase {
			lastCase, res = caseID, stats.Resolutions{}
		}
		cf.Created = created
		ef := stats.EventFacts{Kind: kind, From: casesStatus(from), To: casesStatus(to), At: at, Data: decodeData(data.String)}
		if ef.Kind == "transition" && ef.To == "merged" {
			continue
		}
		a.add(stats.Deltas(cf, ef, res))
		if ef.Kind == "transition" && ef.To == "resolved" {
			if res.First.IsZero() {
				res.First = at
			}
			res.LastSuccess = ef.Data["resolution_success"] != false
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return s.write(ctx, a)
}

func casesStatus(s string) cases.Status { return cases.Status(s) }

// decodeData reads an event's JSON data ("" or invalid: none).
func decodeData(s string) map[string]any {
	if s == "" {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// RebuildIn runs Rebuild in the unit of work tx.
func (s *Store) RebuildIn(ctx context.Context, tx kernel.Tx) error {
	return (&Store{db: s.db, idb: database.IDB(s.db, tx)}).Rebuild(ctx)
}

// rebuildKey names the advisory lock of the start-up rebuild ("jfstat").
const rebuildKey = 0x6a6673746174

// RebuildIfEmpty counts the timeline into empty counters, in tx, once
// across servers: on PostgreSQL the first server to start takes a
// transaction-scoped advisory lock and the others, once it commits, find
// the counters filled (SQLite runs one write transaction at a time). It
// reports whether it rebuilt.
func (s *Store) RebuildIfEmpty(ctx context.Context, tx kernel.Tx) (bool, error) {
	in := &Store{db: s.db, idb: database.IDB(s.db, tx)}
	if s.db.Dialect().Name() == dialect.PG {
		if _, err := in.idb.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", rebuildKey); err != nil {
			return false, err
		}
	}
	var n int
	if err := in.idb.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM stat_days LIMIT 1) t").Scan(&n); err != nil || n > 0 {
		return false, err
	}
	if err := in.idb.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM cases LIMIT 1) t").Scan(&n); err != nil || n == 0 {
		return false, err
	}
	return true, in.Rebuild(ctx)
}
