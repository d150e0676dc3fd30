// Package video is the video petition channel (视频接访) and the leaders'
// reception days (领导接访日) it serves: leaders' schedules of time slots
// published to residents, residents' and walk-ins' bookings of a seat,
// reminders before the session, and the session record, which joins the
// case as an intake of channel video.
//
// The session itself runs in the government's video system; Jiefen only
// hands out a meeting link built from a configurable template.
package video

import (
	"context"
	"time"

	"github.com/jiefen/jiefen/kernel"

	"github.com/jiefen/jiefen/staff"
)

// Day is one reception day: a leader receives residents of a region on a
// date, in time slots. Residents see it once it is published.
type Day struct {
	ID          int64
	LeaderID    int64 // a staff user with the leader role
	LeaderName  string
	RegionCode  string // padded code
	RegionName  string
	Date        string // China date, 2025-12-01
	Topic       string // e.g. 征地拆迁专题接访; may be empty
	Published   bool
	PublishedAt *time.Time
	CreatedBy   int64
	CreatedAt   time.Time
	Slots       []Slot // by start time
}

// Slot is a time slot of a day with a number of seats.
type Slot struct {
	ID       int64
	DayID    int64
	StartsAt time.Time
	EndsAt   time.Time
	Capacity int
	// Booked counts the bookings that hold a seat: booked or done. The
	// database refuses more than Capacity.
	Booked int
}

// Remaining is the number of free seats.
func (s Slot) Remaining() int { return max(s.Capacity-s.Booked, 0) }

// BookingStatus is where a booking stands.
type BookingStatus string

const (
	StatusBooked    BookingStatus = "booked"    // 已预约: holds a seat
	StatusCancelled BookingStatus = "cancelled" // 已取消: the seat is free again
	StatusDone      BookingStatus = "done"      // 已完成: the session took place
)

var statusLabels = map[BookingStatus]string{
	StatusBooked: "已预约", StatusCancelled: "已取消", StatusDone: "已完成",
}

// Label is the Chinese name of the status.
func (s BookingStatus) Label() string { return statusLabels[s] }

// Booking is a seat in a slot for one case.
type Booking struct {
	ID           int64
	SlotID       int64
	DayID        int64
	CaseID       int64
	CaseNo       string
	Subject      string // the case's subject when booked
	ResidentID   int64  // the resident who booked for themselves; 0 for staff
	BookedBy     int64  // the member of staff who booked a walk-in; 0 for residents
	BookedByName string
	Status       BookingStatus
	RoomToken    string // random; the {token} of the meeting link
	MeetingURL   string
	CreatedAt    time.Time
	CancelledAt  *time.Time
	CancelReason string
	DoneAt       *time.Time

	// Loaded with the booking.
	Slot    *Slot
	Day     *Day // without its slots
	Session *SessionRecord
}

// Participant is someone who took part in a session.
type Participant struct {
	Name string `json:"name"`
	Role string `json:"role,omitempty"` // 接访领导, 信访人, 责任单位…
}

// SessionRecord is what staff record of a session held; it is also an
// intake on the case.
type SessionRecord struct {
	ID           int64
	BookingID    int64
	StartedAt    time.Time
	EndedAt      time.Time
	Participants []Participant
	Summary      string
	Outcome      string
	RecordingRef string // the video system's reference of the recording
	IntakeRef    string // the intake the record became
	RecordedBy   int64
	CreatedAt    time.Time
}

// Outcomes of a session.
var outcomeLabels = map[string]string{
	"resolved":  "当场化解",
	"assigned":  "交办处理",
	"answered":  "解释答复",
	"referred":  "转送有权机关",
	"follow_up": "继续跟进",
}

// Outcomes lists the outcome codes.
var Outcomes = []string{"resolved", "assigned", "answered", "referred", "follow_up"}

// OutcomeLabel is the Chinese name of an outcome ("" if unknown).
func OutcomeLabel(o string) string { return outcomeLabels[o] }

// DayFilter selects days. Scope is always applied.
type DayFilter struct {
	Scope     string // region prefix of the actor; "" for all
	From, To  string // China dates, inclusive; "" for open
	LeaderID  int64
	Published *bool
	// Near selects the days of a region, of the regions above it and of the
	// regions below it: what a resident living there may attend.
	Near  *NearRegion
	Limit int
}

// NearRegion is a region's ancestors (padded codes) and its subtree prefix.
type NearRegion struct {
	Ancestors []string
	Prefix    string
}

// BookingFilter selects bookings with their slots and days.
type BookingFilter struct {
	Scope      string // region prefix of the days; "" for all
	LeaderID   int64
	ResidentID int64
	DayID      int64
	From, To   *time.Time // slot start, [From, To)
	Statuses   []BookingStatus
	Limit      int
	NewestKey  bool // order by id descending instead of by slot start
}

// Store is the storage the service needs. Implementations map missing rows
// to ENotFound and unique-key clashes to EConflict.
type Store interface {
	// WithTx returns the store bound to a unit of work, so that a booking
	// commits with the intake it registers, its timeline events and its
	// reminder jobs.
	WithTx(tx kernel.Tx) Store

	// CreateDay stores a day with its slots and sets their IDs.
	CreateDay(ctx context.Context, d *Day) error
	// Day returns a day with its slots.
	Day(ctx context.Context, id int64) (*Day, error)
	// Days returns days with their slots, by date, region and id.
	Days(ctx context.Context, f DayFilter) ([]*Day, error)
	PublishDay(ctx context.Context, id int64, at time.Time) error
	Slot(ctx context.Context, id int64) (*Slot, error)
	// TakeSeat counts one more booking on the slot in one statement; it is
	// EConflict when the slot is full, also under concurrent callers.
	TakeSeat(ctx context.Context, slotID int64) error
	// ReleaseSeat frees a seat of a cancelled booking.
	ReleaseSeat(ctx context.Context, slotID int64) error

	// CreateBooking stores a live booking; EConflict when the case already
	// has a live booking on the day.
	CreateBooking(ctx context.Context, b *Booking) error
	SetMeetingURL(ctx context.Context, id int64, url string) error
	// Booking returns a booking with its slot, day and session record.
	Booking(ctx context.Context, id int64) (*Booking, error)
	// Bookings returns bookings with their slots and days.
	Bookings(ctx context.Context, f BookingFilter) ([]*Booking, error)
	// FinishBooking saves a live booking's new status (cancelled or done)
	// with its times and reason; EConflict if it is no longer live.
	FinishBooking(ctx context.Context, b *Booking) error
	// CreateSession stores a session record; EConflict if the booking has one.
	CreateSession(ctx context.Context, r *SessionRecord) error
}

// Users finds staff accounts (the leaders who receive).
type Users interface {
	UserByID(ctx context.Context, id int64) (*staff.User, error)
	staff.HandlerFinder
}

// Scheduler enqueues a reminder job in the transaction of the booking, to
// run at the given time.
type Scheduler interface {
	ScheduleReminder(ctx context.Context, tx kernel.Tx, args ReminderArgs, at time.Time) error
}

// Reminder delivers a reminder of a coming session to the resident: a
// WeChat subscription message, an SMS. Every reminder is recorded on the
// case's timeline whether or not a Reminder delivers it. An error makes the
// job retry later.
type Reminder interface {
	Remind(ctx context.Context, n Notice) error
}

// Notice is what a reminder says.
type Notice struct {
	BookingID  int64
	CaseID     int64
	CaseNo     string
	ResidentID int64 // 0 when staff booked a walk-in
	LeaderName string
	RegionName string
	Topic      string
	StartsAt   time.Time
	EndsAt     time.Time
	MeetingURL string
	Lead       time.Duration // how long before the start
}
