package models

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	ad "github.com/flowbench/flowbench/pkg/autodiff"
)

// Central differences with step 1e-5 (see pkg/autodiff's tests): truncation
// ~h²/6·|f”'| and rounding ~ε|f|/h are both ~1e-10 for the O(1..10) losses
// here, so 1e-6 relative to max(1,|g|) only fails on a real gradient bug. The
// CNF loss goes through 2 steps of 4 stages of a 2-layer net, whose third
// derivatives are larger, so it gets 1e-5.
var fdSet = &fd.Settings{Formula: fd.Central, Step: 1e-5}

func newTest(t testing.TB, cfg Config, seed uint64) *MLP {
	t.Helper()
	m, err := NewMLP(cfg, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func normals(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig(2)
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if ok.InputDim() != 3 {
		t.Errorf("default InputDim = %d, want d+1 = 3", ok.InputDim())
	}
	cases := []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Dim = 0 }, "Dim"},
		{func(c *Config) { c.Hidden = nil }, "Hidden"},
		{func(c *Config) { c.Hidden = []int{64, 0} }, "Hidden[1]"},
		{func(c *Config) { c.Act = "gelu" }, "selu, silu, tanh, relu, softplus"},
		{func(c *Config) { c.Time = "sinusoid" }, "\"concat\", \"fourier\" or \"sinusoidal\""},
		{func(c *Config) { c.Time = "sinusoidal" }, "Fourier"},
		{func(c *Config) { c.Time = "fourier" }, "Fourier"},
		{func(c *Config) { c.Fourier = 3 }, "Fourier"},
	}
	for _, c := range cases {
		cfg := DefaultConfig(2)
		c.mod(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate() = %v, want an error naming %q", err, c.want)
		}
		if _, err := NewMLP(cfg, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("NewMLP accepted an invalid config (%q)", c.want)
		}
	}
}

func TestInit(t *testing.T) {
	m := newTest(t, DefaultConfig(2), 1)
	// torchcfm 2-D model: 3·64+64 + 2·(64·64+64) + 64·2+2 = 8706 parameters.
	if m.NumParams() != 8706 {
		t.Errorf("NumParams = %d, want 8706", m.NumParams())
	}
	m2 := newTest(t, DefaultConfig(2), 1)
	for i := range m.Params {
		if m.Params[i] != m2.Params[i] {
			t.Fatal("same seed gave different parameters")
		}
	}
	for _, l := range m.layers {
		bound := 1 / math.Sqrt(float64(l.in))
		lo, hi := 0.0, 0.0
		for _, v := range m.Params[l.w : l.b+l.out] {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		// Uniform on ±bound: all inside, and with ≥ 66 draws the extremes
		// reach past ±0.8·bound except with probability < 2·0.9^66 ≈ 2e-3
		// (and the seed is fixed).
		if lo < -bound || hi > bound || lo > -0.8*bound || hi < 0.8*bound {
			t.Errorf("layer %d×%d: range [%g, %g], want within ±%g and spread over it", l.in, l.out, lo, hi, bound)
		}
	}
	c := m.Clone()
	c.Params[0]++
	c.Grad[0]++
	if m.Params[0] == c.Params[0] || m.Grad[0] != 0 {
		t.Error("Clone shares buffers")
	}
}

var testCfgs = []Config{
	DefaultConfig(2),
	{Dim: 3, Hidden: []int{5, 4}, Act: "tanh", Time: "fourier", Fourier: 2},
	{Dim: 2, Hidden: []int{6}, Act: "silu", Time: "concat"},
	{Dim: 2, Hidden: []int{4, 4, 3}, Act: "softplus", Time: "fourier", Fourier: 1},
	{Dim: 2, Hidden: []int{4, 4}, Act: "relu", Time: "concat"},
	{Dim: 3, Hidden: []int{6, 5}, Act: "silu", Time: "sinusoidal", Fourier: 4},
}

// TestOmegas: the time-feature frequencies against their definitions.
// Sinusoidal with K = 4: 1000·10000^(−k/4) = 1000, 100, 10, 1 exactly up to
// math.Pow's rounding; fourier: 2πk.
func TestOmegas(t *testing.T) {
	cases := []struct {
		cfg  Config
		want []float64
	}{
		{Config{Time: "concat"}, nil},
		{Config{Time: "fourier", Fourier: 3}, []float64{2 * math.Pi, 4 * math.Pi, 6 * math.Pi}},
		{Config{Time: "sinusoidal", Fourier: 4}, []float64{1000, 100, 10, 1}},
		{Config{Time: "sinusoidal", Fourier: 1}, []float64{1000}},
	}
	for _, c := range cases {
		got := c.cfg.Omegas()
		if len(got) != len(c.want) {
			t.Fatalf("%s/%d: %d frequencies, want %d", c.cfg.Time, c.cfg.Fourier, len(got), len(c.want))
		}
		for k := range got {
			if !near(got[k], c.want[k], 1e-14) {
				t.Errorf("%s/%d: ω_%d = %.17g, want %g", c.cfg.Time, c.cfg.Fourier, k, got[k], c.want[k])
			}
		}
	}
	c := Config{Dim: 784, Hidden: []int{1024}, Act: "silu", Time: "sinusoidal", Fourier: 32}
	if c.InputDim() != 784+1+64 {
		t.Errorf("InputDim = %d, want 784 + 1 + 2·32", c.InputDim())
	}
	// The features the network sees: row [x, t, sin(ω t), cos(ω t)].
	m := newTest(t, Config{Dim: 1, Hidden: []int{3}, Act: "silu", Time: "sinusoidal", Fourier: 2}, 1)
	var buf []float64
	row := m.fillInput(&buf, []float64{0.5}, []float64{0.25}, 1)
	want := []float64{0.5, 0.25, math.Sin(250), math.Sin(2.5), math.Cos(250), math.Cos(2.5)} // ω = 1000, 10
	for i := range want {
		if !near(row[i], want[i], 1e-12) {
			t.Errorf("input[%d] = %g, want %g", i, row[i], want[i])
		}
	}
}

// TestVelocityMatchesTape: the fast paths agree with the tape (whose ops are
// finite-difference checked), and the exact divergence equals the trace of
// the Jacobian from central differences of Velocity.
func TestVelocityMatchesTape(t *testing.T) {
	for ci, cfg := range testCfgs {
		m := newTest(t, cfg, uint64(ci+2))
		rng := rand.New(rand.NewPCG(3, uint64(ci)))
		n, d := 5, cfg.Dim
		x := normals(rng, n*d)
		const tt = 0.37
		v, v2, div := make([]float64, n*d), make([]float64, n*d), make([]float64, n)
		m.Velocity(v, x, tt)
		m.VelocityDiv(v2, div, x, tt)
		tp := &ad.Tape{}
		tcol := tp.Full(n, 1, tt)
		xn := tp.Const(x, n, d)
		vt := tp.Value(m.Build(tp, xn, tcol))
		vd, dd := m.BuildDiv(tp, xn, tcol, nil)
		for i := range v {
			// 1e-12: the same arithmetic in a different association order.
			if !near(v[i], vt[i], 1e-12) || !near(v2[i], vt[i], 1e-12) || !near(tp.Value(vd)[i], vt[i], 1e-12) {
				t.Errorf("cfg %d: v[%d] fast %g, fastdiv %g, tape %g", ci, i, v[i], v2[i], vt[i])
			}
		}
		const h = 1e-5
		vp, vm := make([]float64, n*d), make([]float64, n*d)
		for r := 0; r < n; r++ {
			tr := 0.0
			for i := 0; i < d; i++ {
				xp := append([]float64(nil), x...)
				xp[r*d+i] += h
				m.Velocity(vp, xp, tt)
				xp[r*d+i] -= 2 * h
				m.Velocity(vm, xp, tt)
				tr += (vp[r*d+i] - vm[r*d+i]) / (2 * h)
			}
			// Central differences as fdSet: 1e-6 (ReLU: points are a.s.
			// not within 1e-5 of a kink).
			if !near(div[r], tr, 1e-6) || !near(tp.Value(dd)[r], tr, 1e-6) {
				t.Errorf("cfg %d row %d: div fast %g tape %g, FD trace %g", ci, r, div[r], tp.Value(dd)[r], tr)
			}
		}
	}
}

// TestHutchinson: in d = 1 a Rademacher probe gives ε² = 1, so the estimate is
// exact; Gaussian probes are unbiased, so their mean over many probes falls
// within a few standard errors of the exact trace.
func TestHutchinson(t *testing.T) {
	cfg := Config{Dim: 1, Hidden: []int{8, 8}, Act: "selu", Time: "concat"}
	m := newTest(t, cfg, 4)
	x := []float64{-1, 0.3, 2}
	v, exact, est := make([]float64, 3), make([]float64, 3), make([]float64, 3)
	m.VelocityDiv(v, exact, x, 0.5)
	pr := make([]float64, 3*len(x))
	DrawProbes(rand.New(rand.NewPCG(5, 5)), Rademacher, pr)
	m.VelocityDivProbes(v, est, x, 0.5, pr)
	for i := range est {
		if !near(est[i], exact[i], 1e-12) { // same sums, rounding only
			t.Errorf("Rademacher d=1 row %d: %g, exact %g", i, est[i], exact[i])
		}
	}
	m2 := newTest(t, DefaultConfig(2), 6)
	x2 := []float64{0.5, -0.2, 1.5, 1}
	v2, ex2 := make([]float64, 4), make([]float64, 2)
	m2.VelocityDiv(v2, ex2, x2, 0.3)
	const probes = 4000
	rng := rand.New(rand.NewPCG(7, 7))
	pr2 := make([]float64, probes*len(x2))
	// With 4000 probes the estimate's standard error is sd(εᵀJε)/sqrt(4000);
	// measure the spread from 20 independent repeats and allow 5 standard
	// errors of their mean.
	var sum, sumsq [2]float64
	const reps = 20
	e := make([]float64, 2)
	for k := 0; k < reps; k++ {
		DrawProbes(rng, Gaussian, pr2)
		m2.VelocityDivProbes(v2, e, x2, 0.3, pr2)
		for i := range e {
			sum[i] += e[i]
			sumsq[i] += e[i] * e[i]
		}
	}
	for i := range e {
		mean := sum[i] / reps
		sd := math.Sqrt((sumsq[i] - reps*mean*mean) / (reps - 1))
		if math.Abs(mean-ex2[i]) > 5*sd/math.Sqrt(reps)+1e-12 || sd == 0 {
			t.Errorf("Gaussian Hutchinson row %d: mean %g ± %g, exact %g", i, mean, sd/math.Sqrt(reps), ex2[i])
		}
	}
}

// fmLossTape is the flow-matching loss written with tape ops.
func fmLossTape(m *MLP, tp *ad.Tape, xt, tt, u []float64) ad.Node {
	n, d := len(tt), m.Cfg.Dim
	v := m.Build(tp, tp.Const(xt, n, d), tp.Const(tt, n, 1))
	r := tp.Sub(v, tp.Const(u, n, d))
	return tp.Scale(tp.Sum(tp.Square(r)), 1/float64(n))
}

// TestFMLossGrad: the fused loss and gradient agree with the tape and with
// finite differences of the loss.
func TestFMLossGrad(t *testing.T) {
	for ci, cfg := range testCfgs {
		m := newTest(t, cfg, uint64(10+ci))
		rng := rand.New(rand.NewPCG(11, uint64(ci)))
		n, d := 7, cfg.Dim
		xt, u := normals(rng, n*d), normals(rng, n*d)
		tt := make([]float64, n)
		for i := range tt {
			tt[i] = rng.Float64()
		}
		m.ZeroGrad()
		loss := m.FMLossGrad(xt, tt, u)
		fused := append([]float64(nil), m.Grad...)
		tp := &ad.Tape{}
		m.ZeroGrad()
		ln := fmLossTape(m, tp, xt, tt, u)
		tp.Backward(ln)
		if !near(loss, tp.Scalar(ln), 1e-12) {
			t.Errorf("cfg %d: loss fused %g, tape %g", ci, loss, tp.Scalar(ln))
		}
		f := func(p []float64) float64 {
			c := m.Clone()
			copy(c.Params, p)
			return c.FMLossGrad(xt, tt, u)
		}
		want := fd.Gradient(nil, f, append([]float64(nil), m.Params...), fdSet)
		for i := range want {
			if !near(fused[i], m.Grad[i], 1e-10) || !near(fused[i], want[i], 1e-6) {
				t.Errorf("cfg %d: dL/dθ[%d] fused %g, tape %g, FD %g", ci, i, fused[i], m.Grad[i], want[i])
			}
		}
	}
}

// TestBuildDivSecondOrder: the θ-gradient of a loss of v and the divergence
// (exact and Hutchinson with fixed probes), against finite differences.
func TestBuildDivSecondOrder(t *testing.T) {
	for ci, cfg := range testCfgs[1:] {
		m := newTest(t, cfg, uint64(20+ci))
		rng := rand.New(rand.NewPCG(21, uint64(ci)))
		n, d := 4, cfg.Dim
		x := normals(rng, n*d)
		tt := []float64{0.1, 0.5, 0.7, 0.9}
		pr := [][]float64{normals(rng, n*d), normals(rng, n*d)}
		for _, hutch := range []bool{false, true} {
			tp := &ad.Tape{}
			loss := func(mm *MLP) ad.Node {
				tp.Reset()
				var probes []ad.Node
				if hutch {
					probes = []ad.Node{tp.Const(pr[0], n, d), tp.Const(pr[1], n, d)}
				}
				v, div := mm.BuildDiv(tp, tp.Const(x, n, d), tp.Const(tt, n, 1), probes)
				return tp.Add(tp.Sum(tp.Square(div)), tp.Mean(tp.Sin(v)))
			}
			m.ZeroGrad()
			tp.Backward(loss(m))
			f := func(p []float64) float64 {
				c := m.Clone()
				copy(c.Params, p)
				return tp.Scalar(loss(c))
			}
			want := fd.Gradient(nil, f, append([]float64(nil), m.Params...), fdSet)
			for i := range want {
				if !near(m.Grad[i], want[i], 1e-6) {
					t.Errorf("cfg %d hutch=%v: dL/dθ[%d] = %g, FD %g", ci, hutch, i, m.Grad[i], want[i])
				}
			}
		}
	}
}

// TestAllocs: the hot paths allocate nothing after warm-up.
func TestAllocs(t *testing.T) {
	m := newTest(t, DefaultConfig(2), 40)
	rng := rand.New(rand.NewPCG(41, 1))
	n := 64
	x, u := normals(rng, n*2), normals(rng, n*2)
	tt := make([]float64, n)
	for i := range tt {
		tt[i] = rng.Float64()
	}
	v, div := make([]float64, n*2), make([]float64, n)
	probes := make([]float64, 2*n*2)
	tp := &ad.Tape{}
	cases := []struct {
		name string
		f    func()
	}{
		{"FMLossGrad", func() { m.FMLossGrad(x, tt, u) }},
		{"Velocity", func() { m.Velocity(v, x, 0.4) }},
		{"VelocityDiv", func() { m.VelocityDiv(v, div, x, 0.4) }},
		{"BuildDivBackward", func() {
			tp.Reset()
			m.ZeroGrad()
			v, div := m.BuildDiv(tp, tp.Const(x, n, 2), tp.Const(tt, n, 1), nil)
			tp.Backward(tp.Add(tp.Sum(tp.Square(div)), tp.Mean(tp.Sin(v))))
		}},
		{"Hutchinson", func() { DrawProbes(rng, Rademacher, probes); m.VelocityDivProbes(v, div, x, 0.4, probes) }},
	}
	for _, c := range cases {
		c.f()
		c.f()
		if a := testing.AllocsPerRun(5, c.f); a != 0 {
			t.Errorf("%s allocates %v times per call, want 0", c.name, a)
		}
	}
}
