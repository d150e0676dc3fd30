package stats

import (
	"testing"
	"time"

	"github.com/jiefen/jiefen/calendar"
)

func TestSplitSpan(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.ParseInLocation(time.DateOnly, s, calendar.China)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		from, to           string
		head, months, tail [2]string
	}{
		{"2025-09-17", "2025-12-09", [2]string{"2025-09-17", "2025-09-30"}, [2]string{"2025-10", "2025-11"}, [2]string{"2025-12-01", "2025-12-09"}},
		{"2025-09-01", "2025-12-31", [2]string{}, [2]string{"2025-09", "2025-12"}, [2]string{}},
		{"2025-12-01", "2025-12-31", [2]string{}, [2]string{"2025-12", "2025-12"}, [2]string{}},
		{"2025-12-01", "2025-12-30", [2]string{"2025-12-01", "2025-12-30"}, [2]string{}, [2]string{}},
		{"2025-12-02", "2025-12-31", [2]string{"2025-12-02", "2025-12-31"}, [2]string{}, [2]string{}},
		{"2025-11-30", "2025-12-01", [2]string{"2025-11-30", "2025-12-01"}, [2]string{}, [2]string{}},
		{"2025-11-30", "2026-01-01", [2]string{"2025-11-30", "2025-11-30"}, [2]string{"2025-12", "2025-12"}, [2]string{"2026-01-01", "2026-01-01"}},
		{"2024-02-01", "2024-02-29", [2]string{}, [2]string{"2024-02", "2024-02"}, [2]string{}}, // leap year
		{"2025-12-07", "2026-12-06", [2]string{"2025-12-07", "2025-12-31"}, [2]string{"2026-01", "2026-11"}, [2]string{"2026-12-01", "2026-12-06"}},
		{"2025-12-07", "2025-12-07", [2]string{"2025-12-07", "2025-12-07"}, [2]string{}, [2]string{}},
	} {
		sp := SplitSpan(d(tc.from), d(tc.to))
		if sp.From != tc.from || sp.To != tc.to || sp.Head != tc.head || sp.Months != tc.months || sp.Tail != tc.tail {
			t.Errorf("%s..%s: %+v", tc.from, tc.to, sp)
		}
		if dl := sp.Daily(); dl.Head != [2]string{tc.from, tc.to} || dl.Months != [2]string{} || dl.Tail != [2]string{} {
			t.Errorf("%s..%s daily: %+v", tc.from, tc.to, dl)
		}
	}
}
