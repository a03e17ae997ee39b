package cnf

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/train"
)

// TestTrainGaussian trains a CNF on N(m, s²I) in 2-D and scores 4000 held-out
// points with flow.LogLikelihood (Dopri5 at 1e-7, exact divergence). The
// analytic NLL (the entropy) is (d/2) ln(2πe s²) = 1.4516 nats for s = 0.5.
//
// Measured (300 steps, batch 128, tanh 16-16, Adam 1e-2 with cosine decay):
// model NLL 1.4670 against 1.4639 for the true density on the same points
// (gap 0.0031 nats for both RK4×4 backprop and adjoint Dopri5 at 1e-4);
// Result.FinalNLL 1.4229 on 4096 other draws (their sample mean of −log q
// is below the entropy by ~2 SE).
// Tolerances: the gap to the true density on the same points < 0.02 nats
// (6× the measured gap), and |model NLL − entropy| < 0.05 nats, i.e. the gap
// plus 3 standard errors of the 4000-point mean (sd of log q is
// sqrt(d/2) = 1, so SE = 0.016).
func TestTrainGaussian(t *testing.T) {
	const s = 0.5
	entropy := math.Log(2 * math.Pi * math.E * s * s)
	target, err := datasets.NewGMM("gauss", datasets.Isotropic([]float64{1}, [][]float64{{1, -0.5}}, s))
	if err != nil {
		t.Fatal(err)
	}
	test := target.Sample(rand.New(rand.NewPCG(7, 7)), 4000)
	trueNLL := 0.0
	for i := 0; i < 4000; i++ {
		trueNLL -= target.LogProb(test[2*i:2*i+2]) / 4000
	}
	cases := []struct {
		name string
		mod  func(*Config)
	}{
		{"backprop-rk4x4", func(c *Config) { c.Steps = 4 }},
		{"adjoint-dopri5", func(c *Config) { c.Solver, c.Gradient, c.RTol, c.ATol = "dopri5", GradAdjoint, 1e-4, 1e-4 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newModel(t, models.Config{Dim: 2, Hidden: []int{16, 16}, Act: "tanh", Time: "concat"}, 1)
			cfg := Default()
			c.mod(&cfg)
			tcfg := DefaultTraining()
			tcfg.Steps, tcfg.Batch, tcfg.Optim.LR = 300, 128, 1e-2
			tcfg.Schedule = optim.Cosine{LR: 1e-2, K: 300}
			res, err := Train(context.Background(), m, target, cfg, tcfg, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			dp, _ := solvers.NewDopri5(1e-7, 1e-7)
			lp, _, err := flow.LogLikelihood(dp, m, test, flow.StdNormalLogProb)
			if err != nil {
				t.Fatal(err)
			}
			nll := 0.0
			for _, v := range lp {
				nll -= v / float64(len(lp))
			}
			t.Logf("held-out NLL %.4f, true density %.4f (gap %.4f), entropy %.4f; final train NLL %.4f; NFE fwd %d bwd %d; first/last batch NLL %.3f/%.3f",
				nll, trueNLL, nll-trueNLL, entropy, res.FinalNLL, res.NFEForward[len(res.NFEForward)-1], res.NFEBackward[len(res.NFEBackward)-1], res.NLL[0], res.NLL[len(res.NLL)-1])
			if gap := nll - trueNLL; !(gap < 0.02) {
				t.Errorf("held-out NLL %.4f exceeds the true density's %.4f by %.4f nats, want < 0.02", nll, trueNLL, gap)
			}
			if !(math.Abs(nll-entropy) < 0.05) {
				t.Errorf("held-out NLL %.4f, analytic %.4f: off by more than 0.05 nats", nll, entropy)
			}
			if !(math.Abs(res.FinalNLL-entropy) < 0.05) {
				t.Errorf("final train NLL %.4f, analytic %.4f: off by more than 0.05 nats", res.FinalNLL, entropy)
			}
			// The trained field samples like any other: push 4000 N(0, I)
			// draws from t = 0 to 1 (RK4 × 20) and compare the moments with
			// m = (1, −0.5), s = 0.5. Tolerance 0.03: the sampling SE of a
			// mean is s/sqrt(4000) = 0.008 and of a std s/sqrt(8000) = 0.006;
			// measured deviations ≤ 0.016 (std of coordinate 0) for both modes.
			x := normals(rand.New(rand.NewPCG(9, 9)), 4000*2)
			rk, _ := solvers.NewFixed(solvers.RK4, 20)
			if _, err := flow.Sample(rk, m, x, 0, 1, nil); err != nil {
				t.Fatal(err)
			}
			for j, mj := range []float64{1, -0.5} {
				var mu, v float64
				for i := 0; i < 4000; i++ {
					mu += x[2*i+j] / 4000
				}
				for i := 0; i < 4000; i++ {
					v += (x[2*i+j] - mu) * (x[2*i+j] - mu) / 3999
				}
				t.Logf("sample coordinate %d: mean %.4f (want %.1f), std %.4f (want %.1f)", j, mu, mj, math.Sqrt(v), s)
				if math.Abs(mu-mj) > 0.03 || math.Abs(math.Sqrt(v)-s) > 0.03 {
					t.Errorf("samples: coordinate %d mean %.4f std %.4f, want %.1f and %.1f within 0.03", j, mu, math.Sqrt(v), mj, s)
				}
			}
		})
	}
}

// TestTrainResult checks the bookkeeping of a short run: one curve entry per
// step, backprop NFE = steps × stages both ways, EMA weights returned, the
// Hutchinson warning, and the progress hook called once per step.
func TestTrainResult(t *testing.T) {
	m := newModel(t, tiny("tanh"), 2)
	cfg := Default()
	cfg.Solver, cfg.Steps = "midpoint", 3
	cfg.Divergence, cfg.Kinetic, cfg.Jacobian, cfg.EvalSize = DivHutchinson, 0.1, 0.1, 40
	tcfg := DefaultTraining()
	tcfg.Steps, tcfg.Batch, tcfg.TrainSet, tcfg.EMADecay, tcfg.CurveEvery = 7, 16, 50, 0.9, 3
	calls := 0
	tcfg.Progress = func(p train.Progress) {
		calls++
		if p.Step != calls || p.Steps != 7 || p.LR != 1e-3 {
			t.Errorf("progress call %d reports step %d of %d, lr %v", calls, p.Step, p.Steps, p.LR)
		}
	}
	res, err := Train(context.Background(), m, datasets.Normal{D: 2}, cfg, tcfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for name, l := range map[string]int{"Loss": len(res.Loss), "NLL": len(res.NLL), "Kinetic": len(res.Kinetic),
		"Jacobian": len(res.Jacobian), "GradNorm": len(res.GradNorm), "StepSeconds": len(res.StepSeconds),
		"NFEForward": len(res.NFEForward), "NFEBackward": len(res.NFEBackward)} {
		if l != 7 {
			t.Errorf("len(%s) = %d, want 7 (one per step)", name, l)
		}
	}
	for k := range res.Loss {
		// midpoint has 2 stages: 3 steps × 2 evaluations, one VJP each.
		if res.NFEForward[k] != 6 || res.NFEBackward[k] != 6 {
			t.Errorf("step %d: NFE %d/%d, want 6/6", k, res.NFEForward[k], res.NFEBackward[k])
		}
		if want := res.NLL[k] + 0.1*res.Kinetic[k] + 0.1*res.Jacobian[k]; math.Abs(res.Loss[k]-want) > 1e-12*math.Abs(want) {
			t.Errorf("step %d: loss %v ≠ NLL + weighted regularisers %v", k, res.Loss[k], want)
		}
	}
	if calls != 7 || res.Steps != 7 || len(res.Params) != m.NumParams() || len(res.EMA) != m.NumParams() || res.EMAUpdates != 7 || res.Opt.Step != 7 {
		t.Errorf("calls %d, steps %d, params %d, EMA params %d (%d updates), optimiser steps %d", calls, res.Steps, len(res.Params), len(res.EMA), res.EMAUpdates, res.Opt.Step)
	}
	// Curve: 7 steps in blocks of 3 → means of steps 1–3, 4–6 and 7.
	want := []float64{(res.Loss[0] + res.Loss[1] + res.Loss[2]) / 3, (res.Loss[3] + res.Loss[4] + res.Loss[5]) / 3, res.Loss[6]}
	for i, w := range want {
		if len(res.Curve) != 3 || math.Abs(res.Curve[i]-w) > 1e-12*math.Abs(w) {
			t.Fatalf("curve %v, want block means %v", res.Curve, want)
		}
	}
	// NFE: network passes on batch rows, 7 steps × 6 forward evaluations × 16 rows.
	if res.NFE != 7*6*16 {
		t.Errorf("NFE %d, want %d", res.NFE, 7*6*16)
	}
	// EvalSize 40 in chunks of the batch (16, 16, 8): 3 solves of 6 evaluations.
	if res.PeakTapeBytes == 0 || res.FinalNFE != 3*6 {
		t.Errorf("peak tape bytes %d, final NFE %d (want > 0 and 18)", res.PeakTapeBytes, res.FinalNFE)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "Hutchinson") {
		t.Errorf("warnings %q, want the Hutchinson one", res.Warnings)
	}
	for i := range res.Params {
		if res.Params[i] != m.Params[i] {
			t.Fatal("Result.Params differ from the model's parameters after Train")
		}
	}
}

// TestDeterminism: the same seed gives bit-identical parameters, for
// backprop with Hutchinson probes, a fixed training set and EMA, and for the
// adjoint method with Dopri5.
func TestDeterminism(t *testing.T) {
	mods := map[string]func(*Config, *train.Config){
		"backprop-hutchinson": func(c *Config, tc *train.Config) {
			c.Divergence, c.Probes, c.Kinetic = DivHutchinson, 2, 0.05
			tc.TrainSet, tc.EMADecay = 64, 0.99
		},
		"adjoint-dopri5": func(c *Config, tc *train.Config) {
			c.Solver, c.Gradient, c.RTol, c.ATol, c.Jacobian = "dopri5", GradAdjoint, 1e-5, 1e-5, 0.05
		},
	}
	for name, mod := range mods {
		t.Run(name, func(t *testing.T) {
			run := func(seed uint64) *Result {
				m := newModel(t, tiny("tanh"), 3)
				cfg := Default()
				cfg.Steps, cfg.EvalSize = 3, 32
				tcfg := DefaultTraining()
				tcfg.Steps, tcfg.Batch = 10, 32
				mod(&cfg, &tcfg)
				res, err := Train(context.Background(), m, datasets.Normal{D: 2}, cfg, tcfg, rand.New(rand.NewPCG(seed, 1)))
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			a, b, c := run(1), run(1), run(2)
			same := func(x, y []float64) bool {
				for i := range x {
					if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
						return false
					}
				}
				return len(x) == len(y)
			}
			if !same(a.Params, b.Params) || !same(a.EMA, b.EMA) || !same(a.Loss, b.Loss) || a.FinalNLL != b.FinalNLL {
				t.Error("two runs with the same seed differ")
			}
			if same(a.Params, c.Params) {
				t.Error("runs with different seeds gave identical parameters: the seed is not used")
			}
		})
	}
}

// nanAfter is a data set that returns NaN points from its k-th draw on.
type nanAfter struct {
	datasets.Normal
	k, calls int
}

func (s *nanAfter) Sample(rng *rand.Rand, n int) []float64 {
	x := s.Normal.Sample(rng, n)
	if s.calls >= s.k {
		x[0] = math.NaN()
	}
	s.calls++
	return x
}

// TestDivergenceNamesStep: a NaN loss stops training with an error wrapping
// ErrDiverged that names the step, and the partial Result keeps the steps
// before it (with the parameters from before the bad step).
func TestDivergenceNamesStep(t *testing.T) {
	for _, grad := range []string{GradBackprop, GradAdjoint} {
		m := newModel(t, tiny("tanh"), 3)
		cfg := Default()
		cfg.Steps = 2
		if grad == GradAdjoint {
			cfg.Solver, cfg.Gradient = "rk4", GradAdjoint
		}
		tcfg := DefaultTraining()
		tcfg.Steps, tcfg.Batch = 10, 8
		// Draws 0, 1, 2 are clean, draw 3 (step 4, 1-based) has a NaN.
		res, err := Train(context.Background(), m, &nanAfter{Normal: datasets.Normal{D: 2}, k: 3}, cfg, tcfg, rand.New(rand.NewPCG(1, 2)))
		t.Logf("%s: %v", grad, err)
		if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "cnf: step 4 of 10") {
			t.Fatalf("%s: error %v, want ErrDiverged at step 4 of 10", grad, err)
		}
		if res == nil || res.Steps != 3 || len(res.Loss) != 3 {
			t.Fatalf("%s: partial result %+v, want 3 steps", grad, res)
		}
		for _, p := range res.Params {
			if math.IsNaN(p) {
				t.Fatalf("%s: NaN parameters after the diverged step", grad)
			}
		}
	}
}

// TestTrainCancelled: a cancelled context stops before the next step.
func TestTrainCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	m := newModel(t, tiny("tanh"), 3)
	cfg := Default()
	cfg.Steps = 2
	tcfg := DefaultTraining()
	tcfg.Steps, tcfg.Batch = 10, 8
	tcfg.Progress = func(p train.Progress) {
		if p.Step == 2 {
			cancel()
		}
	}
	res, err := Train(ctx, m, datasets.Normal{D: 2}, cfg, tcfg, rand.New(rand.NewPCG(1, 2)))
	if !errors.Is(err, context.Canceled) || res.Steps != 2 || !strings.Contains(err.Error(), "before step 3 of 10") {
		t.Fatalf("err %v, steps %d; want context.Canceled before step 3", err, res.Steps)
	}
}

// TestValidate: every invalid field is reported by name, with the valid
// choices where there is a list.
func TestValidate(t *testing.T) {
	cases := []struct {
		mod  func(*Config)
		want []string
	}{
		{func(c *Config) { c.Solver = "rk45" }, []string{"solver", "dopri5", "rk4"}},
		{func(c *Config) { c.Steps = 0 }, []string{"steps"}},
		{func(c *Config) { c.Solver, c.Gradient, c.RTol = "dopri5", GradAdjoint, -1 }, []string{"rtol"}},
		{func(c *Config) { c.Solver, c.Gradient, c.ATol = "dopri5", GradAdjoint, 0 }, []string{"atol"}},
		{func(c *Config) { c.Gradient = "reverse" }, []string{"gradient", "backprop", "adjoint"}},
		{func(c *Config) { c.Solver = "dopri5" }, []string{"gradient", "fixed-step", "adjoint"}},
		{func(c *Config) { c.Divergence = "trace" }, []string{"divergence", "exact", "hutchinson"}},
		{func(c *Config) { c.Divergence, c.Probes = DivHutchinson, 0 }, []string{"probes"}},
		{func(c *Config) { c.Divergence, c.ProbeKind = DivHutchinson, "sphere" }, []string{"probe_kind", "rademacher", "gaussian"}},
		{func(c *Config) { c.Kinetic = -1 }, []string{"kinetic"}},
		{func(c *Config) { c.Jacobian = math.NaN() }, []string{"jacobian"}},
		{func(c *Config) { c.MaxSteps = -1 }, []string{"max_steps"}},
		{func(c *Config) { c.EvalSize = -1 }, []string{"eval_size"}},
	}
	for i, c := range cases {
		cfg := Default()
		c.mod(&cfg)
		err := cfg.Validate()
		if err == nil {
			t.Errorf("case %d: no error, want one naming %q", i, c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d: error %q does not mention %q", i, err, w)
			}
		}
	}
	ffjord, ftrain := FFJORDToy()
	for name, c := range map[string]Config{"Default": Default(), "FFJORDToy": ffjord} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, tc := range map[string]train.Config{"DefaultTraining": DefaultTraining(), "FFJORDToy": ftrain} {
		if err := tc.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The optimisation settings are pkg/train's; NewTrainer reports them.
	tc := DefaultTraining()
	tc.Batch = 0
	if _, err := NewTrainer(newModel(t, tiny("tanh"), 1), Default(), tc, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "batch") {
		t.Errorf("NewTrainer with batch 0: error %v, want one naming batch", err)
	}
}

// TestAutoDivergence: "auto" is exact up to DefaultExactMaxDim (or the set
// threshold) and Hutchinson above.
func TestAutoDivergence(t *testing.T) {
	c := Default()
	if !c.exact(DefaultExactMaxDim) || c.exact(DefaultExactMaxDim+1) {
		t.Errorf("auto: exact(%d) = %v, exact(%d) = %v", DefaultExactMaxDim, c.exact(DefaultExactMaxDim), DefaultExactMaxDim+1, c.exact(DefaultExactMaxDim+1))
	}
	c.ExactMaxDim = 2
	if !c.exact(2) || c.exact(3) {
		t.Error("auto with exact_max_dim 2")
	}
}

// TestSELUWarning: an activation with a kinked derivative is flagged, a
// smooth one is not.
func TestSELUWarning(t *testing.T) {
	for act, want := range map[string]bool{"selu": true, "relu": true, "tanh": false, "softplus": false} {
		cfg := Default()
		cfg.Steps = 1
		tcfg := DefaultTraining()
		tcfg.Steps, tcfg.Batch = 1, 4
		res, err := Train(context.Background(), newModel(t, tiny(act), 1), datasets.Normal{D: 2}, cfg, tcfg, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		got := len(res.Warnings) == 1 && strings.Contains(res.Warnings[0], "discontinuous derivative")
		if got != want || len(res.Warnings) > 1 {
			t.Errorf("%s: warnings %q", act, res.Warnings)
		}
	}
}
