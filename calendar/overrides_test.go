package calendar

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// overrides2027 is the 2027 New Year and part of the Spring Festival as an
// operator would add them before lunar-go ships 2027 data.
const overrides2027 = "\ufeff# 2027, test data\r\n" +
	"\r\n" +
	"2027-01-01,holiday,元旦\r\n" +
	"  2027-02-06 , workday , 春节调休   # a Saturday\r\n" +
	"2027-02-08,holiday,春节, 初二\r\n"

func TestParseOverrides(t *testing.T) {
	got, err := ParseOverrides(strings.NewReader(overrides2027))
	if err != nil {
		t.Fatal(err)
	}
	want := []Override{
		{Date{2027, 1, 1}, KindHoliday, "元旦"},
		{Date{2027, 2, 6}, KindAdjustedWorking, "春节调休"},
		{Date{2027, 2, 8}, KindHoliday, "春节, 初二"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestOverrideChangesDeadline(t *testing.T) {
	start := Date{2026, 12, 25} // Friday; +7 is Friday 2027-01-01
	def := Default()
	if def.Covers(2027) {
		t.Skip("lunar-go now has 2027 data; pick a later year for this test")
	}
	if got, _ := def.Deadline(start, 7, CalendarDays); got.String() != "2027-01-01" {
		t.Fatalf("without overrides: %s, want 2027-01-01", got)
	}
	c, err := New(WithOverridesFrom(strings.NewReader(overrides2027)))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Covers(2027) {
		t.Error("Covers(2027) = false with overrides")
	}
	// 01-01 holiday, 01-02/03 weekend.
	if got, _ := c.Deadline(start, 7, CalendarDays); got.String() != "2027-01-04" {
		t.Errorf("with overrides: %s, want 2027-01-04", got)
	}
	if got, _ := c.Deadline(Date{2026, 12, 31}, 1, WorkingDays); got.String() != "2027-01-04" {
		t.Errorf("1 working day with overrides: %s, want 2027-01-04", got)
	}
	if d := c.Day(Date{2027, 2, 6}); d.Kind != KindAdjustedWorking || !d.Working || d.Name != "春节调休" {
		t.Errorf("2027-02-06 = %+v", d)
	}
	// Days of 2027 the file does not mention follow the weekend rule.
	if d := c.Day(Date{2027, 2, 7}); d.Kind != KindRest {
		t.Errorf("2027-02-07 = %+v", d)
	}
	// The shared default calendar is untouched.
	if d := def.Day(Date{2027, 1, 1}); d.Kind != KindWorking {
		t.Errorf("default 2027-01-01 = %+v", d)
	}
}

func TestOverrideReplacesLibrary(t *testing.T) {
	c, err := New(WithOverridesFrom(strings.NewReader(
		"2025-10-08,workday\n" + // a Wednesday holiday made a working day
			"2025-10-11,rest\n" + // an adjusted Saturday made a day off
			"2025-03-14,holiday,test\n"))) // a plain Friday made a holiday
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		date string
		kind DayKind
		name string
	}{
		{"2025-10-07", KindHoliday, "国庆中秋"},
		{"2025-10-08", KindWorking, ""},
		{"2025-10-11", KindRest, ""},
		{"2025-03-14", KindHoliday, "test"},
	} {
		if d := c.Day(mustDate(t, tt.date)); d.Kind != tt.kind || d.Name != tt.name {
			t.Errorf("%s = %+v, want %s %q", tt.date, d, tt.kind, tt.name)
		}
	}
	if got, _ := c.Deadline(mustDate(t, "2025-09-16"), 15, CalendarDays); got.String() != "2025-10-08" {
		t.Errorf("deadline = %s, want 2025-10-08", got)
	}
	if got, _ := c.Deadline(mustDate(t, "2025-10-09"), 2, WorkingDays); got.String() != "2025-10-13" {
		t.Errorf("deadline = %s, want 2025-10-13", got)
	}
}

func TestOverrideLaterOptionWins(t *testing.T) {
	c, err := New(
		WithOverridesFrom(strings.NewReader("2027-01-01,holiday,元旦")),
		WithOverrides(Override{Date: Date{2027, 1, 1}, Kind: KindWorking}),
	)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Day(Date{2027, 1, 1}); d.Kind != KindWorking {
		t.Errorf("2027-01-01 = %+v", d)
	}
	if _, err := New(WithOverrides(Override{Date: Date{2027, 1, 1}, Kind: "off"})); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown kind: err = %v", err)
	}
	if _, err := New(WithOverrides(Override{Date: Date{2027, 2, 29}, Kind: KindHoliday})); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid date: err = %v", err)
	}
}

func TestParseOverridesErrors(t *testing.T) {
	for _, tt := range []struct {
		in   string
		line int
		msg  string
	}{
		{"2027-01-01,holiday\n# ok\n2027-01-02\n", 3, "want DATE,KIND[,NAME]"},
		{"2027-01-01,holiday\n2027-1-2,holiday\n", 2, `invalid date "2027-1-2"`},
		{"\n\n2027-02-29,holiday\n", 3, `invalid date "2027-02-29"`},
		{"2027-01-01,holidya,元旦\n", 1, `unknown kind "holidya"`},
		{"2027-01-01,,元旦\n", 1, `unknown kind ""`},
		{"2027-01-01,holiday\n2027-01-01,workday\n", 2, "2027-01-01 already set on line 1"},
		{"2027-01-01，holiday\n", 1, "want DATE,KIND[,NAME]"}, // full-width comma
		{"2027-01-01 holiday\n", 1, "want DATE,KIND[,NAME]"},
	} {
		_, err := ParseOverrides(strings.NewReader(tt.in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: err = %v, want *ParseError", tt.in, err)
			continue
		}
		if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
			t.Errorf("%q: got line %d %q, want line %d %q", tt.in, pe.Line, pe.Msg, tt.line, tt.msg)
		}
		if want := "calendar: overrides line " + strconv.Itoa(tt.line) + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %q does not start with %q", tt.in, err, want)
		}
	}
}

func TestOverridesFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "holidays.csv")
	if err := os.WriteFile(good, []byte(overrides2027), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := New(WithOverridesFile(good))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Covers(2027) || c.Day(Date{2027, 1, 1}).Kind != KindHoliday {
		t.Error("file overrides not applied")
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("2027-01-01,holiday,元旦\n2027-13-01,holiday\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = New(WithOverridesFile(bad))
	if err == nil || !strings.Contains(err.Error(), bad+" line 2: ") {
		t.Errorf("bad file: err = %v, want it to name %s line 2", err, bad)
	}

	_, err = New(WithOverridesFile(filepath.Join(dir, "missing.csv")))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestOverridesLineTooLong(t *testing.T) {
	in := "2027-01-01,holiday\n2027-01-02,holiday," + strings.Repeat("x", 70000) + "\n"
	_, err := ParseOverrides(strings.NewReader(in))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Errorf("err = %v, want a *ParseError on line 2", err)
	}
}
