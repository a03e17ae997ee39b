package assign

import (
	"math"
	"math/rand/v2"
	"testing"
)

// permutations calls f with every permutation of 0..n-1.
func permutations(n int, f func(p []int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
}

// TestHugeCoordinates: point sets at scales where squared distances
// overflow float64 (1e200) or the auction's prices would (1e60) used to
// panic in auctionInit (index out of range [-1]); the assignment is now
// the brute-force optimum of the same points at scale 1 (optimality is
// scale-invariant), and the cost is the sum in the original units.
func TestHugeCoordinates(t *testing.T) {
	const n, d = 7, 2
	rng := rand.New(rand.NewPCG(3, 4))
	u, w := make([]float64, n*d), make([]float64, n*d)
	for i := range u {
		u[i], w[i] = rng.NormFloat64(), rng.NormFloat64()+0.5
	}
	cost := func(x, y []float64, p []int) float64 {
		var c float64
		for i, j := range p {
			for k := range d {
				t := x[i*d+k] - y[j*d+k]
				c += t * t
			}
		}
		return c
	}
	best, bestP := math.Inf(1), []int(nil)
	permutations(n, func(p []int) {
		if c := cost(u, w, p); c < best {
			best, bestP = c, append([]int(nil), p...)
		}
	})
	for _, scale := range []float64{1, 1e60, 1e200, 1e300} {
		x, y := make([]float64, n*d), make([]float64, n*d)
		for i := range u {
			x[i], y[i] = u[i]*scale, w[i]*scale
		}
		r, err := SqEuclidean(x, y, d)
		if err != nil {
			t.Fatalf("scale %g: %v", scale, err)
		}
		for i := range bestP {
			if r.RowToCol[i] != bestP[i] {
				t.Fatalf("scale %g: assignment %v, brute force %v", scale, r.RowToCol, bestP)
			}
		}
		want := cost(x, y, bestP)
		if !(math.Abs(r.Cost-want) <= 1e-12*want) && r.Cost != want {
			t.Errorf("scale %g: cost %g, want %g", scale, r.Cost, want)
		}
		// The dense form of the same problem, costs up to 1e600 → +Inf is
		// not allowed there, so only scales with finite costs.
		if scale <= 1e60 {
			c := make([]float64, n*n)
			for i := range n {
				for j := range n {
					c[i*n+j] = cost(x[i*d:(i+1)*d], y[j*d:(j+1)*d], []int{0})
				}
			}
			rd, err := Dense(c, n)
			if err != nil || rd.RowToCol[0] != bestP[0] || math.Abs(rd.Cost-want) > 1e-12*want {
				t.Errorf("dense, scale %g: %v %v cost %g, want %v %g", scale, err, rd.RowToCol, rd.Cost, bestP, want)
			}
		}
	}
}
