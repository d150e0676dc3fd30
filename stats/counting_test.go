package stats

import (
	"testing"
	"time"

	"github.com/jiefen/jiefen/cases"
)

// 化解成功: a resolution that did not settle the matter (a referral, an
// unsupported reply) is resolved but not a success; reopening it takes
// back no success, and settling it later counts one on the first day.
func TestSuccessThroughReopening(t *testing.T) {
	c := CaseFacts{Region: "610902001003", Channel: "window", Category: "neighbourhood",
		Created: time.Date(2025, 11, 1, 2, 0, 0, 0, time.UTC)}
	day := func(d int) time.Time { return time.Date(2025, 11, d, 2, 0, 0, 0, time.UTC) }
	var r Resolutions
	var success, resolved int
	step := func(from, to cases.Status, at time.Time, data map[string]any) {
		for _, d := range Deltas(c, EventFacts{Kind: cases.EventTransition, From: from, To: to, At: at, Data: data}, r) {
			success += d.C.Success
			resolved += d.C.Resolved
		}
		if to == cases.StatusResolved {
			if r.First.IsZero() {
				r.First = at
			}
			r.LastSuccess = data["resolution_success"] != false
		}
	}
	step(cases.StatusInProgress, cases.StatusResolved, day(3), map[string]any{"resolution_success": false})
	if resolved != 1 || success != 0 {
		t.Fatalf("a referral: resolved %d success %d", resolved, success)
	}
	step(cases.StatusResolved, cases.StatusInProgress, day(4), nil)
	if success != 0 {
		t.Fatalf("reopening a resolution that was no success took one back: %d", success)
	}
	step(cases.StatusInProgress, cases.StatusResolved, day(9), map[string]any{"resolution_success": true})
	if resolved != 1 || success != 1 {
		t.Fatalf("settled later: resolved %d success %d", resolved, success)
	}
	step(cases.StatusResolved, cases.StatusInProgress, day(10), nil)
	if success != 0 {
		t.Fatalf("reopening a success: %d", success)
	}
}
