package eval

import (
	"math"
	"testing"
)

func TestScore(t *testing.T) {
	truth := []Truth{
		{Ref: "a1", Matter: "M1", Person: "P1"},
		{Ref: "a2", Matter: "M1", Person: "P1"},
		{Ref: "a3", Matter: "M1", Person: "P1"},
		{Ref: "b1", Matter: "M2", Person: "P1"},
		{Ref: "c1", Matter: "M3", Person: "P2", Group: "G1"},
		{Ref: "d1", Matter: "M4", Person: "P3", Group: "G1"},
		{Ref: "e1", Matter: "M5", Person: "P4", Group: "G1"},
	}
	pred := []Case{
		{CaseNo: "1", IntakeRefs: []string{"a1", "a2"}},
		{CaseNo: "2", IntakeRefs: []string{"a3"}, Links: []Link{{CaseNo: "1", Kind: "repeat"}}},
		{CaseNo: "3", IntakeRefs: []string{"b1", "c1"}, Cluster: "X"}, // a false merge across persons
		{CaseNo: "4", IntakeRefs: []string{"d1"}, Cluster: "X", Links: []Link{{CaseNo: "3", Kind: "related"}}},
	}
	r := Score(truth, pred)
	// truth pairs: M1 has 3 → 3. predicted: {a1,a2,a3} 3 + {b1,c1} 1 = 4; right 3.
	if r.TruePairs != 3 || r.PredPairs != 4 || r.Right != 3 || r.CrossPersonMerges != 1 || r.SamePersonWrong != 0 {
		t.Fatalf("%+v", r)
	}
	if math.Abs(r.F1-2*0.75*1/(1.75)) > 1e-9 {
		t.Errorf("F1 = %v", r.F1)
	}
	// Groups: truth G1 has c1,d1,e1 → 3 pairs; predicted cluster X has c1,d1 → 1 pair, right.
	if r.GroupPrecision != 1 || math.Abs(r.GroupRecall-1.0/3) > 1e-9 {
		t.Errorf("groups %+v", r)
	}
}
