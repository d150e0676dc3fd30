package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every expectation below was checked against the State Council notices for
// 2024, 2025 and 2026 and the lunar-go v1.4.6 data (TestLibraryAgreement
// checks that the calendar reproduces that data day by day).
var deadlineTests = []struct {
	start string
	n     int
	unit  Unit
	want  string
	why   string
}{
	// Calendar days.
	{"2025-03-03", 10, CalendarDays, "2025-03-13", "ordinary: start day not counted"},
	{"2025-03-10", 5, CalendarDays, "2025-03-17", "lands on Saturday 03-15 -> Monday"},
	{"2025-03-10", 6, CalendarDays, "2025-03-17", "lands on Sunday 03-16 -> Monday"},
	{"2025-09-16", 15, CalendarDays, "2025-10-09", "lands on 10-01, 国庆中秋 runs 10-01..10-08"},
	{"2025-09-13", 15, CalendarDays, "2025-09-28", "lands on adjusted working Sunday 09-28: stays"},
	{"2025-10-01", 10, CalendarDays, "2025-10-11", "lands on adjusted working Saturday 10-11: stays"},
	{"2025-01-20", 10, CalendarDays, "2025-02-05", "lands on 01-30, 春节 2025 runs 01-28..02-04"},
	{"2025-01-16", 10, CalendarDays, "2025-01-26", "lands on adjusted working Sunday 01-26 (春节调休)"},
	{"2025-05-21", 10, CalendarDays, "2025-06-03", "lands on 05-31, 端午 runs Sat 05-31..Mon 06-02"},
	{"2026-02-01", 15, CalendarDays, "2026-02-24", "lands on 02-16, 春节 2026 runs 02-15..02-23"},
	{"2026-02-04", 10, CalendarDays, "2026-02-14", "lands on adjusted working Saturday 02-14"},
	{"2026-02-18", 10, CalendarDays, "2026-02-28", "lands on adjusted working Saturday 02-28"},
	{"2024-04-20", 12, CalendarDays, "2024-05-06", "lands on 05-02, 劳动节 2024 runs 05-01..05-05"},
	{"2024-04-18", 10, CalendarDays, "2024-04-28", "lands on adjusted working Sunday 04-28"},
	{"2024-05-01", 10, CalendarDays, "2024-05-11", "lands on adjusted working Saturday 05-11"},
	{"2025-12-22", 10, CalendarDays, "2026-01-04", "lands on 元旦 2026-01-01; 01-01..01-03 off, Sunday 01-04 works"},
	{"2025-12-30", 5, CalendarDays, "2026-01-04", "lands on adjusted working Sunday 2026-01-04"},
	{"2024-12-25", 7, CalendarDays, "2025-01-02", "lands on 元旦 2025 (one day)"},
	{"2025-09-16", 365, CalendarDays, "2026-09-16", "a year, ordinary Wednesday"},
	{"2025-09-16", 0, CalendarDays, "2025-09-16", "n=0 on a working day: itself"},
	{"2025-10-04", 0, CalendarDays, "2025-10-09", "n=0 on a holiday: next working day"},
	{"2025-09-28", 0, CalendarDays, "2025-09-28", "n=0 on an adjusted working day: itself"},

	// Working days.
	{"2025-09-26", 5, WorkingDays, "2025-10-10", "09-28 adjusted counts, 10-01..10-08 skipped"},
	{"2025-09-26", 6, WorkingDays, "2025-10-11", "6th working day is adjusted Saturday 10-11"},
	{"2025-09-30", 1, WorkingDays, "2025-10-09", "whole holiday skipped"},
	{"2025-03-14", 1, WorkingDays, "2025-03-17", "Friday + 1 -> Monday"},
	{"2025-03-14", 5, WorkingDays, "2025-03-21", "a plain week"},
	{"2025-03-15", 1, WorkingDays, "2025-03-17", "from a Saturday"},
	{"2025-01-24", 3, WorkingDays, "2025-02-05", "01-26 adjusted, 01-27, then 02-05 after 春节"},
	{"2025-01-24", 6, WorkingDays, "2025-02-08", "6th is adjusted Saturday 02-08"},
	{"2026-02-12", 3, WorkingDays, "2026-02-24", "02-13, adjusted 02-14, then 02-24 after 春节"},
	{"2024-04-26", 2, WorkingDays, "2024-04-29", "adjusted Sunday 04-28 counts"},
	{"2024-04-26", 4, WorkingDays, "2024-05-06", "04-28, 04-29, 04-30, then 05-06 after 劳动节"},
	{"2024-05-10", 1, WorkingDays, "2024-05-11", "adjusted Saturday 05-11 counts"},
	{"2025-12-31", 1, WorkingDays, "2026-01-04", "元旦 2026 skipped, adjusted Sunday 01-04"},
	{"2025-01-01", 248, WorkingDays, "2025-12-31", "2025 has 248 working days"},
	{"2025-10-04", 0, WorkingDays, "2025-10-09", "n=0 on a holiday: next working day"},
	{"2025-03-12", 0, WorkingDays, "2025-03-12", "n=0 on a working day: itself"},
}

func TestDeadline(t *testing.T) {
	c := Default()
	for _, tt := range deadlineTests {
		name := fmt.Sprintf("%s+%d %s", tt.start, tt.n, tt.unit)
		t.Run(name, func(t *testing.T) {
			got, err := c.Deadline(mustDate(t, tt.start), tt.n, tt.unit)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("got %s %s, want %s (%s)", got, got.Weekday(), tt.want, tt.why)
			}
			if !c.IsWorking(got) {
				t.Errorf("deadline %s is not a working day", got)
			}
		})
	}
}

func TestDeadlineErrors(t *testing.T) {
	c := Default()
	start := mustDate(t, "2025-09-16")
	for _, tt := range []struct {
		start Date
		n     int
		unit  Unit
	}{
		{start, -1, CalendarDays},
		{start, -1, WorkingDays},
		{start, MaxPeriod + 1, CalendarDays},
		{start, 5, "days"},
		{start, 5, ""},
		{Date{2025, time.February, 29}, 5, CalendarDays},
		{Date{}, 5, CalendarDays},
		{Date{9999, time.December, 30}, 5, CalendarDays},
	} {
		_, err := c.Deadline(tt.start, tt.n, tt.unit)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Deadline(%s, %d, %q) error = %v, want ErrInvalid", tt.start, tt.n, tt.unit, err)
		}
	}
	if _, err := c.Deadline(start, MaxPeriod, WorkingDays); err != nil {
		t.Errorf("MaxPeriod working days: %v", err)
	}
}

func TestDueAt(t *testing.T) {
	c := Default()
	for _, tt := range []struct {
		start string // RFC 3339
		n     int
		unit  Unit
		want  string
	}{
		// 14:30 in Beijing.
		{"2025-09-16T06:30:00Z", 15, CalendarDays, "2025-10-09T23:59:59.999+08:00"},
		// 01:00 on 10-01 in Beijing although still 09-30 in UTC.
		{"2025-09-30T17:00:00Z", 1, WorkingDays, "2025-10-09T23:59:59.999+08:00"},
		// 23:59 on 09-30 in Beijing.
		{"2025-09-30T23:59:00+08:00", 0, WorkingDays, "2025-09-30T23:59:59.999+08:00"},
	} {
		start, err := time.Parse(time.RFC3339, tt.start)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.DueAt(start, tt.n, tt.unit)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.Format("2006-01-02T15:04:05.000Z07:00"); s != tt.want {
			t.Errorf("DueAt(%s, %d, %s) = %s, want %s", tt.start, tt.n, tt.unit, s, tt.want)
		}
	}
	if _, err := c.DueAt(time.Now(), -3, CalendarDays); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative n: err = %v", err)
	}
}

func TestDaysNationalDay2025(t *testing.T) {
	want := []struct {
		date, kind, name string
	}{
		{"2025-09-27", "rest", ""},
		{"2025-09-28", "adjusted_working", "国庆中秋"},
		{"2025-09-29", "working", ""},
		{"2025-09-30", "working", ""},
		{"2025-10-01", "holiday", "国庆中秋"},
		{"2025-10-02", "holiday", "国庆中秋"},
		{"2025-10-03", "holiday", "国庆中秋"},
		{"2025-10-04", "holiday", "国庆中秋"},
		{"2025-10-05", "holiday", "国庆中秋"},
		{"2025-10-06", "holiday", "国庆中秋"},
		{"2025-10-07", "holiday", "国庆中秋"},
		{"2025-10-08", "holiday", "国庆中秋"},
		{"2025-10-09", "working", ""},
		{"2025-10-10", "working", ""},
		{"2025-10-11", "adjusted_working", "国庆中秋"},
		{"2025-10-12", "rest", ""},
	}
	days, err := Default().Days(mustDate(t, "2025-09-27"), mustDate(t, "2025-10-12"))
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != len(want) {
		t.Fatalf("got %d days, want %d", len(days), len(want))
	}
	for i, w := range want {
		d := days[i]
		working := w.kind == "working" || w.kind == "adjusted_working"
		if d.Date.String() != w.date || string(d.Kind) != w.kind || d.Name != w.name || d.Working != working {
			t.Errorf("day %d = %+v, want %s %s %q working=%v", i, d, w.date, w.kind, w.name, working)
		}
	}
}

// TestWorkingDaysPerYear checks whole years against the totals worked out
// by hand from the notices: weekdays, minus holidays on weekdays, plus
// adjusted weekend days (2025: 261 - 18 + 5).
func TestWorkingDaysPerYear(t *testing.T) {
	c := Default()
	for year, want := range map[int]int{2024: 251, 2025: 248, 2026: 248} {
		days, err := c.Days(Date{year, time.January, 1}, Date{year, time.December, 31})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range days {
			if d.Working {
				n++
			}
		}
		if n != want {
			t.Errorf("%d: %d working days, want %d", year, n, want)
		}
		if !c.Covers(year) {
			t.Errorf("Covers(%d) = false", year)
		}
	}
	if c.Covers(2999) {
		t.Error("Covers(2999) = true")
	}
}

func TestDaysErrors(t *testing.T) {
	c := Default()
	from := mustDate(t, "2025-01-01")
	if _, err := c.Days(from, from.AddDays(-1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("reversed range: err = %v", err)
	}
	if _, err := c.Days(from, from.AddDays(MaxRange)); !errors.Is(err, ErrInvalid) {
		t.Errorf("too long range: err = %v", err)
	}
	if days, err := c.Days(from, from.AddDays(MaxRange-1)); err != nil || len(days) != MaxRange {
		t.Errorf("longest range: %d days, err = %v", len(days), err)
	}
	if _, err := c.Days(Date{2025, 13, 1}, from); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid date: err = %v", err)
	}
	if days, err := c.Days(from, from); err != nil || len(days) != 1 || days[0].Kind != KindHoliday || days[0].Name != "元旦节" {
		t.Errorf("one day: %+v, err = %v", days, err)
	}
}

// TestLibraryAgreement checks every day the library has data for against
// the library queried one date at a time, the way its documentation shows:
// the calendar reads each year in one query and caches it.
func TestLibraryAgreement(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	d := Date{2001, time.January, 1}
	for d.Year <= 2026 {
		want := KindRest
		if d.Weekday() >= time.Monday && d.Weekday() <= time.Friday {
			want = KindWorking
		}
		wantName := ""
		if h := HolidayUtil.GetHolidayByYmd(d.Year, int(d.Month), d.Day); h != nil {
			wantName = h.GetName()
			switch {
			case !h.IsWork():
				want = KindHoliday
			case want == KindRest:
				want = KindAdjustedWorking
			}
		}
		got := c.Day(d)
		if got.Kind != want || got.Name != wantName || got.Date != d {
			t.Fatalf("%s: got %+v, want %s %q", d, got, want, wantName)
		}
		d = d.AddDays(1)
	}
}

func TestNextWorkingDay(t *testing.T) {
	c := Default()
	for from, want := range map[string]string{
		"2025-09-26": "2025-09-28", // Friday -> adjusted Sunday
		"2025-09-30": "2025-10-09", // over the holiday
		"2025-10-10": "2025-10-11", // adjusted Saturday
		"2025-10-11": "2025-10-13", // over Sunday
		"2025-03-12": "2025-03-13",
	} {
		if got := c.NextWorkingDay(mustDate(t, from)); got.String() != want {
			t.Errorf("NextWorkingDay(%s) = %s, want %s", from, got, want)
		}
	}
}

func TestDayNormalizesInvalidDate(t *testing.T) {
	got := Default().Day(Date{2025, time.September, 31})
	if got.Date.String() != "2025-10-01" || got.Kind != KindHoliday {
		t.Errorf("Day(2025-09-31) = %+v", got)
	}
}

func TestDayJSON(t *testing.T) {
	b, err := json.Marshal(Default().Day(mustDate(t, "2025-10-01")))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"date":"2025-10-01","kind":"holiday","name":"国庆中秋","working":false}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

// TestConcurrent runs deadlines on a fresh calendar from many goroutines so
// that the race detector sees the lazy year tables being built.
func TestConcurrent(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i, tt := range deadlineTests {
				if (i+g)%2 == 0 {
					c.Covers(2020 + g)
				}
				got, err := c.Deadline(mustDate(t, tt.start), tt.n, tt.unit)
				if err != nil || got.String() != tt.want {
					t.Errorf("%s+%d %s = %s, %v; want %s", tt.start, tt.n, tt.unit, got, err, tt.want)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkDeadline(b *testing.B) {
	c := Default()
	start := mustDate(b, "2025-09-16")
	for _, bb := range []struct {
		n    int
		unit Unit
	}{
		{15, CalendarDays},
		{5, WorkingDays},
		{20, WorkingDays},
		{250, WorkingDays},
	} {
		b.Run(fmt.Sprintf("%d_%s", bb.n, bb.unit), func(b *testing.B) {
			for b.Loop() {
				if _, err := c.Deadline(start, bb.n, bb.unit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
