package groupwarn

import (
	"reflect"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	for in, want := range map[string]Config{"": Default, "5,30d": {5, 30}, " 8, 14d ": {8, 14}, "3,7": {3, 7}} {
		if got, err := ParseConfig(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"5", "1,30d", "5,0d", "5,400d", "x,30d", "5,30w", "5;30d"} {
		if _, err := ParseConfig(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestThresholds(t *testing.T) {
	c := Config{Persons: 5, Days: 30}
	if got := c.Thresholds(4); got != nil {
		t.Errorf("4: %v", got)
	}
	if got := c.Thresholds(23); !reflect.DeepEqual(got, []int{5, 10, 20}) {
		t.Errorf("23: %v", got)
	}
}

// TestTallies: people per cluster and county, one person's two cases
// counted once, growth over at least a week, the newest case named.
func TestTallies(t *testing.T) {
	now := time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return now.AddDate(0, 0, -d) }
	rows := []Row{
		{1, 10, "610902001003", day(14), "a"},
		{1, 11, "610902001003", day(7), "b"},
		{1, 12, "610902002001", day(1), "a"},
		{1, 13, "610921100001", day(2), "c"},
		{2, 14, "610902001003", day(0), "d"},
	}
	got := Tallies(rows, now)
	want := []Tally{
		{ClusterID: 1, County: "610902000000", Persons: 2, PerWeek: 1, CaseID: 12},
		{ClusterID: 1, County: "610921000000", Persons: 1, PerWeek: 1, CaseID: 13},
		{ClusterID: 2, County: "610902000000", Persons: 1, PerWeek: 1, CaseID: 14},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
