package solvers_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/solvers/testode"
)

// rotPts are three points at radii 0.5, 1 and ≈1.12 (angular speeds 1.25, 2, 2.25):
// over [0, 3] they turn by 3.75 to 6.75 rad, a nonlinear batch problem.
var rotPts = []float64{0.5, 0, 0, -1, 0.8, 0.8}

// maxErr returns max_i |y_i − exact_i(t)|.
func maxErr(p testode.Problem, y []float64, t float64) float64 {
	ex := make([]float64, len(y))
	p.Exact(t, ex)
	var m float64
	for i := range y {
		m = math.Max(m, math.Abs(y[i]-ex[i]))
	}
	return m
}

// solveErr solves p with s and returns the global error at T1.
func solveErr(t *testing.T, s solvers.Solver, p testode.Problem) (float64, solvers.Stats) {
	t.Helper()
	y := append([]float64(nil), p.Y0...)
	res, err := s.Solve(p.Sys, y, p.T0, p.T1, nil)
	if err != nil {
		t.Fatalf("%s on %s: %v", s.Name(), p.Name, err)
	}
	return maxErr(p, y, p.T1), res.Stats
}

// TestOrderFixed measures the convergence order of each tableau by halving h:
// order = log2(e(h)/e(h/2)), which tends to the method's classical order.
func TestOrderFixed(t *testing.T) {
	problems := []testode.Problem{testode.Riccati(), testode.Rotation(rotPts)}
	for _, c := range []struct {
		tab   solvers.Tableau
		steps []int
	}{
		// Euler needs h·ω ≪ 1 on the rotation (ω ≤ 2.25 on [0, 3]) to be in its
		// asymptotic regime; with 32 steps it spirals out and blows up.
		{solvers.Euler, []int{512, 1024, 2048, 4096}},
		// 32…256 steps: asymptotic for the 2nd-order methods, and coarse enough that
		// RK4's error (≈2e-11 at 256 steps) stays far above rounding (≈1e-15).
		{solvers.Midpoint, []int{32, 64, 128, 256}},
		{solvers.Heun, []int{32, 64, 128, 256}},
		{solvers.RK4, []int{32, 64, 128, 256}},
	} {
		tab, steps := c.tab, c.steps
		for _, p := range problems {
			errs := make([]float64, len(steps))
			for i, n := range steps {
				f, err := solvers.NewFixed(tab, n)
				if err != nil {
					t.Fatal(err)
				}
				var st solvers.Stats
				errs[i], st = solveErr(t, f, p)
				if st.NFE != n*tab.Stages() || st.Steps != n {
					t.Errorf("%s: stats %+v, want %d steps and %d evaluations", tab.Name, st, n, n*tab.Stages())
				}
			}
			orders := make([]float64, len(steps)-1)
			for i := range orders {
				orders[i] = math.Log2(errs[i] / errs[i+1])
			}
			t.Logf("%-8s %-8s errors %.3e  measured orders %.3f", tab.Name, p.Name, errs, orders)
			// ±0.15 around the classical order (requested tolerance), on the finest pair.
			if got := orders[len(orders)-1]; math.Abs(got-float64(tab.Order)) > 0.15 {
				t.Errorf("%s on %s: measured order %.3f, want %d ± 0.15", tab.Name, p.Name, got, tab.Order)
			}
		}
	}
}

// TestOrderDopri5Dense checks the 4th-order continuous extension: for a single
// step of size h (huge tolerances force acceptance) the dense-output error at
// mid-step is a local error O(h^5), so halving h divides it by ≈ 32. A wrong
// dense coefficient would leave only the cubic Hermite part, O(h^4).
func TestOrderDopri5Dense(t *testing.T) {
	p := testode.Rotation(rotPts)
	hs := []float64{0.2, 0.1, 0.05, 0.025}
	errs := make([]float64, len(hs))
	for i, h := range hs {
		// rtol 0.5, atol 1e3: every step's error estimate is far below 1, so the single
		// step of size H0 = h is accepted.
		d := &solvers.Dopri5{RTol: 0.5, ATol: 1e3, H0: h}
		y := append([]float64(nil), p.Y0...)
		res, err := d.Solve(p.Sys, y, 0, h, []float64{0.3 * h, 0.5 * h})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Steps != 1 || res.Stats.Rejected != 0 {
			t.Fatalf("h=%v: %+v, want exactly one accepted step", h, res.Stats)
		}
		errs[i] = math.Max(maxErr(p, res.Traj[0], 0.3*h), maxErr(p, res.Traj[1], 0.5*h))
	}
	var orders []float64
	for i := 0; i+1 < len(errs); i++ {
		orders = append(orders, math.Log2(errs[i]/errs[i+1]))
	}
	t.Logf("dopri5 dense output local errors %.3e, orders %.3f (local order 5 = global order 4)", errs, orders)
	// 5 ± 0.3: the local order of a 4th-order interpolant; h is not yet asymptotic at 0.2.
	if got := orders[len(orders)-1]; math.Abs(got-5) > 0.3 {
		t.Errorf("dense output local order %.3f, want 5 ± 0.3", got)
	}
}

// TestDopri5Tolerance checks tolerance proportionality: over rtol = atol =
// 1e-3 … 1e-10 the global error decreases monotonically and stays within a
// bounded factor of tol.
func TestDopri5Tolerance(t *testing.T) {
	for _, p := range []testode.Problem{testode.Riccati(), testode.Rotation(rotPts)} {
		prev := math.Inf(1)
		for e := 3; e <= 10; e++ {
			tol := math.Pow(10, -float64(e))
			d, err := solvers.NewDopri5(tol, tol)
			if err != nil {
				t.Fatal(err)
			}
			gerr, st := solveErr(t, d, p)
			t.Logf("%-8s tol %.0e: global error %.3e (error/tol %.3f), %d steps, %d rejected, %d NFE", p.Name, tol, gerr, gerr/tol, st.Steps, st.Rejected, st.NFE)
			// [0.05, 100]·tol: error-per-step control bounds the local error by tol; the
			// global error is their sum, amplified on the rotation by its shear (an error
			// in r changes ω(r), so phase errors grow over 3 time units). Measured
			// error/tol spans 0.27 (riccati) to 32 (rotation, tol 1e-3); the band catches
			// an error norm or controller off by two decades in either direction.
			if gerr > 100*tol || gerr < 0.05*tol {
				t.Errorf("%s tol %g: global error %g outside [0.05, 100]·tol", p.Name, tol, gerr)
			}
			if !(gerr < prev) {
				t.Errorf("%s tol %g: error %g did not decrease (previous %g)", p.Name, tol, gerr, prev)
			}
			prev = gerr
			// NFE = 1 (f0) + 1 (initial step) + 6 per attempted step (FSAL).
			if st.NFE != 2+6*(st.Steps+st.Rejected) {
				t.Errorf("NFE %d, want 2 + 6·(%d + %d)", st.NFE, st.Steps, st.Rejected)
			}
		}
	}
}

// TestBackward checks that integrating backward from the exact y(T1) recovers
// y(T0): for Dopri5 to tolerance, and for RK4 on a reversed grid to its
// 4th-order error.
func TestBackward(t *testing.T) {
	p := testode.Rotation(rotPts)
	y := make([]float64, len(p.Y0))
	// Forward then backward with Dopri5 retraces the trajectory.
	d, _ := solvers.NewDopri5(1e-10, 1e-10)
	copy(y, p.Y0)
	if _, err := d.Solve(p.Sys, y, p.T0, p.T1, nil); err != nil {
		t.Fatal(err)
	}
	res, err := d.Solve(p.Sys, y, p.T1, p.T0, []float64{2, 1.5, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// 1e-7: two solves at tol 1e-10, each within 10·tol (TestDopri5Tolerance), with
	// dense output at 4th order; 1e-7 leaves margin while still 1e3 below the
	// rotation's O(1) displacement.
	if e := maxErr(p, y, p.T0); e > 1e-7 {
		t.Errorf("dopri5 forward+backward: |y(0) − y0| = %g", e)
	}
	for k, tk := range res.Times {
		if e := maxErr(p, res.Traj[k], tk); e > 1e-7 {
			t.Errorf("dopri5 backward save at t=%v: error %g", tk, e)
		}
	}
	// RK4 backward on a decreasing grid from the exact y(T1).
	f, _ := solvers.NewFixed(solvers.RK4, 1)
	var errs []float64
	for _, n := range []int{100, 200} {
		grid := make([]float64, n+1)
		for i := range grid {
			grid[i] = p.T1 - (p.T1-p.T0)*float64(i)/float64(n)
		}
		p.Exact(p.T1, y)
		r, err := f.SolveGrid(p.Sys, y, grid, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Traj) != n+1 || r.Times[n] != p.T0 {
			t.Fatalf("SolveGrid saved %d states, want %d", len(r.Traj), n+1)
		}
		errs = append(errs, maxErr(p, y, p.T0))
	}
	ord := math.Log2(errs[0] / errs[1])
	t.Logf("rk4 backward errors %.3e, order %.3f", errs, ord)
	// Backward RK4 is the same 4th-order method with h < 0: ±0.15 as in TestOrderFixed.
	if math.Abs(ord-4) > 0.15 {
		t.Errorf("rk4 backward order %.3f, want 4 ± 0.15", ord)
	}
}

// TestAugmentedState integrates [x (n×2), ℓ (n)] (rotation plus arc length) as
// one flat state: the layout of the likelihood system works unchanged.
func TestAugmentedState(t *testing.T) {
	p := testode.RotationArc(rotPts)
	for _, c := range []struct {
		s   solvers.Solver
		tol float64
	}{
		// 1e-6: RK4 on the rotation has error 1.8e-7 at 256 steps (TestOrderFixed's log),
		// so ≈ 1.8e-7·(256/400)^4 ≈ 3e-8 at 400; the arc length is as smooth.
		{&solvers.Fixed{Tableau: solvers.RK4, Steps: 400}, 1e-6},
		// 1e-8: ten times the requested tolerance 1e-9 (TestDopri5Tolerance band).
		{&solvers.Dopri5{RTol: 1e-9, ATol: 1e-9}, 1e-8},
	} {
		if e, _ := solveErr(t, c.s, p); e > c.tol {
			t.Errorf("%s augmented: error %g > %g", c.s.Name(), e, c.tol)
		}
	}
}

// TestSave checks save semantics: fixed-step saves only on grid points, dense
// output close to the exact solution, copies that are not aliased.
func TestSave(t *testing.T) {
	p := testode.Riccati()
	f := &solvers.Fixed{Tableau: solvers.RK4, Steps: 20} // h = 0.1
	y := append([]float64(nil), p.Y0...)
	res, err := f.Solve(p.Sys, y, 0, 2, []float64{0, 0.5, 0.5, 1.3, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Traj) != 5 || res.Traj[0][0] != 1 || res.Traj[4][0] != y[0] {
		t.Fatalf("saved %v", res.Traj)
	}
	res.Traj[1][0] = 42
	if res.Traj[2][0] == 42 {
		t.Error("saved states alias each other")
	}
	for k, tk := range res.Times[2:] {
		// 1e-5: RK4 on riccati has error 9.8e-8 at 32 steps (TestOrderFixed's log), so
		// ≈ 9.8e-8·(32/20)^4 ≈ 6e-7 at 20 steps.
		if e := maxErr(p, res.Traj[k+2], tk); e > 1e-5 {
			t.Errorf("rk4 save at %v: error %g", tk, e)
		}
	}
	y[0] = 1
	if _, err := f.Solve(p.Sys, y, 0, 2, []float64{0.55}); err == nil || !strings.Contains(err.Error(), "grid") {
		t.Errorf("off-grid save: err = %v", err)
	}
	for _, bad := range [][]float64{{1, 0.5}, {-0.1}, {2.5}} {
		if _, err := f.Solve(p.Sys, y, 0, 2, bad); err == nil {
			t.Errorf("save %v accepted", bad)
		}
	}
	// Backward saves must decrease.
	if _, err := f.Solve(p.Sys, y, 2, 0, []float64{0.5, 1}); err == nil {
		t.Error("increasing save times accepted for backward integration")
	}
	d := &solvers.Dopri5{RTol: 1e-8, ATol: 1e-8}
	y[0] = 1
	ts := []float64{0, 0.123, 0.5, 1.7, 2}
	res, err = d.Solve(p.Sys, y, 0, 2, ts)
	if err != nil {
		t.Fatal(err)
	}
	for k, tk := range res.Times {
		// 1e-7: ten times tol (TestDopri5Tolerance band).
		if e := maxErr(p, res.Traj[k], tk); e > 1e-7 {
			t.Errorf("dopri5 dense save at %v: error %g", tk, e)
		}
	}
	y2 := append([]float64(nil), p.Y0...)
	res2, _ := d.Solve(p.Sys, y2, 0, 2, nil)
	if y2[0] != y[0] || res2.Stats != res.Stats {
		t.Errorf("saving changed the solve: %v vs %v, %+v vs %+v", y2[0], y[0], res2.Stats, res.Stats)
	}
	// t0 == t1: nothing to do, saves at t0 returned.
	res, err = d.Solve(p.Sys, y2, 1, 1, []float64{1})
	if err != nil || len(res.Traj) != 1 || res.Stats.NFE != 0 {
		t.Errorf("empty span: %+v, %v", res, err)
	}
}

// TestGrid checks SolveGrid on a non-uniform grid against Solve's uniform one
// and its validation.
func TestGrid(t *testing.T) {
	p := testode.Riccati()
	f := &solvers.Fixed{Tableau: solvers.Heun, Steps: 4}
	y1 := append([]float64(nil), p.Y0...)
	if _, err := f.Solve(p.Sys, y1, 0, 2, nil); err != nil {
		t.Fatal(err)
	}
	y2 := append([]float64(nil), p.Y0...)
	if _, err := f.SolveGrid(p.Sys, y2, []float64{0, 0.5, 1, 1.5, 2}, false); err != nil {
		t.Fatal(err)
	}
	if y1[0] != y2[0] {
		t.Errorf("uniform grid %v differs from Solve %v", y2[0], y1[0])
	}
	// A graded grid, finer where y changes fastest, converges too (Heun, order 2).
	var errs []float64
	for _, n := range []int{64, 128} {
		g := make([]float64, n+1)
		for i := range g {
			u := float64(i) / float64(n)
			g[i] = 2 * u * u // t = 2u²
		}
		y := append([]float64(nil), p.Y0...)
		if _, err := f.SolveGrid(p.Sys, y, g, false); err != nil {
			t.Fatal(err)
		}
		errs = append(errs, maxErr(p, y, 2))
	}
	// 2 ± 0.15: a smooth grid map keeps Heun's order 2.
	if o := math.Log2(errs[0] / errs[1]); math.Abs(o-2) > 0.15 {
		t.Errorf("graded grid order %.3f, want 2", o)
	}
	for _, g := range [][]float64{{0}, {0, 1, 1}, {0, 1, 0.5}, {0, math.NaN()}} {
		if _, err := f.SolveGrid(p.Sys, y2, g, false); err == nil {
			t.Errorf("grid %v accepted", g)
		}
	}
}

func TestErrors(t *testing.T) {
	// y' = y², y(0) = 1 blows up at t = 1: the step size must underflow.
	blow := solvers.SystemFunc(func(_ float64, y, dy []float64) { dy[0] = y[0] * y[0] })
	y := []float64{1}
	_, err := (&solvers.Dopri5{RTol: 1e-6, ATol: 1e-6}).Solve(blow, y, 0, 2, nil)
	if !errors.Is(err, solvers.ErrStepUnderflow) {
		t.Errorf("blow-up: err = %v, want ErrStepUnderflow", err)
	}
	// 1 − 1/y is how close to the singularity at t = 1 the solve got (y = 1/(1 − t)).
	if got := 1 - 1/y[0]; got < 0.999 {
		t.Errorf("stopped at t ≈ %v, before the singularity", got)
	}
	y = []float64{1}
	_, err = (&solvers.Dopri5{RTol: 1e-10, ATol: 1e-10, MaxSteps: 5}).Solve(testode.Riccati().Sys, y, 0, 2, nil)
	if !errors.Is(err, solvers.ErrMaxSteps) {
		t.Errorf("max steps: err = %v, want ErrMaxSteps", err)
	}
	for _, c := range []struct {
		name       string
		steps      int
		rtol, atol float64
		want       string
	}{
		{"rk2", 10, 0, 0, "euler, midpoint, heun, rk4, dopri5"},
		{"rk4", 0, 0, 0, "steps"},
		{"euler", -3, 0, 0, "steps"},
		{"dopri5", 0, -1e-3, 1e-3, "rtol"},
		{"dopri5", 0, 1e-3, 0, "atol"},
		{"dopri5", 0, 1e-3, math.NaN(), "atol"},
	} {
		_, err := solvers.ByName(c.name, c.steps, c.rtol, c.atol)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ByName(%q, %d, %v, %v) = %v, want error mentioning %q", c.name, c.steps, c.rtol, c.atol, err, c.want)
		}
	}
	for _, name := range solvers.Names() {
		s, err := solvers.ByName(name, 10, 1e-5, 1e-5)
		if err != nil || s.Name() != name {
			t.Errorf("ByName(%q) = %v, %v", name, s, err)
		}
	}
	bad := solvers.Tableau{Name: "bad", Order: 1, C: []float64{0, 0.5}, A: [][]float64{{}, {0.4}}, B: []float64{0, 1}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "C[1]") {
		t.Errorf("inconsistent tableau: %v", err)
	}
	implicit := solvers.Tableau{Name: "imp", Order: 1, C: []float64{1}, A: [][]float64{{1}}, B: []float64{1}}
	if err := implicit.Validate(); err == nil || !strings.Contains(err.Error(), "explicit") {
		t.Errorf("implicit tableau: %v", err)
	}
	for _, tab := range []solvers.Tableau{solvers.Euler, solvers.Midpoint, solvers.Heun, solvers.RK4} {
		if err := tab.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// TestAllocs guards that warmed-up solves without save times allocate nothing.
func TestAllocs(t *testing.T) {
	p := testode.Rotation(rotPts)
	y := append([]float64(nil), p.Y0...)
	for _, s := range []solvers.Solver{
		&solvers.Fixed{Tableau: solvers.RK4, Steps: 10},
		&solvers.Dopri5{RTol: 1e-6, ATol: 1e-6},
	} {
		if _, err := s.Solve(p.Sys, y, 0, 1, nil); err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(10, func() {
			copy(y, p.Y0)
			if _, err := s.Solve(p.Sys, y, 0, 1, nil); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%s: %v allocations per Solve", s.Name(), a)
		}
	}
	f := &solvers.Fixed{Tableau: solvers.Midpoint}
	grid := []float64{1, 0.7, 0.2, 0}
	if a := testing.AllocsPerRun(10, func() {
		if _, err := f.SolveGrid(p.Sys, y, grid, false); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("SolveGrid: %v allocations", a)
	}
}

// TestClone checks that a clone gives identical results with its own buffers.
func TestClone(t *testing.T) {
	p := testode.Rotation(rotPts)
	d := &solvers.Dopri5{RTol: 1e-7, ATol: 1e-7}
	c := d.Clone()
	y1 := append([]float64(nil), p.Y0...)
	y2 := append([]float64(nil), p.Y0...)
	r1, _ := d.Solve(p.Sys, y1, 0, 3, nil)
	r2, _ := c.Solve(p.Sys, y2, 0, 3, nil)
	for i := range y1 {
		if y1[i] != y2[i] || r1.Stats != r2.Stats {
			t.Fatalf("clone differs: %v vs %v", y1, y2)
		}
	}
}
