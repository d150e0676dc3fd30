package clocks

import (
	"os"
	"testing"
	"time"

	"github.com/jiefen/jiefen/calendar"
	"github.com/jiefen/jiefen/kernel"
)

// at is 10:00 China time on day s.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d.StartOfDay().Add(10 * time.Hour)
}

func day(k *Clock) string { return calendar.DateOf(k.Due).String() }

func rule(days int, unit calendar.Unit) Rule {
	return Rule{Kind: "test", Days: days, Unit: unit, Source: "测试"}
}

// TestClockArithmetic2027 runs clocks over the 2027 calendar (lunar-go
// v1.4.7): 国庆 2027-10-01..07 off, Saturday 10-09 and Sunday 09-26 worked.
func TestClockArithmetic2027(t *testing.T) {
	cal := calendar.Default()
	for _, tc := range []struct {
		name       string
		start      string
		days       int
		unit       calendar.Unit
		pauseFrom  string // "" for none
		pauseTo    string
		wantPaused int
		want       string
	}{
		// 09-21 + 10 = 10-01, a holiday: rolls over 国庆 to Friday 10-08.
		{name: "calendar days roll over a holiday", start: "2027-09-21", days: 10, unit: calendar.CalendarDays, want: "2027-10-08"},
		// The first working day after Friday 10-08 is the 调休 Saturday 10-09.
		{name: "adjusted working Saturday counts", start: "2027-10-08", days: 1, unit: calendar.WorkingDays, want: "2027-10-09"},
		// Sunday 09-26 is worked: 5 working days from Thursday 09-23 are
		// 24, 26, 27, 28, 29.
		{name: "adjusted working Sunday counts", start: "2027-09-23", days: 5, unit: calendar.WorkingDays, want: "2027-09-29"},
		// New Year 2027 (01-01..03) and a period from 2026 into it.
		{name: "into 2027 over New Year", start: "2026-12-22", days: 10, unit: calendar.CalendarDays, want: "2027-01-04"},
		// Spring Festival 02-05..13 off, Sunday 02-14 worked.
		{name: "working days over the Spring Festival", start: "2027-02-03", days: 3, unit: calendar.WorkingDays, want: "2027-02-15"},
		// A pause 09-29 → 10-08 spans 国庆: 9 calendar days (10-05 rolled
		// to 10-08 becomes 09-20 + 24 = 10-14), but only 2 working days
		// (09-29, 09-30) of a working-day clock (10-14 becomes 10-18, over
		// a weekend).
		{name: "pause over a holiday, calendar days", start: "2027-09-20", days: 15, unit: calendar.CalendarDays,
			pauseFrom: "2027-09-29", pauseTo: "2027-10-08", wantPaused: 9, want: "2027-10-14"},
		{name: "pause over a holiday, working days", start: "2027-09-20", days: 15, unit: calendar.WorkingDays,
			pauseFrom: "2027-09-29", pauseTo: "2027-10-08", wantPaused: 2, want: "2027-10-18"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := Start(cal, rule(tc.days, tc.unit), 1, at(t, tc.start))
			if err != nil {
				t.Fatal(err)
			}
			if tc.pauseFrom != "" {
				before := day(k)
				if !k.Pause(at(t, tc.pauseFrom), "等待鉴定") || k.Status != Paused {
					t.Fatal("pause refused")
				}
				n, err := k.Resume(cal, at(t, tc.pauseTo))
				if err != nil {
					t.Fatal(err)
				}
				if n != tc.wantPaused {
					t.Errorf("paused %d days, want %d", n, tc.wantPaused)
				}
				t.Logf("due %s → %s", before, day(k))
			}
			if got := day(k); got != tc.want {
				t.Errorf("due %s, want %s", got, tc.want)
			}
			if !k.CalendarCovered(cal) {
				t.Error("2026–2027 should be covered by lunar-go v1.4.7")
			}
			if got := k.Due.In(calendar.China).Format("15:04:05"); got != "23:59:59" {
				t.Errorf("due at %s, want the end of the day", got)
			}
		})
	}
}

func TestDaysLeft(t *testing.T) {
	cal := calendar.Default()
	k, _ := Start(cal, rule(5, calendar.WorkingDays), 1, at(t, "2027-09-23")) // due 09-29
	for _, tc := range []struct {
		now  string
		want int
	}{{"2027-09-23", 5}, {"2027-09-25", 4}, {"2027-09-29", 0}, {"2027-10-08", -2}, {"2027-10-09", -3}} {
		if got := k.DaysLeft(cal, at(t, tc.now)); got != tc.want {
			t.Errorf("working days left on %s: %d, want %d", tc.now, got, tc.want)
		}
	}
	c, _ := Start(cal, rule(10, calendar.CalendarDays), 1, at(t, "2027-09-21")) // due 10-08
	if got := c.DaysLeft(cal, at(t, "2027-10-01")); got != 7 {
		t.Errorf("calendar days left: %d, want 7", got)
	}
	c.Pause(at(t, "2027-09-28"), "")
	if got := c.DaysLeft(cal, at(t, "2027-10-06")); got != 10 {
		t.Errorf("a paused clock's days left stand still: %d, want 10", got)
	}
}

func TestUncoveredYearAndLiveOverrides(t *testing.T) {
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := Start(cal, rule(30, calendar.CalendarDays), 1, at(t, "2028-09-10")) // 10-10, a Tuesday
	if k.CalendarCovered(cal) {
		t.Fatal("2028 is not in lunar-go v1.4.7; the clock must say so")
	}
	if day(k) != "2028-10-10" {
		t.Fatalf("due %s", day(k))
	}
	// An administrator enters 国庆 2028 (without a restart): the same clock
	// recomputed now rolls to the first working day after the holiday.
	var list []calendar.Override
	for d := 1; d <= 10; d++ {
		list = append(list, calendar.Override{Date: calendar.Date{Year: 2028, Month: 10, Day: d}, Kind: calendar.KindHoliday, Name: "国庆节"})
	}
	if err := cal.SetYear(2028, list); err != nil {
		t.Fatal(err)
	}
	k2, _ := Start(cal, rule(30, calendar.CalendarDays), 1, at(t, "2028-09-10"))
	if day(k2) != "2028-10-11" || !k2.CalendarCovered(cal) {
		t.Errorf("after the override: due %s covered %v", day(k2), k2.CalendarCovered(cal))
	}
}

func TestExtendAndStop(t *testing.T) {
	cal := calendar.Default()
	k, _ := Start(cal, rule(60, calendar.CalendarDays), 1, at(t, "2027-08-02")) // 10-01 → 10-08
	if day(k) != "2027-10-08" {
		t.Fatalf("due %s", day(k))
	}
	if err := k.Extend(cal, 30, calendar.CalendarDays, " ", "王主任", at(t, "2027-09-01")); kernel.ErrorFields(err)["reason"] == "" {
		t.Errorf("extension without a reason: %v", err)
	}
	if err := k.Extend(cal, 30, calendar.CalendarDays, "情况复杂", "王主任", at(t, "2027-09-01")); err != nil {
		t.Fatal(err)
	}
	// 60 + 30 = 90 days from the start, rolled once: 10-31 is a Sunday →
	// 11-01 (not the rolled 60-day due 10-08 plus 30 = 11-08).
	if day(k) != "2027-11-01" || len(k.Extensions) != 1 {
		t.Errorf("extended due %s", day(k))
	}
	if _, err := k.Resume(cal, at(t, "2027-09-02")); err == nil {
		t.Error("resuming a running clock must fail")
	}
	k.Stop(at(t, "2027-10-01"), false)
	if k.Status != Met || k.EndedAt == nil || k.Open() {
		t.Errorf("stopped clock %+v", k)
	}
	k.Reopen(at(t, "2027-10-02"))
	if k.Status != Running || !k.Open() {
		t.Errorf("reopened clock %+v", k)
	}
}

func TestLoadRules(t *testing.T) {
	r, _ := DefaultRules().Rule(Handling)
	if r.Days != 60 || r.Unit != calendar.CalendarDays || r.Source == "" {
		t.Errorf("handling rule %+v", r)
	}
	dir := t.TempDir()
	write := func(s string) string {
		p := dir + "/clocks.json"
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rules, err := LoadRules(write(`[{"kind":"handling","days":30,"unit":"working_days","source":"《某省信访条例》第三十条"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := rules.Rule(Handling); r.Days != 30 || r.Unit != calendar.WorkingDays || r.Label != "办理期限" {
		t.Errorf("overridden rule %+v", r)
	}
	if r, _ := rules.Rule(AcceptDecision); r.Days != 15 {
		t.Errorf("untouched rule %+v", r)
	}
	for _, bad := range []string{`{}`, `[{"kind":"nope","days":1,"unit":"calendar_days","source":"x"}]`,
		`[{"kind":"handling","days":1,"unit":"weeks","source":"x"}]`, `[{"kind":"handling","days":1,"unit":"calendar_days"}]`} {
		if _, err := LoadRules(write(bad)); err == nil {
			t.Errorf("LoadRules(%s) accepted", bad)
		}
	}
}
