package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/optim"
)

// TestSF2MLearnsTheGaussianBridgeFields: between N(0, I) and N(0, I) with
// the independent coupling, the bridge mixture's marginal is N(0, v_t I),
// v_t = (1 − t)² + t² + σ²t(1 − t), so the regression targets' conditional
// means are known: the flow E[u_t | x] = (v'_t/(2v_t))·x (E[u x] =
// 2t − 1 + σ_tσ'_t = v'_t/2) and the score model's
// E[−σ²ε/(2σ_t) | x] = −σ²x/(2v_t) = (σ²/2)∇log p_t (E[ε x] = σ_t). The
// trained networks must match both on a grid (a wrong sign or target would
// miss by about the field itself, RMS 0.29–0.53 here; the λ_t² weight
// changes only the emphasis across t, not these minimisers).
func TestSF2MLearnsTheGaussianBridgeFields(t *testing.T) {
	const sigma = 1.0
	flow, score := newModel(t, 1), newModel(t, 2)
	cfg := Config{Steps: 1500, Batch: 256, Optim: adam(t, 2e-3), EMADecay: 0.99}
	cfg.Schedule = optim.Cosine{LR: 2e-3, K: cfg.Steps}
	fr, sr, err := SF2M(context.Background(), flow, score, sigma, datasets.Normal{D: 2}, datasets.Normal{D: 2}, couplings.Independent{}, cfg, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	copy(flow.Params, fr.EMA)
	copy(score.Params, sr.EMA)
	v := func(tt float64) float64 { return (1-tt)*(1-tt) + tt*tt + sigma*sigma*tt*(1-tt) }
	dv := func(tt float64) float64 { return -2*(1-tt) + 2*tt + sigma*sigma*(1-2*tt) }
	var x []float64
	for i := -3; i <= 3; i++ {
		for j := -3; j <= 3; j++ {
			x = append(x, 0.4*float64(i), 0.4*float64(j))
		}
	}
	got := make([]float64, len(x))
	for _, tt := range []float64{0.2, 0.5, 0.8} {
		var ef, es, nf, ns float64
		flow.Velocity(got, x, tt)
		for k, xv := range x {
			w := dv(tt) / (2 * v(tt)) * xv
			ef += (got[k] - w) * (got[k] - w)
			nf += w * w
		}
		score.Velocity(got, x, tt)
		for k, xv := range x {
			w := -sigma * sigma * xv / (2 * v(tt))
			es += (got[k] - w) * (got[k] - w)
			ns += w * w
		}
		n := float64(len(x))
		ef, es = math.Sqrt(ef/n), math.Sqrt(es/n)
		t.Logf("t=%.1f: flow RMS error %.3f (field RMS %.3f), score RMS error %.3f (field RMS %.3f)", tt, ef, math.Sqrt(nf/n), es, math.Sqrt(ns/n))
		if ef > 0.1 || es > 0.1 {
			t.Errorf("t=%.1f: RMS errors flow %.3f, score %.3f; want ≤ 0.1", tt, ef, es)
		}
	}
}
