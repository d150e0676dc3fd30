package calendar

import (
	"errors"
	"sync"
	"testing"
)

func TestSetYear(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	d := Date{2028, 10, 2} // a Monday of a year lunar-go v1.4.7 does not cover
	if !c.IsWorking(d) || c.Covers(2028) {
		t.Fatal("2028 should be plain weekdays")
	}
	// Readers keep computing while the year is replaced.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				c.Deadline(Date{2028, 9, 20}, 15, CalendarDays)
			}
		}
	}()
	if err := c.SetYear(2028, []Override{{Date: d, Kind: "holiday", Name: "国庆节"},
		{Date: Date{2028, 10, 7}, Kind: "workday", Name: "国庆节调休"}}); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if c.IsWorking(d) || !c.Covers(2028) || c.Day(Date{2028, 10, 7}).Kind != KindAdjustedWorking {
		t.Errorf("after SetYear: %+v %+v", c.Day(d), c.Day(Date{2028, 10, 7}))
	}
	if err := c.SetYear(2028, nil); err != nil || !c.IsWorking(d) || c.Covers(2028) {
		t.Errorf("clearing: %v %+v", err, c.Day(d))
	}
	for _, bad := range [][]Override{{{Date: Date{2029, 1, 1}, Kind: "holiday"}}, {{Date: d, Kind: "party"}},
		{{Date: Date{2028, 2, 30}, Kind: "holiday"}}} {
		if err := c.SetYear(2028, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetYear(%v) = %v", bad, err)
		}
	}
	// The library's own data stays under the run-time overrides.
	if err := c.SetYear(2027, []Override{{Date: Date{2027, 10, 8}, Kind: "holiday", Name: "测试"}}); err != nil {
		t.Fatal(err)
	}
	if c.IsWorking(Date{2027, 10, 8}) || c.IsWorking(Date{2027, 10, 1}) || !c.IsWorking(Date{2027, 10, 9}) {
		t.Error("2027 with one more holiday")
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		from, to Date
		want     int
	}{
		{Date{2027, 9, 29}, Date{2027, 10, 8}, 2},  // 09-29, 09-30; 国庆 off
		{Date{2027, 9, 29}, Date{2027, 10, 10}, 4}, // + 10-08 and the 调休 Saturday 10-09
		{Date{2027, 10, 8}, Date{2027, 10, 8}, 0},
		{Date{2027, 10, 9}, Date{2027, 10, 8}, 0},
	} {
		if got := c.WorkingDaysBetween(tc.from, tc.to); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
	if !c.CoversRange(Date{2026, 12, 1}, Date{2027, 12, 31}) || c.CoversRange(Date{2027, 12, 1}, Date{2028, 1, 5}) {
		t.Error("CoversRange with lunar-go v1.4.7: 2026–2027 covered, 2028 not")
	}
}
