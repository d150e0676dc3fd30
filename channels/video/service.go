package video

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jiefen/jiefen/kernel"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/staff"
)

// Limits.
const (
	MaxSlots     = 48  // per day
	MaxCapacity  = 100 // seats per slot
	MaxTopic     = 200
	MaxReason    = 500
	MaxSummary   = 5000
	MaxPeople    = 30
	MaxDaysAhead = 366
	MaxRange     = 92 // days a list may span
)

// Timeline event kinds on the case.
const (
	EventBooked    = "video_booked"
	EventCancelled = "video_cancelled"
	EventDone      = "video_done"
	EventReminder  = "video_reminder"
)

// Service plans reception days, books seats and records sessions. Every
// booking, cancellation and session record is on the case's timeline.
type Service struct {
	Cases *cases.Service
	Store Store
	Users Users
	// Scheduler enqueues reminders with the booking; nil schedules none.
	Scheduler Scheduler
	// Reminder delivers reminders to residents; nil only records them on
	// the case's timeline (the seam for WeChat or SMS).
	Reminder Reminder
	// Link builds meeting links; nil leaves bookings without one.
	Link *LinkTemplate
	Now  func() time.Time
	// Leads are how long before a slot's start reminders run.
	Leads []time.Duration
}

// NewService returns a service with reminders 24 hours and 1 hour before
// each session and the wall clock.
func NewService(cs *cases.Service, store Store, users Users) *Service {
	return &Service{Cases: cs, Store: store, Users: users, Now: time.Now,
		Leads: []time.Duration{24 * time.Hour, time.Hour}}
}

// now is the clock to the microsecond, as the databases keep it.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// txn is one transaction of the case store with the video store and a case
// service bound to it.
type txn struct {
	cases *cases.Service
	store Store
	tx    kernel.Tx
}

// inTx runs fn in one transaction of the case store, so that a booking, the
// intake it registers, its timeline events and its reminder jobs commit
// together or not at all.
func (s *Service) inTx(ctx context.Context, fn func(t *txn) error) error {
	return s.Cases.Tx.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		return fn(&txn{cases: s.Cases.WithTx(tx), store: s.Store.WithTx(tx), tx: tx})
	})
}

func invalid(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &kernel.Error{Code: kernel.EInvalid, Message: "提交的数据有误", Fields: fields}
}

// canSchedule: leaders (their own days), supervisors and admins plan
// reception days.
func canSchedule(a kernel.Actor) bool { return a.Can(kernel.PermSchedule) }

// canHandle: who may cancel a booking or mark it done — those who book, and
// those who plan the day (a leader only their own).
func canHandle(a kernel.Actor, d *Day) bool {
	if a.Can(kernel.PermRegister) {
		return true
	}
	return canSchedule(a) && (a.Role != kernel.RoleLeader || a.UserID == d.LeaderID)
}

func today(now time.Time) string { return now.In(cases.ChinaTime).Format(time.DateOnly) }

// dateRange reads an optional [from, to] pair of China dates with defaults
// and a maximum span.
func dateRange(from, to string, now time.Time, defSpan, maxSpan int) (string, string, error) {
	fields := map[string]string{}
	var f, t time.Time
	var err error
	if from == "" {
		from = today(now)
	}
	if f, err = time.ParseInLocation(time.DateOnly, from, cases.ChinaTime); err != nil {
		fields["from"] = "日期格式错误，应为2025-12-01"
	}
	if to == "" && err == nil {
		to = f.AddDate(0, 0, defSpan).Format(time.DateOnly)
	}
	if t, err = time.ParseInLocation(time.DateOnly, to, cases.ChinaTime); err != nil {
		fields["to"] = "日期格式错误，应为2025-12-01"
	}
	if len(fields) == 0 {
		if t.Before(f) {
			fields["to"] = "结束日期不能早于开始日期"
		} else if t.Sub(f) > time.Duration(maxSpan)*24*time.Hour {
			fields["to"] = fmt.Sprintf("查询范围不能超过%d天", maxSpan)
		}
	}
	return from, to, invalid(fields)
}

// NewDay describes a reception day to plan.
type NewDay struct {
	LeaderID   int64 // 0: the actor, who must be a leader
	RegionCode string
	Date       string // China date
	Topic      string
	Slots      []NewSlot
}

// NewSlot is a slot in China time on the day: 09:00 to 09:30.
type NewSlot struct {
	Start, End string
	Capacity   int
}

// CreateDay plans a reception day with its slots, unpublished. The region
// lies in both the planner's and the leader's scope; slots do not overlap
// each other nor the leader's other slots that day.
func (s *Service) CreateDay(ctx context.Context, actor kernel.Actor, nd NewDay) (*Day, error) {
	if !canSchedule(actor) {
		return nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）不能安排接访日", actor.Role.Label())
	}
	leaderID := nd.LeaderID
	if leaderID == 0 && actor.Role == kernel.RoleLeader {
		leaderID = actor.UserID
	}
	if actor.Role == kernel.RoleLeader && leaderID != actor.UserID {
		return nil, kernel.Errorf(kernel.EForbidden, "领导只能安排本人的接访日")
	}
	now := s.now()
	fields := map[string]string{}
	date, derr := time.ParseInLocation(time.DateOnly, nd.Date, cases.ChinaTime)
	switch {
	case derr != nil:
		fields["date"] = "日期格式错误，应为2025-12-01"
	case nd.Date < today(now):
		fields["date"] = "接访日期不能早于今天"
	case date.After(now.AddDate(0, 0, MaxDaysAhead)):
		fields["date"] = "接访日期不能晚于一年以后"
	}
	topic := strings.TrimSpace(nd.Topic)
	if utf8.RuneCountInString(topic) > MaxTopic {
		fields["topic"] = fmt.Sprintf("长度不能超过%d个字符", MaxTopic)
	}
	var region *kernel.Region
	var err error
	code, ok := kernel.NormalizeRegionCode(nd.RegionCode)
	if !ok {
		fields["region_code"] = "行政区划代码格式错误"
	} else if region, err = s.Cases.LookupRegion(ctx, code); kernel.ErrorCode(err) == kernel.ENotFound {
		fields["region_code"] = "行政区划代码不存在"
	} else if err != nil {
		return nil, err
	} else if !actor.Sees(code) {
		fields["region_code"] = "该地区不在您的管辖范围内"
	}
	d := &Day{RegionCode: code, Date: nd.Date, Topic: topic, CreatedBy: actor.UserID, CreatedAt: now}
	if region != nil {
		d.RegionName = region.Name
	}
	if leaderID == 0 {
		fields["leader_id"] = "请选择接访领导"
	} else if u, err := s.Users.UserByID(ctx, leaderID); kernel.ErrorCode(err) == kernel.ENotFound {
		fields["leader_id"] = "接访领导不存在"
	} else if err != nil {
		return nil, err
	} else if u.Role != kernel.RoleLeader {
		fields["leader_id"] = "该用户不是领导"
	} else if u.Disabled {
		fields["leader_id"] = "该领导的账户已停用"
	} else {
		d.LeaderID, d.LeaderName = u.ID, u.Actor().Name
		if ok && !kernel.InRegion(code, u.RegionCode) {
			fields["region_code"] = "接访地区不在该领导的管辖范围内"
		}
	}
	if fields["date"] == "" {
		s.parseSlots(nd.Slots, date, now, d, fields)
	}
	if err := invalid(fields); err != nil {
		return nil, err
	}
	err = s.Cases.Tx.InTx(ctx, func(ctx context.Context, t kernel.Tx) error {
		tx := s.Store.WithTx(t)
		// A leader is in one reception at a time.
		others, err := tx.Days(ctx, DayFilter{LeaderID: d.LeaderID, From: d.Date, To: d.Date})
		if err != nil {
			return err
		}
		for _, o := range others {
			for _, os := range o.Slots {
				for i, ns := range d.Slots {
					if ns.StartsAt.Before(os.EndsAt) && os.StartsAt.Before(ns.EndsAt) {
						return kernel.FieldError(fmt.Sprintf("slots[%d].start", i),
							fmt.Sprintf("与该领导同日的其他接访时段（%s）重叠", clock(os.StartsAt)+"—"+clock(os.EndsAt)))
					}
				}
			}
		}
		return tx.CreateDay(ctx, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// parseSlots turns the requested slots into times on the date, sorted,
// and explains what is wrong with them in fields.
func (s *Service) parseSlots(in []NewSlot, date, now time.Time, d *Day, fields map[string]string) {
	switch {
	case len(in) == 0:
		fields["slots"] = "至少安排一个时段"
		return
	case len(in) > MaxSlots:
		fields["slots"] = fmt.Sprintf("一天最多安排%d个时段", MaxSlots)
		return
	}
	at := func(hhmm string) (time.Time, bool) {
		t, err := time.Parse("15:04", hhmm)
		if err != nil {
			return time.Time{}, false
		}
		return time.Date(date.Year(), date.Month(), date.Day(), t.Hour(), t.Minute(), 0, 0, cases.ChinaTime), true
	}
	type indexed struct {
		i int
		Slot
	}
	var slots []indexed
	for i, ns := range in {
		key := func(f string) string { return fmt.Sprintf("slots[%d].%s", i, f) }
		start, ok1 := at(ns.Start)
		end, ok2 := at(ns.End)
		if !ok1 {
			fields[key("start")] = "时间格式错误，应为09:00"
		}
		if !ok2 {
			fields[key("end")] = "时间格式错误，应为09:30"
		}
		if ns.Capacity < 1 || ns.Capacity > MaxCapacity {
			fields[key("capacity")] = fmt.Sprintf("名额应为1至%d", MaxCapacity)
		}
		if !ok1 || !ok2 {
			continue
		}
		if !end.After(start) {
			fields[key("end")] = "结束时间应晚于开始时间"
			continue
		}
		if !end.After(now) {
			fields[key("end")] = "该时段已过"
			continue
		}
		slots = append(slots, indexed{i, Slot{StartsAt: start.UTC(), EndsAt: end.UTC(), Capacity: ns.Capacity}})
	}
	sort.SliceStable(slots, func(a, b int) bool { return slots[a].StartsAt.Before(slots[b].StartsAt) })
	for k := 1; k < len(slots); k++ {
		if slots[k].StartsAt.Before(slots[k-1].EndsAt) {
			fields[fmt.Sprintf("slots[%d].start", slots[k].i)] = fmt.Sprintf("与时段%s—%s重叠",
				clock(slots[k-1].StartsAt), clock(slots[k-1].EndsAt))
		}
	}
	for _, sl := range slots {
		d.Slots = append(d.Slots, sl.Slot)
	}
}

// clock is a time of day in China time.
func clock(t time.Time) string { return t.In(cases.ChinaTime).Format("15:04") }

// DayQuery selects days for staff.
type DayQuery struct {
	From, To  string // China dates; default today and 30 days on
	LeaderID  int64
	Published *bool
}

// Leaders lists who may receive in a region: the leaders whose region
// covers it, nearest first. A leader plans only their own days, so sees
// only themselves.
func (s *Service) Leaders(ctx context.Context, actor kernel.Actor, region string) ([]*staff.User, error) {
	if !canSchedule(actor) {
		return nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）不能安排接访日", actor.Role.Label())
	}
	code, ok := kernel.NormalizeRegionCode(region)
	if !ok {
		return nil, kernel.FieldError("region", "行政区划代码格式错误")
	}
	if !actor.Sees(code) {
		return nil, kernel.FieldError("region", "该地区不在您的管辖范围内")
	}
	users, err := staff.Covering(ctx, s.Users, []kernel.Role{kernel.RoleLeader}, code)
	if err != nil || actor.Role != kernel.RoleLeader {
		return users, err
	}
	return slices.DeleteFunc(users, func(u *staff.User) bool { return u.ID != actor.UserID }), nil
}

// Days lists the days in the actor's scope.
func (s *Service) Days(ctx context.Context, actor kernel.Actor, q DayQuery) ([]*Day, error) {
	from, to, err := dateRange(q.From, q.To, s.Now(), 30, MaxDaysAhead)
	if err != nil {
		return nil, err
	}
	return s.Store.Days(ctx, DayFilter{Scope: actor.Scope(), From: from, To: to, LeaderID: q.LeaderID,
		Published: q.Published, Limit: 500})
}

func (s *Service) scopedDay(ctx context.Context, actor kernel.Actor, id int64) (*Day, error) {
	d, err := s.Store.Day(ctx, id)
	if err == nil && !actor.Sees(d.RegionCode) {
		err = kernel.Errorf(kernel.ENotFound, "接访日不存在")
	}
	return d, err
}

// Day returns a day in the actor's scope with all its bookings.
func (s *Service) Day(ctx context.Context, actor kernel.Actor, id int64) (*Day, []*Booking, error) {
	d, err := s.scopedDay(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	bs, err := s.Store.Bookings(ctx, BookingFilter{DayID: id, Limit: MaxSlots * MaxCapacity * 4})
	return d, bs, err
}

// Publish makes a day visible to residents and open for booking.
func (s *Service) Publish(ctx context.Context, actor kernel.Actor, id int64) (*Day, error) {
	if !canSchedule(actor) {
		return nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）不能发布接访日", actor.Role.Label())
	}
	d, err := s.scopedDay(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if actor.Role == kernel.RoleLeader && d.LeaderID != actor.UserID {
		return nil, kernel.Errorf(kernel.EForbidden, "领导只能发布本人的接访日")
	}
	if d.Published {
		return d, nil
	}
	now := s.now()
	if len(d.Slots) == 0 || !d.Slots[len(d.Slots)-1].EndsAt.After(now) {
		return nil, kernel.Errorf(kernel.EInvalid, "接访日已结束，不能发布")
	}
	if err := s.Store.PublishDay(ctx, id, now); err != nil {
		return nil, err
	}
	d.Published, d.PublishedAt = true, &now
	return d, nil
}

// nearRegion is a region's ancestors and subtree.
func nearRegion(code string) *NearRegion {
	n := &NearRegion{Prefix: kernel.RegionPrefix(code)}
	for _, end := range []int{2, 4, 6, 9, 12} {
		if end >= len(n.Prefix) {
			break
		}
		n.Ancestors = append(n.Ancestors, n.Prefix[:end]+strings.Repeat("0", 12-end))
	}
	return n
}

// Schedule lists the published days with slots still to come, for
// residents: of a region, the regions above it and below it (all when
// region is ""). Slots that have started are left out.
func (s *Service) Schedule(ctx context.Context, region, from, to string) ([]*Day, error) {
	now := s.Now()
	if from != "" && from < today(now) {
		from = today(now)
	}
	from, to, err := dateRange(from, to, now, 30, MaxRange)
	if err != nil {
		return nil, err
	}
	published := true
	f := DayFilter{From: from, To: to, Published: &published, Limit: 500}
	if region != "" {
		code, ok := kernel.NormalizeRegionCode(region)
		if !ok {
			return nil, kernel.FieldError("region", "行政区划代码格式错误")
		}
		f.Near = nearRegion(code)
	}
	days, err := s.Store.Days(ctx, f)
	if err != nil {
		return nil, err
	}
	out := days[:0]
	for _, d := range days {
		slots := d.Slots[:0]
		for _, sl := range d.Slots {
			if sl.StartsAt.After(now) {
				slots = append(slots, sl)
			}
		}
		if d.Slots = slots; len(slots) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// Agenda lists a leader's bookings (booked and done) between two China
// dates, by start time; leaderID 0 is the actor.
func (s *Service) Agenda(ctx context.Context, actor kernel.Actor, leaderID int64, from, to string) ([]*Booking, error) {
	from, to, err := dateRange(from, to, s.Now(), 7, MaxRange)
	if err != nil {
		return nil, err
	}
	if leaderID == 0 {
		leaderID = actor.UserID
	}
	f, _ := time.ParseInLocation(time.DateOnly, from, cases.ChinaTime)
	t, _ := time.ParseInLocation(time.DateOnly, to, cases.ChinaTime)
	t = t.AddDate(0, 0, 1)
	return s.Store.Bookings(ctx, BookingFilter{Scope: actor.Scope(), LeaderID: leaderID, From: &f, To: &t,
		Statuses: []BookingStatus{StatusBooked, StatusDone}, Limit: 1000})
}

// BookRequest books a slot for a known case or for a new matter.
type BookRequest struct {
	SlotID int64
	CaseNo string        // a case the booker sees (staff) or filed (resident)
	Intake *cases.Intake // or a new matter, registered with channel video
}

// booker is who books: a member of staff for a walk-in, or a resident.
type booker struct {
	actor      kernel.Actor
	residentID int64
}

func (b booker) resident() bool { return b.residentID != 0 }

// Book books a seat for a walk-in (window clerks and others who register).
// A new matter is registered first, through duplicate detection.
func (s *Service) Book(ctx context.Context, actor kernel.Actor, req BookRequest) (*Booking, *cases.Registration, error) {
	if !actor.Can(kernel.PermRegister) {
		return nil, nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）不能预约接访", actor.Role.Label())
	}
	return s.book(ctx, booker{actor: actor}, req)
}

// BookForResident books a seat for a resident's own case or for a new
// matter they file, which records them as its filer.
func (s *Service) BookForResident(ctx context.Context, residentID int64, req BookRequest) (*Booking, *cases.Registration, error) {
	if residentID == 0 {
		return nil, nil, kernel.Errorf(kernel.EUnauthorized, "请先登录")
	}
	return s.book(ctx, booker{actor: kernel.SystemActor("群众"), residentID: residentID}, req)
}

func (s *Service) book(ctx context.Context, bk booker, req BookRequest) (*Booking, *cases.Registration, error) {
	if (req.CaseNo == "") == (req.Intake == nil) {
		return nil, nil, kernel.FieldError("case_no", "请填写案件编号或新登记的事项（二选一）")
	}
	now := s.now()
	var out *Booking
	var reg *cases.Registration
	err := s.inTx(ctx, func(t *txn) error {
		slot, err := t.store.Slot(ctx, req.SlotID)
		if err != nil {
			return slotNotFound(err)
		}
		day, err := t.store.Day(ctx, slot.DayID)
		if err != nil {
			return err
		}
		if bk.resident() && !day.Published || !bk.resident() && !bk.actor.Sees(day.RegionCode) {
			return slotNotFound(nil)
		}
		if !day.Published {
			return kernel.FieldError("slot_id", "接访日尚未发布，不能预约")
		}
		// Residents book before the session; a walk-in may join one that
		// is under way.
		deadline := slot.EndsAt
		if bk.resident() {
			deadline = slot.StartsAt
		}
		if !now.Before(deadline) {
			return kernel.FieldError("slot_id", "该时段已过，不能预约")
		}
		var c *cases.Case
		if req.CaseNo != "" {
			if bk.resident() {
				c, _, err = t.cases.ResidentCase(ctx, bk.residentID, req.CaseNo)
			} else {
				c, err = t.cases.Get(ctx, bk.actor, req.CaseNo)
			}
			if err != nil {
				return err
			}
			if !c.Status.Open() {
				return kernel.FieldError("case_no", fmt.Sprintf("案件%s，请登记新的事项", c.Status.Label()))
			}
		} else {
			in := *req.Intake
			in.Channel, in.ResidentID = kernel.ChannelVideo, bk.residentID
			if code, ok := kernel.NormalizeRegionCode(in.RegionCode); ok && !kernel.InRegion(code, day.RegionCode) {
				return kernel.FieldError("intake.region_code", fmt.Sprintf("事项发生地不属于本次接访的地区（%s）", day.RegionName))
			}
			if reg, err = t.cases.Register(ctx, bk.actor, in); err != nil {
				return prefixFields(err, "intake.")
			}
			c = reg.Case
		}
		if !kernel.InRegion(c.RegionCode, day.RegionCode) {
			return kernel.FieldError("case_no", fmt.Sprintf("该案件不属于本次接访的地区（%s）", day.RegionName))
		}
		if err := t.store.TakeSeat(ctx, slot.ID); err != nil {
			return err
		}
		slot.Booked++
		b := &Booking{SlotID: slot.ID, DayID: day.ID, CaseID: c.ID, CaseNo: c.No, Subject: c.Subject,
			ResidentID: bk.residentID, Status: StatusBooked, RoomToken: newToken(), CreatedAt: now}
		if !bk.resident() {
			b.BookedBy, b.BookedByName = bk.actor.UserID, bk.actor.Name
		}
		if err := t.store.CreateBooking(ctx, b); err != nil {
			return err
		}
		if b.MeetingURL = s.Link.Expand(b, day, slot); b.MeetingURL != "" {
			if err := t.store.SetMeetingURL(ctx, b.ID, b.MeetingURL); err != nil {
				return err
			}
		}
		day.Slots = nil
		b.Slot, b.Day = slot, day
		who := "群众本人预约"
		if !bk.resident() {
			who = bk.actor.Name + "代为预约"
		}
		note := fmt.Sprintf("预约%s %s—%s %s视频接访（%s）", day.Date, clock(slot.StartsAt), clock(slot.EndsAt), day.LeaderName, who)
		if err := t.cases.Note(ctx, bk.actor, c.ID, EventBooked, note, bookingData(b)); err != nil {
			return err
		}
		if err := s.scheduleReminders(ctx, t, b, now); err != nil {
			return err
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, reg, nil
}

func slotNotFound(err error) error {
	if err == nil || kernel.ErrorCode(err) == kernel.ENotFound {
		return kernel.Errorf(kernel.ENotFound, "接访时段不存在")
	}
	return err
}

// prefixFields puts the field errors of a registration under the request
// object they came from.
func prefixFields(err error, prefix string) error {
	var e *kernel.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	fields := make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		fields[prefix+k] = v
	}
	return &kernel.Error{Code: e.Code, Message: e.Message, Fields: fields}
}

func newToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// scheduleReminders enqueues a reminder for each lead time still ahead.
func (s *Service) scheduleReminders(ctx context.Context, t *txn, b *Booking, now time.Time) error {
	if s.Scheduler == nil {
		return nil
	}
	for _, lead := range s.Leads {
		at := b.Slot.StartsAt.Add(-lead)
		if !at.After(now) {
			continue
		}
		args := ReminderArgs{BookingID: b.ID, LeadMinutes: int(lead / time.Minute)}
		if err := s.Scheduler.ScheduleReminder(ctx, t.tx, args, at); err != nil {
			return fmt.Errorf("schedule reminder: %w", err)
		}
	}
	return nil
}

// visible reports whether the booker may see the booking: staff in the
// day's region, residents their own bookings.
func (bk booker) visible(b *Booking) bool {
	if bk.resident() {
		return b.ResidentID == bk.residentID
	}
	return bk.actor.Sees(b.Day.RegionCode)
}

func (s *Service) booking(ctx context.Context, st Store, bk booker, id int64) (*Booking, error) {
	b, err := st.Booking(ctx, id)
	if err == nil && !bk.visible(b) {
		err = kernel.Errorf(kernel.ENotFound, "预约不存在")
	}
	return b, err
}

// Booking returns a booking of a day in the actor's scope.
func (s *Service) Booking(ctx context.Context, actor kernel.Actor, id int64) (*Booking, error) {
	return s.booking(ctx, s.Store, booker{actor: actor}, id)
}

// ResidentBooking returns one of the resident's bookings.
func (s *Service) ResidentBooking(ctx context.Context, residentID, id int64) (*Booking, error) {
	if residentID == 0 {
		return nil, kernel.Errorf(kernel.EUnauthorized, "请先登录")
	}
	return s.booking(ctx, s.Store, booker{residentID: residentID}, id)
}

// ResidentBookings lists the resident's bookings, newest first.
func (s *Service) ResidentBookings(ctx context.Context, residentID int64) ([]*Booking, error) {
	if residentID == 0 {
		return nil, kernel.Errorf(kernel.EUnauthorized, "请先登录")
	}
	return s.Store.Bookings(ctx, BookingFilter{ResidentID: residentID, Limit: 100, NewestKey: true})
}

// Cancel cancels a live booking and frees its seat; its reminders then do
// nothing.
func (s *Service) Cancel(ctx context.Context, actor kernel.Actor, id int64, reason string) (*Booking, error) {
	return s.finish(ctx, booker{actor: actor}, id, StatusCancelled, reason)
}

// CancelForResident cancels one of the resident's bookings before the
// session starts.
func (s *Service) CancelForResident(ctx context.Context, residentID, id int64, reason string) (*Booking, error) {
	if residentID == 0 {
		return nil, kernel.Errorf(kernel.EUnauthorized, "请先登录")
	}
	return s.finish(ctx, booker{actor: kernel.SystemActor("群众"), residentID: residentID}, id, StatusCancelled, reason)
}

// Done marks a live booking done without a session record (one recorded
// elsewhere).
func (s *Service) Done(ctx context.Context, actor kernel.Actor, id int64) (*Booking, error) {
	return s.finish(ctx, booker{actor: actor}, id, StatusDone, "")
}

func (s *Service) finish(ctx context.Context, bk booker, id int64, to BookingStatus, reason string) (*Booking, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxReason {
		return nil, kernel.FieldError("reason", fmt.Sprintf("长度不能超过%d个字符", MaxReason))
	}
	now := s.now()
	var out *Booking
	err := s.inTx(ctx, func(t *txn) error {
		b, err := s.booking(ctx, t.store, bk, id)
		if err != nil {
			return err
		}
		if !bk.resident() && !canHandle(bk.actor, b.Day) {
			return kernel.Errorf(kernel.EForbidden, "当前角色（%s）无权执行此操作", bk.actor.Role.Label())
		}
		if b.Status != StatusBooked {
			return kernel.Errorf(kernel.EConflict, "该预约%s", b.Status.Label())
		}
		if bk.resident() && !now.Before(b.Slot.StartsAt) {
			return kernel.Errorf(kernel.EInvalid, "接访已开始，不能取消")
		}
		b.Status = to
		var note, kind string
		if to == StatusCancelled {
			b.CancelledAt, b.CancelReason = &now, reason
			kind, note = EventCancelled, fmt.Sprintf("取消%s %s视频接访预约", b.Day.Date, clock(b.Slot.StartsAt))
			if reason != "" {
				note += "：" + reason
			}
		} else {
			b.DoneAt = &now
			kind, note = EventDone, fmt.Sprintf("%s %s视频接访已完成", b.Day.Date, clock(b.Slot.StartsAt))
		}
		if err := t.store.FinishBooking(ctx, b); err != nil {
			return err
		}
		if to == StatusCancelled {
			if err := t.store.ReleaseSeat(ctx, b.SlotID); err != nil {
				return err
			}
			b.Slot.Booked--
		}
		out = b
		return t.cases.Note(ctx, bk.actor, b.CaseID, kind, note, bookingData(b))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SessionInput is what staff record of a session.
type SessionInput struct {
	StartedAt    time.Time
	EndedAt      time.Time
	Participants []Participant
	Summary      string
	Outcome      string
	RecordingRef string
}

// RecordSession records a session held for a live booking: the record
// joins the case as an intake of channel video (on its timeline), and the
// booking is done.
func (s *Service) RecordSession(ctx context.Context, actor kernel.Actor, id int64, in SessionInput) (*Booking, *cases.Registration, error) {
	if !actor.Can(kernel.PermRegister) {
		return nil, nil, kernel.Errorf(kernel.EForbidden, "当前角色（%s）不能记录接访情况", actor.Role.Label())
	}
	now := s.now()
	rec, err := checkSession(in, now)
	if err != nil {
		return nil, nil, err
	}
	rec.RecordedBy = actor.UserID
	var out *Booking
	var reg *cases.Registration
	err = s.inTx(ctx, func(t *txn) error {
		b, err := s.booking(ctx, t.store, booker{actor: actor}, id)
		if err != nil {
			return err
		}
		switch b.Status {
		case StatusCancelled:
			return kernel.Errorf(kernel.EInvalid, "该预约已取消，不能记录接访情况")
		case StatusDone:
			return kernel.Errorf(kernel.EConflict, "该预约已完成，不能重复记录")
		}
		rec.BookingID = b.ID
		intake := sessionIntake(b, rec)
		if reg, err = t.cases.AddIntake(ctx, actor, b.CaseNo, intake); err != nil {
			return err
		}
		rec.IntakeRef = reg.Intake.Ref
		if err := t.store.CreateSession(ctx, rec); err != nil {
			return err
		}
		b.Status, b.DoneAt, b.Session = StatusDone, &now, rec
		if err := t.store.FinishBooking(ctx, b); err != nil {
			return err
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, reg, nil
}

func checkSession(in SessionInput, now time.Time) (*SessionRecord, error) {
	fields := map[string]string{}
	switch {
	case in.StartedAt.IsZero():
		fields["started_at"] = "请填写开始时间"
	case in.EndedAt.IsZero():
		fields["ended_at"] = "请填写结束时间"
	case !in.EndedAt.After(in.StartedAt):
		fields["ended_at"] = "结束时间应晚于开始时间"
	case in.EndedAt.After(now.Add(5 * time.Minute)):
		fields["ended_at"] = "结束时间不能晚于当前时间"
	case in.EndedAt.Sub(in.StartedAt) > 12*time.Hour:
		fields["ended_at"] = "一次接访不能超过12小时"
	}
	rec := &SessionRecord{StartedAt: in.StartedAt.UTC(), EndedAt: in.EndedAt.UTC(), Summary: strings.TrimSpace(in.Summary),
		Outcome: in.Outcome, RecordingRef: strings.TrimSpace(in.RecordingRef), CreatedAt: now}
	if len(in.Participants) == 0 {
		fields["participants"] = "请填写参加人员"
	} else if len(in.Participants) > MaxPeople {
		fields["participants"] = fmt.Sprintf("参加人员不能超过%d人", MaxPeople)
	}
	for i, p := range in.Participants {
		p.Name, p.Role = strings.TrimSpace(p.Name), strings.TrimSpace(p.Role)
		if p.Name == "" || utf8.RuneCountInString(p.Name) > cases.MaxName {
			fields[fmt.Sprintf("participants[%d].name", i)] = fmt.Sprintf("姓名应为1至%d个字符", cases.MaxName)
		}
		if utf8.RuneCountInString(p.Role) > 50 {
			fields[fmt.Sprintf("participants[%d].role", i)] = "身份不能超过50个字符"
		}
		rec.Participants = append(rec.Participants, p)
	}
	if rec.Summary == "" {
		fields["summary"] = "请填写接访情况"
	} else if utf8.RuneCountInString(rec.Summary) > MaxSummary {
		fields["summary"] = fmt.Sprintf("长度不能超过%d个字符", MaxSummary)
	}
	if OutcomeLabel(rec.Outcome) == "" {
		fields["outcome"] = "处理结果应为 " + strings.Join(Outcomes, "、") + " 之一"
	}
	if utf8.RuneCountInString(rec.RecordingRef) > 200 {
		fields["recording_ref"] = "长度不能超过200个字符"
	}
	return rec, invalid(fields)
}

// sessionIntake is the intake a session record becomes.
func sessionIntake(b *Booking, r *SessionRecord) cases.Intake {
	var people []string
	for _, p := range r.Participants {
		if p.Role != "" {
			people = append(people, p.Name+"（"+p.Role+"）")
		} else {
			people = append(people, p.Name)
		}
	}
	start, end := r.StartedAt.In(cases.ChinaTime), r.EndedAt.In(cases.ChinaTime)
	var sb strings.Builder
	fmt.Fprintf(&sb, "视频接访记录\n接访领导：%s（%s）\n", b.Day.LeaderName, b.Day.RegionName)
	if b.Day.Topic != "" {
		fmt.Fprintf(&sb, "接访主题：%s\n", b.Day.Topic)
	}
	fmt.Fprintf(&sb, "接访时间：%s—%s\n参加人员：%s\n接访情况：%s\n处理结果：%s\n",
		start.Format("2006-01-02 15:04"), end.Format("15:04"), strings.Join(people, "、"), r.Summary, OutcomeLabel(r.Outcome))
	if r.RecordingRef != "" {
		fmt.Fprintf(&sb, "录像编号：%s\n", r.RecordingRef)
	}
	subject := "视频接访记录"
	if b.Day.Topic != "" {
		subject += "：" + b.Day.Topic
	}
	if utf8.RuneCountInString(subject) > cases.MaxSubject {
		subject = string([]rune(subject)[:cases.MaxSubject])
	}
	return cases.Intake{
		Channel:     kernel.ChannelVideo,
		ExternalRef: fmt.Sprintf("video-booking:%d", b.ID),
		SourceKey:   fmt.Sprintf("video-session:%d", b.ID),
		ReceivedAt:  r.StartedAt,
		Subject:     subject,
		Content:     strings.TrimSpace(sb.String()),
		Raw:         sessionRaw(b, r),
	}
}

// sessionRaw is the record as the channel keeps it with the intake.
func sessionRaw(b *Booking, r *SessionRecord) []byte {
	raw, _ := json.Marshal(map[string]any{
		"booking_id": b.ID, "day_id": b.DayID, "slot_id": b.SlotID, "leader": b.Day.LeaderName,
		"started_at": r.StartedAt, "ended_at": r.EndedAt, "participants": r.Participants,
		"summary": r.Summary, "outcome": r.Outcome, "recording_ref": r.RecordingRef,
	})
	return raw
}

func bookingData(b *Booking) map[string]any {
	return map[string]any{"booking_id": b.ID, "slot_id": b.SlotID, "day_id": b.DayID,
		"starts_at": b.Slot.StartsAt, "leader": b.Day.LeaderName}
}
