package cnf

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/models"
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
// a non-finite loss or gradient.
func Train(m *models.MLP, target datasets.Dataset, cfg Config, tcfg train.Config, rng *rand.Rand) (*Result, error) {
	return TrainContext(context.Background(), m, target, cfg, tcfg, rng)
}

// TrainContext is Train that stops between steps when ctx is done,
// returning the partial Result and an error wrapping ctx.Err().
func TrainContext(ctx context.Context, m *models.MLP, target datasets.Dataset, cfg Config, tcfg train.Config, rng *rand.Rand) (*Result, error) {
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
	var ep *epochs
	if tcfg.TrainSet > 0 {
		set = target.Sample(dataRNG, tcfg.TrainSet)
		if len(set) != tcfg.TrainSet*d {
			return nil, fmt.Errorf("cnf: target %q returned %d values for %d rows of dimension %d", target.Name(), len(set), tcfg.TrainSet, d)
		}
		ep = newEpochs(set, tcfg.TrainSet, d, dataRNG)
	}
	draw := func(dst []float64) {
		if ep != nil {
			ep.next(dst)
			return
		}
		copy(dst, target.Sample(dataRNG, len(dst)/d))
	}
	every := tcfg.CurveEvery
	if every == 0 {
		every = max(1, T/100)
	}
	res := &Result{
		Loss: make([]float64, 0, T), NLL: make([]float64, 0, T), GradNorm: make([]float64, 0, T),
		StepSeconds: make([]float64, 0, T), NFEForward: make([]int, 0, T), NFEBackward: make([]int, 0, T),
	}
	res.CurveEvery = every
	res.Curve = make([]float64, 0, (T+every-1)/every)
	if tr.wantK {
		res.Kinetic = make([]float64, 0, T)
	}
	if tr.wantJ {
		res.Jacobian = make([]float64, 0, T)
	}
	if cfg.Gradient == GradAdjoint && cfg.Solver != "dopri5" {
		res.Warnings = append(res.Warnings, fmt.Sprintf("adjoint with the fixed-step solver %s×%d: the gradient approximates that of the continuous loss up to both solves' error, not the gradient of the discretised loss", cfg.Solver, cfg.Steps))
	}
	if a := m.Cfg.Act; a == "selu" || a == "relu" {
		res.Warnings = append(res.Warnings, fmt.Sprintf("activation %s has a discontinuous derivative: the divergence tr(∂v/∂x) jumps across its kinks, so the likelihood ODE is not smooth (adaptive solves take several times more steps; FFJORD's networks use tanh or softplus)", a))
	}
	if !tr.exact {
		res.Warnings = append(res.Warnings, fmt.Sprintf("Hutchinson divergence (%d %s probe(s) per point): per-step and final NLL values are unbiased stochastic estimates", cfg.Probes, cfg.ProbeKind))
	}
	start := time.Now()
	var block float64
	maxNFE := 0
	finish := func() {
		res.Params = append([]float64(nil), m.Params...)
		if tr.ema != nil {
			res.EMA = append([]float64(nil), tr.ema.Params()...)
			res.EMAUpdates = tr.ema.Updates()
		}
		res.Opt = tr.opt.State()
		res.Seconds = time.Since(start).Seconds()
	}
	batch := make([]float64, B*d)
	for k := range T {
		step := k + 1
		if err := ctx.Err(); err != nil {
			finish()
			return res, fmt.Errorf("cnf: stopped before step %d of %d: %w", step, T, err)
		}
		draw(batch)
		t0 := time.Now()
		info, err := tr.Step(batch)
		if err != nil {
			finish()
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
		if tcfg.Clip > 0 && info.GradNorm > tcfg.Clip {
			res.Clipped++
		}
		res.Steps = step
		block += info.Loss
		if step%every == 0 || step == T {
			size := step - (step-1)/every*every
			res.Curve = append(res.Curve, block/float64(size))
			block = 0
		}
		res.PeakTapeBytes = max(res.PeakTapeBytes, tr.tp.Bytes())
		if tcfg.Progress != nil {
			tcfg.Progress(train.Progress{Step: step, Steps: T, Loss: info.Loss, LR: info.LR, GradNorm: info.GradNorm})
		}
	}
	finish()
	if cfg.Solver == "dopri5" && maxNFE > 1000 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("dopri5 needed up to %d evaluations per solve: the learned dynamics became stiff (the kinetic/jacobian regularisers counter this)", maxNFE))
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
	if tr.ema != nil {
		tr.ema.Swap(m.Params)
		defer tr.ema.Swap(m.Params)
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

// epochs serves batches of a fixed set in shuffled epochs (torchcfm style,
// as pkg/train: a remainder smaller than the batch is dropped each epoch).
type epochs struct {
	set  []float64
	d    int
	perm []int
	pos  int
	rng  *rand.Rand
}

func newEpochs(set []float64, n, d int, rng *rand.Rand) *epochs {
	e := &epochs{set: set, d: d, perm: make([]int, n), rng: rng}
	for i := range e.perm {
		e.perm[i] = i
	}
	e.pos = n // forces a shuffle before the first batch
	return e
}

// next copies the next len(x1)/d rows of the current epoch into x1,
// starting a freshly shuffled epoch when fewer remain.
func (e *epochs) next(x1 []float64) {
	b, d := len(x1)/e.d, e.d
	if e.pos+b > len(e.perm) {
		e.rng.Shuffle(len(e.perm), func(i, j int) { e.perm[i], e.perm[j] = e.perm[j], e.perm[i] })
		e.pos = 0
	}
	for k, p := range e.perm[e.pos : e.pos+b] {
		copy(x1[k*d:(k+1)*d], e.set[p*d:(p+1)*d])
	}
	e.pos += b
}
