package metrics

import (
	"fmt"
	"math"
	"slices"
)

// MMD returns the unbiased estimate of the squared maximum mean discrepancy
// between the n×d sample x and the m×d sample y (MATH.md §4; Gretton et al.
// 2012, "A kernel two-sample test", JMLR 13, eq. 3), one value per bandwidth
// h of the Gaussian kernel k(a, b) = exp(−|a − b|²/(2h²)):
//
//	MMD²_u = 1/(n(n−1)) Σ_{i≠i'} k(x_i, x_i') + 1/(m(m−1)) Σ_{j≠j'} k(y_j, y_j')
//	         − 2/(n·m) Σ_{i,j} k(x_i, y_j).
//
// Being unbiased it can be slightly negative when the distributions agree.
// All bandwidths share one pass over the (n + m)²/2 pairs. n, m ≥ 2 and every
// h > 0. Cost: O((n + m)²·(d + len(bandwidths))); memory O(len(bandwidths)).
// It panics if the samples are not n×d and m×d with n, m ≥ 2, or if bandwidths
// is empty or holds a value that is not finite and positive.
func MMD(x, y []float64, d int, bandwidths []float64) []float64 {
	if d <= 0 || len(x)%d != 0 || len(y)%d != 0 {
		panic(fmt.Sprintf("metrics: MMD needs n×d samples, got lengths %d and %d with d = %d", len(x), len(y), d))
	}
	n, m := len(x)/d, len(y)/d
	if n < 2 || m < 2 {
		panic(fmt.Sprintf("metrics: MMD needs at least 2 points per sample, got %d and %d", n, m))
	}
	if len(bandwidths) == 0 {
		panic("metrics: MMD needs at least one bandwidth")
	}
	coef := make([]float64, len(bandwidths)) // −1/(2h²)
	for b, h := range bandwidths {
		if !(h > 0) || math.IsInf(h, 0) {
			panic(fmt.Sprintf("metrics: MMD bandwidth %d is %v, want finite > 0", b, h))
		}
		coef[b] = -1 / (2 * h * h)
	}
	kxx := make([]float64, len(coef))
	kyy := make([]float64, len(coef))
	kxy := make([]float64, len(coef))
	withinSum(kxx, x, d, coef)
	withinSum(kyy, y, d, coef)
	for i := 0; i < n; i++ {
		xi := x[i*d : (i+1)*d : (i+1)*d]
		for j := 0; j < m; j++ {
			r := sqDist(xi, y[j*d:(j+1)*d:(j+1)*d])
			for b, c := range coef {
				kxy[b] += math.Exp(c * r)
			}
		}
	}
	out := make([]float64, len(coef))
	fn, fm := float64(n), float64(m)
	for b := range out {
		// within sums count each unordered pair once: ×2 for ordered pairs.
		out[b] = 2*kxx[b]/(fn*(fn-1)) + 2*kyy[b]/(fm*(fm-1)) - 2*kxy[b]/(fn*fm)
	}
	return out
}

// withinSum adds Σ_{i<i'} k_b(x_i, x_i') into sum[b].
func withinSum(sum, x []float64, d int, coef []float64) {
	n := len(x) / d
	for i := 0; i < n; i++ {
		xi := x[i*d : (i+1)*d : (i+1)*d]
		for j := i + 1; j < n; j++ {
			r := sqDist(xi, x[j*d:(j+1)*d:(j+1)*d])
			for b, c := range coef {
				sum[b] += math.Exp(c * r)
			}
		}
	}
}

func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for k, v := range a {
		t := v - b[k]
		s += t * t
	}
	return s
}

// MedianHeuristicMaxPoints caps the pooled sample MedianHeuristic uses.
const MedianHeuristicMaxPoints = 2000

// MedianHeuristic returns the median Euclidean distance |z_i − z_j| over all
// pairs i < j of the pooled sample z = x ∪ y (the usual bandwidth choice for
// MMD; Gretton et al. 2012, §8). For an even number of pairs it is the mean of
// the two middle distances. When the pool exceeds MedianHeuristicMaxPoints
// points, an evenly strided subset of that many pooled points is used
// (deterministic, no randomness). Cost: O(P²·d + P² log P) with
// P = min(n + m, MedianHeuristicMaxPoints); memory O(P²).
// It panics if d ≤ 0, the samples are not multiples of d, or they pool
// fewer than 2 points.
func MedianHeuristic(x, y []float64, d int) float64 {
	if d <= 0 || len(x)%d != 0 || len(y)%d != 0 {
		panic(fmt.Sprintf("metrics: MedianHeuristic needs n×d samples, got lengths %d and %d with d = %d", len(x), len(y), d))
	}
	n, m := len(x)/d, len(y)/d
	total := n + m
	if total < 2 {
		panic("metrics: MedianHeuristic needs at least 2 pooled points")
	}
	p := min(total, MedianHeuristicMaxPoints)
	point := func(k int) []float64 { // k-th of the p used pooled points
		idx := k
		if p < total {
			idx = int(int64(k) * int64(total) / int64(p))
		}
		if idx < n {
			return x[idx*d : (idx+1)*d]
		}
		idx -= n
		return y[idx*d : (idx+1)*d]
	}
	dist := make([]float64, 0, p*(p-1)/2)
	for i := 0; i < p; i++ {
		zi := point(i)
		for j := i + 1; j < p; j++ {
			dist = append(dist, math.Sqrt(sqDist(zi, point(j))))
		}
	}
	slices.Sort(dist)
	k := len(dist)
	if k%2 == 1 {
		return dist[k/2]
	}
	return 0.5 * (dist[k/2-1] + dist[k/2])
}
