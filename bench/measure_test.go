package bench

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var l Latencies
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0.1, time.Millisecond}} {
		if got := l.Percentile(tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if l[0] != 100*time.Millisecond {
		t.Error("Percentile sorted its receiver")
	}
	if got := (Latencies{}).Percentile(50); got != 0 {
		t.Errorf("empty p50 = %v", got)
	}
	if got := (Latencies{3 * time.Millisecond}).Percentile(99); got != 3*time.Millisecond {
		t.Errorf("one sample p99 = %v", got)
	}
}

func TestRun(t *testing.T) {
	calls := map[int]int{}
	sum, err := Run(10, 3, 2, func(i int) (bool, error) {
		calls[i]++
		return i%2 == 0, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Queries != 10 || sum.Found != 5 || sum.Recall() != 0.5 {
		t.Errorf("summary %+v", sum)
	}
	if calls[0] != 3 || calls[3] != 2 || calls[9] != 2 {
		t.Errorf("calls %v: want warm-up once plus two reps", calls)
	}
	line := sum.Line(10)
	if !strings.HasPrefix(line, "recall@10=0.500 p50_ms=") || !strings.Contains(line, " p99_ms=") {
		t.Errorf("line %q", line)
	}
	boom := errors.New("boom")
	if _, err := Run(3, 0, 1, func(int) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}

func TestParseStatus(t *testing.T) {
	const status = `Name:	jiefen
VmPeak:	 2306960 kB
VmHWM:	  812340 kB
VmRSS:	  734000 kB
Threads:	7
`
	rss, hwm, err := parseStatus(strings.NewReader(status))
	if err != nil || rss != 734000<<10 || hwm != 812340<<10 {
		t.Fatalf("rss %d hwm %d err %v", rss, hwm, err)
	}
	if MB(rss) != "717" {
		t.Errorf("MB = %s", MB(rss))
	}
	if _, _, err := parseStatus(strings.NewReader("VmRSS: lots kB\n")); err == nil {
		t.Error("no error for a bad number")
	}
	if m := ReadMemory(); m.HeapInuse <= 0 {
		t.Errorf("memory %+v", m)
	}
}

func TestMs(t *testing.T) {
	if got := Ms(1234567 * time.Nanosecond); got != "1.23" {
		t.Errorf("Ms = %s", got)
	}
}
