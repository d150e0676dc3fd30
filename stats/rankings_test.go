package stats

import (
	"fmt"
	"testing"
)

// TestRank: the three 通报 rankings of hand-made figures — who is in each,
// the order, shared ranks for equal values.
func TestRank(t *testing.T) {
	by := []RegionFigures{
		{Code: "610902000000", Name: "汉滨区", Received: 10, Resolved: 4, ResolutionRate: 0.75, Overdue: 2, Satisfaction: 0.5, Evaluations: 4},
		{Code: "610921000000", Name: "汉阴县", Received: 3, Resolved: 2, ResolutionRate: 1, Overdue: 0, Satisfaction: 1, Evaluations: 1},
		{Code: "610922000000", Name: "石泉县", Received: 5, Resolved: 4, ResolutionRate: 0.75, Overdue: 3},
		{Code: "610923000000", Name: "宁陕县", Received: 1, Overdue: 0},
		{Code: "610924000000", Name: "紫阳县"}, // nothing at all: in no ranking
	}
	r := Rank(by)
	show := func(list []Ranked) string {
		s := ""
		for _, x := range list {
			s += fmt.Sprintf("%d %s %v/%d; ", x.Rank, x.Name, x.Value, x.Base)
		}
		return s
	}
	if got, want := show(r.ResolutionRate), "1 汉阴县 1/2; 2 汉滨区 0.75/4; 2 石泉县 0.75/4; "; got != want {
		t.Errorf("resolution rate:\n got %s\nwant %s", got, want)
	}
	if got, want := show(r.Overdue), "1 汉阴县 0/3; 1 宁陕县 0/1; 3 汉滨区 2/10; 4 石泉县 3/5; "; got != want {
		t.Errorf("overdue:\n got %s\nwant %s", got, want)
	}
	if got, want := show(r.Satisfaction), "1 汉阴县 1/1; 2 汉滨区 0.5/4; "; got != want {
		t.Errorf("satisfaction:\n got %s\nwant %s", got, want)
	}
	if e := Rank(nil); e.ResolutionRate == nil || e.Overdue == nil || e.Satisfaction == nil {
		t.Error("empty rankings must be empty lists (JSON [])")
	}
}
