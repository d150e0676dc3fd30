// Package mediationstore is the bun implementation of mediation.Store, for
// SQLite and PostgreSQL.
package mediationstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/jiefen/jiefen/clocks"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/mediation"
)

type profileRow struct {
	bun.BaseModel `bun:"table:mediator_profiles,alias:p"`
	UserID        int64     `bun:"user_id,pk"`
	Specialties   string    `bun:"specialties"`
	Capacity      int       `bun:"capacity"`
	AvailableFrom string    `bun:"available_from"`
	AvailableTo   string    `bun:"available_to"`
	Relations     string    `bun:"relations"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

type memberRow struct {
	bun.BaseModel `bun:"table:mediator_units"`
	UserID        int64 `bun:"user_id,pk"`
	UnitID        int64 `bun:"unit_id,pk"`
}

type mediationRow struct {
	bun.BaseModel    `bun:"table:mediations,alias:m"`
	ID               int64      `bun:"id,pk,autoincrement"`
	CaseID           int64      `bun:"case_id"`
	CaseNo           string     `bun:"case_no"`
	RegionCode       string     `bun:"region_code"`
	UnitID           int64      `bun:"unit_id"`
	UnitName         string     `bun:"unit_name"`
	Flow             string     `bun:"flow"`
	Status           string     `bun:"status"`
	MediatorID       *int64     `bun:"mediator_id"`
	MediatorUsername string     `bun:"mediator_username"`
	MediatorName     string     `bun:"mediator_name"`
	Note             string     `bun:"note"`
	ClockKind        string     `bun:"clock_kind"`
	OpenedBy         string     `bun:"opened_by"`
	OpenedAt         time.Time  `bun:"opened_at"`
	AcceptedAt       *time.Time `bun:"accepted_at"`
	EndedAt          *time.Time `bun:"ended_at"`
	Outcome          string     `bun:"outcome"`
	Confirmation     string     `bun:"confirmation"`
	AgreementDocID   *int64     `bun:"agreement_document_id"`
}

type offerRow struct {
	bun.BaseModel    `bun:"table:mediation_offers,alias:o"`
	ID               int64      `bun:"id,pk,autoincrement"`
	MediationID      int64      `bun:"mediation_id"`
	MediatorID       int64      `bun:"mediator_id"`
	MediatorUsername string     `bun:"mediator_username"`
	MediatorName     string     `bun:"mediator_name"`
	Status           string     `bun:"status"`
	Reason           string     `bun:"reason"`
	OfferedAt        time.Time  `bun:"offered_at"`
	DueAt            time.Time  `bun:"due_at"`
	AnsweredAt       *time.Time `bun:"answered_at"`
}

type sessionRow struct {
	bun.BaseModel `bun:"table:mediation_sessions,alias:s"`
	ID            int64     `bun:"id,pk,autoincrement"`
	MediationID   int64     `bun:"mediation_id"`
	Kind          string    `bun:"kind"`
	StartsAt      time.Time `bun:"starts_at"`
	Place         string    `bun:"place"`
	Link          string    `bun:"link"`
	Participants  string    `bun:"participants"`
	Minutes       string    `bun:"minutes"`
	CreatedBy     string    `bun:"created_by"`
	CreatedAt     time.Time `bun:"created_at"`
}

type termRow struct {
	bun.BaseModel   `bun:"table:mediation_terms,alias:t"`
	ID              int64      `bun:"id,pk,autoincrement"`
	MediationID     int64      `bun:"mediation_id"`
	Seq             int        `bun:"seq"`
	Party           string     `bun:"party"`
	Obligation      string     `bun:"obligation"`
	Due             string     `bun:"due"`
	Performance     string     `bun:"performance"`
	PerformanceNote string     `bun:"performance_note"`
	RecordedAt      *time.Time `bun:"recorded_at"`
	RecordedBy      string     `bun:"recorded_by"`
}

type handoffRow struct {
	bun.BaseModel `bun:"table:case_handoffs,alias:h"`
	ID            int64      `bun:"id,pk,autoincrement"`
	CaseID        int64      `bun:"case_id"`
	CaseNo        string     `bun:"case_no"`
	Kind          string     `bun:"kind"`
	Direction     string     `bun:"direction"`
	UnitID        int64      `bun:"unit_id"`
	UnitName      string     `bun:"unit_name"`
	Reason        string     `bun:"reason"`
	Status        string     `bun:"status"`
	Result        string     `bun:"result"`
	SentBy        string     `bun:"sent_by"`
	CreatedAt     time.Time  `bun:"created_at"`
	ResultAt      *time.Time `bun:"result_at"`
	ResultBy      string     `bun:"result_by"`
}

// Store implements mediation.Store.
type Store struct {
	db  *bun.DB
	idb bun.IDB // the bound transaction, or db
}

var _ mediation.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db, idb: db} }

// WithTx implements mediation.Store.
func (s *Store) WithTx(tx kernel.Tx) mediation.Store {
	return &Store{db: s.db, idb: database.IDB(s.db, tx)}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func enc(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Profile implements mediation.Store.
func (s *Store) Profile(ctx context.Context, userID int64) (*mediation.Profile, error) {
	list, err := s.profiles(ctx, s.idb.NewSelect().Model((*profileRow)(nil)).Where("p.user_id = ?", userID))
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, kernel.Errorf(kernel.ENotFound, "调解员信息不存在")
	}
	return list[0], nil
}

// profiles runs q (a select of profiles) and fills the user's fields, the
// units and the load.
func (s *Store) profiles(ctx context.Context, q *bun.SelectQuery) ([]*mediation.Profile, error) {
	var rows []struct {
		profileRow `bun:",extend"`
		Username   string `bun:"username"`
		Display    string `bun:"display_name"`
		Region     string `bun:"region_code"`
		Disabled   bool   `bun:"disabled"`
	}
	q = q.ColumnExpr("p.*").ColumnExpr("usr.username, usr.display_name, usr.region_code, usr.disabled").
		Join("JOIN users AS usr ON usr.id = p.user_id").Order("usr.username")
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, database.Err(err, "调解员信息")
	}
	out := make([]*mediation.Profile, 0, len(rows))
	for _, r := range rows {
		p := &mediation.Profile{UserID: r.UserID, Username: r.Username, Name: r.Display, RegionCode: r.Region,
			Capacity: r.Capacity, AvailableFrom: r.AvailableFrom, AvailableTo: r.AvailableTo, UpdatedAt: r.UpdatedAt.UTC(),
			Disabled: r.Disabled, UnitIDs: []int64{}, Specialties: []string{}, Relations: []mediation.Relation{}}
		if p.Name == "" {
			p.Name = p.Username
		}
		_ = json.Unmarshal([]byte(r.Specialties), &p.Specialties)
		_ = json.Unmarshal([]byte(r.Relations), &p.Relations)
		var members []memberRow
		if err := s.idb.NewSelect().Model(&members).Where("user_id = ?", p.UserID).Order("unit_id").Scan(ctx); err != nil {
			return nil, err
		}
		for _, m := range members {
			p.UnitIDs = append(p.UnitIDs, m.UnitID)
		}
		var err error
		if p.Load, err = s.Load(ctx, p.UserID); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// SaveProfile implements mediation.Store.
func (s *Store) SaveProfile(ctx context.Context, p *mediation.Profile) error {
	if s.idb == bun.IDB(s.db) {
		return database.Transactor{DB: s.db}.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
			return s.WithTx(tx).(*Store).saveProfile(ctx, p)
		})
	}
	return s.saveProfile(ctx, p)
}

func (s *Store) saveProfile(ctx context.Context, p *mediation.Profile) error {
	st := s
	{
		row := &profileRow{UserID: p.UserID, Specialties: enc(p.Specialties), Capacity: p.Capacity,
			AvailableFrom: p.AvailableFrom, AvailableTo: p.AvailableTo, Relations: enc(p.Relations), UpdatedAt: p.UpdatedAt.UTC()}
		if _, err := st.idb.NewInsert().Model(row).On("CONFLICT (user_id) DO UPDATE").
			Set("specialties = EXCLUDED.specialties, capacity = EXCLUDED.capacity, available_from = EXCLUDED.available_from").
			Set("available_to = EXCLUDED.available_to, relations = EXCLUDED.relations, updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return database.Err(err, "调解员信息")
		}
		if _, err := st.idb.NewDelete().Model((*memberRow)(nil)).Where("user_id = ?", p.UserID).Exec(ctx); err != nil {
			return err
		}
		for _, id := range p.UnitIDs {
			if _, err := st.idb.NewInsert().Model(&memberRow{UserID: p.UserID, UnitID: id}).Exec(ctx); err != nil {
				return database.Err(err, "调解员所属机构")
			}
		}
		return nil
	}
}

// ProfilesOfUnit implements mediation.Store.
func (s *Store) ProfilesOfUnit(ctx context.Context, unitID int64) ([]*mediation.Profile, error) {
	return s.profiles(ctx, s.idb.NewSelect().Model((*profileRow)(nil)).
		Where("p.user_id IN (SELECT user_id FROM mediator_units WHERE unit_id = ?)", unitID))
}

// Load implements mediation.Store: active mediations and pending offers.
func (s *Store) Load(ctx context.Context, userID int64) (int, error) {
	a, err := s.idb.NewSelect().Model((*mediationRow)(nil)).Where("mediator_id = ? AND status = ?", userID, mediation.StatusActive).Count(ctx)
	if err != nil {
		return 0, err
	}
	b, err := s.idb.NewSelect().Model((*offerRow)(nil)).Where("mediator_id = ? AND status = ?", userID, mediation.OfferPending).Count(ctx)
	return int(a + b), err
}

// LockedLoad implements mediation.Store.
func (s *Store) LockedLoad(ctx context.Context, userID int64) (int, error) {
	if s.db.Dialect().Name() == dialect.PG {
		var id int64
		err := s.idb.NewSelect().Model((*profileRow)(nil)).Column("p.user_id").Where("p.user_id = ?", userID).
			For("UPDATE").Scan(ctx, &id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	return s.Load(ctx, userID)
}

func fromMediation(m *mediation.Mediation) *mediationRow {
	r := &mediationRow{ID: m.ID, CaseID: m.CaseID, CaseNo: m.CaseNo, RegionCode: m.RegionCode, UnitID: m.UnitID,
		UnitName: m.UnitName, Flow: string(m.Flow), Status: string(m.Status), MediatorID: m.MediatorID,
		MediatorUsername: m.Mediator, MediatorName: m.MediatorName, Note: m.Note, ClockKind: string(m.ClockKind),
		OpenedBy: m.OpenedBy, OpenedAt: m.OpenedAt.UTC(), AcceptedAt: utc(m.AcceptedAt), EndedAt: utc(m.EndedAt),
		AgreementDocID: m.AgreementDocID}
	if m.Outcome != nil {
		r.Outcome = enc(m.Outcome)
	}
	if m.Confirmation != nil {
		r.Confirmation = enc(m.Confirmation)
	}
	return r
}

func (r *mediationRow) mediation() *mediation.Mediation {
	m := &mediation.Mediation{ID: r.ID, CaseID: r.CaseID, CaseNo: r.CaseNo, RegionCode: r.RegionCode, UnitID: r.UnitID,
		UnitName: r.UnitName, Flow: mediation.Flow(r.Flow), Status: mediation.Status(r.Status), MediatorID: r.MediatorID,
		Mediator: r.MediatorUsername, MediatorName: r.MediatorName, Note: r.Note, ClockKind: clocks.Kind(r.ClockKind),
		OpenedBy: r.OpenedBy, OpenedAt: r.OpenedAt.UTC(), AcceptedAt: utc(r.AcceptedAt), EndedAt: utc(r.EndedAt),
		Offers: []mediation.Offer{}, Sessions: []mediation.Session{}, Terms: []mediation.Term{},
		AgreementDocID: r.AgreementDocID}
	if r.Outcome != "" {
		m.Outcome = &mediation.Outcome{}
		_ = json.Unmarshal([]byte(r.Outcome), m.Outcome)
	}
	if r.Confirmation != "" {
		m.Confirmation = &mediation.Confirmation{}
		_ = json.Unmarshal([]byte(r.Confirmation), m.Confirmation)
	}
	return m
}

// CreateMediation implements mediation.Store.
func (s *Store) CreateMediation(ctx context.Context, m *mediation.Mediation) error {
	r := fromMediation(m)
	if _, err := s.idb.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "调解")
	}
	m.ID = r.ID
	return nil
}

// UpdateMediation implements mediation.Store.
func (s *Store) UpdateMediation(ctx context.Context, m *mediation.Mediation) error {
	_, err := s.idb.NewUpdate().Model(fromMediation(m)).
		Column("status", "mediator_id", "mediator_username", "mediator_name", "accepted_at", "ended_at", "outcome", "confirmation",
			"agreement_document_id").
		WherePK().Exec(ctx)
	return err
}

// Mediation implements mediation.Store.
func (s *Store) Mediation(ctx context.Context, id int64) (*mediation.Mediation, error) {
	var r mediationRow
	if err := s.idb.NewSelect().Model(&r).Where("m.id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "调解")
	}
	m := r.mediation()
	return m, s.details(ctx, m)
}

func (s *Store) details(ctx context.Context, m *mediation.Mediation) error {
	var offers []offerRow
	if err := s.idb.NewSelect().Model(&offers).Where("mediation_id = ?", m.ID).Order("o.id").Scan(ctx); err != nil {
		return err
	}
	for _, o := range offers {
		m.Offers = append(m.Offers, o.offer())
	}
	var sessions []sessionRow
	if err := s.idb.NewSelect().Model(&sessions).Where("mediation_id = ?", m.ID).Order("s.starts_at", "s.id").Scan(ctx); err != nil {
		return err
	}
	for _, r := range sessions {
		m.Sessions = append(m.Sessions, *r.session())
	}
	var terms []termRow
	if err := s.idb.NewSelect().Model(&terms).Where("mediation_id = ?", m.ID).Order("t.seq").Scan(ctx); err != nil {
		return err
	}
	for _, r := range terms {
		m.Terms = append(m.Terms, r.term())
	}
	var changes []changeRow
	if err := s.idb.NewSelect().Model(&changes).Where("mediation_id = ?", m.ID).Order("c.id").Scan(ctx); err != nil {
		return err
	}
	m.Changes = []mediation.MediatorChange{}
	for _, r := range changes {
		m.Changes = append(m.Changes, r.change())
	}
	return nil
}

type changeRow struct {
	bun.BaseModel `bun:"table:mediation_mediator_changes,alias:c"`
	ID            int64     `bun:"id,pk,autoincrement"`
	MediationID   int64     `bun:"mediation_id"`
	Party         string    `bun:"party"`
	Reason        string    `bun:"reason"`
	FromMediator  string    `bun:"from_mediator"`
	FromName      string    `bun:"from_mediator_name"`
	RequestedBy   string    `bun:"requested_by"`
	CreatedAt     time.Time `bun:"created_at"`
}

func (r *changeRow) change() mediation.MediatorChange {
	return mediation.MediatorChange{ID: r.ID, MediationID: r.MediationID, Party: r.Party, Reason: r.Reason,
		FromMediator: r.FromMediator, FromName: r.FromName, RequestedBy: r.RequestedBy, At: r.CreatedAt.UTC()}
}

// CreateMediatorChange implements mediation.Store.
func (s *Store) CreateMediatorChange(ctx context.Context, c *mediation.MediatorChange) error {
	r := &changeRow{MediationID: c.MediationID, Party: c.Party, Reason: c.Reason, FromMediator: c.FromMediator,
		FromName: c.FromName, RequestedBy: c.RequestedBy, CreatedAt: c.At.UTC()}
	if _, err := s.idb.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		if database.IsUniqueViolation(err) {
			return kernel.Errorf(kernel.EConflict, "当事人%s已申请过更换调解员（每位当事人限一次）", c.Party)
		}
		return err
	}
	c.ID = r.ID
	return nil
}

func (s *Store) mediations(ctx context.Context, q *bun.SelectQuery) ([]*mediation.Mediation, error) {
	var rows []mediationRow
	if err := q.Model(&rows).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*mediation.Mediation, len(rows))
	for i := range rows {
		out[i] = rows[i].mediation()
		if err := s.details(ctx, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CaseMediations implements mediation.Store.
func (s *Store) CaseMediations(ctx context.Context, caseID int64) ([]*mediation.Mediation, error) {
	return s.mediations(ctx, s.idb.NewSelect().Where("m.case_id = ?", caseID).Order("m.id DESC"))
}

// MediatorMediations implements mediation.Store.
func (s *Store) MediatorMediations(ctx context.Context, userID int64) ([]*mediation.Mediation, error) {
	return s.mediations(ctx, s.idb.NewSelect().Where("m.mediator_id = ?", userID).Order("m.id DESC").Limit(200))
}

func (r *offerRow) offer() mediation.Offer {
	return mediation.Offer{ID: r.ID, MediationID: r.MediationID, MediatorID: r.MediatorID, Mediator: r.MediatorUsername,
		Name: r.MediatorName, Status: r.Status, Reason: r.Reason, OfferedAt: r.OfferedAt.UTC(), DueAt: r.DueAt.UTC(),
		AnsweredAt: utc(r.AnsweredAt)}
}

// CreateOffer implements mediation.Store.
func (s *Store) CreateOffer(ctx context.Context, o *mediation.Offer) error {
	r := &offerRow{MediationID: o.MediationID, MediatorID: o.MediatorID, MediatorUsername: o.Mediator, MediatorName: o.Name,
		Status: o.Status, Reason: o.Reason, OfferedAt: o.OfferedAt.UTC(), DueAt: o.DueAt.UTC(), AnsweredAt: utc(o.AnsweredAt)}
	if _, err := s.idb.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "调解邀请")
	}
	o.ID = r.ID
	return nil
}

// AnswerOffer implements mediation.Store: one conditional update.
func (s *Store) AnswerOffer(ctx context.Context, id int64, status, reason string, at time.Time) (bool, error) {
	res, err := s.idb.NewUpdate().Model((*offerRow)(nil)).
		Set("status = ?", status).Set("reason = ?", reason).Set("answered_at = ?", at.UTC()).
		Where("id = ? AND status = ?", id, mediation.OfferPending).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetOfferStatus implements mediation.Store.
func (s *Store) SetOfferStatus(ctx context.Context, id int64, status, reason string) error {
	_, err := s.idb.NewUpdate().Model((*offerRow)(nil)).Set("status = ?", status).Set("reason = ?", reason).
		Where("id = ?", id).Exec(ctx)
	return err
}

// PendingOffers implements mediation.Store.
func (s *Store) PendingOffers(ctx context.Context, userID int64) ([]mediation.Offer, error) {
	var rows []offerRow
	if err := s.idb.NewSelect().Model(&rows).Where("mediator_id = ? AND status = ?", userID, mediation.OfferPending).
		Order("o.due_at").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]mediation.Offer, len(rows))
	for i := range rows {
		out[i] = rows[i].offer()
	}
	return out, nil
}

// ExpiredOffers implements mediation.Store.
func (s *Store) ExpiredOffers(ctx context.Context, now time.Time, limit int) ([]mediation.Offer, error) {
	var rows []offerRow
	if err := s.idb.NewSelect().Model(&rows).Where("status = ? AND due_at < ?", mediation.OfferPending, now.UTC()).
		Order("o.due_at").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]mediation.Offer, len(rows))
	for i := range rows {
		out[i] = rows[i].offer()
	}
	return out, nil
}

func (r *sessionRow) session() *mediation.Session {
	ss := &mediation.Session{ID: r.ID, MediationID: r.MediationID, Kind: r.Kind, StartsAt: r.StartsAt.UTC(), Place: r.Place,
		Link: r.Link, Minutes: r.Minutes, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), Participants: []mediation.Participant{}}
	_ = json.Unmarshal([]byte(r.Participants), &ss.Participants)
	return ss
}

func fromSession(ss *mediation.Session) *sessionRow {
	return &sessionRow{ID: ss.ID, MediationID: ss.MediationID, Kind: ss.Kind, StartsAt: ss.StartsAt.UTC(), Place: ss.Place,
		Link: ss.Link, Participants: enc(ss.Participants), Minutes: ss.Minutes, CreatedBy: ss.CreatedBy, CreatedAt: ss.CreatedAt.UTC()}
}

// CreateSession implements mediation.Store.
func (s *Store) CreateSession(ctx context.Context, ss *mediation.Session) error {
	r := fromSession(ss)
	if _, err := s.idb.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "调解会议")
	}
	ss.ID = r.ID
	return nil
}

// UpdateSession implements mediation.Store.
func (s *Store) UpdateSession(ctx context.Context, ss *mediation.Session) error {
	_, err := s.idb.NewUpdate().Model(fromSession(ss)).Column("link", "minutes").WherePK().Exec(ctx)
	return err
}

// Session implements mediation.Store.
func (s *Store) Session(ctx context.Context, id int64) (*mediation.Session, error) {
	var r sessionRow
	if err := s.idb.NewSelect().Model(&r).Where("s.id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "调解会议")
	}
	return r.session(), nil
}

// MediatorSessions implements mediation.Store.
func (s *Store) MediatorSessions(ctx context.Context, userID int64, from, to time.Time) ([]mediation.SessionItem, error) {
	var rows []struct {
		sessionRow `bun:",extend"`
		CaseNo     string `bun:"case_no"`
	}
	err := s.idb.NewSelect().Model((*sessionRow)(nil)).ColumnExpr("s.*").ColumnExpr("m.case_no").
		Join("JOIN mediations AS m ON m.id = s.mediation_id").
		Where("m.mediator_id = ? AND s.starts_at >= ? AND s.starts_at < ?", userID, from.UTC(), to.UTC()).
		Order("s.starts_at").Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]mediation.SessionItem, len(rows))
	for i := range rows {
		out[i] = mediation.SessionItem{Session: *rows[i].session(), MediationID: rows[i].MediationID, CaseNo: rows[i].CaseNo}
	}
	return out, nil
}

func (r *termRow) term() mediation.Term {
	return mediation.Term{ID: r.ID, MediationID: r.MediationID, Seq: r.Seq, Party: r.Party, Obligation: r.Obligation,
		Due: r.Due, Performance: r.Performance, PerfNote: r.PerformanceNote, RecordedAt: utc(r.RecordedAt), RecordedBy: r.RecordedBy}
}

func fromTerm(t *mediation.Term) *termRow {
	return &termRow{ID: t.ID, MediationID: t.MediationID, Seq: t.Seq, Party: t.Party, Obligation: t.Obligation, Due: t.Due,
		Performance: t.Performance, PerformanceNote: t.PerfNote, RecordedAt: utc(t.RecordedAt), RecordedBy: t.RecordedBy}
}

// CreateTerm implements mediation.Store.
func (s *Store) CreateTerm(ctx context.Context, t *mediation.Term) error {
	r := fromTerm(t)
	if _, err := s.idb.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "协议条款")
	}
	t.ID = r.ID
	return nil
}

// UpdateTerm implements mediation.Store.
func (s *Store) UpdateTerm(ctx context.Context, t *mediation.Term) error {
	_, err := s.idb.NewUpdate().Model(fromTerm(t)).Column("performance", "performance_note", "recorded_at", "recorded_by").
		WherePK().Exec(ctx)
	return err
}

// OverdueTerms implements mediation.Store.
func (s *Store) OverdueTerms(ctx context.Context, prefix, day string) ([]mediation.TermItem, error) {
	var rows []struct {
		termRow      `bun:",extend"`
		CaseNo       string `bun:"case_no"`
		MediatorName string `bun:"mediator_name"`
	}
	q := s.idb.NewSelect().Model((*termRow)(nil)).ColumnExpr("t.*").ColumnExpr("m.case_no, m.mediator_name").
		Join("JOIN mediations AS m ON m.id = t.mediation_id").
		Where("m.status = ? AND t.due < ? AND t.performance <> ?", mediation.StatusAgreed, day, "performed").
		Order("t.due", "t.id").Limit(500)
	if prefix != "" {
		q = q.Where("m.region_code >= ? AND m.region_code < ?", prefix, prefix+":")
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]mediation.TermItem, len(rows))
	for i := range rows {
		out[i] = mediation.TermItem{Term: rows[i].term(), MediationID: rows[i].MediationID, CaseNo: rows[i].CaseNo,
			Mediator: rows[i].MediatorName}
	}
	return out, nil
}

func (r *handoffRow) handoff() mediation.Handoff {
	return mediation.Handoff{ID: r.ID, CaseID: r.CaseID, CaseNo: r.CaseNo, Kind: r.Kind, Direction: r.Direction,
		UnitID: r.UnitID, UnitName: r.UnitName, Reason: r.Reason, Status: r.Status, Result: r.Result, SentBy: r.SentBy,
		CreatedAt: r.CreatedAt.UTC(), ResultAt: utc(r.ResultAt), ResultBy: r.ResultBy}
}

func fromHandoff(h *mediation.Handoff) *handoffRow {
	return &handoffRow{ID: h.ID, CaseID: h.CaseID, CaseNo: h.CaseNo, Kind: h.Kind, Direction: h.Direction, UnitID: h.UnitID,
		UnitName: h.UnitName, Reason: h.Reason, Status: h.Status, Result: h.Result, SentBy: h.SentBy,
		CreatedAt: h.CreatedAt.UTC(), ResultAt: utc(h.ResultAt), ResultBy: h.ResultBy}
}

// CreateHandoff implements mediation.Store.
func (s *Store) CreateHandoff(ctx context.Context, h *mediation.Handoff) error {
	r := fromHandoff(h)
	if _, err := s.idb.NewInsert().Model(r).ExcludeColumn("id").Returning("id").Exec(ctx); err != nil {
		return database.Err(err, "对接记录")
	}
	h.ID = r.ID
	return nil
}

// UpdateHandoff implements mediation.Store.
func (s *Store) UpdateHandoff(ctx context.Context, h *mediation.Handoff) error {
	_, err := s.idb.NewUpdate().Model(fromHandoff(h)).Column("status", "result", "result_at", "result_by").WherePK().Exec(ctx)
	return err
}

// Handoff implements mediation.Store.
func (s *Store) Handoff(ctx context.Context, id int64) (*mediation.Handoff, error) {
	var r handoffRow
	if err := s.idb.NewSelect().Model(&r).Where("h.id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, kernel.Errorf(kernel.ENotFound, "对接记录不存在")
		}
		return nil, err
	}
	h := r.handoff()
	return &h, nil
}

// CaseHandoffs implements mediation.Store.
func (s *Store) CaseHandoffs(ctx context.Context, caseID int64) ([]mediation.Handoff, error) {
	var rows []handoffRow
	if err := s.idb.NewSelect().Model(&rows).Where("case_id = ?", caseID).Order("h.id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]mediation.Handoff, len(rows))
	for i := range rows {
		out[i] = rows[i].handoff()
	}
	return out, nil
}
