package paths

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

// central4 is the fourth-order central difference for the first derivative,
// f'(x) ≈ [f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)] / (12h). With h = 1e-3 its
// truncation error is O(h⁴) ≈ 1e-12 and its rounding error ≈ 1e-16/h ≈ 1e-13,
// far below the 1e-7 tolerance of the identity tests.
var central4 = fd.Formula{
	Stencil: []fd.Point{
		{Loc: -2, Coeff: 1.0 / 12}, {Loc: -1, Coeff: -8.0 / 12},
		{Loc: 1, Coeff: 8.0 / 12}, {Loc: 2, Coeff: -1.0 / 12},
	},
	Derivative: 1,
	Step:       1e-3,
}

func allSchedules(t *testing.T) []Schedule {
	t.Helper()
	ot, err := NewOT(0.01) // σ_min = 0.01: a non-trivial s_1 to check
	if err != nil {
		t.Fatal(err)
	}
	ot0, err := NewOT(0)
	if err != nil {
		t.Fatal(err)
	}
	vp, err := NewVP(DefaultBetaMin, DefaultBetaMax, DefaultEps)
	if err != nil {
		t.Fatal(err)
	}
	return []Schedule{ot, ot0, vp, Rectified{}, Cosine{}}
}

// testTimes stay 2h·(a few) away from t = 1, where VP, Rectified and Cosine
// have s_1 = 0 (VP's s_t is not differentiable there).
var testTimes = []float64{0, 0.013, 0.25, 0.5, 0.77, 0.9, 0.97}

func randRows(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// TestTargetIsTimeDerivative checks u_t = dψ_t(x0)/dt, the defining identity of
// the regression target (MATH.md §2), by central differences of Sample's x_t.
func TestTargetIsTimeDerivative(t *testing.T) {
	const d = 3
	rng := rand.New(rand.NewPCG(1, 2))
	x0, x1 := randRows(rng, d), randRows(rng, d)
	xt, ut := make([]float64, d), make([]float64, d)
	tt := make([]float64, 1)
	for _, s := range allSchedules(t) {
		p := Path{Schedule: s}
		for _, ti := range testTimes {
			tt[0] = ti
			p.Sample(xt, ut, x0, x1, tt, d)
			want := append([]float64(nil), ut...)
			for j := 0; j < d; j++ {
				psi := func(tau float64) float64 {
					c := s.At(tau)
					return c.S*x0[j] + c.A*x1[j]
				}
				got := fd.Derivative(psi, ti, &fd.Settings{Formula: central4})
				// 1e-7: requested relative tolerance; abs floor 1e-7 for targets near 0.
				if !scalar.EqualWithinAbsOrRel(got, want[j], 1e-7, 1e-7) {
					t.Errorf("%s t=%v j=%d: dψ/dt by differences %.12g, target %.12g", s.Name(), ti, j, got, want[j])
				}
			}
		}
	}
}

// TestCoeffDerivatives checks a'_t and s'_t against differences of a_t, s_t.
func TestCoeffDerivatives(t *testing.T) {
	for _, s := range allSchedules(t) {
		for _, ti := range testTimes {
			c := s.At(ti)
			da := fd.Derivative(func(x float64) float64 { return s.At(x).A }, ti, &fd.Settings{Formula: central4})
			ds := fd.Derivative(func(x float64) float64 { return s.At(x).S }, ti, &fd.Settings{Formula: central4})
			// 1e-7: requested relative tolerance for u_t = dψ_t/dt.
			if !scalar.EqualWithinAbsOrRel(da, c.DA, 1e-7, 1e-7) || !scalar.EqualWithinAbsOrRel(ds, c.DS, 1e-7, 1e-7) {
				t.Errorf("%s t=%v: (a', s') = (%g, %g), differences give (%g, %g)", s.Name(), ti, c.DA, c.DS, da, ds)
			}
		}
	}
}

// TestVPClosedForm compares the generic conditional field with MATH.md's VP
// closed form −T'(1−t)/2 · (e^{−T}x − e^{−T/2}x1)/(1 − e^{−T}), T = T(1−t).
func TestVPClosedForm(t *testing.T) {
	vp := VP{BetaMin: DefaultBetaMin, BetaMax: DefaultBetaMax, Eps: DefaultEps}
	p := Path{Schedule: vp}
	const d = 4
	rng := rand.New(rand.NewPCG(3, 4))
	x, x1 := randRows(rng, d), randRows(rng, d)
	got := make([]float64, d)
	for _, ti := range append(testTimes, 0.999, vp.TMax()) {
		p.CondField(got, x, x1, d, ti)
		T := vp.T(1 - ti)
		dT := vp.BetaMin + (1-ti)*(vp.BetaMax-vp.BetaMin)
		for j := range got {
			want := -dT / 2 * (math.Exp(-T)*x[j] - math.Exp(-T/2)*x1[j]) / (1 - math.Exp(-T))
			// 1e-10: requested agreement; both are a few roundings of the same expression
			// (relative; abs floor for near-zero values).
			if !scalar.EqualWithinAbsOrRel(got[j], want, 1e-10, 1e-10) {
				t.Errorf("t=%v j=%d: generic %.15g, closed form %.15g", ti, j, got[j], want)
			}
		}
	}
}

// TestBoundaries checks the end conditions of every schedule (MATH.md §2).
func TestBoundaries(t *testing.T) {
	vp := DefaultVP()
	// T(1) = β_min + ½(β_max − β_min) = 0.1 + 9.95 = 10.05, a_0 = exp(−5.025).
	a0VP := math.Exp(-0.5 * (0.1 + 0.5*(20-0.1)))
	cases := []struct {
		s              Schedule
		a0, s0, a1, s1 float64
		tmax           float64
	}{
		{OT{SigmaMin: 0.01}, 0, 1, 1, 0.01, 1},
		{OT{SigmaMin: 0}, 0, 1, 1, 0, 1},
		{vp, a0VP, math.Sqrt(1 - a0VP*a0VP), 1, 0, 1 - DefaultEps},
		{Rectified{}, 0, 1, 1, 0, 1},
		{Cosine{}, 0, 1, 1, 0, 1},
	}
	for _, c := range cases {
		at0, at1 := c.s.At(0), c.s.At(1)
		// 1e-15: one or two roundings of O(1) numbers.
		for _, v := range []struct {
			name      string
			got, want float64
		}{{"a_0", at0.A, c.a0}, {"s_0", at0.S, c.s0}, {"a_1", at1.A, c.a1}, {"s_1", at1.S, c.s1}, {"A0()", A0(c.s), c.a0}, {"TMax", c.s.TMax(), c.tmax}} {
			if !scalar.EqualWithinAbsOrRel(v.got, v.want, 1e-15, 1e-15) {
				t.Errorf("%s: %s = %.17g, want %.17g", c.s.Name(), v.name, v.got, v.want)
			}
		}
	}
	// The documented value of the default VP a_0: 0.00657 to 3 significant digits.
	if got := vp.A0(); math.Abs(got-0.00657) > 5e-6 {
		t.Errorf("VP A0 = %v, want ≈ 0.00657", got)
	}
	// Method and helper agree for every schedule.
	for _, s := range allSchedules(t) {
		m := s.(interface{ A0() float64 }).A0()
		if m != A0(s) {
			t.Errorf("%s: A0() = %v, paths.A0 = %v", s.Name(), m, A0(s))
		}
	}
}

// TestCondFieldAtTrajectory checks u_t(ψ_t(x0) | x1) = dψ_t(x0)/dt: the
// conditional field evaluated on the trajectory is the Sample target.
func TestCondFieldAtTrajectory(t *testing.T) {
	const n, d = 5, 2
	rng := rand.New(rand.NewPCG(5, 6))
	x0, x1 := randRows(rng, n*d), randRows(rng, n*d)
	xt, ut, u := make([]float64, n*d), make([]float64, n*d), make([]float64, n*d)
	tt := make([]float64, n)
	for _, s := range allSchedules(t) {
		p := Path{Schedule: s}
		for _, ti := range append(testTimes, 0.9999) {
			for i := range tt {
				tt[i] = ti
			}
			p.Sample(xt, ut, x0, x1, tt, d)
			p.CondField(u, xt, x1, d, ti)
			for j := range u {
				// 1e-9: s'/s·(x − a x1) cancels s·x0 against itself; near t=1 the
				// ratio s'/s is large (≈1e4 at t=0.9999), amplifying rounding.
				if !scalar.EqualWithinAbsOrRel(u[j], ut[j], 1e-9, 1e-9) {
					t.Errorf("%s t=%v: CondField %.15g, target %.15g", s.Name(), ti, u[j], ut[j])
				}
			}
		}
	}
}

// TestSampleRows checks that each row uses its own t and that OT matches
// MATH.md's closed form u_t(x|x1) = (x1 − (1−σ)x)/(1 − (1−σ)t).
func TestSampleRows(t *testing.T) {
	const n, d, sig = 3, 2, 0.05
	rng := rand.New(rand.NewPCG(7, 8))
	x0, x1 := randRows(rng, n*d), randRows(rng, n*d)
	tt := []float64{0.1, 0.5, 0.9}
	xt, ut, u := make([]float64, n*d), make([]float64, n*d), make([]float64, d)
	p := Path{Schedule: OT{SigmaMin: sig}}
	p.Sample(xt, ut, x0, x1, tt, d)
	for i, ti := range tt {
		p.CondField(u, xt[i*d:(i+1)*d], x1[i*d:(i+1)*d], d, ti)
		for j := 0; j < d; j++ {
			k := i*d + j
			wantX := (1-(1-sig)*ti)*x0[k] + ti*x1[k]
			wantU := (x1[k] - (1-sig)*xt[k]) / (1 - (1-sig)*ti)
			// 1e-14: a handful of roundings of O(1) values.
			if !scalar.EqualWithinAbsOrRel(xt[k], wantX, 1e-14, 1e-14) || !scalar.EqualWithinAbsOrRel(ut[k], wantU, 1e-14, 1e-14) || !scalar.EqualWithinAbsOrRel(u[j], wantU, 1e-14, 1e-14) {
				t.Errorf("row %d col %d: xt %v want %v, ut %v want %v, cond %v", i, j, xt[k], wantX, ut[k], wantU, u[j])
			}
		}
	}
}

func TestSampleT(t *testing.T) {
	vp := VP{BetaMin: DefaultBetaMin, BetaMax: DefaultBetaMax, Eps: 0.25}
	p := Path{Schedule: vp}
	a, b := make([]float64, 2000), make([]float64, 2000)
	p.SampleT(rand.New(rand.NewPCG(9, 9)), a)
	p.SampleT(rand.New(rand.NewPCG(9, 9)), b)
	var mean float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different draw at %d: %v vs %v", i, a[i], b[i])
		}
		if a[i] < 0 || a[i] >= vp.TMax() {
			t.Fatalf("draw %v outside [0, %v)", a[i], vp.TMax())
		}
		mean += a[i] / float64(len(a))
	}
	// U[0, 0.75) has mean 0.375 and sd 0.75/√12 ≈ 0.2165; the mean of 2000 draws has
	// sd 0.2165/√2000 ≈ 0.0048; 0.025 is over 5 sd (also fails if TMax were ignored: 0.5).
	if math.Abs(mean-0.375) > 0.025 {
		t.Errorf("mean of U[0, TMax) draws = %v, want 0.375", mean)
	}
}

func TestValidateAndByName(t *testing.T) {
	bad := []struct {
		s    Schedule
		want string
	}{
		{OT{SigmaMin: -0.1}, "sigma_min"},
		{OT{SigmaMin: 1}, "sigma_min"},
		{OT{SigmaMin: math.NaN()}, "sigma_min"},
		{VP{BetaMin: -1, BetaMax: 20, Eps: 1e-5}, "beta_min"},
		{VP{BetaMin: 5, BetaMax: 5, Eps: 1e-5}, "beta_max"},
		{VP{BetaMin: 0.1, BetaMax: math.Inf(1), Eps: 1e-5}, "beta_max"},
		{VP{BetaMin: 0.1, BetaMax: 20, Eps: 0}, "eps"},
		{VP{BetaMin: 0.1, BetaMax: 20, Eps: 0.5}, "eps"},
	}
	for _, c := range bad {
		err := c.s.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "want") {
			t.Errorf("%+v: Validate() = %v, want an error naming %s and its range", c.s, err, c.want)
		}
	}
	if _, err := NewOT(2); err == nil {
		t.Error("NewOT(2) accepted")
	}
	if _, err := NewVP(0.1, 20, 1e-5); err != nil {
		t.Errorf("NewVP defaults: %v", err)
	}
	if _, err := NewVP(0, 1, 0.6); err == nil {
		t.Error("NewVP eps 0.6 accepted")
	}
	for _, name := range Names() {
		s, err := ByName(name, DefaultParams())
		if err != nil {
			t.Fatalf("ByName(%q): %v", name, err)
		}
		if s.Name() != name {
			t.Errorf("ByName(%q).Name() = %q", name, s.Name())
		}
	}
	vp, err := ByName("vp", Params{BetaMin: 0.5, BetaMax: 10, Eps: 0.01})
	if err != nil || vp != (VP{BetaMin: 0.5, BetaMax: 10, Eps: 0.01}) {
		t.Errorf("ByName(vp) = %v, %v: parameters not passed through", vp, err)
	}
	if _, err := ByName("vp", Params{}); err == nil || !strings.Contains(err.Error(), "beta_max") {
		t.Errorf("ByName(vp, zero Params) = %v, want beta_max error", err)
	}
	_, err = ByName("icfm", DefaultParams())
	if err == nil {
		t.Fatal("unknown name accepted")
	}
	for _, name := range Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

func TestAllocs(t *testing.T) {
	const n, d = 16, 2
	rng := rand.New(rand.NewPCG(1, 1))
	x0, x1 := randRows(rng, n*d), randRows(rng, n*d)
	xt, ut := make([]float64, n*d), make([]float64, n*d)
	tt := make([]float64, n)
	for _, s := range allSchedules(t) {
		p := Path{Schedule: s, Noise: 0.1}
		if a := testing.AllocsPerRun(20, func() {
			p.SampleT(rng, tt)
			p.Sample(xt, ut, x0, x1, tt, d)
			p.SampleNoise(xt, ut, x0, x1, x0, tt, d)
			p.CondField(ut, xt, x1, d, 0.5)
		}); a != 0 {
			t.Errorf("%s: %v allocations per Sample+CondField", s.Name(), a)
		}
	}
}

// TestNoiseIdentities checks the constant-noise path of Tong et al. (2024)
// (Path.Noise): (1) the target is still the time derivative of x_t for a
// fixed draw (x0, x1, ε), by central differences; (2) σ = 0 reproduces
// Sample bit for bit; (3) for fixed (x0, x1) the law of x_t over ε is
// N(s_t·x0 + a_t·x1, σ²I), in particular N(x0, σ²I) at t = 0 and N(x1, σ²I)
// at t = 1 for the rectified schedule, checked by the sample mean and
// variance of 40,000 draws.
func TestNoiseIdentities(t *testing.T) {
	const d = 2
	rng := rand.New(rand.NewPCG(3, 4))
	x0, x1, eps := randRows(rng, d), randRows(rng, d), randRows(rng, d)
	for _, sigma := range []float64{0.1, 0.5} { // 0.1: Tong et al.'s 2-D value
		p := Path{Schedule: Rectified{}, Noise: sigma}
		if err := p.ValidateNoise(); err != nil {
			t.Fatal(err)
		}
		xt, ut := make([]float64, d), make([]float64, d)
		for _, tt := range testTimes {
			p.SampleNoise(xt, ut, x0, x1, eps, []float64{tt}, d)
			for j := range d {
				f := func(s float64) float64 {
					y, u := make([]float64, d), make([]float64, d)
					p.SampleNoise(y, u, x0, x1, eps, []float64{s}, d)
					return y[j]
				}
				dx := fd.Derivative(f, tt, &fd.Settings{Formula: central4})
				// Same 1e-7 as TestTargetIsTimeDerivative (central4's error ≈ 1e-12).
				if !scalar.EqualWithinAbsOrRel(dx, ut[j], 1e-7, 1e-7) {
					t.Errorf("σ=%v t=%v coord %d: dx_t/dt = %v, target %v", sigma, tt, j, dx, ut[j])
				}
				if want := x1[j] - x0[j]; ut[j] != want {
					t.Errorf("σ=%v t=%v: target %v, want x1 − x0 = %v", sigma, tt, ut[j], want)
				}
			}
		}
	}
	// σ = 0: bit-identical to Sample for every schedule.
	for _, s := range allSchedules(t) {
		a, ua, b, ub := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
		Path{Schedule: s}.Sample(a, ua, x0, x1, []float64{0.3}, d)
		Path{Schedule: s}.SampleNoise(b, ub, x0, x1, nil, []float64{0.3}, d)
		for j := range a {
			if math.Float64bits(a[j]) != math.Float64bits(b[j]) || ua[j] != ub[j] {
				t.Errorf("%s: σ = 0 SampleNoise differs from Sample", s.Name())
			}
		}
	}
	// The conditional law over ε.
	const n, sigma = 40000, 0.1
	p := Path{Schedule: Rectified{}, Noise: sigma}
	X0, X1, E, T := make([]float64, n*d), make([]float64, n*d), make([]float64, n*d), make([]float64, n)
	xt, ut := make([]float64, n*d), make([]float64, n*d)
	for _, tt := range []float64{0, 0.4, 1} {
		for i := range n {
			copy(X0[i*d:], x0)
			copy(X1[i*d:], x1)
			T[i] = tt
		}
		for k := range E {
			E[k] = rng.NormFloat64()
		}
		p.SampleNoise(xt, ut, X0, X1, E, T, d)
		for j := range d {
			var m, v float64
			for i := range n {
				m += xt[i*d+j]
			}
			m /= n
			for i := range n {
				v += (xt[i*d+j] - m) * (xt[i*d+j] - m)
			}
			v /= n - 1
			mean := (1-tt)*x0[j] + tt*x1[j]
			// Standard errors: mean σ/√n = 5e-4, variance σ²·√(2/n) ≈ 7e-5;
			// the tolerances are 5 standard errors.
			if math.Abs(m-mean) > 5*sigma/math.Sqrt(n) {
				t.Errorf("t=%v coord %d: mean of x_t %v, want %v", tt, j, m, mean)
			}
			if math.Abs(v-sigma*sigma) > 5*sigma*sigma*math.Sqrt(2.0/n) {
				t.Errorf("t=%v coord %d: variance of x_t %v, want σ² = %v", tt, j, v, sigma*sigma)
			}
		}
	}
	if err := (Path{Noise: -1}).ValidateNoise(); err == nil {
		t.Error("negative noise accepted")
	}
	if err := (Path{Noise: math.Inf(1)}).ValidateNoise(); err == nil {
		t.Error("infinite noise accepted")
	}
}
