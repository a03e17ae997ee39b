package assign

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteForce returns the minimum of Σ_i C[i, σ(i)] over all permutations σ
// (Heap's algorithm), the independent reference for small n.
func bruteForce(cost []float64, n int) float64 {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	eval := func() float64 {
		var s float64
		for i, j := range perm {
			s += cost[i*n+j]
		}
		return s
	}
	best := eval()
	c := make([]int, n)
	for i := 1; i < n; {
		if c[i] < i {
			if i%2 == 0 {
				perm[0], perm[i] = perm[i], perm[0]
			} else {
				perm[c[i]], perm[i] = perm[i], perm[c[i]]
			}
			if v := eval(); v < best {
				best = v
			}
			c[i]++
			i = 1
		} else {
			c[i] = 0
			i++
		}
	}
	return best
}

func isPermutation(p []int) bool {
	seen := make([]bool, len(p))
	for _, j := range p {
		if j < 0 || j >= len(p) || seen[j] {
			return false
		}
		seen[j] = true
	}
	return true
}

func assignedCost(cost []float64, n int, p []int) float64 {
	var s float64
	for i, j := range p {
		s += cost[i*n+j]
	}
	return s
}

// TestDenseBruteForce compares with the minimum over all n! permutations for
// n ≤ 8 on four cost families: continuous uniform (no ties), small integers
// (many ties and degenerate optima), uniform plus a large offset, and squared
// distances of 2-D points.
func TestDenseBruteForce(t *testing.T) {
	families := []struct {
		name string
		gen  func(rng *rand.Rand, n int) []float64
	}{
		{"uniform", func(rng *rand.Rand, n int) []float64 {
			c := make([]float64, n*n)
			for k := range c {
				c[k] = rng.Float64()
			}
			return c
		}},
		{"integers0to3", func(rng *rand.Rand, n int) []float64 {
			c := make([]float64, n*n)
			for k := range c {
				c[k] = float64(rng.IntN(4))
			}
			return c
		}},
		// A large common offset: the auction's ε and the Dijkstra
		// distances are relative to the span (1), not the magnitude (1e6).
		{"offset1e6", func(rng *rand.Rand, n int) []float64 {
			c := make([]float64, n*n)
			for k := range c {
				c[k] = 1e6 + rng.Float64()
			}
			return c
		}},
		{"sqeuclid2d", func(rng *rand.Rand, n int) []float64 {
			x := make([]float64, 2*n)
			y := make([]float64, 2*n)
			for k := range x {
				x[k], y[k] = rng.NormFloat64(), rng.NormFloat64()+0.5
			}
			return sqEuclidMatrix(x, y, 2)
		}},
	}
	seeds := 40
	if testing.Short() {
		seeds = 10
	}
	for _, fam := range families {
		for n := 1; n <= 8; n++ {
			for seed := 0; seed < seeds; seed++ {
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(n)))
				c := fam.gen(rng, n)
				res, err := Dense(c, n)
				if err != nil {
					t.Fatal(err)
				}
				if !isPermutation(res.RowToCol) {
					t.Fatalf("%s n=%d seed=%d: not a permutation: %v", fam.name, n, seed, res.RowToCol)
				}
				want := bruteForce(c, n)
				// The reported cost must be the cost of the returned
				// permutation and equal the brute-force optimum; 1e-12
				// relative covers the different summation orders.
				if got := assignedCost(c, n, res.RowToCol); math.Abs(got-res.Cost) > 1e-12*(1+math.Abs(got)) {
					t.Fatalf("%s n=%d seed=%d: Cost %v but permutation costs %v", fam.name, n, seed, res.Cost, got)
				}
				if math.Abs(res.Cost-want) > 1e-12*(1+math.Abs(want)) {
					// 1e-12 relative: at offset 1e6 the sums are ~8e6 and
					// the ulp is ~1e-9, far below any true cost gap here.
					t.Fatalf("%s n=%d seed=%d: cost %v, brute force %v", fam.name, n, seed, res.Cost, want)
				}
			}
		}
	}
}

func sqEuclidMatrix(x, y []float64, d int) []float64 {
	n := len(x) / d
	c := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < d; k++ {
				t := x[i*d+k] - y[j*d+k]
				s += t * t
			}
			c[i*n+j] = s
		}
	}
	return c
}

// TestPermutationRecovery: matching a batch against a permuted copy of itself
// has optimal cost 0, attained only by the inverse permutation when the points
// are distinct, so the assignment must recover it exactly.
func TestPermutationRecovery(t *testing.T) {
	for _, tc := range []struct{ n, d int }{{50, 2}, {300, 2}, {200, 5}, {64, 1}} {
		rng := rand.New(rand.NewPCG(7, uint64(tc.n)))
		x := make([]float64, tc.n*tc.d)
		for k := range x {
			x[k] = rng.NormFloat64()
		}
		perm := rng.Perm(tc.n)
		y := make([]float64, len(x))
		for i, p := range perm {
			copy(y[p*tc.d:(p+1)*tc.d], x[i*tc.d:(i+1)*tc.d]) // y[perm[i]] = x[i]
		}
		res, err := SqEuclidean(x, y, tc.d)
		if err != nil {
			t.Fatal(err)
		}
		for i, j := range res.RowToCol {
			if j != perm[i] {
				t.Fatalf("n=%d d=%d: row %d matched to %d, want %d", tc.n, tc.d, i, j, perm[i])
			}
		}
		if res.Cost != 0 {
			t.Fatalf("n=%d d=%d: cost %v, want 0", tc.n, tc.d, res.Cost)
		}
		resD, err := Dense(sqEuclidMatrix(x, y, tc.d), tc.n)
		if err != nil {
			t.Fatal(err)
		}
		for i, j := range resD.RowToCol {
			if j != perm[i] {
				t.Fatalf("dense n=%d d=%d: row %d matched to %d, want %d", tc.n, tc.d, i, j, perm[i])
			}
		}
	}
}

// checkCertificate verifies LP optimality from the solver's column prices:
// with u_i = C[i, σ(i)] − v[σ(i)], dual feasibility C[i, j] − u_i − v_j ≥ 0 for
// all (i, j) and a permutation σ imply Σ C[i, σ(i)] = Σ u + Σ v, the dual
// bound, so σ is optimal. The slack allowed is rounding: tol·(max |C|).
func checkCertificate(t *testing.T, s *Solver, cost []float64, n int, p []int) {
	t.Helper()
	if !isPermutation(p) {
		t.Fatal("not a permutation")
	}
	var cmax float64
	for _, c := range cost {
		cmax = math.Max(cmax, math.Abs(c))
	}
	tol := 1e-12 * math.Max(cmax, 1) * float64(n) // prices accumulate ≤ n updates
	worst := 0.0
	for i := 0; i < n; i++ {
		ui := cost[i*n+p[i]] - s.v[p[i]]
		for j := 0; j < n; j++ {
			if r := cost[i*n+j] - ui - s.v[j]; r < worst {
				worst = r
			}
		}
	}
	if worst < -tol {
		t.Fatalf("n=%d: most negative reduced cost %v exceeds rounding tolerance %v", n, worst, tol)
	}
}

// TestOptimalityCertificate checks the dual certificate on sizes far beyond
// brute force, for the dense and the point-cloud entry points, and that both
// agree on the optimum.
func TestOptimalityCertificate(t *testing.T) {
	for _, tc := range []struct {
		n, d  int
		shift float64
	}{{100, 2, 0}, {400, 2, 3}, {300, 10, 1}, {250, 1, 0.5}} {
		rng := rand.New(rand.NewPCG(11, uint64(tc.n)))
		x := make([]float64, tc.n*tc.d)
		y := make([]float64, tc.n*tc.d)
		for k := range x {
			x[k] = rng.NormFloat64()
			y[k] = 0.5*rng.NormFloat64() + tc.shift
		}
		c := sqEuclidMatrix(x, y, tc.d)
		var s Solver
		p := make([]int, tc.n)
		cost, err := s.Dense(p, c, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		checkCertificate(t, &s, c, tc.n, p)
		q := make([]int, tc.n)
		cost2, err := s.SqEuclidean(q, x, y, tc.d)
		if err != nil {
			t.Fatal(err)
		}
		checkCertificate(t, &s, c, tc.n, q)
		// Same arithmetic on the same costs: the two entry points must give
		// the same assignment bit for bit.
		if cost != cost2 {
			t.Fatalf("n=%d: dense cost %v, point-cloud cost %v", tc.n, cost, cost2)
		}
	}
}

// TestOneDimensionalSorted: in 1-D with convex cost the sorted (monotone)
// matching is optimal, an independent closed-form reference at larger n.
func TestOneDimensionalSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 1000
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		y[i] = rng.ExpFloat64()
	}
	res, err := SqEuclidean(x, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	xs := append([]float64(nil), x...)
	ys := append([]float64(nil), y...)
	sortFloats(xs)
	sortFloats(ys)
	var want float64
	for i := range xs {
		want += (xs[i] - ys[i]) * (xs[i] - ys[i])
	}
	// Relative 1e-10: sums of 1000 terms in different orders.
	if math.Abs(res.Cost-want) > 1e-10*want {
		t.Fatalf("cost %v, sorted matching %v", res.Cost, want)
	}
}

func sortFloats(a []float64) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func TestEdgeCasesAndErrors(t *testing.T) {
	res, err := Dense(nil, 0)
	if err != nil || res.Cost != 0 || len(res.RowToCol) != 0 {
		t.Fatalf("n=0: %+v, %v", res, err)
	}
	res, err = Dense([]float64{-2.5}, 1)
	if err != nil || res.Cost != -2.5 || res.RowToCol[0] != 0 {
		t.Fatalf("n=1: %+v, %v", res, err)
	}
	if _, err := Dense([]float64{0, 1, math.NaN(), 2}, 2); err == nil {
		t.Fatal("NaN cost: no error")
	}
	if _, err := Dense([]float64{0, math.Inf(1), 1, 2}, 2); err == nil {
		t.Fatal("Inf cost: no error")
	}
	if _, err := SqEuclidean([]float64{0, math.NaN()}, []float64{1, 2}, 1); err == nil {
		t.Fatal("NaN point: no error")
	}
	// Negative costs are allowed: the optimum of [[-1, -5], [-3, -2]] is
	// −5 + −3 = −8 (rows matched to columns 1 and 0).
	res, err = Dense([]float64{-1, -5, -3, -2}, 2)
	if err != nil || res.Cost != -8 || res.RowToCol[0] != 1 || res.RowToCol[1] != 0 {
		t.Fatalf("negative costs: %+v, %v", res, err)
	}
	mustPanic(t, "bad length", func() { Dense(make([]float64, 5), 2) })
	mustPanic(t, "d=0", func() { SqEuclidean(nil, nil, 0) })
	mustPanic(t, "unequal sizes", func() { SqEuclidean(make([]float64, 4), make([]float64, 6), 2) })
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

// TestDeterministic: the same input gives the same assignment bit for bit.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 300
	x := make([]float64, 2*n)
	y := make([]float64, 2*n)
	for k := range x {
		x[k], y[k] = rng.NormFloat64(), rng.NormFloat64()
	}
	a, _ := SqEuclidean(x, y, 2)
	b, _ := SqEuclidean(x, y, 2)
	if a.Cost != b.Cost {
		t.Fatal("costs differ")
	}
	for i := range a.RowToCol {
		if a.RowToCol[i] != b.RowToCol[i] {
			t.Fatal("assignments differ")
		}
	}
}

// TestSolverNoAllocs guards the minibatch-coupling hot path: a warmed-up
// Solver allocates nothing.
func TestSolverNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	n, d := 128, 2
	x := make([]float64, n*d)
	y := make([]float64, n*d)
	for k := range x {
		x[k], y[k] = rng.NormFloat64(), rng.NormFloat64()
	}
	c := sqEuclidMatrix(x, y, d)
	var s Solver
	dst := make([]int, n)
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := s.SqEuclidean(dst, x, y, d); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Dense(dst, c, n); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per solve pair, want 0", allocs)
	}
}
