// Package videostore is the bun implementation of video.Store, for SQLite
// and PostgreSQL.
package videostore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jiefen/jiefen/kernel"

	"github.com/uptrace/bun"

	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/database"
)

type dayRow struct {
	bun.BaseModel `bun:"table:reception_days,alias:d"`
	ID            int64      `bun:"id,pk,autoincrement"`
	LeaderUserID  int64      `bun:"leader_user_id"`
	LeaderName    string     `bun:"leader_name"`
	RegionCode    string     `bun:"region_code"`
	RegionName    string     `bun:"region_name"`
	Day           string     `bun:"day"`
	Topic         string     `bun:"topic"`
	Published     bool       `bun:"published"`
	PublishedAt   *time.Time `bun:"published_at"`
	CreatedBy     int64      `bun:"created_by"`
	CreatedAt     time.Time  `bun:"created_at"`
}

func (r *dayRow) toDay() *video.Day {
	return &video.Day{ID: r.ID, LeaderID: r.LeaderUserID, LeaderName: r.LeaderName, RegionCode: r.RegionCode,
		RegionName: r.RegionName, Date: r.Day, Topic: r.Topic, Published: r.Published, PublishedAt: utcPtr(r.PublishedAt),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
}

type slotRow struct {
	bun.BaseModel `bun:"table:reception_slots,alias:s"`
	ID            int64     `bun:"id,pk,autoincrement"`
	DayID         int64     `bun:"day_id"`
	StartsAt      time.Time `bun:"starts_at"`
	EndsAt        time.Time `bun:"ends_at"`
	Capacity      int       `bun:"capacity"`
	Booked        int       `bun:"booked"`
}

func (r *slotRow) toSlot() video.Slot {
	return video.Slot{ID: r.ID, DayID: r.DayID, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
		Capacity: r.Capacity, Booked: r.Booked}
}

type bookingRow struct {
	bun.BaseModel `bun:"table:reception_bookings,alias:b"`
	ID            int64      `bun:"id,pk,autoincrement"`
	SlotID        int64      `bun:"slot_id"`
	DayID         int64      `bun:"day_id"`
	CaseID        int64      `bun:"case_id"`
	CaseNo        string     `bun:"case_no"`
	Subject       string     `bun:"subject"`
	ResidentID    int64      `bun:"resident_id"`
	BookedBy      int64      `bun:"booked_by"`
	BookedByName  string     `bun:"booked_by_name"`
	Status        string     `bun:"status"`
	RoomToken     string     `bun:"room_token"`
	MeetingURL    string     `bun:"meeting_url"`
	CreatedAt     time.Time  `bun:"created_at"`
	CancelledAt   *time.Time `bun:"cancelled_at"`
	CancelReason  string     `bun:"cancel_reason"`
	DoneAt        *time.Time `bun:"done_at"`
}

func fromBooking(b *video.Booking) *bookingRow {
	return &bookingRow{ID: b.ID, SlotID: b.SlotID, DayID: b.DayID, CaseID: b.CaseID, CaseNo: b.CaseNo, Subject: b.Subject,
		ResidentID: b.ResidentID, BookedBy: b.BookedBy, BookedByName: b.BookedByName, Status: string(b.Status),
		RoomToken: b.RoomToken, MeetingURL: b.MeetingURL, CreatedAt: b.CreatedAt.UTC(), CancelledAt: utcPtr(b.CancelledAt),
		CancelReason: b.CancelReason, DoneAt: utcPtr(b.DoneAt)}
}

func (r *bookingRow) toBooking() *video.Booking {
	return &video.Booking{ID: r.ID, SlotID: r.SlotID, DayID: r.DayID, CaseID: r.CaseID, CaseNo: r.CaseNo,
		Subject: r.Subject, ResidentID: r.ResidentID, BookedBy: r.BookedBy, BookedByName: r.BookedByName,
		Status: video.BookingStatus(r.Status), RoomToken: r.RoomToken, MeetingURL: r.MeetingURL,
		CreatedAt: r.CreatedAt.UTC(), CancelledAt: utcPtr(r.CancelledAt), CancelReason: r.CancelReason,
		DoneAt: utcPtr(r.DoneAt)}
}

type sessionRow struct {
	bun.BaseModel `bun:"table:reception_sessions,alias:r"`
	ID            int64     `bun:"id,pk,autoincrement"`
	BookingID     int64     `bun:"booking_id"`
	StartedAt     time.Time `bun:"started_at"`
	EndedAt       time.Time `bun:"ended_at"`
	Participants  string    `bun:"participants"`
	Summary       string    `bun:"summary"`
	Outcome       string    `bun:"outcome"`
	RecordingRef  string    `bun:"recording_ref"`
	IntakeRef     string    `bun:"intake_ref"`
	RecordedBy    int64     `bun:"recorded_by"`
	CreatedAt     time.Time `bun:"created_at"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Store implements video.Store.
type Store struct {
	db *bun.DB
	tx *sql.Tx // the transaction the store is bound to, or nil
}

var _ video.Store = (*Store)(nil)

// New returns a store on db.
func New(db *bun.DB) *Store { return &Store{db: db} }

// WithTx implements video.Store: the queries run in tx with db's dialect.
func (s *Store) WithTx(tx kernel.Tx) video.Store { return s.bind(tx) }

func (s *Store) bind(tx kernel.Tx) *Store { return &Store{db: s.db, tx: database.SQLTx(tx)} }

// inTx runs fn in the bound transaction, or in one of its own: a day and
// its slots are stored together.
func (s *Store) inTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return database.Transactor{DB: s.db}.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		return fn(s.bind(tx))
	})
}

func (s *Store) sel() *bun.SelectQuery {
	q := s.db.NewSelect()
	if s.tx != nil {
		q = q.Conn(s.tx)
	}
	return q
}

func (s *Store) ins() *bun.InsertQuery {
	q := s.db.NewInsert()
	if s.tx != nil {
		q = q.Conn(s.tx)
	}
	return q
}

func (s *Store) upd() *bun.UpdateQuery {
	q := s.db.NewUpdate()
	if s.tx != nil {
		q = q.Conn(s.tx)
	}
	return q
}

// CreateDay implements video.Store.
func (s *Store) CreateDay(ctx context.Context, d *video.Day) error {
	return s.inTx(ctx, func(st *Store) error {
		row := &dayRow{LeaderUserID: d.LeaderID, LeaderName: d.LeaderName, RegionCode: d.RegionCode,
			RegionName: d.RegionName, Day: d.Date, Topic: d.Topic, Published: d.Published, PublishedAt: utcPtr(d.PublishedAt),
			CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC()}
		if _, err := st.ins().Model(row).Returning("id").Exec(ctx); err != nil {
			return database.Err(err, "接访日")
		}
		d.ID = row.ID
		for i := range d.Slots {
			sl := &d.Slots[i]
			sr := &slotRow{DayID: d.ID, StartsAt: sl.StartsAt.UTC(), EndsAt: sl.EndsAt.UTC(), Capacity: sl.Capacity, Booked: sl.Booked}
			if _, err := st.ins().Model(sr).Returning("id").Exec(ctx); err != nil {
				return database.Err(err, "接访时段")
			}
			sl.ID, sl.DayID = sr.ID, d.ID
		}
		return nil
	})
}

// Day implements video.Store.
func (s *Store) Day(ctx context.Context, id int64) (*video.Day, error) {
	var r dayRow
	if err := s.sel().Model(&r).Where("d.id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "接访日")
	}
	d := r.toDay()
	if err := s.loadSlots(ctx, []*video.Day{d}); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Store) loadSlots(ctx context.Context, days []*video.Day) error {
	if len(days) == 0 {
		return nil
	}
	byID := make(map[int64]*video.Day, len(days))
	ids := make([]int64, len(days))
	for i, d := range days {
		byID[d.ID], ids[i] = d, d.ID
	}
	var rows []slotRow
	if err := s.sel().Model(&rows).Where("s.day_id IN (?)", bun.In(ids)).OrderExpr("s.starts_at, s.id").Scan(ctx); err != nil {
		return err
	}
	for i := range rows {
		d := byID[rows[i].DayID]
		d.Slots = append(d.Slots, rows[i].toSlot())
	}
	return nil
}

// scoped restricts a column of region codes to a region prefix.
func scoped(q *bun.SelectQuery, col, prefix string) *bun.SelectQuery {
	if prefix == "" {
		return q
	}
	// A range instead of LIKE: codes are digits, and ':' sorts after '9'.
	return q.Where(col+" >= ? AND "+col+" < ?", prefix, prefix+":")
}

// Days implements video.Store.
func (s *Store) Days(ctx context.Context, f video.DayFilter) ([]*video.Day, error) {
	var rows []dayRow
	q := scoped(s.sel().Model(&rows), "d.region_code", f.Scope)
	if f.From != "" {
		q = q.Where("d.day >= ?", f.From)
	}
	if f.To != "" {
		q = q.Where("d.day <= ?", f.To)
	}
	if f.LeaderID != 0 {
		q = q.Where("d.leader_user_id = ?", f.LeaderID)
	}
	if f.Published != nil {
		q = q.Where("d.published = ?", *f.Published)
	}
	if n := f.Near; n != nil {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where("d.region_code >= ? AND d.region_code < ?", n.Prefix, n.Prefix+":")
			if len(n.Ancestors) > 0 {
				q = q.WhereOr("d.region_code IN (?)", bun.In(n.Ancestors))
			}
			return q
		})
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.OrderExpr("d.day, d.region_code, d.id").Scan(ctx); err != nil {
		return nil, err
	}
	days := make([]*video.Day, len(rows))
	for i := range rows {
		days[i] = rows[i].toDay()
	}
	return days, s.loadSlots(ctx, days)
}

// PublishDay implements video.Store.
func (s *Store) PublishDay(ctx context.Context, id int64, at time.Time) error {
	res, err := s.upd().Model((*dayRow)(nil)).Set("published = ?", true).Set("published_at = ?", at.UTC()).
		Where("id = ? AND NOT published", id).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Day(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Slot implements video.Store.
func (s *Store) Slot(ctx context.Context, id int64) (*video.Slot, error) {
	var r slotRow
	if err := s.sel().Model(&r).Where("s.id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "接访时段")
	}
	sl := r.toSlot()
	return &sl, nil
}

// TakeSeat implements video.Store. The conditional increment is one
// statement: on PostgreSQL it takes the slot's row lock and re-checks the
// condition after a concurrent booking commits; SQLite runs one writer at a
// time. The CHECK (booked <= capacity) backs it in the schema.
func (s *Store) TakeSeat(ctx context.Context, slotID int64) error {
	res, err := s.upd().Model((*slotRow)(nil)).Set("booked = booked + 1").
		Where("id = ? AND booked < capacity", slotID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.Slot(ctx, slotID); err != nil {
		return err
	}
	return kernel.Errorf(kernel.EConflict, "该时段已约满，请选择其他时段")
}

// ReleaseSeat implements video.Store.
func (s *Store) ReleaseSeat(ctx context.Context, slotID int64) error {
	_, err := s.upd().Model((*slotRow)(nil)).Set("booked = booked - 1").Where("id = ? AND booked > 0", slotID).Exec(ctx)
	return err
}

// CreateBooking implements video.Store.
func (s *Store) CreateBooking(ctx context.Context, b *video.Booking) error {
	row := fromBooking(b)
	row.ID = 0
	if _, err := s.ins().Model(row).Returning("id").Exec(ctx); err != nil {
		if database.IsUniqueViolation(err) {
			return kernel.Errorf(kernel.EConflict, "该案件在本接访日已有预约")
		}
		return database.Err(err, "预约")
	}
	b.ID = row.ID
	return nil
}

// SetMeetingURL implements video.Store.
func (s *Store) SetMeetingURL(ctx context.Context, id int64, url string) error {
	_, err := s.upd().Model((*bookingRow)(nil)).Set("meeting_url = ?", url).Where("id = ?", id).Exec(ctx)
	return err
}

// Booking implements video.Store.
func (s *Store) Booking(ctx context.Context, id int64) (*video.Booking, error) {
	var r bookingRow
	if err := s.sel().Model(&r).Where("b.id = ?", id).Scan(ctx); err != nil {
		return nil, database.Err(err, "预约")
	}
	b := r.toBooking()
	if err := s.attach(ctx, []*video.Booking{b}); err != nil {
		return nil, err
	}
	return b, nil
}

// attach loads the bookings' slots, days and session records.
func (s *Store) attach(ctx context.Context, bs []*video.Booking) error {
	if len(bs) == 0 {
		return nil
	}
	slotIDs, dayIDs := map[int64]bool{}, map[int64]bool{}
	for _, b := range bs {
		slotIDs[b.SlotID], dayIDs[b.DayID] = true, true
	}
	var slots []slotRow
	if err := s.sel().Model(&slots).Where("s.id IN (?)", bun.In(keys(slotIDs))).Scan(ctx); err != nil {
		return err
	}
	var days []dayRow
	if err := s.sel().Model(&days).Where("d.id IN (?)", bun.In(keys(dayIDs))).Scan(ctx); err != nil {
		return err
	}
	slotByID := make(map[int64]*video.Slot, len(slots))
	for i := range slots {
		sl := slots[i].toSlot()
		slotByID[sl.ID] = &sl
	}
	dayByID := make(map[int64]*video.Day, len(days))
	for i := range days {
		dayByID[days[i].ID] = days[i].toDay()
	}
	byID := make(map[int64]*video.Booking, len(bs))
	ids := make([]int64, 0, len(bs))
	for _, b := range bs {
		b.Slot, b.Day = slotByID[b.SlotID], dayByID[b.DayID]
		byID[b.ID] = b
		ids = append(ids, b.ID)
	}
	var sessions []sessionRow
	if err := s.sel().Model(&sessions).Where("r.booking_id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return err
	}
	for _, sr := range sessions {
		rec := &video.SessionRecord{ID: sr.ID, BookingID: sr.BookingID, StartedAt: sr.StartedAt.UTC(), EndedAt: sr.EndedAt.UTC(),
			Summary: sr.Summary, Outcome: sr.Outcome, RecordingRef: sr.RecordingRef, IntakeRef: sr.IntakeRef,
			RecordedBy: sr.RecordedBy, CreatedAt: sr.CreatedAt.UTC()}
		if err := json.Unmarshal([]byte(sr.Participants), &rec.Participants); err != nil {
			return fmt.Errorf("session of booking %d: participants: %w", sr.BookingID, err)
		}
		if b := byID[sr.BookingID]; b != nil {
			b.Session = rec
		}
	}
	return nil
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Bookings implements video.Store.
func (s *Store) Bookings(ctx context.Context, f video.BookingFilter) ([]*video.Booking, error) {
	var rows []bookingRow
	q := s.sel().Model(&rows).
		Join("JOIN reception_slots AS s ON s.id = b.slot_id").
		Join("JOIN reception_days AS d ON d.id = b.day_id")
	q = scoped(q, "d.region_code", f.Scope)
	if f.LeaderID != 0 {
		q = q.Where("d.leader_user_id = ?", f.LeaderID)
	}
	if f.ResidentID != 0 {
		q = q.Where("b.resident_id = ?", f.ResidentID)
	}
	if f.DayID != 0 {
		q = q.Where("b.day_id = ?", f.DayID)
	}
	if f.From != nil {
		q = q.Where("s.starts_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("s.starts_at < ?", f.To.UTC())
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		q = q.Where("b.status IN (?)", bun.In(st))
	}
	if f.NewestKey {
		q = q.OrderExpr("b.id DESC")
	} else {
		q = q.OrderExpr("s.starts_at, b.id")
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]*video.Booking, len(rows))
	for i := range rows {
		out[i] = rows[i].toBooking()
	}
	return out, s.attach(ctx, out)
}

// FinishBooking implements video.Store.
func (s *Store) FinishBooking(ctx context.Context, b *video.Booking) error {
	row := fromBooking(b)
	res, err := s.upd().Model(row).Column("status", "cancelled_at", "cancel_reason", "done_at").
		Where("id = ? AND status = ?", b.ID, string(video.StatusBooked)).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kernel.Errorf(kernel.EConflict, "预约已被他人处理，请刷新后重试")
	}
	return nil
}

// CreateSession implements video.Store.
func (s *Store) CreateSession(ctx context.Context, r *video.SessionRecord) error {
	people, err := json.Marshal(r.Participants)
	if err != nil {
		return err
	}
	row := &sessionRow{BookingID: r.BookingID, StartedAt: r.StartedAt.UTC(), EndedAt: r.EndedAt.UTC(),
		Participants: string(people), Summary: r.Summary, Outcome: r.Outcome, RecordingRef: r.RecordingRef,
		IntakeRef: r.IntakeRef, RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt.UTC()}
	if _, err := s.ins().Model(row).Returning("id").Exec(ctx); err != nil {
		if database.IsUniqueViolation(err) {
			return kernel.Errorf(kernel.EConflict, "该预约已有接访记录")
		}
		return err
	}
	r.ID = row.ID
	return nil
}
