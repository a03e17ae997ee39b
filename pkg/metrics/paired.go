package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// pairDiffs returns a_i − b_i for the pairs whose difference is finite.
func pairDiffs(a, b []float64) []float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("metrics: paired test needs equal lengths, got %d and %d", len(a), len(b)))
	}
	d := make([]float64, 0, len(a))
	for i := range a {
		if x := a[i] - b[i]; !math.IsNaN(x) && !math.IsInf(x, 0) {
			d = append(d, x)
		}
	}
	return d
}

// SignTest is the exact two-sided sign test of the paired differences
// a_i − b_i: pos and neg count the positive and negative differences (zero
// differences are dropped, as are pairs with a non-finite member), and
// p = min(1, 2·P(X ≤ min(pos, neg))) for X ~ Binomial(pos + neg, 1/2).
// With no non-zero difference p is 1. It panics if len(a) != len(b).
func SignTest(a, b []float64) (pos, neg int, p float64) {
	for _, d := range pairDiffs(a, b) {
		switch {
		case d > 0:
			pos++
		case d < 0:
			neg++
		}
	}
	n := pos + neg
	if n == 0 {
		return 0, 0, 1
	}
	k := min(pos, neg)
	// P(X ≤ k) = Σ_{j ≤ k} C(n, j) / 2^n, summed in logs for large n.
	var tail float64
	for j := 0; j <= k; j++ {
		lc, _ := math.Lgamma(float64(n + 1))
		l1, _ := math.Lgamma(float64(j + 1))
		l2, _ := math.Lgamma(float64(n - j + 1))
		tail += math.Exp(lc - l1 - l2 - float64(n)*math.Ln2)
	}
	return pos, neg, math.Min(1, 2*tail)
}

// WilcoxonSignedRank is the exact two-sided Wilcoxon signed-rank test of
// the paired differences a_i − b_i. Zero differences are dropped (Wilcoxon's
// original treatment, scipy's zero_method="wilcox"), as are pairs with a
// non-finite member; tied |differences| get their average rank. W is the
// smaller of the positive and negative rank sums and p is the probability,
// under the null of signs independent and ±1 equally likely, of a rank-sum
// at least as far from its mean n(n+1)/4 as the observed one, computed
// exactly from the distribution of the rank-sum over all 2^n sign
// assignments (a convolution over the doubled ranks, which are integers
// even with ties). n is the number of non-zero differences; with n = 0, W
// is 0 and p is 1. It panics if len(a) != len(b).
//
// The smallest attainable p is 2/2^n: 0.25 for n = 3, 0.0625 for n = 5.
func WilcoxonSignedRank(a, b []float64) (w, p float64, n int) {
	var d []float64
	for _, x := range pairDiffs(a, b) {
		if x != 0 {
			d = append(d, x)
		}
	}
	n = len(d)
	if n == 0 {
		return 0, 1, 0
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return math.Abs(d[idx[i]]) < math.Abs(d[idx[j]]) })
	// r2[i] is twice the average rank of d[i].
	r2 := make([]int, n)
	for i := 0; i < n; {
		j := i
		for j+1 < n && math.Abs(d[idx[j+1]]) == math.Abs(d[idx[i]]) {
			j++
		}
		// ranks i+1 … j+1 share (i+1 + j+1)/2; doubled: i + j + 2.
		for k := i; k <= j; k++ {
			r2[idx[k]] = i + j + 2
		}
		i = j + 1
	}
	var plus2, total2 int
	for i, x := range d {
		total2 += r2[i]
		if x > 0 {
			plus2 += r2[i]
		}
	}
	// count[s] = number of sign assignments whose positive doubled rank-sum
	// is s; each of the 2^n assignments has probability 2^-n.
	count := make([]float64, total2+1)
	count[0] = 1
	for _, r := range r2 {
		for s := total2; s >= r; s-- {
			count[s] += count[s-r]
		}
	}
	// Two-sided: |S − total/2| ≥ |observed − total/2|, in doubled units.
	dev := math.Abs(float64(2*plus2 - total2))
	var tail float64
	for s, c := range count {
		if c != 0 && math.Abs(float64(2*s-total2)) >= dev {
			tail += c
		}
	}
	p = math.Min(1, tail/math.Pow(2, float64(n)))
	w = float64(min(plus2, total2-plus2)) / 2
	return w, p, n
}

// PairedP is the two-sided p-value of the paired t test of a against b
// (PairedTTest), extended to differences without spread: when every
// difference is the same non-zero number the difference is certain (p = 0),
// and when every difference is zero there is none (p = 1). Fewer than two
// finite pairs give NaN. It panics if len(a) != len(b).
func PairedP(a, b []float64) float64 {
	d := pairDiffs(a, b)
	if len(d) < 2 {
		return math.NaN()
	}
	if slices.Min(d) == slices.Max(d) {
		if d[0] == 0 {
			return 1
		}
		return 0
	}
	_, _, p := PairedTTest(a, b)
	return p
}

// Holm returns the Holm (1979) step-down adjusted p-values of ps, in the
// order given: with the m finite p-values sorted ascending, p_(1) ≤ … ≤
// p_(m), the adjusted value of p_(i) is max_{j ≤ i} min(1, (m − j + 1)·p_(j)).
// Rejecting every hypothesis whose adjusted p is below α controls the
// family-wise error rate at α under any dependence between the tests. NaN
// entries stay NaN and are not counted in m.
func Holm(ps []float64) []float64 {
	out := make([]float64, len(ps))
	var idx []int
	for i, p := range ps {
		out[i] = math.NaN()
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(i, j int) bool { return ps[idx[i]] < ps[idx[j]] })
	m := len(idx)
	run := 0.0
	for rank, i := range idx {
		run = math.Max(run, math.Min(1, float64(m-rank)*ps[i]))
		out[i] = run
	}
	return out
}
