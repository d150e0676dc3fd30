package calendar

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2025-09-16", "2024-02-29", "0001-01-01", "9999-12-31"} {
		d, err := ParseDate(s)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", s, err)
			continue
		}
		if d.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, d)
		}
	}
	for _, s := range []string{"", "2025-9-16", "2025-02-29", "2025-13-01", "2025-09-16T00:00:00Z", "0000-01-01", "2025/09/16", " 2025-09-16"} {
		if d, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %s, want error", s, d)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	d := Date{2024, time.February, 28}
	for n, want := range map[int]string{
		0:    "2024-02-28",
		1:    "2024-02-29",
		2:    "2024-03-01",
		-59:  "2023-12-31",
		366:  "2025-02-28",
		3650: "2034-02-25",
	} {
		got := d.AddDays(n)
		if got.String() != want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", d, n, got, want)
		}
		if s := got.Sub(d); s != n {
			t.Errorf("%s.Sub(%s) = %d, want %d", got, d, s, n)
		}
	}
	if n := (Date{9999, 12, 31}).Sub(Date{1, 1, 1}); n != 3652058 {
		t.Errorf("Sub over the whole range = %d", n)
	}
	a, b := Date{2025, 9, 30}, Date{2025, 10, 1}
	if !a.Before(b) || a.After(b) || !b.After(a) || a.Compare(a) != 0 || b.Compare(a) != 1 {
		t.Error("Before/After/Compare wrong")
	}
	if (Date{2025, 12, 31}).Compare(Date{2026, 1, 1}) != -1 {
		t.Error("Compare across years wrong")
	}
	if w := (Date{2025, 10, 11}).Weekday(); w != time.Saturday {
		t.Errorf("2025-10-11 is %s", w)
	}
}

func TestYday(t *testing.T) {
	for _, y := range []int{2023, 2024, 1900, 2000} {
		for d := (Date{y, 1, 1}); d.Year == y; d = d.AddDays(1) {
			yd := d.yday()
			if want := d.utc().YearDay() - 1; yd != want {
				t.Fatalf("%s.yday() = %d, want %d", d, yd, want)
			}
			if back := dateOfYday(y, yd); back != d {
				t.Fatalf("dateOfYday(%d, %d) = %s, want %s", y, yd, back, d)
			}
		}
	}
}

func TestDateOf(t *testing.T) {
	for in, want := range map[string]string{
		"2025-09-30T15:59:59Z":      "2025-09-30",
		"2025-09-30T16:00:00Z":      "2025-10-01", // midnight in Beijing
		"2025-10-01T00:30:00+09:00": "2025-09-30", // Tokyo is an hour ahead
		"2025-09-30T12:00:00-07:00": "2025-10-01",
	} {
		tm, err := time.Parse(time.RFC3339, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := DateOf(tm); got.String() != want {
			t.Errorf("DateOf(%s) = %s, want %s", in, got, want)
		}
	}
	d := Date{2025, 10, 9}
	if got := DateOf(d.StartOfDay()); got != d {
		t.Errorf("DateOf(StartOfDay) = %s", got)
	}
	if got := DateOf(d.EndOfDay()); got != d {
		t.Errorf("DateOf(EndOfDay) = %s", got)
	}
	if got := d.EndOfDay().Add(time.Millisecond); !got.Equal(d.AddDays(1).StartOfDay()) {
		t.Errorf("EndOfDay + 1ms = %s, want next midnight", got)
	}
}

func TestDateJSON(t *testing.T) {
	type doc struct {
		Due  Date  `json:"due"`
		Zero Date  `json:"zero"`
		Ptr  *Date `json:"ptr"`
	}
	b, err := json.Marshal(doc{Due: Date{2025, 10, 9}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"due":"2025-10-09","zero":"","ptr":null}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var got doc
	if err := json.Unmarshal([]byte(`{"due":"2026-02-24","zero":"","ptr":"2026-01-04"}`), &got); err != nil {
		t.Fatal(err)
	}
	if got.Due != (Date{2026, 2, 24}) || !got.Zero.IsZero() || got.Ptr == nil || *got.Ptr != (Date{2026, 1, 4}) {
		t.Errorf("Unmarshal = %+v", got)
	}
	if err := json.Unmarshal([]byte(`{"due":"2026-02-30"}`), &got); err == nil {
		t.Error("Unmarshal of 2026-02-30 succeeded")
	}
	if _, err := json.Marshal(doc{Due: Date{2025, 2, 30}}); err == nil {
		t.Error("Marshal of an invalid date succeeded")
	}
}
