package video

import (
	"context"
	"fmt"
	"time"

	"github.com/jiefen/jiefen/kernel"
)

// ReminderArgs is the job that reminds of a booked session; River runs it
// at its scheduled time.
type ReminderArgs struct {
	BookingID   int64 `json:"booking_id"`
	LeadMinutes int   `json:"lead_minutes"` // how long before the start
}

// Kind names the job.
func (ReminderArgs) Kind() string { return "video_reminder" }

// Remind runs a reminder job: for a booking still live and a session still
// to come, it has the Reminder deliver the notice (if there is one) and
// records the reminder on the case's timeline. Reminders of cancelled or
// finished bookings do nothing.
func (s *Service) Remind(ctx context.Context, args ReminderArgs) error {
	b, err := s.Store.Booking(ctx, args.BookingID)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	if b.Status != StatusBooked || !s.Now().Before(b.Slot.StartsAt) {
		return nil
	}
	lead := time.Duration(args.LeadMinutes) * time.Minute
	n := Notice{BookingID: b.ID, CaseID: b.CaseID, CaseNo: b.CaseNo, ResidentID: b.ResidentID,
		LeaderName: b.Day.LeaderName, RegionName: b.Day.RegionName, Topic: b.Day.Topic,
		StartsAt: b.Slot.StartsAt, EndsAt: b.Slot.EndsAt, MeetingURL: b.MeetingURL, Lead: lead}
	delivered := false
	if s.Reminder != nil {
		if err := s.Reminder.Remind(ctx, n); err != nil {
			return fmt.Errorf("deliver reminder of booking %d: %w", b.ID, err)
		}
		delivered = true
	}
	note := fmt.Sprintf("提醒：%s %s—%s %s视频接访", b.Day.Date, clock(b.Slot.StartsAt), clock(b.Slot.EndsAt), b.Day.LeaderName)
	if b.MeetingURL != "" {
		note += "，会议链接 " + b.MeetingURL
	}
	// starts_at and leader are what a message about the reminder needs (the
	// WeChat channel's subscribe message hears this event).
	data := map[string]any{"booking_id": b.ID, "lead_minutes": args.LeadMinutes, "starts_at": b.Slot.StartsAt,
		"leader": b.Day.LeaderName, "delivered": delivered}
	return s.Cases.Note(ctx, kernel.SystemActor("视频接访提醒"), b.CaseID, EventReminder, note, data)
}
