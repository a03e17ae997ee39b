package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestW2SqSorted1DHand: a = {0, 1}, b = {0, 1, 2}. The quantile functions
// differ by 1 on (1/3, 1/2] (0 vs 1) and on (2/3, 1] (1 vs 2), so
// W2² = 1·(1/6) + 1·(1/3) = 1/2.
func TestW2SqSorted1DHand(t *testing.T) {
	if got := w2SqSorted1D([]float64{0, 1}, []float64{0, 1, 2}); math.Abs(got-0.5) > 1e-15 {
		t.Fatalf("got %v, want 1/2", got)
	}
	if got := w2SqSorted1D([]float64{0, 1, 2}, []float64{0, 1}); math.Abs(got-0.5) > 1e-15 {
		t.Fatalf("swapped: got %v, want 1/2", got)
	}
}

// TestW2SqSorted1DReplication: an n-point and an m-point empirical measure
// equal an (n·m)-point one with each a-point repeated m times and each
// b-point n times; with equal sizes W2² is the mean squared difference of the
// sorted values. This independent computation must agree for any n, m.
func TestW2SqSorted1DReplication(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, nm := range [][2]int{{3, 5}, {7, 4}, {10, 10}, {13, 29}, {1, 6}} {
		n, m := nm[0], nm[1]
		a := gaussSample(rng, n, []float64{0}, 1)
		b := gaussSample(rng, m, []float64{0.3}, 2)
		slices.Sort(a)
		slices.Sort(b)
		var ra, rb []float64
		for _, v := range a {
			for k := 0; k < m; k++ {
				ra = append(ra, v)
			}
		}
		for _, v := range b {
			for k := 0; k < n; k++ {
				rb = append(rb, v)
			}
		}
		var want float64
		for i := range ra {
			want += (ra[i] - rb[i]) * (ra[i] - rb[i])
		}
		want /= float64(len(ra))
		// 1e-13 relative: different summation orders of ≤ 400 terms.
		if got := w2SqSorted1D(a, b); math.Abs(got-want) > 1e-13*want {
			t.Fatalf("n=%d m=%d: got %v, replicated %v", n, m, got, want)
		}
	}
}

// TestSlicedW2OneDimEqualsExactW2: for d = 1 every direction is ±1, so SW2
// is the exact 1-D W2, which the optimal assignment computes independently.
func TestSlicedW2OneDimEqualsExactW2(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := gaussSample(rng, 300, []float64{0}, 1)
	y := gaussSample(rng, 300, []float64{1}, 0.5)
	sw := SlicedW2(x, y, 1, MinProjections, rand.New(rand.NewPCG(5, 6)))
	w, err := W2(x, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	// 1e-12 relative: the same value from sorting vs assignment sums.
	if math.Abs(sw-w) > 1e-12*w {
		t.Fatalf("SW2 %v, exact W2 %v", sw, w)
	}
}

// TestSlicedW2Gaussians compares with the closed form for isotropic
// Gaussians, SW2² = |Δm|²/d + (s1 − s2)² (the 1-D W2² of the projections
// (θᵀΔm)² + (s1 − s2)², averaged with E(θᵀu)² = |u|²/d). Tolerance: 4 of the
// reported Monte-Carlo standard errors over directions, plus 4 standard
// deviations of the sampling error of the projected means and spreads,
// 2(|Δm|/sqrt(d) + |s1 − s2|)·sqrt((s1² + s2²)/n) to first order; the
// upward bias of an empirical 1-D W2² is O(log log n/n) ≈ 5e-4 here.
func TestSlicedW2Gaussians(t *testing.T) {
	cases := []struct {
		name   string
		d      int
		m1, m2 []float64
		s1, s2 float64
	}{
		{"scale only", 3, []float64{0, 0, 0}, []float64{0, 0, 0}, 1, 0.5},
		{"shift only", 3, []float64{0, 0, 0}, []float64{1, -1, 0.5}, 1, 1},
		{"both, 2-D", 2, []float64{0, 0}, []float64{2, 0}, 1, 0.5},
	}
	n := 4000
	for ci, c := range cases {
		rng := rand.New(rand.NewPCG(10, uint64(ci)))
		x := gaussSample(rng, n, c.m1, c.s1)
		y := gaussSample(rng, n, c.m2, c.s2)
		est := SlicedW2Estimate(x, y, c.d, DefaultProjections, rand.New(rand.NewPCG(11, uint64(ci))))
		var dm2 float64
		for k := range c.m1 {
			dm2 += (c.m1[k] - c.m2[k]) * (c.m1[k] - c.m2[k])
		}
		want := dm2/float64(c.d) + (c.s1-c.s2)*(c.s1-c.s2)
		samp := 2 * (math.Sqrt(dm2/float64(c.d)) + math.Abs(c.s1-c.s2)) * math.Sqrt((c.s1*c.s1+c.s2*c.s2)/float64(n))
		tol := 4*est.StdErrSq + 4*samp
		if math.Abs(est.SW2Sq-want) > tol {
			t.Errorf("%s: SW2² = %v ± %v (directions), closed form %v, tolerance %v", c.name, est.SW2Sq, est.StdErrSq, want, tol)
		}
		t.Logf("%s: SW2² = %.5f (SE over %d directions %.5f), closed form %.5f, |err| %.2g, tol %.2g",
			c.name, est.SW2Sq, est.Projections, est.StdErrSq, want, math.Abs(est.SW2Sq-want), tol)
	}
}

func TestSlicedW2DeterministicAndGuards(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := gaussSample(rng, 50, []float64{0, 0}, 1)
	y := gaussSample(rng, 70, []float64{1, 0}, 1)
	a := SlicedW2(x, y, 2, 600, rand.New(rand.NewPCG(9, 9)))
	b := SlicedW2(x, y, 2, 600, rand.New(rand.NewPCG(9, 9)))
	if a != b {
		t.Fatalf("same seed, different results: %v vs %v", a, b)
	}
	mustPanic(t, "too few projections", func() { SlicedW2(x, y, 2, 50, rand.New(rand.NewPCG(1, 1))) })
	mustPanic(t, "nil rng", func() { SlicedW2(x, y, 2, 600, nil) })
	allocs := testing.AllocsPerRun(3, func() { SlicedW2(x, y, 2, 600, rng) })
	// Three buffers (direction, two projections), independent of the
	// number of projections.
	if allocs > 3 {
		t.Fatalf("%v allocations, want ≤ 3", allocs)
	}
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Fatalf("%s: no panic", name)
		}
	}()
	f()
}

// bruteW2Sq is the minimum over all permutations of the mean squared
// distance, by recursion over rows.
func bruteW2Sq(x, y []float64, d int) float64 {
	n := len(x) / d
	used := make([]bool, n)
	best := math.Inf(1)
	var rec func(i int, acc float64)
	rec = func(i int, acc float64) {
		if i == n {
			best = math.Min(best, acc)
			return
		}
		for j := 0; j < n; j++ {
			if !used[j] {
				used[j] = true
				rec(i+1, acc+sqDist(x[i*d:(i+1)*d], y[j*d:(j+1)*d]))
				used[j] = false
			}
		}
	}
	rec(0, 0)
	return best / float64(n)
}

// TestW2BruteForce: exact W2 on small random sets equals the brute-force
// minimum over permutations.
func TestW2BruteForce(t *testing.T) {
	for n := 1; n <= 7; n++ {
		for seed := uint64(0); seed < 10; seed++ {
			rng := rand.New(rand.NewPCG(seed, uint64(n)))
			d := 1 + int(seed%3)
			x := gaussSample(rng, n, make([]float64, d), 1)
			y := gaussSample(rng, n, make([]float64, d), 2)
			r, err := W2Exact(x, y, d)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteW2Sq(x, y, d)
			// 1e-12 relative: summation order only.
			if math.Abs(r.W2Sq-want) > 1e-12*want || math.Abs(r.W2-math.Sqrt(want)) > 1e-12*math.Sqrt(want) {
				t.Fatalf("n=%d d=%d seed=%d: W2² %v, brute force %v", n, d, seed, r.W2Sq, want)
			}
		}
	}
	if _, err := W2(make([]float64, 4), make([]float64, 6), 2); err == nil {
		t.Fatal("unequal sizes: no error")
	}
}

// TestW2Gaussians compares exact W2 between samples with the closed form
// W2² = |Δm|² + d(s1 − s2)². The empirical W2 is biased upward by sampling
// noise. The test uses the triangle inequality |W2(x, y) − W2(P, Q)| ≤
// W2(x, P) + W2(y, Q), and bounds each W2(x, P) by W2(x, x') for an
// independent sample x' of P (W2²(x, P) ≤ E_{x'} W2²(x, x') by joint
// convexity; one draw of x' stands in for the expectation, with a factor 1.5
// of slack for its fluctuation). The measured error is logged.
func TestW2Gaussians(t *testing.T) {
	cases := []struct {
		name   string
		n      int
		m1, m2 []float64
		s1, s2 float64
	}{
		{"1-D", 1000, []float64{0}, []float64{2}, 1, 0.5},
		{"2-D", 1000, []float64{0, 0}, []float64{3, 1}, 1, 0.5},
	}
	for ci, c := range cases {
		rng := rand.New(rand.NewPCG(20, uint64(ci)))
		d := len(c.m1)
		x := gaussSample(rng, c.n, c.m1, c.s1)
		y := gaussSample(rng, c.n, c.m2, c.s2)
		x2 := gaussSample(rng, c.n, c.m1, c.s1)
		y2 := gaussSample(rng, c.n, c.m2, c.s2)
		w, err := W2(x, y, d)
		if err != nil {
			t.Fatal(err)
		}
		fx, _ := W2(x, x2, d)
		fy, _ := W2(y, y2, d)
		var dm2 float64
		for k := range c.m1 {
			dm2 += (c.m1[k] - c.m2[k]) * (c.m1[k] - c.m2[k])
		}
		want := math.Sqrt(dm2 + float64(d)*(c.s1-c.s2)*(c.s1-c.s2))
		tol := 1.5 * (fx + fy)
		if math.Abs(w-want) > tol {
			t.Errorf("%s: W2 %v, closed form %v, tolerance %v", c.name, w, want, tol)
		}
		t.Logf("%s n=%d: W2 = %.5f, closed form %.5f, error %+.4f; noise floors W2(x,x') = %.4f, W2(y,y') = %.4f",
			c.name, c.n, w, want, w-want, fx, fy)
	}
}

// slowMMD is the textbook unbiased estimator written with ordered pairs.
func slowMMD(x, y []float64, d int, h float64) float64 {
	k := func(a, b []float64) float64 {
		var s float64
		for i := range a {
			s += (a[i] - b[i]) * (a[i] - b[i])
		}
		return math.Exp(-s / (2 * h * h))
	}
	n, m := len(x)/d, len(y)/d
	var sxx, syy, sxy float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				sxx += k(x[i*d:(i+1)*d], x[j*d:(j+1)*d])
			}
		}
	}
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			if i != j {
				syy += k(y[i*d:(i+1)*d], y[j*d:(j+1)*d])
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			sxy += k(x[i*d:(i+1)*d], y[j*d:(j+1)*d])
		}
	}
	fn, fm := float64(n), float64(m)
	return sxx/(fn*(fn-1)) + syy/(fm*(fm-1)) - 2*sxy/(fn*fm)
}

func TestMMDMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 1))
	x := gaussSample(rng, 40, []float64{0, 0, 0}, 1)
	y := gaussSample(rng, 55, []float64{0.5, 0, 0}, 1.5)
	hs := []float64{0.1, 0.5, 1, 2, 10}
	got := MMD(x, y, 3, hs)
	for b, h := range hs {
		want := slowMMD(x, y, 3, h)
		// 1e-12 absolute: kernel values ≤ 1, ~10⁴ terms, different order.
		if math.Abs(got[b]-want) > 1e-12 {
			t.Errorf("h=%v: %v, direct %v", h, got[b], want)
		}
	}
}

// gaussKernelMean is E exp(−|X − Y|²/(2h²)) for X ∼ N(m1, s1²I), Y ∼
// N(m2, s2²I) independent in d dimensions:
// (h²/(h² + s1² + s2²))^{d/2} exp(−|m1 − m2|²/(2(h² + s1² + s2²))).
func gaussKernelMean(d int, dm2, s1, s2, h float64) float64 {
	v := h*h + s1*s1 + s2*s2
	return math.Pow(h*h/v, float64(d)/2) * math.Exp(-dm2/(2*v))
}

// TestMMDUnbiased: the mean of R independent MMD²_u estimates matches the
// closed form E k(X,X') + E k(Y,Y') − 2E k(X,Y) within 4 standard errors of
// that mean (unbiasedness), including the equal-distribution case where the
// truth is 0.
func TestMMDUnbiased(t *testing.T) {
	cases := []struct {
		name       string
		d          int
		dm, s1, s2 float64
	}{
		{"different", 2, 1, 1, 0.7},
		{"equal", 2, 0, 1, 1},
		{"3-D scale", 3, 0, 1, 1.3},
	}
	hs := []float64{0.5, 1, 3}
	R, n := 40, 100
	if testing.Short() {
		R = 20
	}
	for ci, c := range cases {
		rng := rand.New(rand.NewPCG(31, uint64(ci)))
		m1 := make([]float64, c.d)
		m2 := make([]float64, c.d)
		m2[0] = c.dm
		sum := make([]float64, len(hs))
		sq := make([]float64, len(hs))
		for r := 0; r < R; r++ {
			x := gaussSample(rng, n, m1, c.s1)
			y := gaussSample(rng, n, m2, c.s2)
			for b, v := range MMD(x, y, c.d, hs) {
				sum[b] += v
				sq[b] += v * v
			}
		}
		for b, h := range hs {
			mean := sum[b] / float64(R)
			se := math.Sqrt((sq[b]/float64(R) - mean*mean) / float64(R-1))
			want := gaussKernelMean(c.d, 0, c.s1, c.s1, h) + gaussKernelMean(c.d, 0, c.s2, c.s2, h) -
				2*gaussKernelMean(c.d, c.dm*c.dm, c.s1, c.s2, h)
			if math.Abs(mean-want) > 4*se {
				t.Errorf("%s h=%v: mean MMD² %v ± %v, closed form %v", c.name, h, mean, se, want)
			}
		}
	}
}

// TestMedianHeuristic: hand-computed medians of pooled pairwise distances.
func TestMedianHeuristic(t *testing.T) {
	// {0, 1} ∪ {3}: distances 1, 3, 2 → median 2.
	if got := MedianHeuristic([]float64{0, 1}, []float64{3}, 1); got != 2 {
		t.Errorf("odd: %v, want 2", got)
	}
	// {0, 1} ∪ {3, 7}: distances 1, 3, 7, 2, 6, 4 → (3 + 4)/2 = 3.5.
	if got := MedianHeuristic([]float64{0, 1}, []float64{3, 7}, 1); got != 3.5 {
		t.Errorf("even: %v, want 3.5", got)
	}
	// 2-D: (0,0), (3,4) ∪ (0,4): distances 5, 4, 3 → 4.
	if got := MedianHeuristic([]float64{0, 0, 3, 4}, []float64{0, 4}, 2); got != 4 {
		t.Errorf("2-D: %v, want 4", got)
	}
	// Above the cap, the strided subset of equally spaced points on a line
	// is again equally spaced: 4000 points at spacing 1 pooled, every
	// second one used (spacing 2, 2000 points); pair distances 2k with
	// multiplicity 2000 − k, whose median is computed directly here.
	x := make([]float64, 2000)
	y := make([]float64, 2000)
	for i := range x {
		x[i] = float64(i)
		y[i] = float64(2000 + i)
	}
	p := MedianHeuristicMaxPoints
	pairs := p * (p - 1) / 2
	// the r-th smallest pair distance (0-based): walk k = 1, 2, ... with
	// counts p − k.
	kth := func(r int) float64 {
		for k := 1; ; k++ {
			if r < p-k {
				return float64(2 * k)
			}
			r -= p - k
		}
	}
	want := 0.5 * (kth(pairs/2-1) + kth(pairs/2))
	if got := MedianHeuristic(x, y, 1); got != want {
		t.Errorf("strided: %v, want %v", got, want)
	}
}
