// Package eval scores a case export against labelled intakes, as the
// project's evaluation script does: pairwise same-matter precision, recall
// and F1 (two intakes are the same matter when they share a case or their
// cases are joined by duplicate/repeat links), false merges across different
// people, and pairwise F1 of group-issue clusters.
package eval

import (
	"fmt"
	"io"
)

// Truth is the answer key of one intake.
type Truth struct {
	Ref    string
	Matter string
	Person string
	Group  string
}

// Case is one line of `jiefen export`.
type Case struct {
	CaseNo     string   `json:"case_no"`
	IntakeRefs []string `json:"intake_refs"`
	Links      []Link   `json:"links"`
	Cluster    string   `json:"cluster"`
}

// Link is a case's link in the export.
type Link struct {
	CaseNo string `json:"case_no"`
	Kind   string `json:"kind"`
}

// Result holds the scores.
type Result struct {
	Intakes, Cases              int
	TruePairs, PredPairs, Right int
	Precision, Recall, F1       float64
	CrossPersonMerges           int // predicted same-matter pairs of different people
	SamePersonWrong             int // predicted pairs of one person, different matters
	GroupPrecision, GroupRecall float64
	GroupF1                     float64
}

func c2(n int) int { return n * (n - 1) / 2 }

type unionFind map[string]string

func (u unionFind) find(x string) string {
	if _, ok := u[x]; !ok {
		u[x] = x
	}
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(a, b string) { u[u.find(b)] = u.find(a) }

func prf(tp, pred, truth int) (p, r, f float64) {
	if pred > 0 {
		p = float64(tp) / float64(pred)
	}
	if truth > 0 {
		r = float64(tp) / float64(truth)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return
}

// components maps an intake ref to its predicted matter: the cases joined
// by sharing intakes or by duplicate/repeat links; an intake in no case is
// alone.
func components(pred []Case) func(ref string) string {
	uf := unionFind{}
	known := map[string]bool{}
	for _, c := range pred {
		uf.find("c:" + c.CaseNo)
		known[c.CaseNo] = true
	}
	inCase := map[string]bool{}
	for _, c := range pred {
		for _, r := range c.IntakeRefs {
			uf.union("c:"+c.CaseNo, "r:"+r)
			inCase[r] = true
		}
	}
	for _, c := range pred {
		for _, l := range c.Links {
			if (l.Kind == "duplicate" || l.Kind == "repeat") && known[l.CaseNo] {
				uf.union("c:"+c.CaseNo, "c:"+l.CaseNo)
			}
		}
	}
	return func(ref string) string {
		if inCase[ref] {
			return uf.find("r:" + ref)
		}
		return "single:" + ref
	}
}

// Score compares predicted cases with the truth.
func Score(truth []Truth, pred []Case) Result {
	comp := components(pred)
	cluster := map[string]string{}
	for _, c := range pred {
		for _, r := range c.IntakeRefs {
			if c.Cluster != "" {
				if _, ok := cluster[r]; !ok {
					cluster[r] = c.Cluster
				}
			}
		}
	}
	predSize, trueSize := map[string]int{}, map[string]int{}
	cell, cellPerson := map[[2]string]int{}, map[[2]string]int{}
	for _, t := range truth {
		p := comp(t.Ref)
		predSize[p]++
		trueSize[t.Matter]++
		cell[[2]string{p, t.Matter}]++
		cellPerson[[2]string{p, t.Person}]++
	}
	var r Result
	r.Intakes, r.Cases = len(truth), len(pred)
	for _, n := range predSize {
		r.PredPairs += c2(n)
	}
	for _, n := range trueSize {
		r.TruePairs += c2(n)
	}
	for _, n := range cell {
		r.Right += c2(n)
	}
	samePerson := 0
	for _, n := range cellPerson {
		samePerson += c2(n)
	}
	r.CrossPersonMerges = r.PredPairs - samePerson
	r.SamePersonWrong = samePerson - r.Right
	r.Precision, r.Recall, r.F1 = prf(r.Right, r.PredPairs, r.TruePairs)

	gTrue, gPred, gCell := map[string]int{}, map[string]int{}, map[[2]string]int{}
	for _, t := range truth {
		if t.Group == "" {
			continue
		}
		gTrue[t.Group]++
		if cl := cluster[t.Ref]; cl != "" {
			gPred[cl]++
			gCell[[2]string{cl, t.Group}]++
		}
	}
	var gt, gp, gtp int
	for _, n := range gTrue {
		gt += c2(n)
	}
	for _, n := range gPred {
		gp += c2(n)
	}
	for _, n := range gCell {
		gtp += c2(n)
	}
	r.GroupPrecision, r.GroupRecall, r.GroupF1 = prf(gtp, gp, gt)
	return r
}

// Report writes the scores in the evaluation script's format; the last
// line is the one to compare.
func (r Result) Report(w io.Writer) {
	fmt.Fprintf(w, "intakes: %d   cases in prediction: %d\n", r.Intakes, r.Cases)
	fmt.Fprintf(w, "SAME MATTER (pairwise)\n  truth pairs %d   predicted pairs %d   correct %d\n", r.TruePairs, r.PredPairs, r.Right)
	fmt.Fprintf(w, "  precision %.4f   recall %.4f   F1 %.4f\n", r.Precision, r.Recall, r.F1)
	fmt.Fprintf(w, "  false merges across different persons: %d predicted pairs\n", r.CrossPersonMerges)
	fmt.Fprintf(w, "  false merges within one person (different matters): %d predicted pairs\n", r.SamePersonWrong)
	fmt.Fprintf(w, "GROUPS (pairwise)\n  precision %.4f   recall %.4f   F1 %.4f\n", r.GroupPrecision, r.GroupRecall, r.GroupF1)
	fmt.Fprintf(w, "same_matter_f1=%.4f precision=%.4f recall=%.4f group_f1=%.4f\n", r.F1, r.Precision, r.Recall, r.GroupF1)
}
