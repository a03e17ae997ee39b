package flow_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// gaussFlow is the exact linear flow carrying N(0, I) to N(m, s² I):
// ψ_t(x0) = (1 + (s−1)t)·x0 + t·m, so with g(t) = (s−1)/(1 + (s−1)t),
// v_t(x) = m + g(t)·(x − t·m) and tr(∂v/∂x) = d·g(t).
type gaussFlow struct {
	m []float64
	s float64
}

func (g gaussFlow) Dim() int { return len(g.m) }

func (g gaussFlow) Velocity(dst, x []float64, t float64) {
	d := len(g.m)
	k := (g.s - 1) / (1 + (g.s-1)*t)
	for i := range x {
		mj := g.m[i%d]
		dst[i] = mj + k*(x[i]-t*mj)
	}
}

func (g gaussFlow) VelocityDiv(dst, div, x []float64, t float64) {
	g.Velocity(dst, x, t)
	k := (g.s - 1) / (1 + (g.s-1)*t)
	for i := range div {
		div[i] = float64(len(g.m)) * k
	}
}

// logProb is log N(x; m, s² I).
func (g gaussFlow) logProb(x []float64) float64 {
	var q float64
	for j, v := range x {
		z := (v - g.m[j]) / g.s
		q += z * z
	}
	d := float64(len(x))
	return -0.5*q - d*math.Log(g.s) - 0.5*d*math.Log(2*math.Pi)
}

// spiral is a nonlinear, non-volume-preserving flow in R² with a closed form:
// v(x) = ω(r)·J·x + c·x with ω(r) = 1 + r², J the rotation by 90°. The radius
// grows as r(t) = r0·e^{ct}, the angle as θ(t) = t + r0²(e^{2ct} − 1)/(2c), and
// tr(∂v/∂x) = 2c (the rotation part is divergence free: −ω'(r)·xy/r + ω'(r)·yx/r = 0).
type spiral struct{ c float64 }

func (spiral) Dim() int { return 2 }

func (s spiral) Velocity(dst, x []float64, _ float64) {
	for i := 0; i+1 < len(x); i += 2 {
		a, b := x[i], x[i+1]
		w := 1 + a*a + b*b
		dst[i] = -w*b + s.c*a
		dst[i+1] = w*a + s.c*b
	}
}

func (s spiral) VelocityDiv(dst, div, x []float64, t float64) {
	s.Velocity(dst, x, t)
	for i := range div {
		div[i] = 2 * s.c
	}
}

// inverse maps x1 = φ_1(x0) back to x0.
func (s spiral) inverse(x1 []float64) []float64 {
	e := math.Exp(-s.c)
	r0sq := (x1[0]*x1[0] + x1[1]*x1[1]) * e * e
	th := 1 + r0sq*(math.Exp(2*s.c)-1)/(2*s.c)
	sn, cs := math.Sincos(-th)
	return []float64{e * (cs*x1[0] - sn*x1[1]), e * (sn*x1[0] + cs*x1[1])}
}

func normals(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// TestLogLikelihoodGaussian checks the change of variables against the
// analytic log N(x1; m, s² I), with Dopri5 at tight tolerance and with RK4's
// error falling at 4th order.
func TestLogLikelihoodGaussian(t *testing.T) {
	g := gaussFlow{m: []float64{1, -0.5, 2}, s: 2} // s = 2: ∫tr = d·ln 2 ≠ 0, so a sign error shows
	const n = 8
	d := g.Dim()
	rng := rand.New(rand.NewPCG(11, 12))
	x1 := normals(rng, n*d)
	for i := range x1 {
		x1[i] = g.m[i%d] + g.s*x1[i] // draws from p_1 = N(m, s² I)
	}
	orig := append([]float64(nil), x1...)
	maxErr := func(lp []float64) float64 {
		var e float64
		for i := range lp {
			e = math.Max(e, math.Abs(lp[i]-g.logProb(x1[i*d:(i+1)*d])))
		}
		return e
	}
	dp := &solvers.Dopri5{RTol: 1e-10, ATol: 1e-10}
	lp, st, err := flow.LogLikelihood(dp, g, x1, flow.StdNormalLogProb)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x1 {
		if x1[i] != orig[i] {
			t.Fatal("LogLikelihood modified x1")
		}
	}
	e := maxErr(lp)
	t.Logf("dopri5 tol 1e-10: max |log p − exact| = %.3e (%d NFE)", e, st.NFE)
	// 1e-6: requested accuracy at tol 1e-10.
	if e > 1e-6 {
		t.Errorf("dopri5: log-likelihood error %g > 1e-6", e)
	}
	steps := []int{8, 16, 32, 64}
	errs := make([]float64, len(steps))
	for i, k := range steps {
		lp, st, err := flow.LogLikelihood(&solvers.Fixed{Tableau: solvers.RK4, Steps: k}, g, x1, flow.StdNormalLogProb)
		if err != nil {
			t.Fatal(err)
		}
		if st.NFE != 4*k {
			t.Errorf("rk4 %d steps: NFE %d", k, st.NFE)
		}
		errs[i] = maxErr(lp)
	}
	var orders []float64
	for i := 0; i+1 < len(errs); i++ {
		orders = append(orders, math.Log2(errs[i]/errs[i+1]))
	}
	t.Logf("rk4 steps %v: log-likelihood errors %.3e, orders %.3f", steps, errs, orders)
	// 4 ± 0.15, as for the solvers' order tests.
	if o := orders[len(orders)-1]; math.Abs(o-4) > 0.15 {
		t.Errorf("rk4 log-likelihood order %.3f, want 4 ± 0.15", o)
	}
}

// TestLogDensitySign integrates the augmented system itself: with ℓ(1) = 0,
// ℓ(0) = +∫_0^1 tr dt = d·ln s for the Gaussian flow, and x(0) = ψ_1^{-1}(x1) =
// (x1 − m)/s. This fixes log p_1 = log p_0(x(0)) − ℓ(0).
func TestLogDensitySign(t *testing.T) {
	g := gaussFlow{m: []float64{0.3, -1}, s: 3}
	x1 := []float64{1, 2, -0.5, 0.25}
	n, d := 2, 2
	y := make([]float64, n*d+n)
	copy(y, x1)
	if _, err := (&solvers.Dopri5{RTol: 1e-11, ATol: 1e-11}).Solve(flow.LogDensitySystem(g, n), y, 1, 0, nil); err != nil {
		t.Fatal(err)
	}
	// 1e-8: a hundred times the tolerance 1e-11 per component over one time unit.
	for i := 0; i < n; i++ {
		if l, want := y[n*d+i], float64(d)*math.Log(g.s); math.Abs(l-want) > 1e-8 {
			t.Errorf("ℓ_%d(0) = %.12g, want d·ln s = %.12g", i, l, want)
		}
		for j := 0; j < d; j++ {
			if want := (x1[i*d+j] - g.m[j]) / g.s; math.Abs(y[i*d+j]-want) > 1e-8 {
				t.Errorf("x_%d(0)[%d] = %.12g, want %.12g", i, j, y[i*d+j], want)
			}
		}
	}
}

// TestSpiral checks sampling and likelihood on a nonlinear flow whose
// divergence (2c) is nonzero and whose map is known in closed form.
func TestSpiral(t *testing.T) {
	s := spiral{c: 0.3}
	mu := []float64{0.5, -0.2}
	// p_0 = N(mu, 0.5² I): off-centre, so the rotation's angle matters.
	logp0 := func(x []float64) float64 {
		var q float64
		for j, v := range x {
			z := (v - mu[j]) / 0.5
			q += z * z
		}
		return -0.5*q - 2*math.Log(0.5) - math.Log(2*math.Pi)
	}
	x1 := []float64{0.9, 0.1, -0.4, 1.1, 0.2, -0.3}
	dp := &solvers.Dopri5{RTol: 1e-10, ATol: 1e-10}
	lp, _, err := flow.LogLikelihood(dp, s, x1, logp0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lp {
		x0 := s.inverse(x1[2*i : 2*i+2])
		want := logp0(x0) - 2*s.c // log p_1 = log p_0(x0) − ∫ 2c dt
		// 1e-7: a thousand times tol 1e-10, for a nonlinear field with ω ≤ 2.4 at these points.
		if math.Abs(lp[i]-want) > 1e-7 {
			t.Errorf("point %d: log p_1 = %.10g, want %.10g", i, lp[i], want)
		}
		// Sample carries x0 forward to x1.
		x := append([]float64(nil), x0...)
		res, err := flow.Sample(dp, s, x, 0, 1, []float64{0.5})
		if err != nil {
			t.Fatal(err)
		}
		if math.Hypot(x[0]-x1[2*i], x[1]-x1[2*i+1]) > 1e-7 || len(res.Traj) != 1 {
			t.Errorf("point %d: sampled %v, want %v", i, x, x1[2*i:2*i+2])
		}
		// The saved midpoint has radius r0·e^{c/2}.
		r0 := math.Hypot(x0[0], x0[1])
		if r := math.Hypot(res.Traj[0][0], res.Traj[0][1]); math.Abs(r-r0*math.Exp(s.c/2)) > 1e-7 {
			t.Errorf("point %d: radius at t=1/2 %.10g, want %.10g", i, r, r0*math.Exp(s.c/2))
		}
	}
}

// TestSampleGaussian pushes N(0, I) draws to ψ_1(x0) = s·x0 + m.
func TestSampleGaussian(t *testing.T) {
	g := gaussFlow{m: []float64{1, -0.5}, s: 0.5}
	rng := rand.New(rand.NewPCG(3, 1))
	x0 := normals(rng, 10*2)
	x := append([]float64(nil), x0...)
	res, err := flow.Sample(&solvers.Fixed{Tableau: solvers.RK4, Steps: 50}, g, x, 0, 1, []float64{0, 0.5, 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		m := g.m[i%2]
		// 1e-8: RK4 on this flow family errs by 3.5e-10 at 64 steps
		// (TestLogLikelihoodGaussian's log); 50 steps cost a factor (64/50)^4 ≈ 2.7.
		if want := g.s*x0[i] + m; math.Abs(x[i]-want) > 1e-8 {
			t.Errorf("x[%d] = %v, want %v", i, x[i], want)
		}
		if want := (1+(g.s-1)*0.5)*x0[i] + 0.5*m; math.Abs(res.Traj[1][i]-want) > 1e-8 {
			t.Errorf("x(1/2)[%d] = %v, want %v", i, res.Traj[1][i], want)
		}
	}
}

func TestStdNormalLogProb(t *testing.T) {
	x := []float64{0.3, -1.2, 2.5}
	var want float64
	for _, v := range x {
		want += distuv.UnitNormal.LogProb(v)
	}
	// 1e-14: a few roundings of O(1) values.
	if got := flow.StdNormalLogProb(x); math.Abs(got-want) > 1e-14 {
		t.Errorf("StdNormalLogProb = %.17g, want %.17g", got, want)
	}
}

// TestAdaptersAllocs guards that the adapters allocate nothing per Eval.
func TestAdaptersAllocs(t *testing.T) {
	g := gaussFlow{m: []float64{1, 2}, s: 2}
	const n = 5
	y := make([]float64, n*2+n)
	dy := make([]float64, len(y))
	vs := flow.VelocitySystem(g, n)
	ls := flow.LogDensitySystem(g, n)
	if a := testing.AllocsPerRun(50, func() {
		vs.Eval(0.3, y[:n*2], dy[:n*2])
		ls.Eval(0.3, y, dy)
	}); a != 0 {
		t.Errorf("%v allocations per Eval", a)
	}
}
