package optim

import (
	"math"
	"math/rand/v2"
	"testing"
)

func mustNew(t *testing.T, name string, lr, wd float64, n int) *Adam {
	t.Helper()
	c, err := Default(name, lr)
	if err != nil {
		t.Fatal(err)
	}
	c.WeightDecay = wd
	a, err := New(c, n)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAdamFirstStep: after one step m̂ = g and v̂ = g², so every coordinate
// moves by exactly lr·g/(|g| + ε) ≈ lr·sign(g), whatever the gradient's scale.
func TestAdamFirstStep(t *testing.T) {
	const lr = 1e-3
	g := []float64{1e-6, -3, 250, 1e-9}
	theta := []float64{0.5, 0.5, 0.5, 0.5}
	a := mustNew(t, NameAdam, lr, 0, len(g))
	a.Step(theta, g, lr)
	for i, gi := range g {
		want := 0.5 - lr*gi/(math.Abs(gi)+1e-8)
		if d := math.Abs(theta[i] - want); d > 1e-15 {
			t.Errorf("coord %d (g=%v): θ = %.17g, want %.17g (|Δ| %g)", i, gi, theta[i], want, d)
		}
	}
	// g = 1e-9 is below ε·10: the step is visibly smaller than lr (ratio 1/11).
	if got, want := 0.5-theta[3], lr*1e-9/(1e-9+1e-8); math.Abs(got-want) > 1e-15 {
		t.Errorf("tiny-gradient step %g, want %g", got, want)
	}
}

// TestAdamSequence checks three steps against values worked out by hand from
// the update of the package comment (β1 = 0.9, β2 = 0.999, ε = 1e-8).
func TestAdamSequence(t *testing.T) {
	const lr = 0.1
	a := mustNew(t, NameAdam, lr, 0, 1)
	theta := []float64{0}
	// Step 1, g = 1: Δ = −lr·1/(1+ε).
	a.Step(theta, []float64{1}, lr)
	want := -lr / (1 + 1e-8)
	check := func(step int, want float64) {
		t.Helper()
		if math.Abs(theta[0]-want) > 1e-14 {
			t.Fatalf("step %d: θ = %.17g, want %.17g", step, theta[0], want)
		}
	}
	check(1, want)
	// Step 2, g = −2: m = 0.9·0.1 − 0.1·2 = −0.11, v = 0.999·0.001 + 0.001·4 =
	// 0.004999; m̂ = −0.11/0.19, v̂ = 0.004999/0.001999.
	a.Step(theta, []float64{-2}, lr)
	want += lr * (0.11 / 0.19) / (math.Sqrt(0.004999/0.001999) + 1e-8)
	check(2, want)
	// Step 3, g = 0.5: m = 0.9·(−0.11) + 0.1·0.5 = −0.049,
	// v = 0.999·0.004999 + 0.001·0.25 = 0.005244001; 1−β1³ = 0.271,
	// 1−β2³ = 0.002997001.
	a.Step(theta, []float64{0.5}, lr)
	want += lr * (0.049 / 0.271) / (math.Sqrt(0.005244001/0.002997001) + 1e-8)
	check(3, want)
	if a.Steps() != 3 {
		t.Errorf("Steps() = %d, want 3", a.Steps())
	}
}

// TestConstantGradient: with a constant gradient m̂ = g and v̂ = g² at every
// step, so θ moves linearly by lr·g/(|g|+ε) per step.
func TestConstantGradient(t *testing.T) {
	const lr, steps = 0.01, 50
	a := mustNew(t, NameAdam, lr, 0, 1)
	theta := []float64{0}
	for range steps {
		a.Step(theta, []float64{-4}, lr)
	}
	want := steps * lr * 4 / (4 + 1e-8)
	if math.Abs(theta[0]-want) > 1e-12 {
		t.Errorf("θ = %.15g, want %.15g", theta[0], want)
	}
}

// TestWeightDecay: with g = 0 AdamW multiplies θ by (1 − lr·λ) each step
// (the moments stay 0), while Adam's L2 form turns λθ into a gradient and
// moves by lr·sign(θ) on the first step.
func TestWeightDecay(t *testing.T) {
	const lr, wd, steps = 0.1, 0.5, 7
	zero := []float64{0, 0}
	w := mustNew(t, NameAdamW, lr, wd, 2)
	theta := []float64{2, -3}
	for range steps {
		w.Step(theta, zero, lr)
	}
	f := math.Pow(1-lr*wd, steps)
	for i, th0 := range []float64{2, -3} {
		if want := th0 * f; math.Abs(theta[i]-want) > 1e-14 {
			t.Errorf("AdamW θ[%d] = %.17g, want %.17g", i, theta[i], want)
		}
	}
	// Decoupled decay plus a gradient step: θ1 = θ0(1 − lr·λ) − lr·g/(|g|+ε).
	w2 := mustNew(t, NameAdamW, lr, wd, 1)
	th := []float64{2}
	w2.Step(th, []float64{0.3}, lr)
	if want := 2*(1-lr*wd) - lr*0.3/(0.3+1e-8); math.Abs(th[0]-want) > 1e-15 {
		t.Errorf("AdamW with gradient: θ = %.17g, want %.17g", th[0], want)
	}
	// Coupled (Adam) weight decay: g_eff = λθ, first step −lr·sign(θ).
	a := mustNew(t, NameAdam, lr, wd, 2)
	theta = []float64{2, -3}
	a.Step(theta, zero, lr)
	for i, want := range []float64{2 - lr*1/(1+1e-8/(wd*2)), -3 + lr*1/(1+1e-8/(wd*3))} {
		if math.Abs(theta[i]-want) > 1e-14 {
			t.Errorf("Adam L2 θ[%d] = %.17g, want %.17g", i, theta[i], want)
		}
	}
}

// TestQuadratic minimises f(θ) = ½ Σ h_i (θ_i − c_i)² with curvatures over
// two decades; a cosine decay to zero lets Adam settle on the minimiser c.
func TestQuadratic(t *testing.T) {
	h := []float64{0.1, 1, 3, 10}
	c := []float64{1, -2, 0.5, 3}
	for _, name := range []string{NameAdam, NameAdamW} {
		const steps = 3000
		cfg, _ := Default(name, 0.05)
		cfg.WeightDecay = 0 // decay would move the minimiser
		a, err := New(cfg, len(h))
		if err != nil {
			t.Fatal(err)
		}
		sched := Cosine{LR: cfg.LR, K: steps}
		theta := make([]float64, len(h))
		g := make([]float64, len(h))
		for k := range steps {
			for i := range theta {
				g[i] = h[i] * (theta[i] - c[i])
			}
			a.Step(theta, g, sched.At(k))
		}
		for i := range theta {
			// 1e-4: Adam's steady oscillation scales with the final lr, which
			// the cosine drives to ~lr·(π/K)² ≈ 5e-8.
			if math.Abs(theta[i]-c[i]) > 1e-4 {
				t.Errorf("%s: θ[%d] = %g, want %g", name, i, theta[i], c[i])
			}
		}
	}
}

func TestStateResume(t *testing.T) {
	grads := func(k int) []float64 { return []float64{math.Sin(float64(k)), math.Cos(float64(3 * k))} }
	run := func(split int) []float64 {
		a := mustNew(t, NameAdamW, 0.01, 0.1, 2)
		theta := []float64{1, 2}
		for k := range 10 {
			if k == split {
				s := a.State()
				b := mustNew(t, NameAdamW, 0.01, 0.1, 2)
				if err := b.SetState(s); err != nil {
					t.Fatal(err)
				}
				a = b
			}
			a.Step(theta, grads(k), 0.01)
		}
		return theta
	}
	ref, got := run(-1), run(4)
	for i := range ref {
		if ref[i] != got[i] {
			t.Errorf("resumed θ[%d] = %.17g, uninterrupted %.17g", i, got[i], ref[i])
		}
	}
	a := mustNew(t, NameAdam, 0.01, 0, 2)
	if err := a.SetState(State{Name: NameAdamW, M: make([]float64, 2), V: make([]float64, 2)}); err == nil {
		t.Error("SetState accepted another optimiser's state")
	}
	if err := a.SetState(State{Name: NameAdam, M: make([]float64, 3), V: make([]float64, 3)}); err == nil {
		t.Error("SetState accepted a state of the wrong length")
	}
}

func TestConfigValidate(t *testing.T) {
	good, _ := Default(NameAdamW, 1e-3)
	if good.WeightDecay != 1e-2 {
		t.Errorf("AdamW default weight decay %v, PyTorch's is 1e-2", good.WeightDecay)
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := Default("sgd", 1); err == nil {
		t.Error("Default accepted an unknown optimiser")
	}
	bad := []func(*Config){
		func(c *Config) { c.LR = 0 },
		func(c *Config) { c.LR = math.Inf(1) },
		func(c *Config) { c.Beta1 = 1 },
		func(c *Config) { c.Beta2 = -0.1 },
		func(c *Config) { c.Eps = 0 },
		func(c *Config) { c.WeightDecay = math.NaN() },
		func(c *Config) { c.Name = "Adam" },
	}
	for i, f := range bad {
		c := good
		f(&c)
		if c.Validate() == nil {
			t.Errorf("case %d: Validate accepted %+v", i, c)
		}
		if _, err := New(c, 3); err == nil {
			t.Errorf("case %d: New accepted %+v", i, c)
		}
	}
}

func TestClipNorm(t *testing.T) {
	cases := []struct {
		name     string
		g        []float64
		max      float64
		wantNorm float64
		wantG    []float64
	}{
		// 3-4-5 triangle: norm 5, scaled by 1/(5 + 1e-6).
		{"clip", []float64{3, 4}, 1, 5, []float64{3 / (5 + 1e-6), 4 / (5 + 1e-6)}},
		{"below", []float64{3, 4}, 10, 5, []float64{3, 4}},
		{"off", []float64{3, 4}, 0, 5, []float64{3, 4}},
		// Squares overflow; the scaled norm is still √2·1e200.
		{"huge", []float64{1e200, -1e200}, 0, math.Sqrt2 * 1e200, []float64{1e200, -1e200}},
		{"inf", []float64{math.Inf(1), 1}, 1, math.Inf(1), []float64{math.Inf(1), 1}},
	}
	for _, c := range cases {
		n := ClipNorm(c.g, c.max)
		if !(math.Abs(n-c.wantNorm) <= 1e-15*c.wantNorm) && n != c.wantNorm {
			t.Errorf("%s: norm %g, want %g", c.name, n, c.wantNorm)
		}
		for i := range c.g {
			if c.g[i] != c.wantG[i] && math.Abs(c.g[i]-c.wantG[i]) > 1e-15 {
				t.Errorf("%s: g[%d] = %.17g, want %.17g", c.name, i, c.g[i], c.wantG[i])
			}
		}
	}
	if n := ClipNorm([]float64{math.NaN()}, 1); !math.IsNaN(n) {
		t.Errorf("NaN gradient norm %g, want NaN", n)
	}
}

func TestSchedules(t *testing.T) {
	cos := Cosine{LR: 1, Floor: 0.1, K: 100}
	wc := Warmup{W: 10, Inner: cos}
	cases := []struct {
		name string
		s    Schedule
		k    int
		want float64
	}{
		{"constant", Constant{LR: 0.3}, 12345, 0.3},
		{"cosine start", cos, 0, 1},
		{"cosine half", cos, 50, 0.55}, // cos(π/2) = 0: midpoint of 1 and 0.1
		// k = 25: (1 + cos(π/4))/2 = 0.853553…, 0.1 + 0.9·0.853553 = 0.868198
		{"cosine quarter", cos, 25, 0.1 + 0.9*(1+math.Sqrt2/2)/2},
		{"cosine end", cos, 100, 0.1},
		{"cosine after", cos, 1000, 0.1},
		{"warmup first", wc, 0, 0.1}, // Inner(0)·1/10
		{"warmup last", wc, 9, 1},
		{"warmup handover", wc, 10, 1},
		{"warmup cosine half", wc, 60, 0.55},
	}
	for _, c := range cases {
		if got := c.s.At(c.k); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s: At(%d) = %.17g, want %.17g", c.name, c.k, got, c.want)
		}
	}
	s, err := NewSchedule(ScheduleCosine, 1, 0.1, 10, 110)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 200 {
		if s.At(k) != wc.At(k) {
			t.Fatalf("NewSchedule differs from Warmup{10, Cosine{K: 100}} at %d", k)
		}
	}
	for _, bad := range []struct {
		kind          string
		lr, floor     float64
		warmup, total int
	}{
		{"linear", 1, 0, 0, 10},
		{ScheduleCosine, 1, 2, 0, 10},
		{ScheduleCosine, 1, 0, 10, 10},
		{ScheduleConstant, -1, 0, 0, 10},
		{ScheduleConstant, 1, 0, -1, 10},
	} {
		if _, err := NewSchedule(bad.kind, bad.lr, bad.floor, bad.warmup, bad.total); err == nil {
			t.Errorf("NewSchedule accepted %+v", bad)
		}
	}
}

// TestEMA: fed a constant c from a start a, the average is
// c + (a − c)·Π_k δ_k — δⁿ without warm-up, Π (1+k)/(10+k) while the warm-up
// factor is below δ.
func TestEMA(t *testing.T) {
	const a, c, n = 5.0, -1.0, 40
	for _, warm := range []bool{false, true} {
		e, err := NewEMA([]float64{a, c}, 0.9, warm)
		if err != nil {
			t.Fatal(err)
		}
		prod := 1.0
		for k := range n {
			e.Update([]float64{c, c})
			d := 0.9
			if warm {
				d = math.Min(0.9, float64(1+k)/float64(10+k))
			}
			prod *= d
		}
		if want := c + (a-c)*prod; math.Abs(e.Params()[0]-want) > 1e-14 {
			t.Errorf("warmup=%v: average %.17g, want %.17g", warm, e.Params()[0], want)
		}
		// Started at the constant, it stays there (up to rounding).
		if math.Abs(e.Params()[1]-c) > 1e-15 {
			t.Errorf("warmup=%v: average of a constant drifted to %.17g", warm, e.Params()[1])
		}
	}
	// Warm-up decay values: k = 0 → 1/10, k = 80 → 81/90 = 0.9 (the cap).
	e, _ := NewEMA(nil, 0.99, true)
	if d := e.Decay(0); d != 0.1 {
		t.Errorf("Decay(0) = %v, want 0.1", d)
	}
	if d := e.Decay(1000); d != 0.99 {
		t.Errorf("Decay(1000) = %v, want the cap 0.99", d)
	}
	// Swap twice is the identity; CopyTo writes the average.
	e2, _ := NewEMA([]float64{1, 2}, 0.5, false)
	p := []float64{3, 4}
	e2.Update(p) // average (2, 3)
	e2.Swap(p)
	if p[0] != 2 || p[1] != 3 || e2.Params()[0] != 3 {
		t.Errorf("after Swap params %v average %v", p, e2.Params())
	}
	e2.Swap(p)
	dst := make([]float64, 2)
	e2.CopyTo(dst)
	if p[0] != 3 || dst[0] != 2 || dst[1] != 3 {
		t.Errorf("after second Swap params %v, CopyTo %v", p, dst)
	}
	if _, err := NewEMA(nil, 1, false); err == nil {
		t.Error("NewEMA accepted decay 1")
	}
}

func TestNoAllocs(t *testing.T) {
	const n = 1000
	theta, g := make([]float64, n), make([]float64, n)
	for i := range g {
		g[i] = float64(i%7) - 3
	}
	a := mustNew(t, NameAdamW, 1e-3, 1e-2, n)
	e, _ := NewEMA(theta, 0.999, true)
	allocs := testing.AllocsPerRun(20, func() {
		a.Step(theta, g, 1e-3)
		ClipNorm(g, 1)
		e.Update(theta)
		e.Swap(theta)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per step, want 0", allocs)
	}
}

func BenchmarkAdamStep(b *testing.B) {
	const n = 10000
	theta, g := make([]float64, n), make([]float64, n)
	c, _ := Default(NameAdamW, 1e-3)
	a, _ := New(c, n)
	for b.Loop() {
		a.Step(theta, g, 1e-3)
	}
}

// adamRef is Step's update written out in Go (no weight decay), the
// reference for the vector kernel.
func adamRef(theta, g, m, v []float64, b1, b2, eps, stepSize, bc2Sqrt float64) {
	for i, gi := range g {
		m[i] += (1 - b1) * (gi - m[i])
		v[i] = v[i]*b2 + (1-b2)*gi*gi
		denom := math.Sqrt(v[i])/bc2Sqrt + eps
		theta[i] = theta[i] - stepSize*(m[i]/denom)
	}
}

// TestAdamKernelBits: Step (which runs the vector kernel on whole groups of
// 8 where it exists) equals the Go loop bit for bit over several steps, for
// lengths with and without a tail, gradients spanning many magnitudes and
// exact zeros.
func TestAdamKernelBits(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 64, 1003} {
		rng := rand.New(rand.NewPCG(5, uint64(n)))
		cfg, _ := Default(NameAdam, 1e-3)
		a, err := New(cfg, n)
		if err != nil {
			t.Fatal(err)
		}
		theta := make([]float64, n)
		for i := range theta {
			theta[i] = rng.NormFloat64()
		}
		ref := append([]float64(nil), theta...)
		m, v := make([]float64, n), make([]float64, n)
		g := make([]float64, n)
		for k := 1; k <= 5; k++ {
			for i := range g {
				g[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(13)-6))
				if rng.IntN(10) == 0 {
					g[i] = 0
				}
			}
			lr := 1e-3 * float64(k)
			a.Step(theta, g, lr)
			stepSize := lr / (1 - math.Pow(cfg.Beta1, float64(k)))
			bc2Sqrt := math.Sqrt(1 - math.Pow(cfg.Beta2, float64(k)))
			adamRef(ref, g, m, v, cfg.Beta1, cfg.Beta2, cfg.Eps, stepSize, bc2Sqrt)
			for i := range theta {
				if math.Float64bits(theta[i]) != math.Float64bits(ref[i]) {
					t.Fatalf("n=%d step %d: theta[%d] = %v, Go loop %v", n, k, i, theta[i], ref[i])
				}
			}
		}
	}
}

// TestAdamWorkers: with 2 and 3 workers, Step on a vector long enough to be
// split (parMin + 13 elements, a ragged last range) gives the same bits as
// one worker, for Adam and AdamW with decay, and allocates nothing.
func TestAdamWorkers(t *testing.T) {
	n := parMin + 13
	for _, name := range []string{NameAdam, NameAdamW} {
		rng := rand.New(rand.NewPCG(8, 9))
		theta0, g := make([]float64, n), make([]float64, n)
		for i := range theta0 {
			theta0[i], g[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		var want []float64
		for _, w := range []int{1, 2, 3} {
			a := mustNew(t, name, 1e-3, 1e-2, n)
			a.SetWorkers(w)
			theta := append([]float64(nil), theta0...)
			for k := 0; k < 3; k++ {
				a.Step(theta, g, 1e-3)
			}
			if allocs := testing.AllocsPerRun(3, func() { a.Step(theta, g, 1e-3) }); allocs != 0 {
				t.Errorf("%s workers=%d: %v allocations per step", name, w, allocs)
			}
			a.SetWorkers(1)
			if w == 1 {
				want = theta
				continue
			}
			for i := range theta {
				if math.Float64bits(theta[i]) != math.Float64bits(want[i]) {
					t.Fatalf("%s workers=%d: theta[%d] = %v, 1 worker %v", name, w, i, theta[i], want[i])
				}
			}
		}
	}
}
