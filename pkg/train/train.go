package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
	"github.com/flowbench/flowbench/pkg/paths"
)

// Config is the optimisation part of a training run.
type Config struct {
	// Steps is the number of optimiser steps, Batch the rows per step.
	Steps, Batch int
	// Optim is the optimiser (name, base lr, betas, eps, weight decay).
	Optim optim.Config
	// Schedule gives the learning rate per 0-based step; nil means
	// Constant{Optim.LR}.
	Schedule optim.Schedule
	// Clip is the gradient-norm bound; 0 turns clipping off.
	Clip float64
	// EMADecay is the weight-average decay in [0, 1); 0 keeps no average.
	// EMAWarmup selects the min(decay, (1+k)/(10+k)) warm-up.
	EMADecay  float64
	EMAWarmup bool
	// CurveEvery is K: the curve holds the mean loss of each block of K
	// steps (a last partial block included). 0 means max(1, Steps/100).
	CurveEvery int
	// TrainSet, when > 0, draws that many target rows once and trains on
	// shuffled epochs of them (a remainder smaller than Batch is dropped
	// each epoch); 0 draws fresh target samples every step. FM only.
	TrainSet int
	// Progress, if set, is called after every step with a snapshot; it
	// cannot change the run.
	Progress func(Progress)
}

// Progress is the state reported to Config.Progress after a step.
type Progress struct {
	Step, Steps int     // steps done (1-based) and total
	Loss        float64 // this step's loss
	LR          float64 // learning rate used
	GradNorm    float64 // gradient norm before clipping
}

// Result is the outcome of a training run.
type Result struct {
	// Params is θ after the last step (a copy; the model holds the same).
	Params []float64
	// EMA is the averaged θ̄ (nil without EMA); EMAUpdates its update count.
	EMA        []float64
	EMAUpdates int
	// Opt is the optimiser state, for checkpoints.
	Opt optim.State
	// Curve is the block-mean loss every CurveEvery steps.
	Curve      []float64
	CurveEvery int
	// Steps done, and the wall time they took.
	Steps   int
	Seconds float64
	// NFE is the number of network forward passes on batch rows
	// (Steps·Batch).
	NFE int64
	// PairCost is the mean over steps of the batch mean |x0 − x1|² after
	// coupling: the transport cost the coupling achieves.
	PairCost float64
	// Clipped counts steps whose gradient norm exceeded Clip.
	Clipped int
	// Warnings are facts the report must show (e.g. unconverged Sinkhorn
	// solves, t drawn from [0, TMax) with TMax < 1).
	Warnings []string
}

// Validate reports the first invalid setting, naming it and its valid range.
func (c *Config) Validate() error {
	switch {
	case c.Steps < 1:
		return fmt.Errorf("train: steps = %d, must be ≥ 1", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("train: batch = %d, must be ≥ 1", c.Batch)
	case !(c.Clip >= 0) || math.IsInf(c.Clip, 0):
		return fmt.Errorf("train: clip = %v, must be finite and ≥ 0 (0: off)", c.Clip)
	case !(c.EMADecay >= 0 && c.EMADecay < 1):
		return fmt.Errorf("train: ema decay = %v, must be in [0, 1) (0: off)", c.EMADecay)
	case c.CurveEvery < 0:
		return fmt.Errorf("train: curve_every = %d, must be ≥ 0 (0: steps/100)", c.CurveEvery)
	case c.TrainSet < 0 || c.TrainSet > 0 && c.TrainSet < c.Batch:
		return fmt.Errorf("train: train_set = %d, must be 0 (fresh samples) or ≥ batch = %d", c.TrainSet, c.Batch)
	}
	if err := c.Optim.Validate(); err != nil {
		return err
	}
	if c.Schedule != nil {
		if err := c.Schedule.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// batchSource fills x0 and x1 (B×d each) for one step.
type batchSource func(x0, x1 []float64) error

// Problem is what a flow-matching training fits: the probability path, the
// source and target distributions, and how their samples are paired.
type Problem struct {
	// Path is the probability path (see paths.Path): its Schedule (s_t,
	// a_t), which must not be nil, and an optional constant noise σ =
	// Path.Noise ≥ 0 (x_t = s_t·x0 + a_t·x1 + σ·ε; with paths.Rectified,
	// Tong et al. 2024's I-CFM and OT-CFM). paths.Path{Schedule: sched} is
	// the noiseless path of sched.
	Path paths.Path
	// Source gives the x0 rows and Target the x1 rows; both must have the
	// model's dimension.
	Source, Target datasets.Dataset
	// Coupling pairs each batch's x0 and x1 rows (couplings.Independent{}
	// keeps the independent draws); it must not be nil.
	Coupling couplings.Coupling
}

// FM trains m by flow matching on prob (see the package comment): x0 from
// prob.Source, x1 from prob.Target, paired by prob.Coupling, on the path
// prob.Path. m's parameters are updated in place. A data problem
// (non-finite loss, coupling failure) is an error naming the step; the
// partial Result is returned with it. When ctx is done the run stops before
// the next step, returning the partial Result and an error wrapping
// ctx.Err(). The path noise ε is drawn from a fifth stream of rng, created
// after the other four, so σ = 0 gives the noiseless path's result bit for
// bit.
// It panics if prob.Path.Schedule, prob.Source, prob.Target, prob.Coupling
// or rng is nil.
func FM(ctx context.Context, m *models.MLP, prob Problem, cfg Config, rng *rand.Rand) (*Result, error) {
	path, source, target, coupling := prob.Path, prob.Source, prob.Target, prob.Coupling
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sched := path.Schedule
	if sched == nil {
		panic("train: nil schedule")
	}
	if err := sched.Validate(); err != nil {
		return nil, err
	}
	if err := path.ValidateNoise(); err != nil {
		return nil, err
	}
	d := m.Dim()
	if source.Dim() != d || target.Dim() != d {
		return nil, fmt.Errorf("train: source %q has dimension %d and target %q %d, model has %d",
			source.Name(), source.Dim(), target.Name(), target.Dim(), d)
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
			return nil, fmt.Errorf("train: target %q returned %d values for %d rows of dimension %d", target.Name(), len(set), cfg.TrainSet, d)
		}
		draw = NewEpochs(set, cfg.TrainSet, d, st.target).Next
	} else {
		draw = func(x1 []float64) { copy(x1, target.Sample(st.target, B)) }
	}
	next := func(x0, x1 []float64) error {
		s := source.Sample(st.source, B)
		if len(s) != B*d {
			return fmt.Errorf("source %q returned %d values for %d rows of dimension %d", source.Name(), len(s), B, d)
		}
		copy(x0, s)
		draw(x1)
		if err := coupling.Pair(x0, x1, B, d, st.couple); err != nil {
			return err
		}
		return nil
	}
	r, err := loop(ctx, m, path, next, cfg, st)
	if r != nil {
		if tm := sched.TMax(); tm < 1 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("schedule %q: training times drawn from [0, %g), not [0, 1] (s_1 = 0 makes the field singular at t = 1)", sched.Name(), tm))
		}
		if sk, ok := coupling.(*couplings.Sinkhorn); ok && sk.Stats().Unconverged > 0 {
			s := sk.Stats()
			r.Warnings = append(r.Warnings, fmt.Sprintf("sinkhorn: %d of %d solves stopped at max_iter above the marginal tolerance (last error %.3g)", s.Unconverged, s.Calls, s.MarginalErr))
		}
	}
	return r, err
}

// TrainPairs trains m on the fixed pairs (x0_i, x1_i), i < n (n×d each),
// with the rectified path: every step draws B distinct pair indices.
// It panics if rng is nil.
func TrainPairs(ctx context.Context, m *models.MLP, x0, x1 []float64, n int, cfg Config, rng *rand.Rand) (*Result, error) {
	if cfg.TrainSet != 0 {
		return nil, errors.New("train: train_set does not apply to TrainPairs (the pairs are the training set)")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := m.Dim()
	if len(x0) != n*d || len(x1) != n*d {
		return nil, fmt.Errorf("train: pairs of lengths %d and %d, want n·d = %d·%d", len(x0), len(x1), n, d)
	}
	if n < cfg.Batch {
		return nil, fmt.Errorf("train: %d pairs, fewer than batch = %d", n, cfg.Batch)
	}
	st := newStreams(rng)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	B := cfg.Batch
	next := func(b0, b1 []float64) error {
		// Partial Fisher–Yates: idx[:B] becomes a uniform random B-subset.
		for k := range B {
			j := k + st.target.IntN(n-k)
			idx[k], idx[j] = idx[j], idx[k]
			p := idx[k]
			copy(b0[k*d:(k+1)*d], x0[p*d:(p+1)*d])
			copy(b1[k*d:(k+1)*d], x1[p*d:(p+1)*d])
		}
		return nil
	}
	return loop(ctx, m, paths.Path{Schedule: paths.Rectified{}}, next, cfg, st)
}

// streams are the per-purpose random streams.
type streams struct {
	source, target, couple, time, noise *rand.Rand
}

func newStreams(rng *rand.Rand) streams {
	if rng == nil {
		panic("train: nil rng")
	}
	mk := func() *rand.Rand { return rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())) }
	st := streams{source: mk(), target: mk(), couple: mk(), time: mk()}
	st.noise = mk() // last, so the first four do not depend on it
	return st
}

// loop is the training loop shared by FM and TrainPairs.
func loop(ctx context.Context, m *models.MLP, path paths.Path, next batchSource, cfg Config, st streams) (*Result, error) {
	B, d := cfg.Batch, m.Dim()
	s, err := NewStepper(cfg, m.Params, m.Grad)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	l := NewLoop(ctx, cfg, s, res)
	x0, x1 := make([]float64, B*d), make([]float64, B*d)
	xt, ut, t := make([]float64, B*d), make([]float64, B*d), make([]float64, B)
	var eps []float64
	if path.Noise != 0 {
		eps = make([]float64, B*d)
	}
	var pairCost float64
	finish := func() *Result {
		l.Result()
		res.NFE = int64(res.Steps) * int64(B)
		if res.Steps > 0 {
			res.PairCost = pairCost / float64(res.Steps)
		}
		return res
	}
	for k := range cfg.Steps {
		if err := l.Begin(); err != nil {
			return finish(), fmt.Errorf("train: %w", err)
		}
		if err := next(x0, x1); err != nil {
			return finish(), fmt.Errorf("train: step %d of %d: %w", k+1, cfg.Steps, err)
		}
		pairCost += couplings.MeanSqDist(x0, x1, d)
		path.SampleT(st.time, t)
		for i := range eps {
			eps[i] = st.noise.NormFloat64()
		}
		path.SampleNoise(xt, ut, x0, x1, eps, t, d)
		m.ZeroGrad()
		if err := l.Step(m.FMLossGrad(xt, t, ut)); err != nil {
			return finish(), fmt.Errorf("train: %w", err)
		}
	}
	return finish(), nil
}
