package train

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/paths"
)

// SF2M trains simulation-free score and flow matching ([SF]2M, Tong et al.
// 2024, MATH.md §2 "Schrödinger-bridge CFM and [SF]2M"): on the Brownian-bridge path with diffusion σ
// (paths.Path with Bridge), x_t = μ_t + σ_t·ε, σ_t = σ√(t(1 − t)), the
// flow v_θ regresses onto the probability-flow target
// u_t = x1 − x0 + σ'_t·ε (as SB-CFM), and beside it the score model s_φ
// regresses onto (σ²/2)·∇log p_t(x_t | x0, x1) = −σ²ε/(2σ_t) with the
// paper's weighting λ_t² = (2σ_t/σ²)², i.e. the loss ‖λ_t s_φ + ε‖²
// (torchcfm's compute_lambda). Both see the same (x0, x1, t, ε) each step;
// each has its own optimiser (the summed loss's Adam update is per
// parameter, so this equals one optimiser over both). The learned SDE is
// dx = (v_θ + s_φ) dt + σ dW; its probability-flow ODE is v_θ.
//
// [SF]2M-Exact uses the exact OT coupling, [SF]2M-I the independent one.
// It returns the flow's Result (with NFE and PairCost as FM's) and the
// score model's.
func SF2M(ctx context.Context, flow, score *models.MLP, sigma float64, source, target datasets.Dataset, coupling couplings.Coupling, cfg Config, rng *rand.Rand) (flowRes, scoreRes *Result, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	path := paths.Path{Schedule: paths.Rectified{}, Noise: sigma, Bridge: true}
	if err := path.ValidateNoise(); err != nil {
		return nil, nil, err
	}
	if !(sigma > 0) {
		return nil, nil, fmt.Errorf("train: [SF]2M needs σ > 0, got %v", sigma)
	}
	d := flow.Dim()
	if score.Dim() != d || source.Dim() != d || target.Dim() != d {
		return nil, nil, fmt.Errorf("train: [SF]2M dimensions: flow %d, score %d, source %q %d, target %q %d",
			d, score.Dim(), source.Name(), source.Dim(), target.Name(), target.Dim())
	}
	if coupling == nil {
		panic("train: nil coupling")
	}
	st := newStreams(rng)
	B := cfg.Batch
	var draw func(x1 []float64)
	if cfg.TrainSet > 0 {
		set := target.Sample(st.target, cfg.TrainSet)
		if len(set) != cfg.TrainSet*d {
			return nil, nil, fmt.Errorf("train: target %q returned %d values for %d rows of dimension %d", target.Name(), len(set), cfg.TrainSet, d)
		}
		draw = NewEpochs(set, cfg.TrainSet, d, st.target).Next
	} else {
		draw = func(x1 []float64) { copy(x1, target.Sample(st.target, B)) }
	}
	fs, err := NewStepper(cfg, flow.Params, flow.Grad)
	if err != nil {
		return nil, nil, err
	}
	ss, err := NewStepper(cfg, score.Params, score.Grad)
	if err != nil {
		return nil, nil, err
	}
	flowRes, scoreRes = &Result{}, &Result{}
	scfg := cfg
	scfg.Progress = nil // the flow's loop reports progress
	fl, sl := NewLoop(ctx, cfg, fs, flowRes), NewLoop(ctx, scfg, ss, scoreRes)
	x0, x1 := make([]float64, B*d), make([]float64, B*d)
	xt, ut, t := make([]float64, B*d), make([]float64, B*d), make([]float64, B)
	eps, st2, w := make([]float64, B*d), make([]float64, B*d), make([]float64, B)
	var pairCost float64
	finish := func() (*Result, *Result) {
		fl.Result()
		sl.Result()
		flowRes.NFE = int64(flowRes.Steps) * int64(B)
		scoreRes.NFE = int64(scoreRes.Steps) * int64(B)
		if flowRes.Steps > 0 {
			flowRes.PairCost = pairCost / float64(flowRes.Steps)
		}
		if sk, ok := coupling.(*couplings.Sinkhorn); ok && sk.Stats().Unconverged > 0 {
			s := sk.Stats()
			flowRes.Warnings = append(flowRes.Warnings, fmt.Sprintf("sinkhorn: %d of %d solves stopped at max_iter above the marginal tolerance (last error %.3g)", s.Unconverged, s.Calls, s.MarginalErr))
		}
		return flowRes, scoreRes
	}
	for k := range cfg.Steps {
		if err := fl.Begin(); err != nil {
			f, s := finish()
			return f, s, fmt.Errorf("train: %w", err)
		}
		src := source.Sample(st.source, B)
		if len(src) != B*d {
			f, s := finish()
			return f, s, fmt.Errorf("train: step %d: source %q returned %d values for %d rows of dimension %d", k+1, source.Name(), len(src), B, d)
		}
		copy(x0, src)
		draw(x1)
		if err := coupling.Pair(x0, x1, B, d, st.couple); err != nil {
			f, s := finish()
			return f, s, fmt.Errorf("train: step %d of %d: %w", k+1, cfg.Steps, err)
		}
		pairCost += couplings.MeanSqDist(x0, x1, d)
		path.SampleT(st.time, t)
		for i := range eps {
			eps[i] = st.noise.NormFloat64()
		}
		path.SampleNoise(xt, ut, x0, x1, eps, t, d)
		paths.BridgeScoreTarget(st2, w, eps, t, sigma, d)
		for i, l := range w {
			w[i] = l * l
		}
		flow.ZeroGrad()
		if err := fl.Step(flow.FMLossGrad(xt, t, ut)); err != nil {
			f, s := finish()
			return f, s, fmt.Errorf("train: flow: %w", err)
		}
		score.ZeroGrad()
		if err := sl.Step(score.FMLossGradWeighted(xt, t, st2, w)); err != nil {
			f, s := finish()
			return f, s, fmt.Errorf("train: score: %w", err)
		}
	}
	f, s := finish()
	return f, s, nil
}
