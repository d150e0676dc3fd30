package videoweb

import (
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
)

// JSON shapes. Times are in China time.

func china(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := t.In(cases.ChinaTime)
	return &c
}

func clock(t time.Time) string { return t.In(cases.ChinaTime).Format("15:04") }

type slotJSON struct {
	ID        int64      `json:"id"`
	Start     string     `json:"start"` // 09:00, China time
	End       string     `json:"end"`
	StartsAt  *time.Time `json:"starts_at"`
	EndsAt    *time.Time `json:"ends_at"`
	Capacity  int        `json:"capacity"`
	Booked    *int       `json:"booked,omitempty"` // staff only
	Remaining int        `json:"remaining"`
}

func presentSlot(s video.Slot, staff bool) slotJSON {
	out := slotJSON{ID: s.ID, Start: clock(s.StartsAt), End: clock(s.EndsAt), StartsAt: china(&s.StartsAt),
		EndsAt: china(&s.EndsAt), Capacity: s.Capacity, Remaining: s.Remaining()}
	if staff {
		n := s.Booked
		out.Booked = &n
	}
	return out
}

type dayJSON struct {
	ID          int64          `json:"id"`
	Date        string         `json:"date"`
	LeaderID    int64          `json:"leader_id,omitempty"` // staff only
	LeaderName  string         `json:"leader_name"`
	RegionCode  string         `json:"region_code"`
	RegionName  string         `json:"region_name"`
	Topic       string         `json:"topic"`
	Published   *bool          `json:"published,omitempty"` // staff only
	PublishedAt *time.Time     `json:"published_at,omitempty"`
	Slots       []slotJSON     `json:"slots,omitempty"`
	Bookings    *[]bookingJSON `json:"bookings,omitempty"` // a day's detail, staff only
}

func presentDay(d *video.Day, staff bool) dayJSON {
	out := dayJSON{ID: d.ID, Date: d.Date, LeaderName: d.LeaderName, RegionCode: d.RegionCode,
		RegionName: d.RegionName, Topic: d.Topic}
	if staff {
		pub := d.Published
		out.LeaderID, out.Published, out.PublishedAt = d.LeaderID, &pub, china(d.PublishedAt)
	}
	for _, s := range d.Slots {
		out.Slots = append(out.Slots, presentSlot(s, staff))
	}
	return out
}

type sessionJSON struct {
	StartedAt    *time.Time          `json:"started_at"`
	EndedAt      *time.Time          `json:"ended_at"`
	Participants []video.Participant `json:"participants,omitempty"`
	Summary      string              `json:"summary,omitempty"`
	Outcome      string              `json:"outcome"`
	OutcomeLabel string              `json:"outcome_label"`
	RecordingRef string              `json:"recording_ref,omitempty"`
	IntakeRef    string              `json:"intake_ref,omitempty"`
	RecordedAt   *time.Time          `json:"recorded_at"`
}

type registrationJSON struct {
	CaseNo    string `json:"case_no"`
	IntakeRef string `json:"intake_ref"`
	Decision  string `json:"decision"`
}

type bookingJSON struct {
	ID           int64               `json:"id"`
	Status       video.BookingStatus `json:"status"`
	StatusLabel  string              `json:"status_label"`
	CaseNo       string              `json:"case_no"`
	Subject      string              `json:"subject"`
	Slot         *slotJSON           `json:"slot,omitempty"`
	Day          *dayJSON            `json:"day,omitempty"`
	MeetingURL   string              `json:"meeting_url,omitempty"`
	BookedVia    string              `json:"booked_via"` // resident | staff
	BookedByName string              `json:"booked_by_name,omitempty"`
	CreatedAt    *time.Time          `json:"created_at"`
	CancelledAt  *time.Time          `json:"cancelled_at,omitempty"`
	CancelReason string              `json:"cancel_reason,omitempty"`
	DoneAt       *time.Time          `json:"done_at,omitempty"`
	Session      *sessionJSON        `json:"session,omitempty"`
	// Registration is the intake a booking for a new matter registered.
	Registration *registrationJSON `json:"registration,omitempty"`
}

func presentBooking(b *video.Booking, staff bool) bookingJSON {
	out := bookingJSON{ID: b.ID, Status: b.Status, StatusLabel: b.Status.Label(), CaseNo: b.CaseNo, Subject: b.Subject,
		MeetingURL: b.MeetingURL, BookedVia: "staff", CreatedAt: china(&b.CreatedAt), CancelledAt: china(b.CancelledAt),
		CancelReason: b.CancelReason, DoneAt: china(b.DoneAt)}
	if b.ResidentID != 0 {
		out.BookedVia = "resident"
	}
	if staff {
		out.BookedByName = b.BookedByName
	}
	if b.Slot != nil {
		s := presentSlot(*b.Slot, staff)
		out.Slot = &s
	}
	if b.Day != nil {
		d := *b.Day
		d.Slots = nil
		dj := presentDay(&d, staff)
		out.Day = &dj
	}
	if r := b.Session; r != nil {
		out.Session = &sessionJSON{StartedAt: china(&r.StartedAt), EndedAt: china(&r.EndedAt),
			Outcome: r.Outcome, OutcomeLabel: video.OutcomeLabel(r.Outcome), RecordedAt: china(&r.CreatedAt)}
		if staff { // residents see when it took place and its outcome
			out.Session.Participants, out.Session.Summary = r.Participants, r.Summary
			out.Session.RecordingRef, out.Session.IntakeRef = r.RecordingRef, r.IntakeRef
		}
	}
	return out
}

func presentRegistration(reg *cases.Registration) *registrationJSON {
	if reg == nil {
		return nil
	}
	return &registrationJSON{CaseNo: reg.Case.No, IntakeRef: reg.Intake.Ref, Decision: reg.Decision}
}

type listJSON[T any] struct {
	Items []T `json:"items"`
}
