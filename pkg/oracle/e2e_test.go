package oracle

import (
	"math"
	"testing"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/paths"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// TestPushForwardMoments pushes N(0, I) draws through the oracle field with
// Dopri5 and checks the result's moments against the target mixture's
// (exact: mean Σ π_k m_k, per-coordinate E x² = Σ π_k (C_k + m_k²)).
// It also records the NFE of the 8gaussians oracle flow at rtol = 1e-5.
func TestPushForwardMoments(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 4000
	}
	cases := []struct {
		name   string
		target datasets.Mixture
		sched  paths.Schedule
	}{
		{"8gaussians/ot0", eight(), paths.OT{}},
		{"mix3/ot0", mix3(), paths.OT{}},
		{"mix3/cosine", mix3(), paths.Cosine{}},
	}
	for _, c := range cases {
		f, err := NewField(c.target, c.sched)
		if err != nil {
			t.Fatal(err)
		}
		d := c.target.Dim()
		x := datasets.Normal{D: d}.Sample(newRNG(10), n)
		res, err := flow.Sample(&solvers.Dopri5{RTol: 1e-5, ATol: 1e-5}, f, x, 0, 1, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.name == "8gaussians/ot0" {
			t.Logf("8gaussians oracle flow t=0→1, Dopri5 rtol=atol=1e-5, batch %d: NFE %d, steps %d, rejected %d",
				n, res.Stats.NFE, res.Stats.Steps, res.Stats.Rejected)
		}
		for i := 0; i < d; i++ {
			mean, sq := 0.0, 0.0
			for k, w := range c.target.Weights {
				mean += w * c.target.Means[k][i]
				sq += w * (c.target.Vars[k][i] + c.target.Means[k][i]*c.target.Means[k][i])
			}
			v := sq - mean*mean
			gm, gs, g4 := 0.0, 0.0, 0.0
			for r := 0; r < n; r++ {
				gm += x[r*d+i]
				gs += x[r*d+i] * x[r*d+i]
			}
			gm /= float64(n)
			gs /= float64(n)
			for r := 0; r < n; r++ {
				e := x[r*d+i] - mean
				g4 += e * e * e * e
			}
			g4 /= float64(n)
			// 5 standard errors: SE(mean) = sqrt(v/n); SE(E x²) ≤ sqrt(E(x−μ)⁴/n) + 2|μ|·SE(mean),
			// with the fourth moment estimated from the sample.
			seM := math.Sqrt(v / float64(n))
			seS := math.Sqrt(g4/float64(n)) + 2*math.Abs(mean)*seM
			if math.Abs(gm-mean) > 5*seM || math.Abs(gs-sq) > 5*seS {
				t.Errorf("%s coord %d: mean %.4f E x² %.4f, want %.4f ± %.3f, %.4f ± %.3f", c.name, i, gm, gs, mean, 5*seM, sq, 5*seS)
			}
		}
	}
}

// TestNLLMatchesAnalytic computes log p_1 of target draws by the
// instantaneous change of variables (flow.LogLikelihood with the oracle's
// exact divergence) and compares it with the closed-form log p_1 of the
// oracle (LogProbT at the final time).
func TestNLLMatchesAnalytic(t *testing.T) {
	vp := paths.DefaultVP()
	stdLogP := func(x []float64) float64 { return datasets.Normal{D: len(x)}.LogProb(x) }
	f8, _ := NewField(eight(), paths.OT{})
	f3, _ := NewField(mix3(), paths.OT{SigmaMin: 0.05})
	fvp, _ := NewField(mix3(), vp)
	fcp, _ := NewCouplingField(source2(), mix3(), paths.Rectified{})
	cases := []struct {
		name   string
		f      divField
		t1     float64
		logp0  func([]float64) float64
		tol    float64 // nats, max over points
		sample datasets.Mixture
	}{
		// 1e-7 nats at rtol = atol = 1e-10: the brief asks for ≤ 1e-5; Dopri5's
		// global error is ~10–1000× its local tolerance, so 1e-7 leaves ≥ 100× margin
		// over the measured ~1e-9 while still catching a wrong sign or divergence.
		{"8gaussians/ot0", f8, 1, stdLogP, 1e-7, f8.Target()},
		{"mix3/ot0.05", f3, 1, stdLogP, 1e-7, f3.Target()},
		// VP: p_0 is not exactly N(0, I) (a_0 ≈ 0.0066), so start from the exact p_0
		// and stop at TMax where s_t > 0.
		{"mix3/vp", fvp, vp.TMax(), func(x []float64) float64 { return fvp.Clone().LogProbT(x, 0) }, 1e-7, fvp.Marginal(vp.TMax())},
		{"coupling/rectified", fcp, 1, source2().LogProb, 1e-7, fcp.Target()},
	}
	n := 64
	for _, c := range cases {
		x1 := c.sample.Sample(newRNG(11), n)
		d := c.f.Dim()
		for _, tol := range []float64{1e-5, 1e-10} {
			got, st, err := flow.LogLikelihoodSpan(&solvers.Dopri5{RTol: tol, ATol: tol}, c.f, x1, 0, c.t1, c.logp0)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			worst := 0.0
			for r := 0; r < n; r++ {
				want := c.f.LogProbT(x1[r*d:(r+1)*d], c.t1)
				worst = math.Max(worst, math.Abs(got[r]-want))
			}
			t.Logf("%s: Dopri5 rtol=atol=%g: max |log p_1 (ODE) − analytic| = %.3g nats over %d points, NFE %d", c.name, tol, worst, n, st.NFE)
			if tol == 1e-10 && worst > c.tol {
				t.Errorf("%s: NLL error %.3g nats > %g", c.name, worst, c.tol)
			}
		}
	}
}
