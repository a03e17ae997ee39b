package cnf

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// linearMLP returns an MLP whose field is exactly v(x) = J x with
// J = [[a, −b], [b, a]] (a scaled rotation) on |x_i| < 50: one ReLU layer
// h = relu(x + 50) = x + 50 there, then v = h·M − 50·(1,1)·M with M = Jᵀ
// (weights are stored in×out, so v = x·M), and no time dependence.
func linearMLP(t *testing.T, a, b float64) *models.MLP {
	m := newModel(t, models.Config{Dim: 2, Hidden: []int{2}, Act: "relu", Time: "concat"}, 1)
	const c = 50
	M := [2][2]float64{{a, b}, {-b, a}}
	copy(m.Params, []float64{
		1, 0, // W_1 row of x_1
		0, 1, // W_1 row of x_2
		0, 0, // W_1 row of t
		c, c, // b_1
		M[0][0], M[0][1], M[1][0], M[1][1], // W_2
		-c * (M[0][0] + M[1][0]), -c * (M[0][1] + M[1][1]), // b_2
	})
	return m
}

// TestRegularisersLinearField checks the NLL and both regularisers against
// their closed forms for v = J x, J = [[a, −b], [b, a]]. Along the exact
// flow backward from x1, x(t) = e^{a(t−1)} R_{b(t−1)} x1, so
//
//	∫_0^1 tr J dt = 2a,  |x(0)|² = e^{−2a} |x1|²,
//	∫_0^1 |v|² dt = (a² + b²) |x1|² (1 − e^{−2a}) / (2a),
//	∫_0^1 |J|_F² dt = 2 (a² + b²).
//
// For Rademacher probes the Hutchinson estimates are exact here: εᵀJε =
// a|ε|² = 2a (the rotation part is antisymmetric) and |Jε|² = (a²+b²)|ε|².
func TestRegularisersLinearField(t *testing.T) {
	const a, b = 0.5, 1.0
	cases := []struct {
		name string
		mod  func(*Config)
		tol  float64
	}{
		// RK4 × 32: hλ = |a + ib|/32 ≈ 0.035, global error ≈ 32·(hλ)⁵/120
		// ≈ 1.4e-8 relative; tolerance 1e-7.
		{"backprop-rk4-exact", func(c *Config) { c.Steps = 32 }, 1e-7},
		{"backprop-rk4-rademacher", func(c *Config) { c.Steps, c.Divergence = 32, DivHutchinson }, 1e-7},
		// Dopri5 at 1e-10: error ~1e-10 per unit state; tolerance 1e-8.
		{"adjoint-dopri5-exact", func(c *Config) {
			c.Solver, c.Gradient, c.RTol, c.ATol = "dopri5", GradAdjoint, 1e-10, 1e-10
		}, 1e-8},
		{"adjoint-dopri5-rademacher", func(c *Config) {
			c.Solver, c.Gradient, c.RTol, c.ATol, c.Divergence = "dopri5", GradAdjoint, 1e-10, 1e-10, DivHutchinson
		}, 1e-8},
	}
	const n = 64
	x1 := normals(rand.New(rand.NewPCG(4, 5)), n*2)
	var nll, kin float64
	for r := 0; r < n; r++ {
		s := x1[2*r]*x1[2*r] + x1[2*r+1]*x1[2*r+1]
		nll += 0.5*math.Exp(-2*a)*s + math.Log(2*math.Pi) + 2*a
		kin += (a*a + b*b) * s * (1 - math.Exp(-2*a)) / (2 * a)
	}
	nll /= n
	kin /= n
	jac := 2 * (a*a + b*b)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := linearMLP(t, a, b)
			cfg := Default()
			cfg.Divergence, cfg.Kinetic, cfg.Jacobian = DivExact, 0.7, 0.3
			c.mod(&cfg)
			tr, err := NewTrainer(m, cfg, DefaultTraining(), rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			info, err := tr.Loss(x1)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct {
				what      string
				got, want float64
			}{
				{"NLL", info.NLL, nll},
				{"kinetic", info.Kinetic, kin},
				{"jacobian", info.Jacobian, jac},
				{"loss", info.Loss, nll + 0.7*kin + 0.3*jac},
			} {
				t.Logf("%s: rel err %.2e", q.what, math.Abs(q.got/q.want-1))
				if !scalar.EqualWithinRel(q.got, q.want, c.tol) {
					t.Errorf("%s = %.12g, closed form %.12g (rel err %.2e)", q.what, q.got, q.want, math.Abs(q.got/q.want-1))
				}
			}
		})
	}
}

// TestLogProbMatchesFlow: the trained field is an ordinary flow.DivField —
// Trainer.LogProb and flow.LogLikelihood (pkg/flow's independent adapter
// with MLP.VelocityDiv) give the same log-likelihoods for a generic MLP.
func TestLogProbMatchesFlow(t *testing.T) {
	m := newModel(t, tiny("tanh"), 3)
	x1 := normals(rand.New(rand.NewPCG(8, 8)), 20*2)
	cfg := Default()
	cfg.Solver, cfg.Gradient, cfg.RTol, cfg.ATol, cfg.Divergence = "dopri5", GradAdjoint, 1e-10, 1e-10, DivExact
	tr, err := NewTrainer(m, cfg, DefaultTraining(), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, 20)
	if _, err := tr.LogProb(got, x1); err != nil {
		t.Fatal(err)
	}
	dp, _ := solvers.NewDopri5(1e-10, 1e-10)
	want, _, err := flow.LogLikelihood(dp, m, x1, flow.StdNormalLogProb)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		// 1e-8: two solves at tolerance 1e-10 with different step sequences.
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], 1e-8, 1e-8) {
			t.Errorf("log p[%d] = %v, flow.LogLikelihood %v", i, got[i], want[i])
		}
	}
}
