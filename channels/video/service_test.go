package video_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
)

func each(t *testing.T, fn func(t *testing.T, e *videotest.Env)) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, videotest.New(t, d)) })
	}
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	if got := kernel.ErrorCode(err); got != want {
		t.Fatalf("error %v, want code %q", err, want)
	}
}

func field(t *testing.T, err error, name string) {
	t.Helper()
	if _, ok := kernel.ErrorFields(err)[name]; !ok {
		t.Fatalf("error %v, want a message for field %q", err, name)
	}
}

func TestCreateDay(t *testing.T) {
	each(t, func(t *testing.T, e *videotest.Env) {
		ctx := context.Background()
		leader := e.Users["leader"]
		ok := video.NewDay{LeaderID: leader.ID, RegionCode: "610902", Date: "2025-12-03",
			Slots: []video.NewSlot{{Start: "09:00", End: "09:30", Capacity: 2}}}
		with := func(f func(*video.NewDay)) video.NewDay {
			d := ok
			d.Slots = append([]video.NewSlot(nil), ok.Slots...)
			f(&d)
			return d
		}
		for _, tc := range []struct {
			name  string
			actor string
			day   video.NewDay
			code  string
			field string
		}{
			{"clerk may not plan", "clerk", ok, kernel.EForbidden, ""},
			{"leader only for self", "hbleader", ok, kernel.EForbidden, ""},
			{"past date", "supervisor", with(func(d *video.NewDay) { d.Date = "2025-11-30" }), kernel.EInvalid, "date"},
			{"bad date", "supervisor", with(func(d *video.NewDay) { d.Date = "2025-13-01" }), kernel.EInvalid, "date"},
			{"region outside scope", "supervisor", with(func(d *video.NewDay) { d.RegionCode = "610202" }), kernel.EInvalid, "region_code"},
			{"unknown region", "supervisor", with(func(d *video.NewDay) { d.RegionCode = "610999" }), kernel.EInvalid, "region_code"},
			{"not a leader", "supervisor", with(func(d *video.NewDay) { d.LeaderID = e.Users["clerk"].ID }), kernel.EInvalid, "leader_id"},
			{"no leader", "supervisor", with(func(d *video.NewDay) { d.LeaderID = 0 }), kernel.EInvalid, "leader_id"},
			{"outside the leader's scope", "admin", with(func(d *video.NewDay) { d.LeaderID = e.Users["leader2"].ID }), kernel.EInvalid, "region_code"},
			{"no slots", "supervisor", with(func(d *video.NewDay) { d.Slots = nil }), kernel.EInvalid, "slots"},
			{"capacity 0", "supervisor", with(func(d *video.NewDay) { d.Slots[0].Capacity = 0 }), kernel.EInvalid, "slots[0].capacity"},
			{"end before start", "supervisor", with(func(d *video.NewDay) { d.Slots[0].End = "08:00" }), kernel.EInvalid, "slots[0].end"},
			{"bad time", "supervisor", with(func(d *video.NewDay) { d.Slots[0].Start = "9点" }), kernel.EInvalid, "slots[0].start"},
			{"overlap", "supervisor", with(func(d *video.NewDay) {
				d.Slots = append(d.Slots, video.NewSlot{Start: "10:00", End: "11:00", Capacity: 1},
					video.NewSlot{Start: "09:15", End: "09:45", Capacity: 1})
			}), kernel.EInvalid, "slots[2].start"},
			{"slot over", "supervisor", with(func(d *video.NewDay) {
				d.Date = "2025-12-01"
				d.Slots[0] = video.NewSlot{Start: "08:00", End: "09:00", Capacity: 1}
			}), kernel.EInvalid, "slots[0].end"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.Video.CreateDay(ctx, e.Actor(tc.actor), tc.day)
				code(t, err, tc.code)
				if tc.field != "" {
					field(t, err, tc.field)
				}
			})
		}

		// A leader plans their own day; slots come back sorted, in UTC.
		d, err := e.Video.CreateDay(ctx, e.Actor("leader"), video.NewDay{RegionCode: "610902001", Date: "2025-12-02",
			Topic: " 征地拆迁专题 ", Slots: []video.NewSlot{{Start: "14:00", End: "15:00", Capacity: 3}, {Start: "09:00", End: "09:30", Capacity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if d.LeaderID != leader.ID || d.LeaderName != "王市长" || d.RegionCode != "610902001000" || d.RegionName == "" ||
			d.Topic != "征地拆迁专题" || d.Published || len(d.Slots) != 2 ||
			!d.Slots[0].StartsAt.Equal(time.Date(2025, 12, 2, 1, 0, 0, 0, time.UTC)) {
			t.Fatalf("day %+v", d)
		}
		// The leader cannot be in two receptions at once.
		_, err = e.Video.CreateDay(ctx, e.Actor("supervisor"), video.NewDay{LeaderID: leader.ID, RegionCode: "610902",
			Date: "2025-12-02", Slots: []video.NewSlot{{Start: "14:30", End: "16:00", Capacity: 1}}})
		code(t, err, kernel.EInvalid)
		field(t, err, "slots[0].start")
		// The same hours of another leader are fine.
		if _, err := e.Video.CreateDay(ctx, e.Actor("supervisor"), video.NewDay{LeaderID: e.Users["hbleader"].ID,
			RegionCode: "610902", Date: "2025-12-02", Slots: []video.NewSlot{{Start: "14:30", End: "16:00", Capacity: 1}}}); err != nil {
			t.Fatal(err)
		}

		// Publishing: only in scope, a leader only their own.
		_, err = e.Video.Publish(ctx, e.Actor("hbleader"), d.ID)
		code(t, err, kernel.EForbidden)
		_, err = e.Video.Publish(ctx, e.Actor("leader2"), d.ID)
		code(t, err, kernel.ENotFound)
		_, err = e.Video.Publish(ctx, e.Actor("clerk"), d.ID)
		code(t, err, kernel.EForbidden)
		if p, err := e.Video.Publish(ctx, e.Actor("leader"), d.ID); err != nil || !p.Published {
			t.Fatalf("publish: %+v %v", p, err)
		}
		if _, err := e.Video.Publish(ctx, e.Actor("leader"), d.ID); err != nil {
			t.Fatalf("publish again: %v", err)
		}

		// Lists are scoped.
		days, err := e.Video.Days(ctx, e.Actor("clerk"), video.DayQuery{})
		if err != nil || len(days) != 2 {
			t.Fatalf("clerk's days: %d %v", len(days), err)
		}
		if days, _ := e.Video.Days(ctx, e.Actor("other"), video.DayQuery{}); len(days) != 0 {
			t.Fatalf("another city's clerk sees %d days", len(days))
		}
		_, _, err = e.Video.Day(ctx, e.Actor("other"), d.ID)
		code(t, err, kernel.ENotFound)
		_, err = e.Video.Days(ctx, e.Actor("clerk"), video.DayQuery{From: "2025-12-05", To: "2025-12-01"})
		field(t, err, "to")

		// Residents see published days with slots still to come.
		sched, err := e.Video.Schedule(ctx, "610902001003", "", "")
		if err != nil || len(sched) != 1 || sched[0].ID != d.ID {
			t.Fatalf("schedule: %+v %v", sched, err)
		}
		e.Set(time.Date(2025, 12, 2, 9, 10, 0, 0, cases.ChinaTime))
		if sched, _ := e.Video.Schedule(ctx, "", "", ""); len(sched) != 1 || len(sched[0].Slots) != 1 {
			t.Fatalf("started slots are not offered: %+v", sched)
		}
		if sched, _ := e.Video.Schedule(ctx, "610202", "", ""); len(sched) != 0 {
			t.Fatalf("another city's schedule: %+v", sched)
		}
	})
}

// fakeReminder is the seam a WeChat sender will fill.
type fakeReminder struct {
	mu      sync.Mutex
	notices []video.Notice
}

func (f *fakeReminder) Remind(ctx context.Context, n video.Notice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notices = append(f.notices, n)
	return nil
}

func events(t *testing.T, e *videotest.Env, no, kind string) []cases.Event {
	t.Helper()
	c, err := e.Cases.Get(context.Background(), kernel.SystemActor("t"), no)
	if err != nil {
		t.Fatal(err)
	}
	var out []cases.Event
	for _, ev := range c.Events {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

func TestBookRemindRecord(t *testing.T) {
	each(t, func(t *testing.T, e *videotest.Env) {
		ctx := context.Background()
		rem := &fakeReminder{}
		e.Video.Reminder = rem
		d := e.Day(t, "leader")
		clerk := e.Actor("clerk")

		// A walk-in with a new matter: registered as an intake of
		// channel video and booked in one transaction.
		b, reg, err := e.Video.Book(ctx, clerk, video.BookRequest{SlotID: d.Slots[2].ID,
			Intake: videotest.Walkin("李秀英", "13812345678", "小区违建阻挡消防通道")})
		if err != nil {
			t.Fatal(err)
		}
		if reg == nil || reg.Decision != cases.DecisionNew || reg.Intake.Channel != kernel.ChannelVideo || b.CaseNo != reg.Case.No ||
			b.Status != video.StatusBooked || b.BookedByName != "李窗口" || b.ResidentID != 0 || b.Slot.Booked != 1 ||
			!strings.HasPrefix(b.MeetingURL, "https://meet.example.gov.cn/room/"+b.RoomToken+"?case="+b.CaseNo+fmt.Sprintf("&b=%d", b.ID)) {
			t.Fatalf("booking %+v, registration %+v", b, reg)
		}
		if got, _ := e.VideoDB.Booking(ctx, b.ID); got.MeetingURL != b.MeetingURL {
			t.Fatalf("stored link %q", got.MeetingURL)
		}
		if ev := events(t, e, b.CaseNo, video.EventBooked); len(ev) != 1 || !strings.Contains(ev[0].Note, "李窗口代为预约") {
			t.Fatalf("booked events %+v", ev)
		}
		// Reminders 24 h and 1 h before 14:00 on 3 December, in the
		// booking's transaction.
		jobs := e.Reminders(t)
		if len(jobs) != 2 {
			t.Fatalf("%d reminder jobs", len(jobs))
		}
		start := time.Date(2025, 12, 3, 14, 0, 0, 0, cases.ChinaTime)
		for i, lead := range []time.Duration{24 * time.Hour, time.Hour} {
			var args video.ReminderArgs
			json.Unmarshal(jobs[i].EncodedArgs, &args)
			if args.BookingID != b.ID || args.LeadMinutes != int(lead/time.Minute) || !jobs[i].ScheduledAt.Equal(start.Add(-lead)) {
				t.Errorf("job %d: %+v at %v", i, args, jobs[i].ScheduledAt)
			}
		}

		// The same case again on the same day: refused, and nothing of the
		// attempt remains (no seat, no job, no event).
		_, _, err = e.Video.Book(ctx, clerk, video.BookRequest{SlotID: d.Slots[1].ID, CaseNo: b.CaseNo})
		code(t, err, kernel.EConflict)
		if sl, _ := e.VideoDB.Slot(ctx, d.Slots[1].ID); sl.Booked != 0 {
			t.Fatalf("seat kept by a failed booking")
		}
		if n := len(e.Reminders(t)); n != 2 {
			t.Fatalf("%d jobs after a failed booking", n)
		}

		// Scope: a slot elsewhere is not found; a case elsewhere neither.
		_, _, err = e.Video.Book(ctx, e.Actor("other"), video.BookRequest{SlotID: d.Slots[1].ID, CaseNo: b.CaseNo})
		code(t, err, kernel.ENotFound)
		_, _, err = e.Video.Book(ctx, e.Actor("leader"), video.BookRequest{SlotID: d.Slots[1].ID, CaseNo: b.CaseNo})
		code(t, err, kernel.EForbidden)
		_, _, err = e.Video.Book(ctx, clerk, video.BookRequest{SlotID: d.Slots[1].ID})
		field(t, err, "case_no")
		// A new matter outside the day's region.
		far := videotest.Walkin("张三", "13700000000", "工资拖欠")
		far.RegionCode = "610921" // 汉阴县, in the city but not 汉滨区
		_, _, err = e.Video.Book(ctx, e.Actor("supervisor"), video.BookRequest{SlotID: d.Slots[1].ID, Intake: far})
		field(t, err, "intake.region_code")
		// Unpublished days take no bookings.
		draft, err := e.Video.CreateDay(ctx, e.Actor("supervisor"), video.NewDay{LeaderID: e.Users["hbleader"].ID,
			RegionCode: "610902", Date: "2025-12-04", Slots: []video.NewSlot{{Start: "09:00", End: "10:00", Capacity: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.Video.Book(ctx, clerk, video.BookRequest{SlotID: draft.Slots[0].ID, CaseNo: b.CaseNo})
		field(t, err, "slot_id")

		// A resident books their own case; another's is not found.
		_, _, res, err := e.Residents.Login(ctx, "dev:resident-1", "")
		if err != nil {
			t.Fatal(err)
		}
		own := e.Register(t, videotest.Walkin("陈大妈", "13911112222", "楼上漏水多次协商无果"), res.ID)
		_, _, err = e.Video.BookForResident(ctx, res.ID, video.BookRequest{SlotID: d.Slots[0].ID, CaseNo: b.CaseNo})
		code(t, err, kernel.ENotFound)
		rb, _, err := e.Video.BookForResident(ctx, res.ID, video.BookRequest{SlotID: d.Slots[0].ID, CaseNo: own.No})
		if err != nil || rb.ResidentID != res.ID || rb.BookedBy != 0 {
			t.Fatalf("resident booking %+v %v", rb, err)
		}
		// The last seat of 09:00 is gone.
		other := e.Register(t, videotest.Walkin("刘老汉", "13933334444", "宅基地纠纷"), 0)
		_, _, err = e.Video.Book(ctx, clerk, video.BookRequest{SlotID: d.Slots[0].ID, CaseNo: other.No})
		code(t, err, kernel.EConflict)
		// A resident files a new matter with the booking: they filed it.
		nb, nreg, err := e.Video.BookForResident(ctx, res.ID, video.BookRequest{SlotID: d.Slots[1].ID,
			Intake: videotest.Walkin("陈大妈", "13911112222", "菜市场噪音扰民")})
		if err != nil || nreg.Intake.ResidentID != res.ID || nreg.Intake.Channel != kernel.ChannelVideo {
			t.Fatalf("resident's new matter %+v %+v %v", nb, nreg, err)
		}
		if _, _, err := e.Cases.ResidentCase(ctx, res.ID, nb.CaseNo); err != nil {
			t.Fatalf("the resident's own case: %v", err)
		}
		mine, err := e.Video.ResidentBookings(ctx, res.ID)
		if err != nil || len(mine) != 2 || mine[0].ID != nb.ID {
			t.Fatalf("my bookings %v %v", mine, err)
		}
		_, err = e.Video.ResidentBooking(ctx, res.ID, b.ID)
		code(t, err, kernel.ENotFound)

		// The leader's agenda: bookings with case numbers and links.
		agenda, err := e.Video.Agenda(ctx, e.Actor("leader"), 0, "2025-12-03", "2025-12-03")
		if err != nil || len(agenda) != 3 || agenda[0].CaseNo != own.No || agenda[2].MeetingURL == "" {
			t.Fatalf("agenda %v %v", agenda, err)
		}
		if a, _ := e.Video.Agenda(ctx, e.Actor("hbleader"), 0, "", ""); len(a) != 0 {
			t.Fatalf("another leader's agenda %v", a)
		}
		if a, _ := e.Video.Agenda(ctx, e.Actor("supervisor"), e.Users["leader"].ID, "2025-12-01", ""); len(a) != 3 {
			t.Fatalf("the supervisor's view of the leader's agenda %v", a)
		}

		// Residents cancel their own bookings only.
		_, err = e.Video.CancelForResident(ctx, res.ID+1, nb.ID, "")
		code(t, err, kernel.ENotFound)
		cb, err := e.Video.CancelForResident(ctx, res.ID, nb.ID, "临时有事")
		if err != nil || cb.Status != video.StatusCancelled || cb.CancelReason != "临时有事" || cb.Slot.Booked != 0 {
			t.Fatalf("cancel %+v %v", cb, err)
		}
		_, err = e.Video.CancelForResident(ctx, res.ID, nb.ID, "")
		code(t, err, kernel.EConflict)
		if ev := events(t, e, nb.CaseNo, video.EventCancelled); len(ev) != 1 || !strings.Contains(ev[0].Note, "临时有事") {
			t.Fatalf("cancel events %+v", ev)
		}

		// Reminders: a live booking's is delivered and on the timeline; a
		// cancelled booking's does nothing; one after the start neither.
		e.Set(time.Date(2025, 12, 2, 14, 0, 0, 0, cases.ChinaTime))
		if err := e.Video.Remind(ctx, video.ReminderArgs{BookingID: b.ID, LeadMinutes: 24 * 60}); err != nil {
			t.Fatal(err)
		}
		if err := e.Video.Remind(ctx, video.ReminderArgs{BookingID: nb.ID, LeadMinutes: 24 * 60}); err != nil {
			t.Fatal(err)
		}
		if err := e.Video.Remind(ctx, video.ReminderArgs{BookingID: 99999, LeadMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		if len(rem.notices) != 1 || rem.notices[0].BookingID != b.ID || rem.notices[0].MeetingURL != b.MeetingURL ||
			rem.notices[0].Lead != 24*time.Hour {
			t.Fatalf("notices %+v", rem.notices)
		}
		if ev := events(t, e, b.CaseNo, video.EventReminder); len(ev) != 1 || ev[0].ActorName != "视频接访提醒" ||
			!strings.Contains(ev[0].Note, b.MeetingURL) || ev[0].Data["delivered"] != true {
			t.Fatalf("reminder events %+v", ev)
		}
		if ev := events(t, e, nb.CaseNo, video.EventReminder); len(ev) != 0 {
			t.Fatalf("a cancelled booking was reminded: %+v", ev)
		}
		e.Set(time.Date(2025, 12, 3, 14, 5, 0, 0, cases.ChinaTime))
		if err := e.Video.Remind(ctx, video.ReminderArgs{BookingID: b.ID, LeadMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		if len(rem.notices) != 1 {
			t.Fatal("a reminder after the start was delivered")
		}
		// Residents cannot cancel once the session started; staff can.
		_, err = e.Video.CancelForResident(ctx, res.ID, rb.ID, "")
		code(t, err, kernel.EInvalid)

		// The session: recorded by staff, it is a video intake on the case.
		in := video.SessionInput{StartedAt: time.Date(2025, 12, 3, 14, 2, 0, 0, cases.ChinaTime),
			EndedAt:      time.Date(2025, 12, 3, 14, 1, 0, 0, cases.ChinaTime),
			Participants: []video.Participant{{Name: "王市长", Role: "接访领导"}, {Name: "李秀英", Role: "信访人"}},
			Summary:      "领导听取了情况，要求街道三日内拆除违建。", Outcome: "assigned", RecordingRef: "REC-20251203-0007"}
		_, _, err = e.Video.RecordSession(ctx, clerk, b.ID, in)
		field(t, err, "ended_at")
		in.EndedAt = time.Date(2025, 12, 3, 14, 40, 0, 0, cases.ChinaTime)
		_, _, err = e.Video.RecordSession(ctx, clerk, b.ID, in)
		field(t, err, "ended_at") // in the future
		e.Set(time.Date(2025, 12, 3, 15, 0, 0, 0, cases.ChinaTime))
		_, _, err = e.Video.RecordSession(ctx, e.Actor("leader"), b.ID, in)
		code(t, err, kernel.EForbidden)
		_, _, err = e.Video.RecordSession(ctx, e.Actor("other"), b.ID, in)
		code(t, err, kernel.ENotFound)
		_, _, err = e.Video.RecordSession(ctx, clerk, nb.ID, in)
		code(t, err, kernel.EInvalid) // cancelled
		done, sreg, err := e.Video.RecordSession(ctx, clerk, b.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != video.StatusDone || done.Session.IntakeRef != sreg.Intake.Ref || sreg.Decision != cases.DecisionAttached {
			t.Fatalf("recorded %+v %+v", done, sreg)
		}
		c, err := e.Cases.Get(ctx, clerk, b.CaseNo)
		if err != nil {
			t.Fatal(err)
		}
		var vi *cases.Intake
		for i := range c.Intakes {
			if c.Intakes[i].Ref == sreg.Intake.Ref {
				vi = &c.Intakes[i]
			}
		}
		if vi == nil || vi.Channel != kernel.ChannelVideo || !strings.Contains(vi.Content, "REC-20251203-0007") ||
			!strings.Contains(vi.Content, "交办处理") || !strings.Contains(vi.Content, "李秀英（信访人）") {
			t.Fatalf("session intake %+v", vi)
		}
		_, _, err = e.Video.RecordSession(ctx, clerk, b.ID, in)
		code(t, err, kernel.EConflict)
		got, _ := e.Video.Booking(ctx, clerk, b.ID)
		if got.Session == nil || got.Session.Outcome != "assigned" || len(got.Session.Participants) != 2 {
			t.Fatalf("booking with its record %+v", got)
		}
		// A done booking keeps its seat; the leader marks theirs done.
		if sl, _ := e.VideoDB.Slot(ctx, b.SlotID); sl.Booked != 1 {
			t.Fatalf("seats of the done slot: %d", sl.Booked)
		}
		if _, err := e.Video.Done(ctx, e.Actor("hbleader"), rb.ID); kernel.ErrorCode(err) != kernel.EForbidden {
			t.Fatalf("another leader marks done: %v", err)
		}
		if d, err := e.Video.Done(ctx, e.Actor("leader"), rb.ID); err != nil || d.Status != video.StatusDone {
			t.Fatalf("done %+v %v", d, err)
		}
	})
}

// Concurrent bookings through the service (each with its own case-store
// transaction, timeline event and reminder jobs) fill the seats exactly.
func TestConcurrentBookings(t *testing.T) {
	each(t, func(t *testing.T, e *videotest.Env) {
		ctx := context.Background()
		d := e.Day(t, "leader")
		sl := d.Slots[1] // two seats
		const n = 6
		nos := make([]string, n)
		for i := range nos {
			nos[i] = e.Register(t, videotest.Walkin(fmt.Sprintf("居民%d", i), fmt.Sprintf("1360000%04d", i), fmt.Sprintf("并发事项%d", i)), 0).No
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = e.Video.Book(ctx, e.Actor("clerk"), video.BookRequest{SlotID: sl.ID, CaseNo: nos[i]})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch kernel.ErrorCode(err) {
			case "":
				ok++
			case kernel.EConflict:
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if got, _ := e.VideoDB.Slot(ctx, sl.ID); ok != 2 || got.Booked != 2 {
			t.Fatalf("%d bookings, %d seats taken; want 2 of 2 seats: %v", ok, got.Booked, errs)
		}
		if jobs := e.Reminders(t); len(jobs) != 2*2 {
			t.Fatalf("%d reminder jobs for 2 bookings", len(jobs))
		}
	})
}
