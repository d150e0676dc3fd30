package videostore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/channels/video"
	"github.com/jiefen/jiefen/channels/video/videotest"
	"github.com/jiefen/jiefen/database"
	"github.com/jiefen/jiefen/database/dbtest"
	"github.com/jiefen/jiefen/kernel"
)

func each(t *testing.T, fn func(t *testing.T, e *videotest.Env)) {
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, videotest.New(t, d)) })
	}
}

// book takes a seat and stores a booking in one transaction, as the
// service does.
func book(ctx context.Context, e *videotest.Env, sl video.Slot, caseID int64) (*video.Booking, error) {
	b := &video.Booking{SlotID: sl.ID, DayID: sl.DayID, CaseID: caseID, CaseNo: fmt.Sprint(caseID),
		Status: video.StatusBooked, RoomToken: "t", CreatedAt: videotest.Start}
	err := inTx(ctx, e, func(tx video.Store) error {
		if err := tx.TakeSeat(ctx, sl.ID); err != nil {
			return err
		}
		return tx.CreateBooking(ctx, b)
	})
	return b, err
}

func cancel(ctx context.Context, e *videotest.Env, b *video.Booking) error {
	return inTx(ctx, e, func(tx video.Store) error {
		now := videotest.Start
		b.Status, b.CancelledAt, b.CancelReason = video.StatusCancelled, &now, "有事"
		if err := tx.FinishBooking(ctx, b); err != nil {
			return err
		}
		return tx.ReleaseSeat(ctx, b.SlotID)
	})
}

func seats(t *testing.T, st video.Store, id int64) (booked, live int) {
	t.Helper()
	ctx := context.Background()
	sl, err := st.Slot(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := st.Bookings(ctx, video.BookingFilter{DayID: sl.DayID, Statuses: []video.BookingStatus{video.StatusBooked, video.StatusDone}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.SlotID == id {
			live++
		}
	}
	return sl.Booked, live
}

func TestConcurrentLastSeat(t *testing.T) {
	each(t, func(t *testing.T, e *videotest.Env) {
		ctx := context.Background()
		d := e.Day(t, "leader")
		last := d.Slots[0] // one seat
		const n = 8
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = e.Register(t, videotest.Walkin(fmt.Sprintf("居民%d", i), fmt.Sprintf("1380000%04d", i), fmt.Sprintf("第%d件事", i)), 0).ID
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = book(ctx, e, last, ids[i])
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
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d bookings of the last seat succeeded, want 1: %v", ok, errs)
		}
		if booked, live := seats(t, e.VideoDB, last.ID); booked != 1 || live != 1 {
			t.Fatalf("booked = %d, live bookings = %d, want 1 and 1", booked, live)
		}
	})
}

func TestConcurrentSameCase(t *testing.T) {
	each(t, func(t *testing.T, e *videotest.Env) {
		ctx := context.Background()
		d := e.Day(t, "leader")
		c := e.Register(t, videotest.Walkin("李秀英", "13812345678", "违建阻挡通道"), 0)
		// Six requests for one case into the two roomy slots of one day.
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = book(ctx, e, d.Slots[1+i%2], c.ID)
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
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d live bookings for one case on one day, want 1: %v", ok, errs)
		}
		b1, l1 := seats(t, e.VideoDB, d.Slots[1].ID)
		b2, l2 := seats(t, e.VideoDB, d.Slots[2].ID)
		if b1+b2 != 1 || l1+l2 != 1 {
			t.Fatalf("seats taken %d+%d, live %d+%d; want one in all (failed bookings give their seat back)", b1, b2, l1, l2)
		}
	})
}

func TestCapacityAndCancellation(t *testing.T) {
	each(t, func(t *testing.T, e *videotest.Env) {
		ctx := context.Background()
		st := e.VideoDB
		d := e.Day(t, "leader")
		sl := d.Slots[1] // two seats
		var cs []*cases.Case
		for i := range 3 {
			cs = append(cs, e.Register(t, videotest.Walkin(fmt.Sprintf("居民%d", i), fmt.Sprintf("1390000%04d", i), fmt.Sprintf("事项%d", i)), 0))
		}
		b0, err := book(ctx, e, sl, cs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := book(ctx, e, sl, cs[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := book(ctx, e, sl, cs[2].ID); kernel.ErrorCode(err) != kernel.EConflict {
			t.Fatalf("third booking of two seats: %v", err)
		}
		// Cancelling frees the seat, once.
		if err := cancel(ctx, e, b0); err != nil {
			t.Fatal(err)
		}
		if err := cancel(ctx, e, b0); kernel.ErrorCode(err) != kernel.EConflict {
			t.Fatalf("second cancellation: %v", err)
		}
		if booked, live := seats(t, st, sl.ID); booked != 1 || live != 1 {
			t.Fatalf("after cancel: booked %d, live %d", booked, live)
		}
		if _, err := book(ctx, e, sl, cs[2].ID); err != nil {
			t.Fatalf("freed seat: %v", err)
		}
		// The cancelled case may book again on the day (another slot).
		if _, err := book(ctx, e, d.Slots[2], cs[0].ID); err != nil {
			t.Fatalf("rebook after cancel: %v", err)
		}
		// The schema itself refuses overbooking.
		if _, err := e.DB.ExecContext(ctx, "UPDATE reception_slots SET booked = capacity + 1 WHERE id = ?", sl.ID); err == nil {
			t.Fatal("booked > capacity accepted by the database")
		}
		if _, err := e.VideoDB.Slot(ctx, 99999); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Fatalf("unknown slot: %v", err)
		}
		if err := st.TakeSeat(ctx, 99999); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Fatalf("seat of unknown slot: %v", err)
		}

		// A session record per booking.
		b, _ := st.Booking(ctx, b0.ID)
		rec := &video.SessionRecord{BookingID: b.ID, StartedAt: videotest.Start, EndedAt: videotest.Start.Add(time.Hour),
			Participants: []video.Participant{{Name: "王市长", Role: "接访领导"}}, Summary: "s", Outcome: "resolved",
			IntakeRef: "IN1", RecordedBy: 1, CreatedAt: videotest.Start}
		if err := st.CreateSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateSession(ctx, rec); kernel.ErrorCode(err) != kernel.EConflict {
			t.Fatalf("second record: %v", err)
		}
		if b, err = st.Booking(ctx, b0.ID); err != nil || b.Session == nil || b.Session.Participants[0].Role != "接访领导" ||
			!b.Session.EndedAt.Equal(videotest.Start.Add(time.Hour)) || b.Day.LeaderName != "王市长" || b.Slot.ID != sl.ID {
			t.Fatalf("booking with session: %+v %v", b, err)
		}
	})
}

func TestDays(t *testing.T) {
	each(t, func(t *testing.T, e *videotest.Env) {
		ctx := context.Background()
		st := e.VideoDB
		mk := func(leader, region, date string, published bool) *video.Day {
			d := &video.Day{LeaderID: e.Users[leader].ID, LeaderName: leader, RegionCode: region, Date: date,
				Published: published, CreatedAt: videotest.Start, Slots: []video.Slot{
					{StartsAt: videotest.Start.Add(48 * time.Hour), EndsAt: videotest.Start.Add(49 * time.Hour), Capacity: 2},
					{StartsAt: videotest.Start.Add(47 * time.Hour), EndsAt: videotest.Start.Add(48 * time.Hour), Capacity: 1},
				}}
			if err := st.CreateDay(ctx, d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		city := mk("leader", "610900000000", "2025-12-03", true)   // 安康市
		town := mk("hbleader", "610902001000", "2025-12-04", true) // 汉滨区老城街道
		other := mk("leader2", "610202000000", "2025-12-03", true) // 铜川市王益区
		draft := mk("hbleader", "610902000000", "2025-12-05", false)
		ids := func(ds []*video.Day) []int64 {
			var out []int64
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		pub := true
		for _, tc := range []struct {
			name string
			f    video.DayFilter
			want []int64
		}{
			{"all", video.DayFilter{}, []int64{other.ID, city.ID, town.ID, draft.ID}},
			{"scope 汉滨区", video.DayFilter{Scope: "610902"}, []int64{town.ID, draft.ID}},
			{"dates", video.DayFilter{From: "2025-12-04", To: "2025-12-04"}, []int64{town.ID}},
			{"leader", video.DayFilter{LeaderID: e.Users["hbleader"].ID}, []int64{town.ID, draft.ID}},
			{"published near a village", video.DayFilter{Published: &pub, Near: &video.NearRegion{
				Ancestors: []string{"610000000000", "610900000000", "610902000000", "610902001000"}, Prefix: "610902001003"}},
				[]int64{city.ID, town.ID}},
			{"published near a county", video.DayFilter{Published: &pub, Near: &video.NearRegion{
				Ancestors: []string{"610000000000", "610900000000"}, Prefix: "610902"}}, []int64{city.ID, town.ID}},
		} {
			got, err := st.Days(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ids(got)) != fmt.Sprint(tc.want) {
				t.Errorf("%s: days %v, want %v", tc.name, ids(got), tc.want)
			}
		}
		got, err := st.Day(ctx, city.ID)
		if err != nil || len(got.Slots) != 2 || !got.Slots[0].StartsAt.Before(got.Slots[1].StartsAt) || got.Slots[0].Capacity != 1 {
			t.Fatalf("day with slots by start: %+v %v", got, err)
		}
		if err := st.PublishDay(ctx, draft.ID, videotest.Start); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Day(ctx, draft.ID); !got.Published || got.PublishedAt == nil || !got.PublishedAt.Equal(videotest.Start) {
			t.Fatalf("published: %+v", got)
		}
		if err := st.PublishDay(ctx, 99999, videotest.Start); kernel.ErrorCode(err) != kernel.ENotFound {
			t.Fatalf("publish unknown: %v", err)
		}
	})
}

// inTx runs fn with st bound to a transaction of the test database.
func inTx(ctx context.Context, e *videotest.Env, fn func(tx video.Store) error) error {
	return database.Transactor{DB: e.DB}.InTx(ctx, func(ctx context.Context, tx kernel.Tx) error {
		return fn(e.VideoDB.WithTx(tx))
	})
}
