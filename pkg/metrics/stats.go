package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Summary describes a metric over seeds: the mean, the sample standard
// deviation (n − 1 denominator) and the two-sided 95% Student-t confidence
// interval for the mean, Mean ± t_{0.975, N−1}·Std/sqrt(N). NaN entries
// (failed seeds) are excluded and counted in Excluded.
type Summary struct {
	N              int // finite values used
	Excluded       int // NaN or infinite entries left out
	Mean, Std      float64
	CI95Lo, CI95Hi float64
	HalfWidth      float64 // t_{0.975, N−1}·Std/sqrt(N)
	Warnings       []string
}

// Summarize returns the Summary of xs. With N = 1 the Std and the interval
// are NaN and a warning says so; with N = 0 everything is NaN.
func Summarize(xs []float64) Summary {
	var s Summary
	var sum float64
	for _, v := range xs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			s.Excluded++
			continue
		}
		s.N++
		sum += v
	}
	if s.Excluded > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%d of %d values are NaN or infinite (failed seeds) and were excluded", s.Excluded, len(xs)))
	}
	nan := math.NaN()
	s.Mean, s.Std, s.CI95Lo, s.CI95Hi, s.HalfWidth = nan, nan, nan, nan, nan
	if s.N == 0 {
		s.Warnings = append(s.Warnings, "no finite values: nothing to summarise")
		return s
	}
	s.Mean = sum / float64(s.N)
	if s.N == 1 {
		s.Warnings = append(s.Warnings, "n = 1: no standard deviation or confidence interval")
		return s
	}
	var ss float64
	for _, v := range xs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		ss += (v - s.Mean) * (v - s.Mean)
	}
	s.Std = math.Sqrt(ss / float64(s.N-1))
	s.HalfWidth = TQuantile(0.975, float64(s.N-1)) * s.Std / math.Sqrt(float64(s.N))
	s.CI95Lo = s.Mean - s.HalfWidth
	s.CI95Hi = s.Mean + s.HalfWidth
	return s
}

// TQuantile returns the p-quantile of Student's t distribution with nu
// degrees of freedom (gonum's distuv.StudentsT).
func TQuantile(p, nu float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Quantile(p)
}

// tTwoSided returns the two-sided p-value P(|T_nu| ≥ |t|).
func tTwoSided(t, nu float64) float64 {
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}.Survival(math.Abs(t))
}

func finiteMoments(xs []float64) (n int, mean, variance float64) {
	var sum float64
	for _, v := range xs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			n++
			sum += v
		}
	}
	if n == 0 {
		return 0, math.NaN(), math.NaN()
	}
	mean = sum / float64(n)
	var ss float64
	for _, v := range xs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			ss += (v - mean) * (v - mean)
		}
	}
	if n < 2 {
		return n, mean, math.NaN()
	}
	return n, mean, ss / float64(n-1)
}

// WelchTest compares the means of two independent samples without assuming
// equal variances (Welch 1947): t = (ā − b̄)/sqrt(s_a²/n_a + s_b²/n_b), with
// the Welch–Satterthwaite degrees of freedom
// df = (s_a²/n_a + s_b²/n_b)² / ((s_a²/n_a)²/(n_a−1) + (s_b²/n_b)²/(n_b−1)),
// and the two-sided p-value. Non-finite entries are excluded. With fewer
// than 2 finite values in either sample, or both variances zero, all three
// results are NaN.
func WelchTest(a, b []float64) (t, df, p float64) {
	na, ma, va := finiteMoments(a)
	nb, mb, vb := finiteMoments(b)
	if na < 2 || nb < 2 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	qa, qb := va/float64(na), vb/float64(nb)
	if qa+qb == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	t = (ma - mb) / math.Sqrt(qa+qb)
	df = (qa + qb) * (qa + qb) / (qa*qa/float64(na-1) + qb*qb/float64(nb-1))
	return t, df, tTwoSided(t, df)
}

// PairedTTest tests whether the mean of the differences a_i − b_i is zero
// (pairs share a seed): t = mean(δ)/(sd(δ)/sqrt(n)), df = n − 1, two-sided p.
// len(a) must equal len(b); pairs with a non-finite member are excluded. With
// fewer than 2 pairs or zero spread of the differences the results are NaN.
// It panics if len(a) ≠ len(b).
func PairedTTest(a, b []float64) (t, df, p float64) {
	if len(a) != len(b) {
		panic(fmt.Sprintf("metrics: PairedTTest needs equal lengths, got %d and %d", len(a), len(b)))
	}
	diff := make([]float64, 0, len(a))
	for i := range a {
		if da := a[i] - b[i]; !math.IsNaN(da) && !math.IsInf(da, 0) {
			diff = append(diff, da)
		}
	}
	n, m, v := finiteMoments(diff)
	if n < 2 || v == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	t = m / math.Sqrt(v/float64(n))
	df = float64(n - 1)
	return t, df, tTwoSided(t, df)
}
