// Package statstore is the bun implementation of stats.Store, for SQLite
// and PostgreSQL: daily counters (stat_days, stat_dims) kept per region and
// every region above it, the open clocks for the figures of now, and the
// export audit log.
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

// Days implements stats.Store.
func (s *Store) Days(ctx context.Context, region, from, to string) (map[string]stats.Counters, error) {
	return s.counters(ctx, "SELECT day, "+sums+" FROM stat_days WHERE region_code = ? AND day >= ? AND day <= ? GROUP BY day",
		region, from, to)
}

// ChildCounters implements stats.Store: received, resolved, success and
// satisfaction only, from the covering index stat_days_parent_idx.
func (s *Store) ChildCounters(ctx context.Context, region, from, to string) (map[string]stats.Counters, error) {
	rows, err := s.idb.QueryContext(ctx, `SELECT region_code, SUM(received), SUM(resolved), SUM(success), SUM(satisfied),
		SUM(basically), SUM(unsatisfied) FROM stat_days WHERE parent_code = ? AND day >= ? AND day <= ? GROUP BY region_code`,
		region, from, to)
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
func (s *Store) Dims(ctx context.Context, region, from, to string) (map[string]int, map[string]int, error) {
	rows, err := s.idb.QueryContext(ctx, "SELECT dim, value, SUM(received) FROM stat_dims WHERE region_code = ? AND day >= ? AND day <= ? GROUP BY dim, value",
		region, from, to)
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

// accum sums deltas into the rows of every region above theirs.
type accum struct {
	days    map[[2]string]*dayRow
	dims    map[[4]string]*[2]int
	dayKeys [][2]string
	dimKeys [][4]string
}

func newAccum() *accum {
	return &accum{days: map[[2]string]*dayRow{}, dims: map[[4]string]*[2]int{}}
}

func (a *accum) add(deltas []stats.Delta) {
	for _, d := range deltas {
		anc := kernel.RegionAncestors(d.Region)
		for i, code := range anc {
			parent := ""
			if i+1 < len(anc) {
				parent = anc[i+1]
			}
			k := [2]string{code, d.Day}
			r := a.days[k]
			if r == nil {
				r = &dayRow{parent: parent}
				a.days[k] = r
				a.dayKeys = append(a.dayKeys, k)
			}
			r.c.Add(d.C)
			if d.C.Received == 0 && d.C.Resolved == 0 {
				continue
			}
			for _, dv := range [][2]string{{"channel", d.Channel}, {"category", d.Category}} {
				dk := [4]string{code, d.Day, dv[0], dv[1]}
				v := a.dims[dk]
				if v == nil {
					v = &[2]int{}
					a.dims[dk] = v
					a.dimKeys = append(a.dimKeys, dk)
				}
				v[0] += d.C.Received
				v[1] += d.C.Resolved
			}
		}
	}
}

type dayRow struct {
	parent string
	c      stats.Counters
}

// write upserts counter rows in batches.
func (s *Store) write(ctx context.Context, a *accum) error {
	days, dayKeys, dims, dimKeys := a.days, a.dayKeys, a.dims, a.dimKeys
	const batch = 200
	for start := 0; start < len(dayKeys); start += batch {
		keys := dayKeys[start:min(start+batch, len(dayKeys))]
		var b strings.Builder
		args := make([]any, 0, len(keys)*14)
		b.WriteString("INSERT INTO stat_days (region_code, day, parent_code, received, accepted, rejected, resolved, closed, success, resolve_days, visited, satisfied, basically, unsatisfied) VALUES ")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			r := days[k]
			c := r.c
			args = append(args, k[0], k[1], r.parent, c.Received, c.Accepted, c.Rejected, c.Resolved, c.Closed, c.Success,
				c.ResolveDays, c.Visited, c.Satisfied, c.Basically, c.Unsatisfied)
		}
		b.WriteString(" ON CONFLICT (region_code, day) DO UPDATE SET ")
		for i, col := range []string{"received", "accepted", "rejected", "resolved", "closed", "success", "resolve_days", "visited", "satisfied", "basically", "unsatisfied"} {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = stat_days.%s + excluded.%s", col, col, col)
		}
		if _, err := s.idb.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	for start := 0; start < len(dimKeys); start += batch {
		keys := dimKeys[start:min(start+batch, len(dimKeys))]
		var b strings.Builder
		args := make([]any, 0, len(keys)*6)
		b.WriteString("INSERT INTO stat_dims (region_code, day, dim, value, received, resolved) VALUES ")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?)")
			v := dims[k]
			args = append(args, k[0], k[1], k[2], k[3], v[0], v[1])
		}
		b.WriteString(" ON CONFLICT (region_code, day, dim, value) DO UPDATE SET received = stat_dims.received + excluded.received, resolved = stat_dims.resolved + excluded.resolved")
		if _, err := s.idb.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// FirstResolved implements stats.Store.
func (s *Store) FirstResolved(ctx context.Context, caseID, beforeEvent int64) (time.Time, error) {
	var at time.Time
	err := s.idb.NewSelect().TableExpr("events").ColumnExpr("at").
		Where("case_id = ? AND id < ? AND kind = 'transition' AND to_status = 'resolved'", caseID, beforeEvent).
		OrderExpr("id").Limit(1).Scan(ctx, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	return at, err
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
	if _, err := s.idb.ExecContext(ctx, "DELETE FROM stat_days"); err != nil {
		return err
	}
	if _, err := s.idb.ExecContext(ctx, "DELETE FROM stat_dims"); err != nil {
		return err
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
	var first time.Time
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
			lastCase, first = caseID, time.Time{}
		}
		cf.Created = created
		ef := stats.EventFacts{Kind: kind, From: casesStatus(from), To: casesStatus(to), At: at, Data: decodeData(data.String)}
		if ef.Kind == "transition" && ef.To == "merged" {
			continue
		}
		a.add(stats.Deltas(cf, ef, first))
		if ef.Kind == "transition" && ef.To == "resolved" && first.IsZero() {
			first = at
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
