// Package casestore is the bun implementation of cases.Store, for SQLite and
// PostgreSQL. Personal data is encrypted here, on its way to the database.
package casestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/pii"
)

// Store implements cases.Store.
type Store struct {
	db   *bun.DB
	idb  bun.IDB   // db, or the transaction this store is bound to
	tx   kernel.Tx // the unit of work it is bound to, nil for none
	keys *pii.Keyring
	prep *prepared // shared by the transaction-bound copies
}

var _ cases.Store = (*Store)(nil)

// New returns a store on db that encrypts personal data with keys.
func New(db *bun.DB, keys *pii.Keyring) *Store {
	return &Store{db: db, idb: db, keys: keys, prep: &prepared{}}
}

// WithTx implements cases.Store.
func (s *Store) WithTx(tx kernel.Tx) cases.Store { return s.bind(tx) }

func (s *Store) bind(tx kernel.Tx) *Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx), tx: tx, keys: s.keys, prep: s.prep}
}

// Transactor begins units of work on the store's database.
func (s *Store) Transactor() kernel.Transactor { return database.Transactor{DB: s.db} }

// Tx implements cases.Store.
func (s *Store) Tx() kernel.Tx { return s.tx }

// Region implements cases.Store.
func (s *Store) Region(ctx context.Context, code string) (*kernel.Region, error) {
	var r regionRow
	err := s.idb.NewSelect().Model(&r).Where("code = ?", code).Scan(ctx)
	if err != nil {
		return nil, database.Err(err, "行政区划")
	}
	return &kernel.Region{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode}, nil
}

// NextCaseSeq implements cases.Store. The upsert takes a row lock on
// PostgreSQL and the write lock on SQLite, so concurrent registrations on any
// number of servers get distinct numbers.
func (s *Store) NextCaseSeq(ctx context.Context, county, day string) (int, error) {
	row, err := s.queryRow(ctx, `INSERT INTO case_seqs (county, day, last) VALUES (?, ?, 1)
		ON CONFLICT (county, day) DO UPDATE SET last = case_seqs.last + 1 RETURNING last`, county, day)
	if err != nil {
		return 0, err
	}
	var last int
	if err := row.Scan(&last); err != nil {
		return 0, fmt.Errorf("next case seq: %w", err)
	}
	return last, nil
}

const insertCase = `INSERT INTO cases (case_no, subject, category, region_code, address, status, channel, accept_due_at,
	handle_due_at, suspended_at, resolved_at, closed_at, created_at, updated_at, created_by, version, cluster_id, merged_into_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// CreateCase implements cases.Store.
func (s *Store) CreateCase(ctx context.Context, c *cases.Case) error {
	row, err := s.queryRow(ctx, insertCase, c.No, c.Subject, c.Category, c.RegionCode, c.Address, string(c.Status),
		string(c.Channel), s.timePtrArg(c.AcceptDue), s.timePtrArg(c.HandleDue), s.timePtrArg(c.SuspendedAt),
		s.timePtrArg(c.ResolvedAt), s.timePtrArg(c.ClosedAt), s.timeArg(c.CreatedAt), s.timeArg(c.UpdatedAt),
		c.CreatedBy, c.Version, c.ClusterID, c.MergedInto)
	if err != nil {
		return err
	}
	return database.Err(row.Scan(&c.ID), "案件")
}

const updateCase = `UPDATE cases SET subject = ?, category = ?, region_code = ?, address = ?, status = ?,
	accept_due_at = ?, handle_due_at = ?, suspended_at = ?, resolved_at = ?, closed_at = ?, updated_at = ?,
	version = ?, cluster_id = ?, merged_into_id = ?, assignee_id = ?, assignee_name = ?, info_requested_at = ?
	WHERE id = ? AND version = ?`

// UpdateCase implements cases.Store with optimistic locking on version.
func (s *Store) UpdateCase(ctx context.Context, c *cases.Case) error {
	n, err := s.execN(ctx, updateCase, c.Subject, c.Category, c.RegionCode, c.Address, string(c.Status),
		s.timePtrArg(c.AcceptDue), s.timePtrArg(c.HandleDue), s.timePtrArg(c.SuspendedAt), s.timePtrArg(c.ResolvedAt),
		s.timePtrArg(c.ClosedAt), s.timeArg(c.UpdatedAt), c.Version+1, c.ClusterID, c.MergedInto,
		c.AssigneeID, c.AssigneeName, s.timePtrArg(c.InfoRequestedAt), c.ID, c.Version)
	if err != nil {
		return err
	}
	if n != 1 {
		return cases.ErrStale
	}
	c.Version++
	return s.MarkChanged(ctx, c.ID)
}

// scoped restricts a query on cases (aliased as "c") to a region prefix.
func scoped(q *bun.SelectQuery, col, prefix string) *bun.SelectQuery {
	if prefix == "" {
		return q
	}
	// A range instead of LIKE: it uses the index on both dialects. Codes are
	// digits, and ':' sorts right after '9'.
	return q.Where(col+" >= ? AND "+col+" < ?", prefix, prefix+":")
}

// selectCases selects case rows with the names shown beside them.
func (s *Store) selectCases(model any) *bun.SelectQuery {
	return s.idb.NewSelect().Model(model).
		ColumnExpr("case_row.*").
		ColumnExpr("(SELECT r.name FROM regions AS r WHERE r.code = case_row.region_code) AS region_name").
		ColumnExpr("(SELECT p.name FROM parties AS p WHERE p.case_id = case_row.id AND p.role = 'applicant' ORDER BY p.id LIMIT 1) AS applicant_name")
}

// CaseByNo implements cases.Store.
func (s *Store) CaseByNo(ctx context.Context, no, scope string) (*cases.Case, error) {
	var r caseRow
	q := s.selectCases(&r).Where("case_row.case_no = ?", no)
	if err := scoped(q, "case_row.region_code", scope).Scan(ctx); err != nil {
		return nil, database.Err(err, "案件")
	}
	return r.toCase(), nil
}

// CaseByID implements cases.Store.
func (s *Store) CaseByID(ctx context.Context, id int64) (*cases.Case, error) {
	var rows []caseRow
	q := s.text("CaseByID", func() string {
		return s.selectCases(&rows).Where("case_row.id = ?", bun.Safe("?")).String()
	})
	if err := s.scan(ctx, &rows, q, id); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, database.Err(sql.ErrNoRows, "案件")
	}
	return rows[0].toCase(), nil
}

// ListCases implements cases.Store.
func (s *Store) ListCases(ctx context.Context, f cases.CaseFilter) ([]*cases.Case, error) {
	var rows []caseRow
	q := s.selectCases(&rows)
	q = scoped(q, "case_row.region_code", f.Scope)
	q = scoped(q, "case_row.region_code", f.Region)
	if len(f.Statuses) > 0 {
		q = q.Where("case_row.status IN (?)", bun.In(f.Statuses))
	}
	if f.Category != "" {
		q = q.Where("case_row.category = ?", f.Category)
	}
	if f.Channel != "" {
		q = q.Where("EXISTS (SELECT 1 FROM intakes i WHERE i.case_id = case_row.id AND i.channel = ?)", f.Channel)
	}
	if f.CreatedFrom != nil {
		q = q.Where("case_row.created_at >= ?", f.CreatedFrom.UTC())
	}
	if f.CreatedTo != nil {
		q = q.Where("case_row.created_at < ?", f.CreatedTo.UTC())
	}
	if f.Overdue != nil {
		// The clocks decide (case_clocks): one missed, or running past its due.
		overdue := "(case_row.status IN ('registered', 'accepted', 'in_progress') AND EXISTS (" +
			"SELECT 1 FROM case_clocks k WHERE k.case_id = case_row.id AND k.ended_at IS NULL AND " +
			"(k.status = 'missed' OR (k.status = 'running' AND k.due_at < ?0))))"
		if *f.Overdue {
			q = q.Where(overdue, f.Now)
		} else {
			q = q.Where("NOT "+overdue, f.Now)
		}
	}
	if f.DueWithin != nil {
		y, m, d := f.Now.In(cases.ChinaTime).Date()
		by := time.Date(y, m, d+*f.DueWithin+1, 0, 0, 0, 0, cases.ChinaTime).UTC()
		q = q.Where("case_row.status IN ('registered', 'accepted', 'in_progress') AND EXISTS ("+
			"SELECT 1 FROM case_clocks k WHERE k.case_id = case_row.id AND k.status = 'running' "+
			"AND k.due_at >= ? AND k.due_at < ?)", f.Now, by)
	}
	if f.Q != "" {
		like := "%" + escapeLike(f.Q) + "%"
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("case_row.case_no LIKE ? ESCAPE '\\'", like).
				WhereOr("case_row.subject LIKE ? ESCAPE '\\'", like).
				WhereOr("case_row.address LIKE ? ESCAPE '\\'", like)
		})
	}
	switch {
	case f.AssigneeID > 0:
		q = q.Where("case_row.assignee_id = ?", f.AssigneeID)
	case f.Unassigned:
		q = q.Where("case_row.assignee_id IS NULL")
	}
	if f.AwaitingInfo {
		q = q.Where("case_row.info_requested_at IS NOT NULL")
	}
	for _, c := range f.Conds {
		q = q.Where(c.SQL, c.Args...)
	}
	if f.BeforeID > 0 {
		q = q.Where("case_row.id < ?", f.BeforeID)
	}
	if err := q.OrderExpr("case_row.id DESC").Limit(int64(f.Limit)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*cases.Case, len(rows))
	for i := range rows {
		out[i] = rows[i].toCase()
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

const insertIntake = `INSERT INTO intakes (ref, case_id, channel, external_ref, source_key, source_hash, received_at,
	person_name, id_number_enc, id_number_hash, phone_enc, phone_hash, subject, content, address, region_code,
	category, respondent_kind, respondent_name, raw_enc, created_at, created_by, name_key, decision, resident_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// CreateIntake implements cases.Store.
func (s *Store) CreateIntake(ctx context.Context, in *cases.Intake) error {
	var sourceKey any
	if in.SourceKey != "" {
		sourceKey = in.SourceKey
	}
	var rkind, rname string
	if r := in.Respondent; r != nil {
		rkind, rname = string(r.Kind), r.Name
	}
	decision := in.Decision
	if decision == "" {
		decision = cases.DecisionNew
	}
	row, err := s.queryRow(ctx, insertIntake,
		in.Ref, in.CaseID, string(in.Channel), in.ExternalRef, sourceKey, in.SourceHash, s.timeArg(in.ReceivedAt),
		in.Person.Name, nullBytes(s.keys.SealString(in.Person.IDNumber)), s.keys.HashID(in.Person.IDNumber),
		nullBytes(s.keys.SealString(in.Person.Phone)), s.keys.HashPhone(in.Person.Phone),
		in.Subject, in.Content, in.Address, in.RegionCode, in.Category, rkind, rname,
		nullBytes(s.keys.Seal(in.Raw)), s.timeArg(in.CreatedAt), in.CreatedBy, in.NameKey, decision, in.ResidentID)
	if err != nil {
		return err
	}
	if err := row.Scan(&in.ID); err != nil {
		return database.Err(err, "受理记录")
	}
	return s.MarkChanged(ctx, in.CaseID)
}

// timePtrArg is timeArg for optional times.
func (s *Store) timePtrArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.timeArg(*t)
}

// timeArg formats a time as bun does, so that bound and inlined times
// compare the same way in SQLite (text) and PostgreSQL.
func (s *Store) timeArg(t time.Time) any {
	if s.db.Dialect().Name() == dialect.PG {
		return t.UTC()
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
}

func (s *Store) toIntake(r *intakeRow) (*cases.Intake, error) {
	idn, err := s.keys.OpenString(r.IDNumberEnc)
	if err != nil {
		return nil, fmt.Errorf("intake %d: id number: %w", r.ID, err)
	}
	phone, err := s.keys.OpenString(r.PhoneEnc)
	if err != nil {
		return nil, fmt.Errorf("intake %d: phone: %w", r.ID, err)
	}
	raw, err := s.keys.Open(r.RawEnc)
	if err != nil {
		return nil, fmt.Errorf("intake %d: raw payload: %w", r.ID, err)
	}
	in := &cases.Intake{
		ID: r.ID, Ref: r.Ref, CaseID: r.CaseID, Channel: kernel.Channel(r.Channel), ExternalRef: r.ExternalRef,
		ReceivedAt: r.ReceivedAt.UTC(), Person: cases.Person{Name: r.PersonName, IDNumber: idn, Phone: phone},
		Subject: r.Subject, Content: r.Content, Address: r.Address, RegionCode: r.RegionCode,
		Category: r.Category, Raw: raw, CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy,
		SourceHash: r.SourceHash, NameKey: r.NameKey, Decision: r.Decision, ResidentID: r.ResidentID,
	}
	if r.SourceKey != nil {
		in.SourceKey = *r.SourceKey
	}
	if r.RespondentName != "" {
		in.Respondent = &cases.Respondent{Kind: cases.PartyKind(r.RespondentKind), Name: r.RespondentName}
	}
	return in, nil
}

// IntakeBySourceKey implements cases.Store.
func (s *Store) IntakeBySourceKey(ctx context.Context, key string) (*cases.Intake, error) {
	var r intakeRow
	if err := s.idb.NewSelect().Model(&r).Where("source_key = ?", key).Scan(ctx); err != nil {
		return nil, database.Err(err, "受理记录")
	}
	return s.toIntake(&r)
}

// CreateParty implements cases.Store.
func (s *Store) CreateParty(ctx context.Context, p *cases.Party) error {
	var intake any
	if p.IntakeID != 0 {
		intake = p.IntakeID
	}
	row, err := s.queryRow(ctx, `INSERT INTO parties (case_id, intake_id, role, kind, name, id_number_enc, id_number_hash,
		phone_enc, phone_hash, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.CaseID, intake, string(p.Role), string(p.Kind), p.Name,
		nullBytes(s.keys.SealString(p.IDNumber)), s.keys.HashID(p.IDNumber),
		nullBytes(s.keys.SealString(p.Phone)), s.keys.HashPhone(p.Phone), p.Address)
	if err != nil {
		return err
	}
	return database.Err(row.Scan(&p.ID), "当事人")
}

const insertEvent = `INSERT INTO events (case_id, at, actor_id, actor_name, kind, from_status, to_status, note, data)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// CreateEvent implements cases.Store.
func (s *Store) CreateEvent(ctx context.Context, e *cases.Event) error {
	var data any
	if len(e.Data) > 0 {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return err
		}
		data = string(b)
	}
	row, err := s.queryRow(ctx, insertEvent, e.CaseID, s.timeArg(e.At), e.ActorID, e.ActorName, e.Kind,
		string(e.FromStatus), string(e.ToStatus), e.Note, data)
	if err != nil {
		return err
	}
	return database.Err(row.Scan(&e.ID), "事件")
}

// LoadDetails implements cases.Store.
func (s *Store) LoadDetails(ctx context.Context, c *cases.Case) error {
	var intakes []intakeRow
	if err := s.idb.NewSelect().Model(&intakes).Where("case_id = ?", c.ID).Order("received_at", "id").Scan(ctx); err != nil {
		return err
	}
	c.Intakes = make([]cases.Intake, 0, len(intakes))
	for i := range intakes {
		in, err := s.toIntake(&intakes[i])
		if err != nil {
			return err
		}
		c.Intakes = append(c.Intakes, *in)
	}

	var parties []partyRow
	if err := s.idb.NewSelect().Model(&parties).Where("case_id = ?", c.ID).Order("id").Scan(ctx); err != nil {
		return err
	}
	c.Parties = make([]cases.Party, 0, len(parties))
	for _, r := range parties {
		idn, err := s.keys.OpenString(r.IDNumberEnc)
		if err != nil {
			return fmt.Errorf("party %d: %w", r.ID, err)
		}
		phone, err := s.keys.OpenString(r.PhoneEnc)
		if err != nil {
			return fmt.Errorf("party %d: %w", r.ID, err)
		}
		c.Parties = append(c.Parties, cases.Party{ID: r.ID, CaseID: r.CaseID, IntakeID: r.IntakeID,
			Role: cases.PartyRole(r.Role), Kind: cases.PartyKind(r.Kind), Name: r.Name, IDNumber: idn,
			Phone: phone, Address: r.Address})
	}

	var events []eventRow
	if err := s.idb.NewSelect().Model(&events).Where("case_id = ?", c.ID).Order("id").Scan(ctx); err != nil {
		return err
	}
	c.Events = make([]cases.Event, len(events))
	for i, r := range events {
		c.Events[i] = cases.Event{ID: r.ID, CaseID: r.CaseID, At: r.At.UTC(), ActorID: r.ActorID,
			ActorName: r.ActorName, Kind: r.Kind, FromStatus: cases.Status(r.FromStatus),
			ToStatus: cases.Status(r.ToStatus), Note: r.Note, Data: r.Data}
	}

	var links []linkRow
	err := s.idb.NewSelect().Model(&links).
		ColumnExpr("link_row.*").
		ColumnExpr("(SELECT o.case_no FROM cases AS o WHERE o.id = CASE WHEN link_row.case_id = ? THEN link_row.other_case_id ELSE link_row.case_id END) AS other_case_no", c.ID).
		Where("link_row.case_id = ? OR link_row.other_case_id = ?", c.ID, c.ID).Order("link_row.id").Scan(ctx)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	c.Links = make([]cases.Link, len(links))
	for i, r := range links {
		l := r.toLink()
		l.Direction = "out"
		if l.OtherCaseID == c.ID {
			// Seen from the other side: the link points here.
			l.Direction = "in"
			l.CaseID, l.OtherCaseID = l.OtherCaseID, l.CaseID
		}
		l.OtherCaseNo = r.OtherCaseNo
		c.Links[i] = *l
	}
	return nil
}
