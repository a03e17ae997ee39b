package oracle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/paths"
)

// Compile-time checks: both fields are flow.DivField.
var (
	_ flow.DivField = (*Field)(nil)
	_ flow.DivField = (*CouplingField)(nil)
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// mix3 is a 3-D diagonal mixture with unequal weights, means and variances,
// so the weights w_k(x) vary strongly between components.
func mix3() datasets.Mixture {
	return datasets.Mixture{
		Weights: []float64{0.25, 0.45, 0.3},
		Means:   [][]float64{{-2, 0.5, 1}, {1.5, -1, 0}, {0.5, 2, -1.5}},
		Vars:    [][]float64{{0.2, 0.5, 0.1}, {0.8, 0.15, 0.3}, {0.3, 0.3, 0.6}},
	}
}

func eight() datasets.Mixture {
	return datasets.NewEightGaussians("8gaussians", datasets.FFJORD8GaussiansRadius, datasets.FFJORD8GaussiansStd).AsMixture()
}

// source2 is a 3-D two-component source for the coupling field.
func source2() datasets.Mixture {
	return datasets.Mixture{
		Weights: []float64{0.6, 0.4},
		Means:   [][]float64{{1, -0.5, 0}, {-1, 0.5, 0.5}},
		Vars:    [][]float64{{0.5, 1.2, 0.7}, {1.5, 0.4, 1}},
	}
}

type divField interface {
	flow.DivField
	LogProbT(x []float64, t float64) float64
}

type fieldCase struct {
	name string
	f    divField
	ts   []float64
}

func fieldCases(t *testing.T) []fieldCase {
	t.Helper()
	vp, err := paths.NewVP(paths.DefaultBetaMin, paths.DefaultBetaMax, paths.DefaultEps)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(m datasets.Mixture, s paths.Schedule) divField {
		f, err := NewField(m, s)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	cf, err := NewCouplingField(source2(), mix3(), paths.Rectified{})
	if err != nil {
		t.Fatal(err)
	}
	cfc, err := NewCouplingField(source2(), mix3(), paths.Cosine{})
	if err != nil {
		t.Fatal(err)
	}
	emp := datasets.NewEmpirical("", []float64{0, 0, 1, 2, -1.5, 0.5, 2, -1}, 4, 2).AsMixture()
	return []fieldCase{
		{"ot0.01/mix3", mk(mix3(), paths.OT{SigmaMin: 0.01}), []float64{0, 0.3, 0.7, 0.95, 1}},
		{"ot0/8gaussians", mk(eight(), paths.OT{}), []float64{0.1, 0.5, 0.9, 1}},
		{"vp/mix3", mk(mix3(), vp), []float64{0, 0.4, 0.8, 0.99}},
		{"cosine/mix3", mk(mix3(), paths.Cosine{}), []float64{0.2, 0.6, 1}},
		{"empirical/ot0", mk(emp, paths.OT{}), []float64{0.2, 0.5, 0.8}},
		{"coupling/rectified", cf, []float64{0, 0.35, 0.75, 1}},
		{"coupling/cosine", cfc, []float64{0.1, 0.5, 0.9}},
	}
}

// testPoints returns points spread over the region where p_t has mass plus
// points between components (where the weights change fastest).
func testPoints(rng *rand.Rand, d, n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		x := make([]float64, d)
		for j := range x {
			x[j] = 2.5 * rng.NormFloat64()
		}
		out[i] = x
	}
	return out
}

func TestDivergenceIsJacobianTrace(t *testing.T) {
	rng := newRNG(1)
	worst := 0.0
	defer func() { t.Logf("max |div − FD trace| / scale = %.2g", worst) }()
	for _, c := range fieldCases(t) {
		d := c.f.Dim()
		for _, tt := range c.ts {
			for _, x := range testPoints(rng, d, 6) {
				u, div := make([]float64, d), make([]float64, 1)
				c.f.VelocityDiv(u, div, x, tt)
				// Central differences, step 1e-5: truncation O(h²) ≈ 1e-10·|∂³u|,
				// rounding ≈ 1e-16·|u|/h ≈ 1e-11·|u|.
				jac := mat.NewDense(d, d, nil)
				fd.Jacobian(jac, func(y, xx []float64) { c.f.Velocity(y, xx, tt) }, x,
					&fd.JacobianSettings{Formula: fd.Central, Step: 1e-5})
				tr, scale := 0.0, 1.0
				for i := 0; i < d; i++ {
					tr += jac.At(i, i)
					scale += math.Abs(jac.At(i, i))
				}
				// rel 1e-6 of the trace's magnitude (sum of |J_ii|, at least 1).
				worst = math.Max(worst, math.Abs(div[0]-tr)/scale)
				if math.Abs(div[0]-tr) > 1e-6*scale {
					t.Errorf("%s t=%v x=%v: div %v, FD trace %v (diff %.2g)", c.name, tt, x, div[0], tr, div[0]-tr)
				}
				// Velocity and VelocityDiv agree on u.
				u2 := make([]float64, d)
				c.f.Velocity(u2, x, tt)
				for i := range u {
					if math.Abs(u[i]-u2[i]) > 1e-13*(1+math.Abs(u[i])) {
						t.Errorf("%s: Velocity %v vs VelocityDiv %v", c.name, u2, u)
					}
				}
			}
		}
	}
}

// TestContinuityEquation checks ∂_t log p_t + ∇·u_t + u_t·∇log p_t = 0 at
// points, with ∂_t and ∇ of log p_t by central differences of LogProbT:
// the identity that makes u_t the field generating p_t.
func TestContinuityEquation(t *testing.T) {
	rng := newRNG(2)
	worst := 0.0
	defer func() { t.Logf("max |continuity residual| / scale = %.2g", worst) }()
	for _, c := range fieldCases(t) {
		d := c.f.Dim()
		for _, tt := range c.ts {
			if tt == 0 || tt == 1 {
				continue // one-sided in t; the interior covers the identity
			}
			for _, x := range testPoints(rng, d, 5) {
				u, div := make([]float64, d), make([]float64, 1)
				c.f.VelocityDiv(u, div, x, tt)
				dt := fd.Derivative(func(s float64) float64 { return c.f.LogProbT(x, s) }, tt,
					&fd.Settings{Formula: fd.Central, Step: 1e-5})
				grad := make([]float64, d)
				fd.Gradient(grad, func(y []float64) float64 { return c.f.LogProbT(y, tt) }, x,
					&fd.Settings{Formula: fd.Central, Step: 1e-5})
				adv := 0.0
				for i := range u {
					adv += u[i] * grad[i]
				}
				res := dt + div[0] + adv
				// Each term is O(1–100); FD error ≈ 1e-9 relative. 1e-6 of the largest term.
				scale := math.Max(1, math.Max(math.Abs(dt), math.Max(math.Abs(div[0]), math.Abs(adv))))
				worst = math.Max(worst, math.Abs(res)/scale)
				if math.Abs(res) > 1e-6*scale {
					t.Errorf("%s t=%v x=%v: residual %.3g (∂t %.4g, div %.4g, u·∇ %.4g)", c.name, tt, x, res, dt, div[0], adv)
				}
			}
		}
	}
}

// TestSingleGaussianClosedForm: for q = N(m, c²I) the flow is linear,
// x(t) = a_t m + σ_t z with σ_t = sqrt(a_t² c² + s_t²), z fixed; the field
// must equal dx/dt along every such trajectory (derivative by central
// differences of the closed-form trajectory), and its divergence d·σ'_t/σ_t.
func TestSingleGaussianClosedForm(t *testing.T) {
	vp, _ := paths.NewVP(paths.DefaultBetaMin, paths.DefaultBetaMax, paths.DefaultEps)
	m := []float64{1.5, -0.5, 2}
	const c = 0.7
	q := datasets.Isotropic([]float64{1}, [][]float64{m}, c)
	for _, s := range []paths.Schedule{paths.OT{SigmaMin: 0.05}, paths.OT{}, vp, paths.Cosine{}} {
		f, err := NewField(q, s)
		if err != nil {
			t.Fatal(err)
		}
		traj := func(z []float64, tt float64, i int) float64 {
			co := s.At(tt)
			return co.A*m[i] + math.Sqrt(co.A*co.A*c*c+co.S*co.S)*z[i]
		}
		sigma := func(tt float64) float64 { co := s.At(tt); return math.Sqrt(co.A*co.A*c*c + co.S*co.S) }
		rng := newRNG(3)
		for _, tt := range []float64{0.1, 0.5, 0.9, 0.97} {
			z := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			x := make([]float64, 3)
			for i := range x {
				x[i] = traj(z, tt, i)
			}
			u, div := make([]float64, 3), make([]float64, 1)
			f.VelocityDiv(u, div, x, tt)
			set := &fd.Settings{Formula: fd.Central, Step: 1e-6}
			for i := range x {
				want := fd.Derivative(func(s float64) float64 { return traj(z, s, i) }, tt, set)
				// FD in t with h = 1e-6: error ≈ 1e-10·|x'''| + 1e-10·|x| rounding.
				if math.Abs(u[i]-want) > 1e-7*(1+math.Abs(want)) {
					t.Errorf("%s t=%v: u[%d] = %v, dx/dt = %v", s.Name(), tt, i, u[i], want)
				}
			}
			wantDiv := 3 * fd.Derivative(sigma, tt, set) / sigma(tt)
			if math.Abs(div[0]-wantDiv) > 1e-7*(1+math.Abs(wantDiv)) {
				t.Errorf("%s t=%v: div %v, want 3σ'/σ = %v", s.Name(), tt, div[0], wantDiv)
			}
			// log p_t = log N(x | a m, σ² I).
			co := s.At(tt)
			wantLP := 0.0
			for i := range x {
				r := x[i] - co.A*m[i]
				wantLP -= 0.5 * (math.Log(2*math.Pi*sigma(tt)*sigma(tt)) + r*r/(sigma(tt)*sigma(tt)))
			}
			if lp := f.LogProbT(x, tt); math.Abs(lp-wantLP) > 1e-12*(1+math.Abs(wantLP)) {
				t.Errorf("%s t=%v: LogProbT %v, want %v", s.Name(), tt, lp, wantLP)
			}
		}
	}
}

// literalField is MATH.md §3 written as printed: E[x1|x] with the 1/s_t
// factor, for t with s_t > 0.
func literalField(m datasets.Mixture, s paths.Schedule, x []float64, t float64) []float64 {
	co := s.At(t)
	a, sd := co.A, co.S
	d := len(x)
	logw := make([]float64, len(m.Weights))
	best := math.Inf(-1)
	for k := range m.Weights {
		l := math.Log(m.Weights[k])
		for i := 0; i < d; i++ {
			v := a*a*m.Vars[k][i] + sd*sd
			r := x[i] - a*m.Means[k][i]
			l -= 0.5 * (math.Log(2*math.Pi*v) + r*r/v)
		}
		logw[k] = l
		best = math.Max(best, l)
	}
	z := 0.0
	for k := range logw {
		logw[k] = math.Exp(logw[k] - best)
		z += logw[k]
	}
	e := make([]float64, d)
	for k := range m.Weights {
		for i := 0; i < d; i++ {
			v := a*a*m.Vars[k][i] + sd*sd
			e[i] += logw[k] / z * (m.Means[k][i] + a*m.Vars[k][i]/v*(x[i]-a*m.Means[k][i]))
		}
	}
	u := make([]float64, d)
	for i := range u {
		u[i] = co.DS/sd*(x[i]-a*e[i]) + co.DA*e[i]
	}
	return u
}

func TestMatchesMATHFormula(t *testing.T) {
	vp, _ := paths.NewVP(paths.DefaultBetaMin, paths.DefaultBetaMax, paths.DefaultEps)
	rng := newRNG(4)
	for _, s := range []paths.Schedule{paths.OT{SigmaMin: 0.01}, vp, paths.Cosine{}} {
		for _, m := range []datasets.Mixture{mix3(), eight()} {
			f, _ := NewField(m, s)
			for _, tt := range []float64{0, 0.25, 0.6, 0.9, 0.99} {
				for _, x := range testPoints(rng, m.Dim(), 4) {
					got := make([]float64, len(x))
					f.Velocity(got, x, tt)
					want := literalField(m, s, x, tt)
					for i := range got {
						// The two forms differ by rounding only; at t = 0.99 the 1/s_t
						// form loses ~log10(1/s) digits.
						if math.Abs(got[i]-want[i]) > 1e-10*(1+math.Abs(want[i])) {
							t.Errorf("%s t=%v x=%v: u = %v, MATH.md §3 formula %v", s.Name(), tt, x, got, want)
							break
						}
					}
				}
			}
		}
	}
}

func TestCouplingReducesToField(t *testing.T) {
	rng := newRNG(5)
	std := datasets.Normal{D: 3}.AsMixture()
	for _, s := range []paths.Schedule{paths.OT{SigmaMin: 0.02}, paths.Cosine{}} {
		f, _ := NewField(mix3(), s)
		cf, err := NewCouplingField(std, mix3(), s)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []float64{0, 0.3, 0.8, 1} {
			xs := testPoints(rng, 3, 5)
			for _, x := range xs {
				u1, u2 := make([]float64, 3), make([]float64, 3)
				d1, d2 := make([]float64, 1), make([]float64, 1)
				f.VelocityDiv(u1, d1, x, tt)
				cf.VelocityDiv(u2, d2, x, tt)
				for i := range u1 {
					if math.Abs(u1[i]-u2[i]) > 1e-14*(1+math.Abs(u1[i])) {
						t.Errorf("%s t=%v: coupling u %v, field u %v", s.Name(), tt, u2, u1)
					}
				}
				if math.Abs(d1[0]-d2[0]) > 1e-14*(1+math.Abs(d1[0])) {
					t.Errorf("%s t=%v: coupling div %v, field div %v", s.Name(), tt, d2[0], d1[0])
				}
				if a, b := f.LogProbT(x, tt), cf.LogProbT(x, tt); math.Abs(a-b) > 1e-14*(1+math.Abs(a)) {
					t.Errorf("%s t=%v: coupling log p %v, field %v", s.Name(), tt, b, a)
				}
			}
		}
	}
	// A mixture source: p_0 is the source and p_1 the target (rectified path).
	cf, _ := NewCouplingField(source2(), mix3(), paths.Rectified{})
	for _, x := range testPoints(rng, 3, 5) {
		if a, b := cf.LogProbT(x, 0), source2().LogProb(x); math.Abs(a-b) > 1e-13*(1+math.Abs(b)) {
			t.Errorf("coupling p_0(%v) = %v, source %v", x, a, b)
		}
		if a, b := cf.LogProbT(x, 1), mix3().LogProb(x); math.Abs(a-b) > 1e-13*(1+math.Abs(b)) {
			t.Errorf("coupling p_1(%v) = %v, target %v", x, a, b)
		}
	}
}

func TestEndpoints(t *testing.T) {
	rng := newRNG(6)
	// OT with σ_min = 0 at t = 1: u_1(x) = E[x1 − x0 | x1 = x] = x (x0 ⊥ x1, E x0 = 0).
	f, _ := NewField(mix3(), paths.OT{})
	for _, x := range testPoints(rng, 3, 5) {
		u := make([]float64, 3)
		f.Velocity(u, x, 1)
		for i := range u {
			if math.Abs(u[i]-x[i]) > 1e-13*(1+math.Abs(x[i])) {
				t.Errorf("OT σ=0, t=1: u(%v) = %v, want x", x, u)
			}
		}
		// p_0 = N(0, I) exactly on the OT path.
		if a, b := f.LogProbT(x, 0), (datasets.Normal{D: 3}).LogProb(x); math.Abs(a-b) > 1e-13*(1+math.Abs(b)) {
			t.Errorf("p_0(%v) = %v, N(0,I) gives %v", x, a, b)
		}
	}
	// Target: p_1 = Σ π_k N(m_k, C_k + σ_min² I) on the OT path.
	const sig = 0.1
	g, _ := NewField(mix3(), paths.OT{SigmaMin: sig})
	tg := g.Target()
	m := mix3()
	for k := range m.Weights {
		for i := range m.Means[k] {
			if tg.Means[k][i] != m.Means[k][i] || math.Abs(tg.Vars[k][i]-(m.Vars[k][i]+sig*sig)) > 1e-15 {
				t.Fatalf("Target component %d: %v %v", k, tg.Means[k], tg.Vars[k])
			}
		}
	}
	for _, x := range testPoints(rng, 3, 5) {
		if a, b := g.LogProbT(x, 1), tg.LogProb(x); math.Abs(a-b) > 1e-13*(1+math.Abs(b)) {
			t.Errorf("LogProbT(x, 1) = %v, Target().LogProb = %v", a, b)
		}
	}
}

func TestDegeneratePanics(t *testing.T) {
	vp, _ := paths.NewVP(paths.DefaultBetaMin, paths.DefaultBetaMax, paths.DefaultEps)
	emp := datasets.NewEmpirical("", []float64{0, 0, 1, 1}, 2, 2).AsMixture()
	fv, _ := NewField(mix3(), vp)
	fe, _ := NewField(emp, paths.OT{})
	cases := []struct {
		name string
		call func()
		want string
	}{
		{"vp at t=1", func() { fv.Velocity(make([]float64, 3), make([]float64, 3), 1) }, "TMax"},
		{"empirical at s=0", func() { fe.LogProbT([]float64{0, 0}, 1) }, "variance 0"},
		{"shape", func() { fv.Velocity(make([]float64, 4), make([]float64, 4), 0.5) }, "multiples of d = 3"},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), c.want) || !strings.HasPrefix(fmt.Sprint(r), "oracle: ") {
					t.Errorf("%s: panic %v, want one mentioning %q", c.name, r, c.want)
				}
			}()
			c.call()
		}()
	}
	// VP just below t = 1 is regular.
	u := make([]float64, 3)
	fv.Velocity(u, []float64{0.1, 0.2, 0.3}, vp.TMax())
	for _, v := range u {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("VP at TMax: u = %v", u)
		}
	}
	// Errors from constructors name the problem.
	if _, err := NewField(datasets.Mixture{}, paths.OT{}); err == nil || !strings.Contains(err.Error(), "target") {
		t.Errorf("empty target: %v", err)
	}
	if _, err := NewField(mix3(), paths.OT{SigmaMin: 2}); err == nil || !strings.Contains(err.Error(), "sigma_min") {
		t.Errorf("bad schedule: %v", err)
	}
	if _, err := NewCouplingField(emp, mix3(), paths.OT{}); err == nil || !strings.Contains(err.Error(), "dimension") {
		t.Errorf("dimension mismatch: %v", err)
	}
}

func TestFarPointsStable(t *testing.T) {
	// Far from every component the direct density underflows (exp(−1e6));
	// log-sum-exp keeps the weights, the field, its divergence and log p_t finite.
	f, _ := NewField(eight(), paths.OT{SigmaMin: 0.01})
	x := []float64{1e3, -1e3}
	u, div := make([]float64, 2), make([]float64, 1)
	for _, tt := range []float64{0.2, 0.9, 1} {
		f.VelocityDiv(u, div, x, tt)
		lp := f.LogProbT(x, tt)
		for _, v := range []float64{u[0], u[1], div[0], lp} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("t=%v: u %v div %v log p %v", tt, u, div[0], lp)
			}
		}
	}
}

func TestAllocationFree(t *testing.T) {
	f, _ := NewField(mix3(), paths.Cosine{})
	cf, _ := NewCouplingField(source2(), mix3(), paths.Rectified{})
	x := make([]float64, 3*64)
	rng := newRNG(7)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	dst, div := make([]float64, len(x)), make([]float64, 64)
	tt := 0.1
	for _, g := range []divField{f, cf, f.Clone(), cf.Clone()} {
		g.VelocityDiv(dst, div, x, 0.5) // warm-up
		if a := testing.AllocsPerRun(20, func() {
			tt += 0.01 // a new t each call: the per-t cache is refilled too
			g.Velocity(dst, x, tt)
			g.VelocityDiv(dst, div, x, tt)
			g.LogProbT(x[:3], tt)
		}); a != 0 {
			t.Errorf("%T: %v allocations per call", g, a)
		}
	}
}
