package cnf

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/train"
)

// Result is the outcome of Train. The embedded train.Result has the fields a
// flow-matching run reports (Params, EMA, Opt, the block-mean loss Curve,
// Steps, Seconds, NFE, Clipped, Warnings) and its Checkpoint method; here
//
//	NFE = Batch · Σ_steps (forward-solve evaluations [+ adjoint-solve evaluations]),
//
// network passes on batch rows as in pkg/train (an adjoint evaluation runs
// the network forward before its VJP; backprop's backward pass is not
// counted, as in pkg/train). PairCost is unused (0).
//
// The per-step slices have one entry per step taken.
type Result struct {
	train.Result

	Loss        []float64 // per-step loss (NLL + weighted regularisers)
	NLL         []float64 // per-step batch NLL in nats
	Kinetic     []float64 // per-step kinetic regulariser, nil when off
	Jacobian    []float64 // per-step Frobenius regulariser, nil when off
	GradNorm    []float64 // per-step gradient norm before clipping
	StepSeconds []float64 // wall time of each step (loss, gradient and update)
	NFEForward  []int     // per-step field evaluations of the forward solve
	NFEBackward []int     // per-step VJPs of the gradient (adjoint: the adjoint solve's NFE)

	// FinalNLL is the mean NLL (nats) of Config.EvalSize training points
	// under the final parameters (the EMA average when on), with the
	// training solver and divergence, in chunks of Batch points; FinalNFE
	// sums the chunks' forward NFE.
	FinalNLL float64
	FinalNFE int

	// PeakTapeBytes is the largest working memory of a training step: the
	// bytes of the autodiff graph recorded for it (autodiff.Tape.Bytes).
	// Backprop through a fixed-step solver records every stage, so it grows
	// with the step count; the adjoint method records one evaluation at a
	// time. It depends only on the configuration, so it is reproducible.
	PeakTapeBytes int
}

// Train fits m (in place) to target by maximum likelihood: the CNF settings
// cfg, the optimisation settings tcfg (pkg/train's, so a runner calls
// train.FM and cnf.Train the same way; tcfg.TrainSet > 0 trains on shuffled
// epochs of a fixed set, as pkg/train). rng seeds two independent streams
// at the start, one for the data and one for the Hutchinson probes; the
// same seed gives bit-identical parameters. A diverged step (NaN or Inf) or
// a failed adaptive solve returns the partial Result with an error naming
// the step (1-based, "cnf: step k of N: …"); the error wraps ErrDiverged for
// a non-finite loss or gradient. When ctx is done the run stops before the
// next step, returning the partial Result and an error wrapping ctx.Err().
// It panics if m, target or rng is nil.
func Train(ctx context.Context, m *models.MLP, target datasets.Dataset, cfg Config, tcfg train.Config, rng *rand.Rand) (*Result, error) {
	if m == nil || target == nil || rng == nil {
		panic("cnf: Train with a nil model, data set or rng")
	}
	d := m.Cfg.Dim
	if target.Dim() != d {
		return nil, fmt.Errorf("cnf: target %q has dimension %d, model has %d", target.Name(), target.Dim(), d)
	}
	mk := func() *rand.Rand { return rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())) }
	dataRNG, probeRNG := mk(), mk()
	tr, err := NewTrainer(m, cfg, tcfg, probeRNG)
	if err != nil {
		return nil, err
	}
	B, T := tcfg.Batch, tcfg.Steps
	var set []float64
	var ep *train.Epochs
	if tcfg.TrainSet > 0 {
		set = target.Sample(dataRNG, tcfg.TrainSet)
		if len(set) != tcfg.TrainSet*d {
			return nil, fmt.Errorf("cnf: target %q returned %d values for %d rows of dimension %d", target.Name(), len(set), tcfg.TrainSet, d)
		}
		ep = train.NewEpochs(set, tcfg.TrainSet, d, dataRNG)
	}
	draw := func(dst []float64) {
		if ep != nil {
			ep.Next(dst)
			return
		}
		copy(dst, target.Sample(dataRNG, len(dst)/d))
	}
	res := &Result{
		Loss: make([]float64, 0, T), NLL: make([]float64, 0, T), GradNorm: make([]float64, 0, T),
		StepSeconds: make([]float64, 0, T), NFEForward: make([]int, 0, T), NFEBackward: make([]int, 0, T),
	}
	if tr.wantK {
		res.Kinetic = make([]float64, 0, T)
	}
	if tr.wantJ {
		res.Jacobian = make([]float64, 0, T)
	}
	if cfg.Gradient == GradAdjoint && !solvers.IsAdaptive(cfg.Solver) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("adjoint with the fixed-step solver %s×%d: the gradient approximates that of the continuous loss up to both solves' error, not the gradient of the discretised loss", cfg.Solver, cfg.Steps))
	}
	if a := m.Cfg.Act; a == "selu" || a == "relu" {
		res.Warnings = append(res.Warnings, fmt.Sprintf("activation %s has a discontinuous derivative: the divergence tr(∂v/∂x) jumps across its kinks, so the likelihood ODE is not smooth (adaptive solves take several times more steps; FFJORD's networks use tanh or softplus)", a))
	}
	if !tr.exact {
		res.Warnings = append(res.Warnings, fmt.Sprintf("Hutchinson divergence (%d %s probe(s) per point): per-step and final NLL values are unbiased stochastic estimates", cfg.Probes, cfg.ProbeKind))
	}
	l := train.NewLoop(ctx, tcfg, tr.st, &res.Result)
	maxNFE := 0
	batch := make([]float64, B*d)
	for range T {
		if err := l.Begin(); err != nil {
			l.Result()
			return res, fmt.Errorf("cnf: %w", err)
		}
		draw(batch)
		t0 := time.Now()
		info, err := tr.Step(batch)
		if err != nil {
			l.Result()
			return res, err
		}
		res.StepSeconds = append(res.StepSeconds, time.Since(t0).Seconds())
		res.Loss = append(res.Loss, info.Loss)
		res.NLL = append(res.NLL, info.NLL)
		res.GradNorm = append(res.GradNorm, info.GradNorm)
		if tr.wantK {
			res.Kinetic = append(res.Kinetic, info.Kinetic)
		}
		if tr.wantJ {
			res.Jacobian = append(res.Jacobian, info.Jacobian)
		}
		res.NFEForward = append(res.NFEForward, info.NFEForward)
		res.NFEBackward = append(res.NFEBackward, info.NFEBackward)
		passes := info.NFEForward
		if cfg.Gradient == GradAdjoint {
			passes += info.NFEBackward
		}
		res.NFE += int64(B) * int64(passes)
		maxNFE = max(maxNFE, info.NFEForward, info.NFEBackward)
		res.PeakTapeBytes = max(res.PeakTapeBytes, tr.tp.Bytes())
		l.Record(train.Progress{Step: tr.Steps(), Steps: T, Loss: info.Loss, LR: info.LR, GradNorm: info.GradNorm})
	}
	l.Result()
	if solvers.IsAdaptive(cfg.Solver) && maxNFE > 1000 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s needed up to %d evaluations per solve: the learned dynamics became stiff (the kinetic/jacobian regularisers counter this)", cfg.Solver, maxNFE))
	}

	// Final train NLL with the final (or averaged) weights.
	ne := cfg.EvalSize
	if ne == 0 {
		ne = 4096
		if tcfg.TrainSet > 0 {
			ne = min(tcfg.TrainSet, ne)
		}
	}
	var eval []float64
	if set != nil && ne <= tcfg.TrainSet {
		eval = set[:ne*d]
	} else {
		eval = target.Sample(dataRNG, ne)
	}
	if ema := tr.EMA(); ema != nil {
		ema.Swap(m.Params)
		defer ema.Swap(m.Params)
	}
	// In chunks of the batch size: a backprop solve's tape holds every stage
	// of its batch.
	lp := make([]float64, ne)
	for i := 0; i < ne; i += B {
		j := min(i+B, ne)
		nfe, err := tr.LogProb(lp[i:j], eval[i*d:j*d])
		res.FinalNFE += nfe
		if err != nil {
			return res, fmt.Errorf("cnf: final train NLL: %w", err)
		}
	}
	res.FinalNLL = -mean(lp)
	return res, nil
}
