package search

import "math"

// Sample is one scored candidate pair with what is known about it.
type Sample struct {
	Features map[string]float64
	Label    bool
}

// Fit fits a logistic model over the named features by Newton's method
// with an L2 penalty (lambda) on the weights, not the bias. It is how the
// default models were obtained from labelled pairs (`jiefen eval --fit`).
func Fit(samples []Sample, names []string, lambda float64) Model {
	k := len(names) + 1 // bias last
	beta := make([]float64, k)
	x := make([]float64, k)
	for iter := 0; iter < 50; iter++ {
		grad := make([]float64, k)
		hess := make([][]float64, k)
		for i := range hess {
			hess[i] = make([]float64, k)
		}
		for _, s := range samples {
			for i, n := range names {
				x[i] = s.Features[n]
			}
			x[k-1] = 1
			z := 0.0
			for i := range x {
				z += beta[i] * x[i]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if s.Label {
				y = 1
			}
			for i := range x {
				grad[i] += (y - p) * x[i]
				for j := range x {
					hess[i][j] -= p * (1 - p) * x[i] * x[j]
				}
			}
		}
		for i := 0; i < k-1; i++ {
			grad[i] -= lambda * beta[i]
			hess[i][i] -= lambda
		}
		step := solve(hess, grad)
		if step == nil {
			break
		}
		change := 0.0
		for i := range beta {
			beta[i] -= step[i]
			change = math.Max(change, math.Abs(step[i]))
		}
		if change < 1e-6 {
			break
		}
	}
	m := Model{Bias: round3(beta[k-1]), Weights: map[string]float64{}}
	for i, n := range names {
		m.Weights[n] = round3(beta[i])
	}
	return m
}

// solve solves a·x = b by Gaussian elimination with partial pivoting; nil
// if a is singular.
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(append([]float64{}, a[i]...), b[i])
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-12 {
			return nil
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for j := c; j <= n; j++ {
				m[r][j] -= f * m[c][j]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for j := r + 1; j < n; j++ {
			s -= m[r][j] * x[j]
		}
		x[r] = s / m[r][r]
	}
	return x
}

// FeatureNames lists the features a model may use, in explanation order.
func FeatureNames() []string { return append([]string(nil), featureOrder...) }

// LogLoss is the mean negative log-likelihood of a model on samples, for
// comparing fits.
func LogLoss(m Model, samples []Sample) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range samples {
		p, _ := m.Prob(s.Features)
		p = math.Min(math.Max(p, 1e-9), 1-1e-9)
		if s.Label {
			sum -= math.Log(p)
		} else {
			sum -= math.Log(1 - p)
		}
	}
	return sum / float64(len(samples))
}
