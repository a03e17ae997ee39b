package couplings

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowbench/flowbench/pkg/assign"
)

func normals(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// TestExactOTRecoversPermutation: pairing a batch with a permuted copy of
// itself has the zero-cost optimum that undoes the permutation (unique for
// distinct points, since every other assignment has positive cost).
func TestExactOTRecoversPermutation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ n, d int }{{1, 2}, {7, 1}, {64, 2}, {128, 5}} {
		x0 := normals(rng, c.n*c.d)
		p := rng.Perm(c.n)
		x1 := make([]float64, len(x0))
		for i, j := range p {
			copy(x1[i*c.d:(i+1)*c.d], x0[j*c.d:(j+1)*c.d])
		}
		var o ExactOT
		if err := o.Pair(x0, x1, c.n, c.d, rng); err != nil {
			t.Fatal(err)
		}
		for k := range x0 {
			if x0[k] != x1[k] {
				t.Fatalf("n=%d d=%d: x1[%d] = %v after pairing, want x0's %v", c.n, c.d, k, x1[k], x0[k])
			}
		}
		if o.Cost() != 0 {
			t.Errorf("n=%d: optimal cost %g, want 0", c.n, o.Cost())
		}
		// Perm maps row i to the old row of x1 holding x0_i: p^{-1}.
		for i, j := range o.Perm() {
			if p[j] != i {
				t.Errorf("n=%d: Perm[%d] = %d, but the permuted copy put x0_%d at row %d", c.n, i, j, i, j)
			}
		}
	}
}

// TestOTLowersCost: the OT pairing's mean cost equals assign's optimum
// divided by n and is below the independent pairing's; Sinkhorn with a tiny
// ε is close to it, with a huge ε it averages the whole cost matrix.
func TestOTLowersCost(t *testing.T) {
	const n, d = 64, 2
	rng := rand.New(rand.NewPCG(3, 4))
	x0 := normals(rng, n*d)
	x1 := normals(rng, n*d)
	for i := range x1 {
		x1[i] = 2*x1[i] + 1
	}
	indep := MeanSqDist(x0, x1, d)
	var full float64 // mean of the whole cost matrix: the independent plan's cost
	for i := range n {
		for j := range n {
			full += MeanSqDist(x0[i*d:(i+1)*d], x1[j*d:(j+1)*d], d)
		}
	}
	full /= n * n
	opt, err := assign.SqEuclidean(x0, x1, d)
	if err != nil {
		t.Fatal(err)
	}
	ot := append([]float64(nil), x1...)
	var o ExactOT
	if err := o.Pair(x0, ot, n, d, rng); err != nil {
		t.Fatal(err)
	}
	otCost := MeanSqDist(x0, ot, d)
	if math.Abs(otCost-opt.Cost/n) > 1e-12*otCost {
		t.Errorf("OT pairing mean cost %g, assign optimum/n %g", otCost, opt.Cost/n)
	}
	if !(otCost < 0.5*indep) {
		t.Errorf("OT mean cost %g not well below the independent %g", otCost, indep)
	}
	t.Logf("mean pair cost: independent %.4f, OT %.4f (plan mean %.4f)", indep, otCost, full)

	sinkCost := func(eps float64, draws int) float64 {
		s := &Sinkhorn{Eps: eps}
		var tot float64
		for range draws {
			y := append([]float64(nil), x1...)
			if err := s.Pair(x0, y, n, d, rng); err != nil {
				t.Fatal(err)
			}
			tot += MeanSqDist(x0, y, d)
		}
		return tot / float64(draws)
	}
	// ε = 0.01 is small against the costs here (mean ≈ 10), so the plan is
	// nearly the permutation; 3% slack for off-plan draws.
	c := sinkCost(0.01, 10)
	if math.Abs(c-otCost) > 0.03*otCost {
		t.Errorf("Sinkhorn ε=0.01 mean cost %g, OT %g", c, otCost)
	}
	t.Logf("Sinkhorn ε=0.01 mean pair cost %.4f", c)
	// ε = 1e4 ≫ max cost: plan ≈ 1/n², the draws average the cost matrix;
	// 200 draws of a 64-row mean: sampling error a few % of the mean.
	c = sinkCost(1e4, 200)
	t.Logf("Sinkhorn ε=1e4 mean pair cost %.4f", c)
	if math.Abs(c-full) > 0.05*full {
		t.Errorf("Sinkhorn ε=1e4 mean cost %g, independent-plan cost %g", c, full)
	}
}

func marginalErrors(plan []float64, n int) (rows, cols float64) {
	for i := range n {
		var r, c float64
		for j := range n {
			r += plan[i*n+j]
			c += plan[j*n+i]
		}
		rows += math.Abs(r - 1/float64(n))
		cols += math.Abs(c - 1/float64(n))
	}
	return rows, cols
}

func TestSinkhornMarginals(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, d = 48, 3
	x0, x1 := normals(rng, n*d), normals(rng, n*d)
	cost := make([]float64, n*n)
	for i := range n {
		for j := range n {
			cost[i*n+j] = MeanSqDist(x0[i*d:(i+1)*d], x1[j*d:(j+1)*d], d)
		}
	}
	// The stopping rule promises an L1 marginal error below Tol (rows exact
	// to rounding on convergence, columns within Tol), checked here from the
	// returned plan. Tolerances per case: what converges in a few thousand
	// sweeps at that ε (the rate degrades as ε shrinks against max cost).
	for _, c := range []struct {
		eps      float64
		relative bool
		tol      float64
	}{{1, true, 1e-10}, {10, false, 1e-12}, {0.5, false, 1e-8}, {0.05, true, 1e-5}, {0.01, false, 1e-3}} {
		s := &Sinkhorn{Eps: c.eps, Relative: c.relative, MaxIter: 20000, Tol: c.tol}
		plan, err := s.Plan(cost, n)
		if err != nil {
			t.Fatal(err)
		}
		r, col := marginalErrors(plan, n)
		if r > c.tol || col > c.tol || s.Stats().Unconverged != 0 {
			t.Errorf("ε=%v relative=%v: marginal L1 errors rows %g cols %g after %d sweeps", c.eps, c.relative, r, col, s.Stats().Iters)
		}
		t.Logf("ε=%v relative=%v: %d sweeps, ε_abs %.4g", c.eps, c.relative, s.Stats().Iters, s.Stats().EpsAbs)
	}
}

// TestSinkhornBudget: when MaxIter runs out in an intermediate ε-scaling
// stage, the plan is still built at the target ε (two final sweeps, the last
// a column update: columns exact) and the solve is counted as unconverged.
func TestSinkhornBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n = 16
	cost := make([]float64, n*n)
	for k := range cost {
		cost[k] = 10 * rng.Float64()
	}
	s := &Sinkhorn{Eps: 1e-3, MaxIter: 3}
	plan, err := s.Plan(cost, n)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.EpsAbs != 1e-3 || st.Unconverged != 1 || st.Iters != 5 {
		t.Errorf("stats %+v, want ε 1e-3, 1 unconverged, 3 + 2 sweeps", st)
	}
	if _, cols := marginalErrors(plan, n); cols > 1e-12 {
		t.Errorf("column marginal L1 error %g after a final column update", cols)
	}
}

// TestSinkhornTwoByTwo: with marginals (½, ½) the plan is [[p, ½−p], [½−p, p]]
// and the Gibbs form P = diag(u) K diag(v) fixes the cross ratio
// P11·P22/(P12·P21) = κ = exp(−(C11 + C22 − C12 − C21)/ε), so
// p = √κ / (2(1 + √κ)).
func TestSinkhornTwoByTwo(t *testing.T) {
	for _, c := range []struct {
		cost []float64
		eps  float64
	}{
		{[]float64{0, 1, 1, 0}, 1},
		{[]float64{0, 1, 1, 0}, 0.1},
		{[]float64{0.3, 2, 0.7, 5}, 0.5},
		{[]float64{4, 1, 0, 3}, 0.05},
		{[]float64{4, 1, 0, 3}, 100},
		// A common offset leaves κ unchanged but makes exp(−C/ε) tiny
		// (e^-500: the scalings pass 1e100 and are absorbed) or zero
		// (e^-1000 underflows: the log-domain fallback runs) when the
		// sweeps start from zero potentials without ε-scaling.
		{[]float64{500, 501, 501.5, 500.2}, 1},
		{[]float64{1000, 1001, 1001.5, 1000.2}, 1},
		// Rows fine, second column underflows: the column fallback runs.
		{[]float64{0, 1000, 0.5, 1000.3}, 1},
	} {
		for _, noScaling := range []bool{false, true} {
			s := &Sinkhorn{Eps: c.eps, Tol: 1e-14, MaxIter: 100000, NoScaling: noScaling}
			plan, err := s.Plan(c.cost, 2)
			if err != nil {
				t.Fatal(err)
			}
			checkTwoByTwo(t, c.cost, c.eps, plan)
		}
	}
}

func checkTwoByTwo(t *testing.T, cost []float64, eps float64, plan []float64) {
	t.Helper()
	sk := math.Exp(-(cost[0] + cost[3] - cost[1] - cost[2]) / (2 * eps))
	p := sk / (2 * (1 + sk))
	want := []float64{p, 0.5 - p, 0.5 - p, p}
	for k := range want {
		if math.Abs(plan[k]-want[k]) > 1e-12 {
			t.Errorf("cost %v ε=%v: plan %v, want %v", cost, eps, plan, want)
			return
		}
	}
}

// TestSinkhornTendsToOT: ‖P_ε − P_OT‖₁ shrinks with ε (P_OT = permutation/n
// from assign), and is negligible at ε = 1e-3 on O(1) costs.
func TestSinkhornTendsToOT(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d = 16, 2
	x0, x1 := normals(rng, n*d), normals(rng, n*d)
	cost := make([]float64, n*n)
	for i := range n {
		for j := range n {
			cost[i*n+j] = MeanSqDist(x0[i*d:(i+1)*d], x1[j*d:(j+1)*d], d)
		}
	}
	opt, err := assign.Dense(cost, n)
	if err != nil {
		t.Fatal(err)
	}
	prev := math.Inf(1)
	for _, eps := range []float64{1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001} {
		s := &Sinkhorn{Eps: eps, MaxIter: 20000, Tol: 1e-6}
		plan, err := s.Plan(cost, n)
		if err != nil {
			t.Fatal(err)
		}
		var dist float64
		for i := range n {
			for j := range n {
				ot := 0.0
				if opt.RowToCol[i] == j {
					ot = 1.0 / n
				}
				dist += math.Abs(plan[i*n+j] - ot)
			}
		}
		t.Logf("ε=%-6v ‖P_ε − P_OT‖₁ = %.3e (%d sweeps)", eps, dist, s.Stats().Iters)
		if !(dist < prev) {
			t.Errorf("ε=%v: distance %g did not shrink from %g", eps, dist, prev)
		}
		prev = dist
	}
	if prev > 1e-3 {
		t.Errorf("at ε=1e-3 the plan is still %g from the OT plan in L1", prev)
	}
}

// TestSinkhornSampling: on two points per side with cost [[0,1],[1,0]] and
// ε = 1, the diagonal mass is 2p = √κ/(1+√κ), κ = e^{2} (TestSinkhornTwoByTwo);
// both sampling modes must pair "like with like" with that frequency.
func TestSinkhornSampling(t *testing.T) {
	sk := math.E
	want := sk / (1 + sk) // 0.7311
	const draws = 20000
	// 5σ of a binomial proportion over 20000 draws of 2 rows each.
	tol := 5 * math.Sqrt(want*(1-want)/(2*draws))
	for _, joint := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(9, 10))
		s := &Sinkhorn{Eps: 1, Joint: joint}
		var diag int
		for range draws {
			x0 := []float64{0, 1}
			x1 := []float64{0, 1}
			if err := s.Pair(x0, x1, 2, 1, rng); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				if x0[i] == x1[i] {
					diag++
				}
			}
		}
		got := float64(diag) / (2 * draws)
		if math.Abs(got-want) > tol {
			t.Errorf("joint=%v: diagonal frequency %.4f, want %.4f ± %.4f", joint, got, want, tol)
		}
	}
}

func TestDeterministicAndAllocs(t *testing.T) {
	const n, d = 32, 2
	base := rand.New(rand.NewPCG(11, 12))
	x0, x1 := normals(base, n*d), normals(base, n*d)
	for _, c := range []Coupling{Independent{}, &ExactOT{}, &Sinkhorn{Eps: 0.1}, &Sinkhorn{Eps: 0.1, Joint: true}} {
		run := func(seed uint64) []float64 {
			a, b := append([]float64(nil), x0...), append([]float64(nil), x1...)
			if err := c.Pair(a, b, n, d, rand.New(rand.NewPCG(seed, 0))); err != nil {
				t.Fatal(err)
			}
			return append(a, b...)
		}
		r1, r2 := run(1), run(1)
		for k := range r1 {
			if r1[k] != r2[k] {
				t.Fatalf("%s: same seed, different pairing", c.Name())
			}
		}
		a, b := append([]float64(nil), x0...), append([]float64(nil), x1...)
		rng := rand.New(rand.NewPCG(1, 1))
		allocs := testing.AllocsPerRun(5, func() {
			if err := c.Pair(a, b, n, d, rng); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Pair after warm-up", c.Name(), allocs)
		}
	}
}

func TestErrors(t *testing.T) {
	bad := []float64{0, math.NaN()}
	ok := []float64{0, 1}
	for _, c := range []Coupling{&ExactOT{}, &Sinkhorn{Eps: 1}} {
		if err := c.Pair(append([]float64(nil), ok...), append([]float64(nil), bad...), 2, 1, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("%s accepted a NaN coordinate", c.Name())
		}
	}
	if _, err := New("emd", Params{}); err == nil {
		t.Error("New accepted an unknown coupling")
	}
	if _, err := New(NameSinkhorn, Params{Eps: 0}); err == nil {
		t.Error("New accepted sinkhorn with ε = 0")
	}
	for _, name := range Names() {
		c, err := New(name, Params{Eps: 0.1})
		if err != nil || c.Name() != name {
			t.Errorf("New(%q) = %v, %v", name, c, err)
		}
	}
}

func BenchmarkPair(b *testing.B) {
	const n, d = 256, 2
	rng := rand.New(rand.NewPCG(1, 2))
	x0, x1 := normals(rng, n*d), normals(rng, n*d)
	for _, c := range []Coupling{&ExactOT{}, &Sinkhorn{Eps: 0.05, Relative: true}} {
		b.Run(c.Name(), func(b *testing.B) {
			for b.Loop() {
				if err := c.Pair(x0, x1, n, d, rng); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSinkhornMatchesLogDomain: the plan of the scaling-form solver (whose
// ε-stages square the previous kernel instead of exponentiating) equals the
// plan of a plain log-domain Sinkhorn written out here, iterated to
// convergence at the target ε from zero potentials.
func TestSinkhornMatchesLogDomain(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n, d = 40, 2
	x0, x1 := normals(rng, n*d), normals(rng, n*d)
	for i := range x1 {
		x1[i] = 3*x1[i] + 2 // a shifted, wider target: costs up to ~100
	}
	cost := make([]float64, n*n)
	for i := range n {
		for j := range n {
			var c float64
			for k := range d {
				e := x0[i*d+k] - x1[j*d+k]
				c += e * e
			}
			cost[i*n+j] = c
		}
	}
	for _, eps := range []float64{0.7, 2, 9} {
		f, g := make([]float64, n), make([]float64, n)
		logw := -math.Log(n)
		lse := func(vals []float64) float64 {
			m := math.Inf(-1)
			for _, v := range vals {
				m = math.Max(m, v)
			}
			var s float64
			for _, v := range vals {
				s += math.Exp(v - m)
			}
			return m + math.Log(s)
		}
		tmp := make([]float64, n)
		for it := 0; ; it++ {
			var moved float64
			for i := range n {
				for j := range n {
					tmp[j] = (g[j] - cost[i*n+j]) / eps
				}
				fi := eps * (logw - lse(tmp))
				moved = math.Max(moved, math.Abs(fi-f[i]))
				f[i] = fi
			}
			if it > 0 && moved < 1e-13 {
				break
			}
			if it == 200000 {
				t.Fatalf("ε=%v: the reference log-domain Sinkhorn did not converge", eps)
			}
			for j := range n {
				for i := range n {
					tmp[i] = (f[i] - cost[i*n+j]) / eps
				}
				g[j] = eps * (logw - lse(tmp))
			}
		}
		for _, noScaling := range []bool{false, true} {
			s := &Sinkhorn{Eps: eps, Tol: 1e-13, MaxIter: 1000000, NoScaling: noScaling}
			plan, err := s.Plan(cost, n)
			if err != nil {
				t.Fatal(err)
			}
			var maxDiff float64
			for i := range n {
				for j := range n {
					want := math.Exp((f[i] + g[j] - cost[i*n+j]) / eps)
					maxDiff = math.Max(maxDiff, math.Abs(plan[i*n+j]-want))
				}
			}
			// Plan entries are O(1/n) = 0.025; the solvers stop at an L1
			// marginal error of 1e-13.
			if maxDiff > 1e-11 {
				t.Errorf("ε=%v noScaling=%v: max |P − P_log| = %g after %d sweeps", eps, noScaling, maxDiff, s.Stats().Iters)
			}
		}
	}
}
