package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/flowbench/flowbench/pkg/autodiff"
	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
	"github.com/flowbench/flowbench/pkg/paths"
)

// The otcfm workload: one OT-CFM training step as our trainer runs it
// (pkg/train with coupling ot), beside bench/torch_anchor.py's otcfm
// (torchcfm's ExactOptimalTransportConditionalFlowMatcher with POT's
// ot.emd): otcfmBatch target points from the runner's N → 8gaussians
// task (radius 5, std 1) and as many N(0, I) source points, the exact
// minibatch OT coupling (pkg/couplings.ExactOT, an exact assignment on the
// squared distances), x_t = (1 − t)x0 + t·x1 + 0.1ε, the loss against
// x1 − x0, one AdamW step (lr 1e-3, weight decay 1e-5), on the 2-D MLP of
// width -w. The script draws its n pairs from the plan with replacement;
// we pair every row once by the optimal permutation; both cost one exact
// solve. As in the script: iters/20 timed steps after min(5, count)
// warm-up steps.
const otcfmBatch = 512

func init() {
	benchExtra["otcfm"] = benchWorkload{
		label:   "otcfm-train",
		shape:   fmt.Sprintf("batch=%d", otcfmBatch),
		count:   func(o *benchOpts) int { return max(1, o.iters/20) },
		measure: measureOTCFM,
		summary: func(o *benchOpts, w io.Writer) {
			fmt.Fprintf(w, "otcfm-train: %.2f ms/step, the exact coupling %.0f%% of it (medians over the repeats)\n",
				1e3*median(o.stats["otcfm-seconds"]), 100*median(o.stats["otcfm-coupling"]))
		},
	}
}

// measureOTCFM times the workload and records the step time and the
// coupling's share of it.
func measureOTCFM(o *benchOpts) float64 {
	cfg := models.Config{Dim: 2, Hidden: []int{o.w, o.w, o.w}, Act: autodiff.SELU.String(), Time: "concat"}
	m, err := models.NewMLP(cfg, rand.New(rand.NewPCG(o.seed, 1)))
	if err != nil {
		panic(err) // the flags were validated: a config error is a bug here
	}
	m.SetWorkers(o.threads)
	defer m.SetWorkers(1)
	rng := rand.New(rand.NewPCG(o.seed, 2))
	n, d := otcfmBatch, 2
	target := datasets.NewEightGaussians("8gaussians-runner", datasets.Runner8GaussiansRadius, datasets.Runner8GaussiansStd)
	ocfg := optim.Config{Name: optim.NameAdamW, LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-5}
	opt, err := optim.New(ocfg, m.NumParams())
	if err != nil {
		panic(err)
	}
	cpl := &couplings.ExactOT{}
	path := paths.Path{Schedule: paths.Rectified{}, Noise: 0.1}
	x0, xt, ut := make([]float64, n*d), make([]float64, n*d), make([]float64, n*d)
	eps, t := make([]float64, n*d), make([]float64, n)
	var coupling time.Duration
	step := func() {
		x1 := target.Sample(rng, n)
		for i := range x0 {
			x0[i] = rng.NormFloat64()
		}
		start := time.Now()
		if err := cpl.Pair(x0, x1, n, d, rng); err != nil {
			panic(err) // finite inputs: an assignment failure is a bug
		}
		coupling += time.Since(start)
		for i := range t {
			t[i] = rng.Float64()
		}
		for i := range eps {
			eps[i] = rng.NormFloat64()
		}
		path.SampleNoise(xt, ut, x0, x1, eps, t, d)
		m.ZeroGrad()
		m.FMLossGrad(xt, t, ut)
		opt.Step(m.Params, m.Grad, ocfg.LR)
	}
	cnt := o.count("otcfm")
	for i := 0; i < min(5, cnt); i++ {
		step()
	}
	coupling = 0
	start := time.Now()
	for i := 0; i < cnt; i++ {
		step()
	}
	el := time.Since(start).Seconds()
	if o.stats == nil {
		o.stats = map[string][]float64{}
	}
	o.stats["otcfm-seconds"] = append(o.stats["otcfm-seconds"], el/float64(cnt))
	o.stats["otcfm-coupling"] = append(o.stats["otcfm-coupling"], coupling.Seconds()/el)
	return float64(cnt) / el
}
