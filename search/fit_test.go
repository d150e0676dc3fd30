package search

import (
	"math/rand/v2"
	"testing"
)

// Fit recovers the weights that generated the labels.
func TestFit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	truth := Model{Bias: -1, Weights: map[string]float64{fText: 4, fName: 2}}
	var samples []Sample
	for i := 0; i < 20000; i++ {
		f := map[string]float64{fText: r.Float64(), fName: float64(r.IntN(3) - 1)}
		p, _ := truth.Prob(f)
		samples = append(samples, Sample{Features: f, Label: r.Float64() < p})
	}
	m := Fit(samples, []string{fText, fName}, 0.01)
	if d := m.Weights[fText] - 4; d > 0.4 || d < -0.4 {
		t.Errorf("text weight %v, want about 4", m.Weights[fText])
	}
	if d := m.Weights[fName] - 2; d > 0.3 || d < -0.3 {
		t.Errorf("name weight %v, want about 2", m.Weights[fName])
	}
	if d := m.Bias + 1; d > 0.3 || d < -0.3 {
		t.Errorf("bias %v, want about -1", m.Bias)
	}
	if LogLoss(m, samples) > LogLoss(Model{Weights: map[string]float64{}}, samples) {
		t.Error("fitted model no better than a constant")
	}
}
