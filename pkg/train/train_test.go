package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/checkpoint"
	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
	"github.com/flowbench/flowbench/pkg/paths"
)

// The Gaussian → Gaussian problem: p_0 = N(0, I), q = N(m, s²I) in 2-D.
var (
	gm = []float64{2, -1} // target mean
	gs = 0.5              // target standard deviation
)

func gaussTarget(t *testing.T) datasets.Dataset {
	t.Helper()
	g, err := datasets.NewGMM("gauss", datasets.Isotropic([]float64{1}, [][]float64{gm}, gs))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// exactField is the marginal field of the affine path x_t = S·x0 + A·x1 for
// x0 ~ N(0, I), x1 ~ N(m, s²I) independent: x_t and the conditional
// velocity u = S'·x0 + A'·x1 are jointly Gaussian, so
//
//	E[u | x_t = x] = A'·m + Cov(u, x_t)/Var(x_t)·(x − A·m),
//	Cov = S'·S + A'·A·s²,  Var = S² + A²·s²   (per coordinate).
func exactField(c paths.Coeffs, x []float64) []float64 {
	cov := c.DS*c.S + c.DA*c.A*gs*gs
	vr := c.S*c.S + c.A*c.A*gs*gs
	u := make([]float64, len(x))
	for k, xk := range x {
		mk := gm[k%2]
		u[k] = c.DA*mk + cov/vr*(xk-c.A*mk)
	}
	return u
}

// fieldMSE is the mean over a midpoint grid of 20 times in [0, 1] and 256
// points x ~ p_t = N(A·m, (S² + A²s²)I) per time of |v_t(x) − u_t(x)|².
func fieldMSE(m *models.MLP, sched paths.Schedule) float64 {
	const nt, n = 20, 256
	rng := rand.New(rand.NewPCG(99, 99)) // fixed evaluation points
	x := make([]float64, n*2)
	v := make([]float64, n*2)
	var tot float64
	for i := range nt {
		tt := (float64(i) + 0.5) / nt
		c := sched.At(tt)
		for k := range x {
			x[k] = c.S*rng.NormFloat64() + c.A*(gm[k%2]+gs*rng.NormFloat64())
		}
		m.Velocity(v, x, tt)
		u := exactField(c, x)
		for k := range v {
			e := v[k] - u[k]
			tot += e * e
		}
	}
	return tot / (nt * n)
}

func newModel(t *testing.T, seed uint64) *models.MLP {
	t.Helper()
	m, err := models.NewMLP(models.DefaultConfig(2), rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func adam(t *testing.T, lr float64) optim.Config {
	t.Helper()
	c, err := optim.Default(optim.NameAdam, lr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestExactFieldIsTheFlow checks the closed form itself: for the OT path
// it must transport p_t's variance, d/dt σ_t = (Cov/Var)·σ_t, which holds
// since d/dt Var = 2(S·S' + A·A'·s²) = 2·Cov.
func TestExactFieldIsTheFlow(t *testing.T) {
	sched := paths.OT{}
	const h = 1e-6
	for _, tt := range []float64{0.1, 0.5, 0.9} {
		vr := func(t float64) float64 { c := sched.At(t); return c.S*c.S + c.A*c.A*gs*gs }
		c := sched.At(tt)
		cov := c.DS*c.S + c.DA*c.A*gs*gs
		dv := (vr(tt+h) - vr(tt-h)) / (2 * h) // central difference, error O(h²)
		if math.Abs(dv-2*cov) > 1e-8 {
			t.Errorf("t=%v: dVar/dt = %v, 2·Cov = %v", tt, dv, 2*cov)
		}
		// The mean A·m moves with the field's value at the mean, A'·m.
		u := exactField(c, []float64{c.A * gm[0], c.A * gm[1]})
		if math.Abs(u[0]-c.DA*gm[0]) > 1e-15 || math.Abs(u[1]-c.DA*gm[1]) > 1e-15 {
			t.Errorf("t=%v: field at the mean %v, want %v", tt, u, []float64{c.DA * gm[0], c.DA * gm[1]})
		}
	}
}

// TestLearnsGaussianField trains torchcfm's 2-D MLP on the Gaussian problem
// with the OT path and checks that the learned field approaches the exact
// marginal field. Measured (seeds as below, 1500 steps of batch 256, about
// 0.7 s): field MSE 5.70 at initialisation, 0.0078 after training (EMA
// weights 0.0078), a 730-fold reduction; the loss curve falls from 2.90 to
// 1.52 (its floor is the conditional variance, not 0). The assertion asks
// for a 20-fold reduction and an MSE below 0.05 (800 steps reach 0.029).
func TestLearnsGaussianField(t *testing.T) {
	const steps = 1500
	sched := paths.OT{}
	m := newModel(t, 1)
	mse0 := fieldMSE(m, sched)
	cfg := Config{Steps: steps, Batch: 256, Optim: adam(t, 3e-3),
		Schedule: optim.Cosine{LR: 3e-3, Floor: 1e-4, K: steps}, Clip: 10, EMADecay: 0.99, EMAWarmup: true}
	res, err := FM(context.Background(), m, Problem{Path: paths.Path{Schedule: sched}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	mse1 := fieldMSE(m, sched)
	copy(m.Params, res.EMA)
	mseEMA := fieldMSE(m, sched)
	t.Logf("field MSE: init %.4f, trained %.5f, EMA %.5f; loss curve first %.4f last %.4f; %d steps, NFE %d, %.2fs",
		mse0, mse1, mseEMA, res.Curve[0], res.Curve[len(res.Curve)-1], res.Steps, res.NFE, res.Seconds)
	if !(mse1 < mse0/20 && mse1 < 0.05) {
		t.Errorf("field MSE %g after training, %g at initialisation", mse1, mse0)
	}
	if !(mseEMA < mse0/20 && mseEMA < 0.05) {
		t.Errorf("EMA field MSE %g, %g at initialisation", mseEMA, mse0)
	}
	if res.NFE != int64(steps)*256 || res.Steps != steps {
		t.Errorf("NFE %d steps %d", res.NFE, res.Steps)
	}
}

func smallCfg(t *testing.T) Config {
	return Config{Steps: 30, Batch: 32, Optim: adam(t, 1e-3), Clip: 1, EMADecay: 0.9, CurveEvery: 7}
}

func TestDeterminism(t *testing.T) {
	run := func(seed uint64, c couplings.Coupling, trainSet int, hook bool) *Result {
		m := newModel(t, 5)
		cfg := smallCfg(t)
		cfg.TrainSet = trainSet
		calls := 0
		if hook {
			cfg.Progress = func(p Progress) { calls++ }
		}
		r, err := FM(context.Background(), m, Problem{Path: paths.Path{Schedule: paths.OT{}}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: c}, cfg, rand.New(rand.NewPCG(seed, 7)))
		if err != nil {
			t.Fatal(err)
		}
		if hook && calls != cfg.Steps {
			t.Errorf("progress hook called %d times for %d steps", calls, cfg.Steps)
		}
		return r
	}
	same := func(a, b []float64) bool {
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				return false
			}
		}
		return len(a) == len(b)
	}
	for _, c := range []struct {
		name     string
		mk       func() couplings.Coupling
		trainSet int
	}{
		{"independent", func() couplings.Coupling { return couplings.Independent{} }, 0},
		{"ot fixed set", func() couplings.Coupling { return &couplings.ExactOT{} }, 100},
		{"sinkhorn", func() couplings.Coupling { return &couplings.Sinkhorn{Eps: 0.1, Relative: true} }, 0},
	} {
		a, b := run(1, c.mk(), c.trainSet, false), run(1, c.mk(), c.trainSet, true)
		if !same(a.Params, b.Params) || !same(a.EMA, b.EMA) || !same(a.Curve, b.Curve) {
			t.Errorf("%s: same seed, different results (hook on in the second run)", c.name)
		}
		if o := run(2, c.mk(), c.trainSet, false); same(a.Params, o.Params) {
			t.Errorf("%s: different seeds, identical parameters", c.name)
		}
		// Curve: 30 steps in blocks of 7 → 5 points, the last a block of 2.
		if len(a.Curve) != 5 || a.CurveEvery != 7 {
			t.Errorf("%s: curve has %d points every %d", c.name, len(a.Curve), a.CurveEvery)
		}
	}
}

// infAt is a dataset whose call number `at` (1-based) returns a +Inf.
type infAt struct {
	datasets.Dataset
	at, calls int
}

func (d *infAt) Sample(rng *rand.Rand, n int) []float64 {
	x := d.Dataset.Sample(rng, n)
	d.calls++
	if d.calls == d.at {
		x[3] = math.Inf(1)
	}
	return x
}

func TestNonFinite(t *testing.T) {
	for _, c := range []struct {
		name     string
		coupling couplings.Coupling
	}{{"independent", couplings.Independent{}}, {"ot", &couplings.ExactOT{}}} {
		target := &infAt{Dataset: gaussTarget(t), at: 7}
		res, err := FM(context.Background(), newModel(t, 3), Problem{Path: paths.Path{Schedule: paths.OT{}}, Source: datasets.Normal{D: 2}, Target: target, Coupling: c.coupling}, smallCfg(t), rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), "step 7 of 30") {
			t.Errorf("%s: Inf target at step 7 gave error %v", c.name, err)
		}
		if res == nil || res.Steps != 6 {
			t.Errorf("%s: partial result %+v, want 6 steps done", c.name, res)
		}
	}
	// Adam's first step moves every weight by ≈ lr, so with lr = 1e100 the
	// four layers of step 2's forward pass multiply to ≈ 1e400: the loss
	// overflows at step 2. (lr = 1e10 only reaches ≈ 1e80, still finite.)
	cfg := smallCfg(t)
	cfg.Optim = adam(t, 1e100)
	cfg.Clip = 0
	res, err := FM(context.Background(), newModel(t, 3), Problem{Path: paths.Path{Schedule: paths.OT{}}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, cfg, rand.New(rand.NewPCG(1, 1)))
	if err == nil || !strings.Contains(err.Error(), "train: step 2 of 30") {
		t.Fatalf("lr = 1e100: error %v", err)
	}
	t.Logf("lr = 1e100: %v (after %d good steps)", err, res.Steps)
}

// TestOTLowersPairCost: with common random numbers the exact-OT coupling
// pairs the same draws at lower cost. For these Gaussians the independent
// cost is E|x0 − x1|² = |m|² + d(1 + s²) = 5 + 2.5 = 7.5, and the minibatch
// OT cost tends to W2² = |m|² + d(1 − s)² = 5.5 from above
// (E W2²(μ_n, ν_n) ≥ W2²(μ, ν) by joint convexity; measured over 200
// batches of 256: 5.53–5.56 for three seeds). So the saving is
// 7.5 − 5.5 = 2ds = 2 less a small minibatch bias.
func TestOTLowersPairCost(t *testing.T) {
	cost := func(c couplings.Coupling) float64 {
		cfg := smallCfg(t)
		cfg.Batch = 256
		cfg.Steps = 20
		r, err := FM(context.Background(), newModel(t, 3), Problem{Path: paths.Path{Schedule: paths.OT{}}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: c}, cfg, rand.New(rand.NewPCG(4, 4)))
		if err != nil {
			t.Fatal(err)
		}
		return r.PairCost
	}
	ind, ot := cost(couplings.Independent{}), cost(&couplings.ExactOT{})
	sk := cost(&couplings.Sinkhorn{Eps: 0.05})
	t.Logf("mean pair cost: independent %.4f (expected 7.5), sinkhorn ε=0.05 %.4f, OT %.4f (W2² = 5.5)", ind, sk, ot)
	// 20 batches of 256 pairs: the independent estimate's standard error is
	// ≈ 0.1 (per-pair cost variance ≈ 2·(2·1.25)² + 4·5·1.25 ≈ 37.5).
	if math.Abs(ind-7.5) > 0.4 {
		t.Errorf("independent pair cost %g, expected 7.5", ind)
	}
	// The difference of the two estimates on the same draws has far less
	// noise than either; 0.2 covers it and the minibatch bias (≈ 0.04).
	if math.Abs(ind-ot-2) > 0.2 || ot < 5.5-0.4 {
		t.Errorf("OT pair cost %g, independent %g: saving %g, want ≈ 2 (W2² = 5.5)", ot, ind, ind-ot)
	}
	if !(sk > ot && sk < ind) {
		t.Errorf("Sinkhorn pair cost %g not between OT %g and independent %g", sk, ot, ind)
	}
}

// TestTrainPairs: pairs x1 = x0 + c make the rectified target constant,
// x1 − x0 = c, so the learned field must approach the constant c.
func TestTrainPairs(t *testing.T) {
	const n = 512
	c := []float64{1.5, -0.5}
	rng := rand.New(rand.NewPCG(8, 8))
	x0 := make([]float64, n*2)
	x1 := make([]float64, n*2)
	for k := range x0 {
		x0[k] = rng.NormFloat64()
		x1[k] = x0[k] + c[k%2]
	}
	m := newModel(t, 9)
	cfg := Config{Steps: 300, Batch: 64, Optim: adam(t, 3e-3)}
	res, err := TrainPairs(context.Background(), m, x0, x1, n, cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float64, len(x0))
	var mse float64
	for _, tt := range []float64{0.1, 0.5, 0.9} {
		xt := make([]float64, len(x0))
		for k := range xt {
			xt[k] = x0[k] + tt*c[k%2]
		}
		m.Velocity(v, xt, tt)
		for k := range v {
			e := v[k] - c[k%2]
			mse += e * e
		}
	}
	mse /= 3 * n
	t.Logf("TrainPairs: field MSE to the constant target %.2e, loss %.3g → %.3g", mse, res.Curve[0], res.Curve[len(res.Curve)-1])
	// |c|² = 2.5; 1e-2 is a 250-fold reduction from the field's scale.
	if mse > 1e-2 {
		t.Errorf("field MSE to c = %g", mse)
	}
	if _, err := TrainPairs(context.Background(), m, x0, x1, 10, cfg, rng); err == nil {
		t.Error("TrainPairs accepted pairs of the wrong length")
	}
}

func TestEpochs(t *testing.T) {
	const n, b = 10, 3
	set := make([]float64, n)
	for i := range set {
		set[i] = float64(i)
	}
	e := NewEpochs(set, n, 1, rand.New(rand.NewPCG(1, 1)))
	x := make([]float64, b)
	for epoch := range 4 {
		seen := map[float64]bool{}
		for range n / b { // 3 batches per epoch, remainder of 1 dropped
			e.Next(x)
			for _, v := range x {
				if seen[v] {
					t.Fatalf("epoch %d: row %v served twice", epoch, v)
				}
				seen[v] = true
			}
		}
		if len(seen) != n/b*b {
			t.Fatalf("epoch %d served %d rows, want %d", epoch, len(seen), n/b*b)
		}
	}
}

func TestValidate(t *testing.T) {
	good := smallCfg(t)
	bad := []func(*Config){
		func(c *Config) { c.Steps = 0 },
		func(c *Config) { c.Batch = 0 },
		func(c *Config) { c.Clip = -1 },
		func(c *Config) { c.EMADecay = 1 },
		func(c *Config) { c.TrainSet = 5 },
		func(c *Config) { c.Optim.LR = 0 },
		func(c *Config) { c.Schedule = optim.Cosine{LR: 1, K: 0} },
	}
	for i, f := range bad {
		c := good
		f(&c)
		if _, err := FM(context.Background(), newModel(t, 1), Problem{Path: paths.Path{Schedule: paths.OT{}}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, c, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("case %d: FM accepted %+v", i, c)
		}
	}
	if _, err := FM(context.Background(), newModel(t, 1), Problem{Path: paths.Path{Schedule: paths.OT{}}, Source: datasets.Normal{D: 3}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, good, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("FM accepted a 3-D source for a 2-D model")
	}
	res, err := FM(context.Background(), newModel(t, 1), Problem{Path: paths.Path{Schedule: paths.DefaultVP()}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, good, rand.New(rand.NewPCG(1, 1)))
	if err != nil || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "[0, 0.99999)") {
		t.Errorf("VP run: warnings %q, err %v", res.Warnings, err)
	}
}

// TestCheckpointRoundTrip: a run's final state survives checkpoint.Save and
// LoadFor bit-exactly, and loads only for its own model configuration.
func TestCheckpointRoundTrip(t *testing.T) {
	m := newModel(t, 4)
	res, err := FM(context.Background(), m, Problem{Path: paths.Path{Schedule: paths.OT{}}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, smallCfg(t), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := res.Checkpoint(m.Cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/run.ckpt"
	if err := checkpoint.Save(path, c); err != nil {
		t.Fatal(err)
	}
	got, err := checkpoint.LoadFor(path, m.Cfg, len(m.Params))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Params {
		if math.Float64bits(got.Params[i]) != math.Float64bits(m.Params[i]) || got.EMA[i] != res.EMA[i] || got.Opt.V[i] != res.Opt.V[i] {
			t.Fatalf("parameter %d differs after the round trip", i)
		}
	}
	if got.Step != 30 || got.Opt.Step != 30 || got.EMAUpdates != 30 || got.Opt.Name != optim.NameAdam {
		t.Errorf("checkpoint step %d, opt %s/%d, EMA updates %d", got.Step, got.Opt.Name, got.Opt.Step, got.EMAUpdates)
	}
	wider := models.DefaultConfig(2)
	wider.Hidden = []int{64, 64, 128}
	if _, err := checkpoint.LoadFor(path, wider, len(m.Params)); err == nil {
		t.Error("checkpoint loaded for another architecture")
	}
}

// TestFMNoise: σ = 0 reproduces the noiseless path bit for bit (the noise stream is
// created after the other four), σ = 0.1 changes the run, and the noisy
// run still learns the marginal field of its path. For x0 ~ N(0, I),
// x1 ~ N(m, s²I) independent and x_t = (1 − t)x0 + t·x1 + σε, x_t is the
// affine path with S_t = sqrt((1 − t)² + σ²) in law, and the target
// x1 − x0 has Cov(u, x_t) = −(1 − t) + t·s² (ε is independent of u), so
// E[u | x_t = x] = m + (−(1 − t) + t·s²)/((1 − t)² + σ² + t²s²)·(x − t·m).
func TestFMNoise(t *testing.T) {
	cfg := smallCfg(t)
	run := func(sigma float64, m *models.MLP, c Config) *Result {
		r, err := FM(context.Background(), m, Problem{Path: paths.Path{Schedule: paths.Rectified{}, Noise: sigma}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, c, rand.New(rand.NewPCG(6, 6)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ref, err := FM(context.Background(), newModel(t, 2), Problem{Path: paths.Path{Schedule: paths.Rectified{}}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, cfg, rand.New(rand.NewPCG(6, 6)))
	if err != nil {
		t.Fatal(err)
	}
	z, n := run(0, newModel(t, 2), cfg), run(0.1, newModel(t, 2), cfg)
	for i := range ref.Params {
		if math.Float64bits(ref.Params[i]) != math.Float64bits(z.Params[i]) {
			t.Fatalf("σ = 0: parameter %d differs from FM", i)
		}
	}
	if n.Params[0] == ref.Params[0] && n.Params[1] == ref.Params[1] {
		t.Error("σ = 0.1 gave FM's parameters")
	}
	if _, err := FM(context.Background(), newModel(t, 2), Problem{Path: paths.Path{Schedule: paths.Rectified{}, Noise: -0.1}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, cfg, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("negative σ accepted")
	}

	// Learning: σ = 0.5 (large, so that the σ-dependence of the field is
	// visible), 1500 steps as in TestLearnsGaussianField.
	const sigma, steps = 0.5, 1500
	m := newModel(t, 1)
	long := Config{Steps: steps, Batch: 256, Optim: adam(t, 3e-3), Schedule: optim.Cosine{LR: 3e-3, Floor: 1e-4, K: steps}, Clip: 10}
	run(sigma, m, long)
	field := func(sig float64) float64 { // MSE of the model to the σ-field
		rng := rand.New(rand.NewPCG(99, 99))
		const nt, np = 20, 256
		x, v := make([]float64, np*2), make([]float64, np*2)
		var tot float64
		for i := range nt {
			tt := (float64(i) + 0.5) / nt
			sd := math.Sqrt((1-tt)*(1-tt) + sig*sig)
			for k := range x {
				x[k] = sd*rng.NormFloat64() + tt*(gm[k%2]+gs*rng.NormFloat64())
			}
			m.Velocity(v, x, tt)
			r := (-(1 - tt) + tt*gs*gs) / ((1-tt)*(1-tt) + sig*sig + tt*tt*gs*gs)
			for k := range v {
				e := v[k] - (gm[k%2] + r*(x[k]-tt*gm[k%2]))
				tot += e * e
			}
		}
		return tot / (nt * np)
	}
	right, wrong := field(sigma), field(0)
	t.Logf("σ = %v: field MSE to the σ-field %.4f, to the σ = 0 field %.4f", sigma, right, wrong)
	// Same bound as TestLearnsGaussianField; the σ = 0 field must fit worse.
	if !(right < 0.05 && right < wrong) {
		t.Errorf("field MSE %g to its own path's field, %g to the noiseless one", right, wrong)
	}
}

// TestStop: a context cancelled during step 3 ends the run after 3 steps
// with its error wrapped.
func TestStop(t *testing.T) {
	cfg := smallCfg(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.Progress = func(p Progress) {
		if p.Step == 3 {
			cancel()
		}
	}
	stop := context.Canceled
	res, err := FM(ctx, newModel(t, 1), Problem{Path: paths.Path{Schedule: paths.OT{}}, Source: datasets.Normal{D: 2}, Target: gaussTarget(t), Coupling: couplings.Independent{}}, cfg, rand.New(rand.NewPCG(1, 1)))
	if !errors.Is(err, stop) || res == nil || res.Steps != 3 {
		t.Fatalf("err %v, steps %v", err, res)
	}
}
