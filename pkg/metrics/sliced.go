package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultProjections is the number of random directions SlicedW2 callers
// should use. MinProjections is the fewest SlicedW2 accepts: the Monte-Carlo
// error of SW2² over directions falls as 1/sqrt(L), and at POT's default of
// L = 50 its relative standard error on the 2-D toy sets is several percent,
// as large as the differences between the methods being compared.
const (
	DefaultProjections = 1000
	MinProjections     = 500
)

// SlicedEstimate is a sliced Wasserstein-2 estimate with its Monte-Carlo
// error over directions (the samples themselves are taken as given).
type SlicedEstimate struct {
	SW2         float64 // sqrt(SW2Sq)
	SW2Sq       float64 // mean over directions of the 1-D W2²
	StdErrSq    float64 // standard error of SW2Sq over the directions
	Projections int     // number of directions L
	NX, NY      int     // sample sizes
}

// SlicedW2 returns the sliced Wasserstein-2 distance between the n×d sample x
// and the m×d sample y (MATH.md §4): SW2² = E_θ W2²(θᵀx, θᵀy) over θ uniform
// on the unit sphere, estimated with projections directions (normalised
// Gaussian vectors drawn from rng, in order: d normals per direction). Each
// 1-D W2² is exact for the two empirical measures: both projections are
// sorted and |F⁻¹(u) − G⁻¹(u)|² is integrated over u ∈ [0, 1] on the merged
// grid of quantile levels {i/n} ∪ {j/m} (for n = m the mean squared
// difference of the sorted values). projections must be at least
// MinProjections. Cost: L·((n + m)·d + n log n + m log m); memory O(n + m + d).
// It panics if a sample is empty or not a multiple of d, if projections <
// MinProjections, or if rng is nil.
func SlicedW2(x, y []float64, d int, projections int, rng *rand.Rand) float64 {
	return SlicedW2Estimate(x, y, d, projections, rng).SW2
}

// SlicedW2Estimate is SlicedW2 returning the estimate with its standard
// error over directions and the sizes used.
// It panics if a sample is empty or not a multiple of d, if projections <
// MinProjections, or if rng is nil.
func SlicedW2Estimate(x, y []float64, d int, projections int, rng *rand.Rand) SlicedEstimate {
	if d <= 0 || len(x)%d != 0 || len(y)%d != 0 || len(x) == 0 || len(y) == 0 {
		panic(fmt.Sprintf("metrics: SlicedW2 needs non-empty n×d and m×d samples, got lengths %d and %d with d = %d", len(x), len(y), d))
	}
	if projections < MinProjections {
		panic(fmt.Sprintf("metrics: SlicedW2 with %d projections, want at least %d", projections, MinProjections))
	}
	if rng == nil {
		panic("metrics: SlicedW2 needs an rng")
	}
	n, m := len(x)/d, len(y)/d
	theta := make([]float64, d)
	px := make([]float64, n)
	py := make([]float64, m)
	var mean, m2 float64 // Welford
	for l := 0; l < projections; l++ {
		var norm float64
		for k := range theta {
			theta[k] = rng.NormFloat64()
			norm += theta[k] * theta[k]
		}
		norm = math.Sqrt(norm)
		for k := range theta {
			theta[k] /= norm
		}
		project(px, x, theta)
		project(py, y, theta)
		slices.Sort(px)
		slices.Sort(py)
		w := w2SqSorted1D(px, py)
		delta := w - mean
		mean += delta / float64(l+1)
		m2 += delta * (w - mean)
	}
	est := SlicedEstimate{SW2Sq: mean, SW2: math.Sqrt(mean), Projections: projections, NX: n, NY: m}
	if projections > 1 {
		est.StdErrSq = math.Sqrt(m2 / float64(projections-1) / float64(projections))
	}
	return est
}

func project(dst, x, theta []float64) {
	d := len(theta)
	for i := range dst {
		row := x[i*d : (i+1)*d : (i+1)*d]
		var s float64
		for k, t := range theta {
			s += row[k] * t
		}
		dst[i] = s
	}
}

// w2SqSorted1D returns ∫_0^1 |F⁻¹(u) − G⁻¹(u)|² du for the empirical measures
// of the sorted samples a (n points) and b (m points). The quantile functions
// are step functions, F⁻¹(u) = a[i] on ((i)/n, (i+1)/n]; the breakpoints are
// tracked as integers in units of 1/(n·m), so the weights are exact.
func w2SqSorted1D(a, b []float64) float64 {
	n, m := len(a), len(b)
	if n == m {
		var s float64
		for i, v := range a {
			t := v - b[i]
			s += t * t
		}
		return s / float64(n)
	}
	nm := int64(n) * int64(m)
	var s float64
	var cur int64
	i, j := 0, 0
	for cur < nm {
		na := int64(i+1) * int64(m) // end of a[i]'s interval
		nb := int64(j+1) * int64(n) // end of b[j]'s interval
		next := min(na, nb)
		t := a[i] - b[j]
		s += t * t * float64(next-cur)
		cur = next
		if na == next {
			i++
		}
		if nb == next {
			j++
		}
	}
	return s / float64(nm)
}
