package cnf

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"

	"github.com/flowbench/flowbench/pkg/models"
)

// tiny is the network of the gradient checks: d = 2, two hidden layers of 5,
// a smooth activation (the loss contains σ', so a kink in σ' — SELU's at 0 —
// would make the loss non-differentiable in θ), 62 parameters.
func tiny(act string) models.Config {
	return models.Config{Dim: 2, Hidden: []int{5, 5}, Act: act, Time: "concat"}
}

// lossAt evaluates the loss at θ with the probes already drawn in tr.
func lossAt(t *testing.T, tr *Trainer, x1 []float64) float64 {
	if tr.cfg.Gradient == GradBackprop {
		return tr.tapeSolve(x1, nil).Loss
	}
	info, _, err := tr.forward(x1)
	if err != nil {
		t.Fatal(err)
	}
	return info.Loss
}

// gradAt computes ∂L/∂θ into the MLP's Grad with the probes already drawn.
func gradAt(t *testing.T, tr *Trainer, x1 []float64) {
	if tr.cfg.Gradient == GradBackprop {
		tr.tapeSolve(x1, tr.m.Grad)
		clear(tr.m.Grad)
		tr.tp.Backward(tr.lossNode)
		return
	}
	tr.rows(x1)
	if _, err := tr.adjointGrad(x1); err != nil {
		t.Fatal(err)
	}
}

// relErr is |a − b|₂ / |b|₂.
func relErr(a, b []float64) float64 {
	return floats.Distance(a, b, 2) / floats.Norm(b, 2)
}

// TestGradientFD: the whole loss's gradient (NLL and, where set, both
// regularisers) w.r.t. θ agrees with central finite differences of the
// loss, for backprop through fixed-step solves and for the adjoint method
// with a tight Dopri5 (the FD then differentiates the same tight solve).
func TestGradientFD(t *testing.T) {
	cases := []struct {
		name   string
		act    string
		mod    func(*Config)
		fdStep float64 // FD step
		tol    float64 // relative L2 error of the whole gradient
	}{
		// Backprop: the loss is a smooth function of θ computed to rounding
		// error (~1e-15), so central differences with h = 1e-5 have error
		// ~h²·|L'''| ≈ 1e-10 plus 1e-15/h = 1e-10, against |∇L| ≈ 0.1–1.
		{"backprop-rk4-exact", "tanh", func(c *Config) { c.Steps = 6 }, 1e-5, 1e-7},
		{"backprop-midpoint-exact-regs", "silu", func(c *Config) {
			c.Solver, c.Steps, c.Kinetic, c.Jacobian = "midpoint", 5, 0.3, 0.2
		}, 1e-5, 1e-7},
		{"backprop-euler-hutchinson-regs", "softplus", func(c *Config) {
			c.Solver, c.Steps, c.Divergence, c.Probes, c.ProbeKind = "euler", 7, DivHutchinson, 2, ProbeGaussian
			c.Kinetic, c.Jacobian = 0.5, 0.1
		}, 1e-5, 1e-7},
		// Adjoint: the loss comes from a Dopri5 solve at rtol = atol =
		// 1e-11, so each FD quotient carries ~1e-11/h of solver noise:
		// h = 1e-4 balances it against the O(h²) truncation (≈ 1e-8), and
		// the gradient itself is accurate to the adjoint solve's tolerance.
		// Measured: 1.8e-9 for both; tolerance 1e-6.
		{"adjoint-dopri5-exact", "tanh", func(c *Config) {
			c.Solver, c.Gradient, c.RTol, c.ATol = "dopri5", GradAdjoint, 1e-11, 1e-11
		}, 1e-4, 1e-6},
		{"adjoint-dopri5-hutchinson-regs", "tanh", func(c *Config) {
			c.Solver, c.Gradient, c.RTol, c.ATol = "dopri5", GradAdjoint, 1e-11, 1e-11
			c.Divergence, c.Probes, c.Kinetic, c.Jacobian = DivHutchinson, 1, 0.2, 0.4
		}, 1e-4, 1e-6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newModel(t, tiny(c.act), 11)
			cfg := Default()
			cfg.Divergence = DivExact
			c.mod(&cfg)
			tr, err := NewTrainer(m, cfg, DefaultTraining(), rand.New(rand.NewPCG(7, 8)))
			if err != nil {
				t.Fatal(err)
			}
			const n = 8
			x1 := normals(rand.New(rand.NewPCG(9, 10)), n*2)
			tr.drawProbes(n)
			gradAt(t, tr, x1)
			got := append([]float64(nil), m.Grad...)
			theta := append([]float64(nil), m.Params...)
			want := fd.Gradient(nil, func(p []float64) float64 {
				copy(m.Params, p)
				return lossAt(t, tr, x1)
			}, theta, &fd.Settings{Formula: fd.Central, Step: c.fdStep})
			copy(m.Params, theta)
			e := relErr(got, want)
			t.Logf("relative gradient error %.2e (|∇L| = %.3g)", e, floats.Norm(want, 2))
			if !(e < c.tol) {
				t.Errorf("relative error %.3e between the gradient and finite differences, want < %.0e", e, c.tol)
			}
		})
	}
}

// TestAdjointMatchesBackprop: the adjoint gradient (Dopri5) and the
// discretise-then-optimise gradient (RK4) estimate the same ∂L/∂θ of the
// continuous loss; their difference is the sum of both solvers' errors and
// shrinks when both tighten.
func TestAdjointMatchesBackprop(t *testing.T) {
	m := newModel(t, tiny("tanh"), 21)
	const n = 16
	x1 := normals(rand.New(rand.NewPCG(3, 4)), n*2)
	grad := func(mod func(*Config)) []float64 {
		cfg := Default()
		cfg.Divergence, cfg.Kinetic, cfg.Jacobian = DivExact, 0.1, 0.1
		mod(&cfg)
		tr, err := NewTrainer(m, cfg, DefaultTraining(), rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.LossGrad(x1); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), m.Grad...)
	}
	rk4 := func(steps int) func(*Config) { return func(c *Config) { c.Steps = steps } }
	adj := func(tol float64) func(*Config) {
		return func(c *Config) { c.Solver, c.Gradient, c.RTol, c.ATol = "dopri5", GradAdjoint, tol, tol }
	}
	loose := relErr(grad(adj(1e-4)), grad(rk4(4)))
	tight := relErr(grad(adj(1e-9)), grad(rk4(64)))
	t.Logf("relative difference: RK4×4 vs Dopri5 1e-4: %.2e; RK4×64 vs Dopri5 1e-9: %.2e", loose, tight)
	// 1e-7: RK4 × 64 on this field has global error ~(1/64)⁴ ≈ 6e-8 times
	// the derivatives' size, Dopri5 at 1e-9 less; measured 3.8e-10
	// (and 3.3e-6 for the loose pair).
	if !(tight < 1e-7) {
		t.Errorf("RK4×64 and adjoint Dopri5 at 1e-9 differ by %.3e (relative), want < 1e-7", tight)
	}
	// Tightening both must reduce the difference by orders of magnitude
	// (RK4 × 4 → × 64 alone divides its error by 16⁴ ≈ 6.6e4); ask for 100×.
	if !(tight*100 < loose) {
		t.Errorf("difference did not shrink: %.3e (loose) → %.3e (tight)", loose, tight)
	}
}

// TestAdjointMemoryFlat: the adjoint step allocates nothing once warmed up,
// at a loose and at a tight tolerance whose solves take several times more
// steps — memory does not grow with the number of steps — and the NFE of
// both passes is counted.
func TestAdjointMemoryFlat(t *testing.T) {
	m := newModel(t, tiny("tanh"), 5)
	for i := range m.Params {
		m.Params[i] *= 3 // a stiffer field than the initialisation's, so tolerances matter
	}
	x1 := normals(rand.New(rand.NewPCG(1, 9)), 32*2)
	nfe := map[float64]int{}
	for _, tol := range []float64{1e-3, 1e-10} {
		cfg := Default()
		cfg.Solver, cfg.Gradient, cfg.RTol, cfg.ATol = "dopri5", GradAdjoint, tol, tol
		cfg.Divergence, cfg.Jacobian = DivHutchinson, 0.1
		tr, err := NewTrainer(m.Clone(), cfg, DefaultTraining(), rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		var info StepInfo
		step := func() {
			if info, err = tr.Step(x1); err != nil {
				t.Fatal(err)
			}
		}
		step()
		step()
		if a := testing.AllocsPerRun(3, step); a != 0 {
			t.Errorf("tol %g: %v allocations per adjoint step, want 0", tol, a)
		}
		if info.NFEForward < 8 || info.NFEBackward < 8 {
			t.Errorf("tol %g: NFE forward %d backward %d, want ≥ 8 (one Dopri5 step is 6 evaluations + 2 to start)", tol, info.NFEForward, info.NFEBackward)
		}
		nfe[tol] = info.NFEForward + info.NFEBackward
	}
	t.Logf("NFE per step (forward+backward): %v", nfe)
	if !(nfe[1e-10] > 3*nfe[1e-3]) {
		t.Errorf("tight solve NFE %d not well above the loose one %d; the check above would not cover longer solves", nfe[1e-10], nfe[1e-3])
	}
}

// TestBackpropAllocs: a backprop training step (exact, and Hutchinson with
// both regularisers) allocates nothing once warmed up.
func TestBackpropAllocs(t *testing.T) {
	for _, div := range []string{DivExact, DivHutchinson} {
		m := newModel(t, tiny("tanh"), 5)
		cfg := Default()
		cfg.Steps, cfg.Divergence = 3, div
		if div == DivHutchinson {
			cfg.Probes, cfg.Kinetic, cfg.Jacobian = 2, 0.1, 0.1
		}
		tr, err := NewTrainer(m, cfg, DefaultTraining(), rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		x1 := normals(rand.New(rand.NewPCG(1, 9)), 16*2)
		step := func() {
			if _, err := tr.Step(x1); err != nil {
				t.Fatal(err)
			}
		}
		step()
		step()
		if a := testing.AllocsPerRun(3, step); a != 0 {
			t.Errorf("%s: %v allocations per backprop step, want 0", div, a)
		}
	}
}
