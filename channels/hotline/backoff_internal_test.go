package hotline

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	c := New(nil, nil, nil, nil, Config{}, nil).Config
	for attempt, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute,
		7: 32 * time.Minute, 8: time.Hour, 19: time.Hour} {
		if got := c.backoff(attempt); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
	var total time.Duration
	for a := 1; a < c.MaxAttempts; a++ {
		total += c.backoff(a)
	}
	if total < 12*time.Hour || total > 14*time.Hour {
		t.Errorf("the last attempt comes %v after the first; the documentation says about 13 hours", total)
	}
	fast := Config{RetryBase: 10 * time.Millisecond, RetryMax: 15 * time.Millisecond}
	if fast.backoff(1) != 10*time.Millisecond || fast.backoff(5) != 15*time.Millisecond {
		t.Errorf("capped backoff: %v %v", fast.backoff(1), fast.backoff(5))
	}
}
