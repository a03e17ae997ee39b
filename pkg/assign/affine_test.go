package assign

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAffinePricesExactForAffineClouds: when y_i = A x_i + b for a
// symmetric positive definite A, the Gaussian map computed from the
// clouds' moments is x ↦ Ax + b itself, so with the prices of
// affinePrices every row's cheapest column (by a direct scan here) is its
// own image, and the identity, the unique optimum, comes out of a solve
// with fewer bids than from zero prices.
func TestAffinePricesExactForAffineClouds(t *testing.T) {
	defer func(on bool) { affineInit = on }(affineInit)
	rng := rand.New(rand.NewPCG(51, 52))
	for _, tc := range []struct {
		n        int
		a, b, c  float64 // A = [a b; b c]
		b0, b1   float64
		xs0, xs1 float64 // x scales
	}{
		{300, 2, 0.5, 0.7, 3, -1, 1, 1},
		{512, 0.3, -0.1, 1.5, -4, 2, 2, 0.5},
		{128, 1, 0, 1, 5, 0, 1, 3},
	} {
		n := tc.n
		x, y := make([]float64, 2*n), make([]float64, 2*n)
		y0, y1 := make([]float64, n), make([]float64, n)
		for i := 0; i < n; i++ {
			p := tc.xs0 * rng.NormFloat64()
			q := tc.xs1*rng.NormFloat64() + 0.3*p
			x[2*i], x[2*i+1] = p, q
			y[2*i] = tc.a*p + tc.b*q + tc.b0
			y[2*i+1] = tc.b*p + tc.c*q + tc.b1
			y0[i], y1[i] = y[2*i], y[2*i+1]
		}
		v := make([]float64, n)
		if !affinePrices(x, y0, y1, v) {
			t.Fatalf("n=%d: affinePrices failed on non-degenerate clouds", n)
		}
		for i := 0; i < n; i++ {
			best, arg := math.Inf(1), -1
			for j := 0; j < n; j++ {
				da, db := x[2*i]-y0[j], x[2*i+1]-y1[j]
				if r := da*da + db*db - v[j]; r < best {
					best, arg = r, j
				}
			}
			if arg != i {
				t.Fatalf("n=%d: row %d cheapest at column %d, want its image %d", n, i, arg, i)
			}
		}
		var s Solver
		p := make([]int, n)
		if _, err := s.SqEuclidean(p, x, y, 2); err != nil {
			t.Fatal(err)
		}
		for i, j := range p {
			if j != i {
				t.Fatalf("n=%d: row %d → %d, want the identity", n, i, j)
			}
		}
		checkCertificate(t, &s, sqEuclidMatrix(x, y, 2), n, p)
		bids := s.Stats().Bids
		affineInit = false
		if _, err := s.SqEuclidean(p, x, y, 2); err != nil {
			t.Fatal(err)
		}
		affineInit = true
		if plain := s.Stats().Bids; !(bids < plain*3/4) {
			t.Errorf("n=%d: %d bids from the affine prices, %d from zero prices", n, bids, plain)
		} else {
			t.Logf("n=%d: %d bids from the affine prices, %d from zero prices", n, bids, plain)
		}
	}
}

// TestAffinePricesDegenerate: singular covariances (collinear or
// identical points, either side) and non-finite moments leave the prices
// untouched, and those problems still solve exactly (same cost as the
// dense path, which never uses the affine prices).
func TestAffinePricesDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	n := 100
	line := func(dir0, dir1 float64) []float64 {
		z := make([]float64, 2*n)
		for i := 0; i < n; i++ {
			u := rng.NormFloat64()
			z[2*i], z[2*i+1] = 1+u*dir0, -2+u*dir1
		}
		return z
	}
	normal := func() []float64 {
		z := make([]float64, 2*n)
		for k := range z {
			z[k] = rng.NormFloat64()
		}
		return z
	}
	same := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		same[2*i], same[2*i+1] = 0.5, 0.25
	}
	for _, tc := range []struct {
		name string
		x, y []float64
	}{
		{"collinear x", line(1, 2), normal()},
		{"collinear y", normal(), line(0, 1)},
		{"identical y", normal(), same},
		{"identical x", same, normal()},
	} {
		y0, y1 := make([]float64, n), make([]float64, n)
		for j := 0; j < n; j++ {
			y0[j], y1[j] = tc.y[2*j], tc.y[2*j+1]
		}
		v := make([]float64, n)
		if affinePrices(tc.x, y0, y1, v) {
			t.Errorf("%s: affinePrices accepted singular moments", tc.name)
		}
		for j, p := range v {
			if p != 0 {
				t.Fatalf("%s: price %d changed to %v", tc.name, j, p)
			}
		}
		var s Solver
		p, q := make([]int, n), make([]int, n)
		c1, err := s.SqEuclidean(p, tc.x, tc.y, 2)
		if err != nil {
			t.Fatal(err)
		}
		c := sqEuclidMatrix(tc.x, tc.y, 2)
		checkCertificate(t, &s, c, n, p)
		c2, err := s.Dense(q, c, n)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(c1-c2) > 1e-9*math.Abs(c2) {
			t.Errorf("%s: point-cloud cost %v, dense %v", tc.name, c1, c2)
		}
	}
	if affinePrices(make([]float64, 2), make([]float64, 1), make([]float64, 1), make([]float64, 1)) {
		t.Error("affinePrices accepted n = 1")
	}
}
