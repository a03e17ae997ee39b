package rectify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/paths"
	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/train"
)

// split returns a new PCG stream seeded by two draws of rng.
func split(rng *rand.Rand) *rand.Rand {
	if rng == nil {
		panic("rectify: nil rng")
	}
	return rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
}

// useEMA copies the weight average into m when training kept one, so the
// returned model is the one to sample from and to warm-start the next stage.
func useEMA(m *models.MLP, r *train.Result) {
	if r != nil && r.EMA != nil {
		copy(m.Params, r.EMA)
	}
}

// Problem is what rectified flow transports: the source and target
// distributions and how 1-RF pairs their samples. The path is fixed (the
// rectified one), so it is not a field.
type Problem struct {
	// Source is π_0, the distribution x0 is drawn from (for 1-RF and for
	// every later stage's pairs), and Target π_1, the one x1 is drawn from
	// in 1-RF; both must have the model's dimension and must not be nil.
	Source, Target datasets.Dataset
	// Coupling pairs 1-RF's x0 and x1 rows; nil means independent
	// (couplings.Independent{}).
	Coupling couplings.Coupling
}

// TrainFirst trains m in place as the first rectified flow (1-RF): flow
// matching with the rectified path x_t = t·x1 + (1 − t)·x0, target x1 − x0,
// x0 from prob.Source, x1 from prob.Target, paired by prob.Coupling (nil:
// independent). It is train.FM with paths.Rectified. When cfg keeps an EMA,
// m ends holding the average θ̄ (Result.Params still holds the last iterate
// θ).
// It panics if prob.Source, prob.Target or rng is nil.
func TrainFirst(ctx context.Context, m *models.MLP, prob Problem, cfg train.Config, rng *rand.Rand) (*train.Result, error) {
	coupling := prob.Coupling
	if coupling == nil {
		coupling = couplings.Independent{}
	}
	r, err := train.FM(ctx, m, train.Problem{Path: paths.Path{Schedule: paths.Rectified{}}, Source: prob.Source, Target: prob.Target, Coupling: coupling}, cfg, rng)
	if err == nil {
		useEMA(m, r)
	}
	return r, err
}

// GeneratePairs draws n source points X0 (source.Sample(rng, n)) and solves
// dx/dt = f_t(x) from t = 0 to 1 with s, returning X0 and X1' = φ_1(X0) (n×d
// each) and the solver's work. f is a trained model (*models.MLP) or any
// flow.Field, e.g. an exact oracle field. A source of the wrong dimension, a
// failed solve or a non-finite X1' is an error.
// It panics if rng or s is nil.
func GeneratePairs(f flow.Field, source datasets.Dataset, n int, s solvers.Solver, rng *rand.Rand) (x0, x1 []float64, st solvers.Stats, err error) {
	if rng == nil {
		panic("rectify: nil rng")
	}
	if s == nil {
		panic("rectify: nil solver")
	}
	d := f.Dim()
	if n < 1 {
		return nil, nil, st, fmt.Errorf("rectify: pairs n = %d, must be ≥ 1", n)
	}
	if source.Dim() != d {
		return nil, nil, st, fmt.Errorf("rectify: source %q has dimension %d, the field %d", source.Name(), source.Dim(), d)
	}
	x0 = source.Sample(rng, n)
	if len(x0) != n*d {
		return nil, nil, st, fmt.Errorf("rectify: source %q returned %d values for %d rows of dimension %d", source.Name(), len(x0), n, d)
	}
	x1 = slices.Clone(x0)
	res, err := flow.Sample(s, f, x1, 0, 1, nil)
	if err != nil {
		return nil, nil, res.Stats, fmt.Errorf("rectify: pair solve with %s: %w", s.Name(), err)
	}
	for i, v := range x1 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, res.Stats, fmt.Errorf("rectify: pair %d: solved endpoint is %v (the field diverged)", i/d, v)
		}
	}
	return x0, x1, res.Stats, nil
}

// StageConfig is what a reflow or distillation stage trains on: the
// model architecture, the N pairs (X0_i, X1_i) (N×d each, usually from
// GeneratePairs), the model to start from and the training settings.
type StageConfig struct {
	Arch models.Config
	// Warm, when non-nil, is the model the stage starts from (warm start;
	// of architecture Arch); nil starts from a fresh initialisation.
	Warm   *models.MLP
	X0, X1 []float64
	N      int
	Train  train.Config
}

// stageModel returns the model a stage starts from: a copy of warm (warm
// start) or a fresh initialisation of arch drawn from initRNG. The fresh
// initialisation is drawn in both cases.
func stageModel(arch models.Config, warm *models.MLP, initRNG *rand.Rand) (*models.MLP, error) {
	if warm != nil {
		if err := arch.Validate(); err != nil {
			return nil, err
		}
		fresh, err := models.NewMLP(arch, initRNG)
		if err != nil {
			return nil, err
		}
		if len(fresh.Params) != len(warm.Params) || fresh.Dim() != warm.Dim() {
			return nil, fmt.Errorf("rectify: warm start from a model of %d parameters in dimension %d, the architecture has %d in dimension %d",
				len(warm.Params), warm.Dim(), len(fresh.Params), fresh.Dim())
		}
		copy(fresh.Params, warm.Params)
		return fresh, nil
	}
	return models.NewMLP(arch, initRNG)
}

// Reflow trains the next rectified flow on the pairs of sc: a model of
// architecture sc.Arch, started from sc.Warm's parameters when it is
// non-nil and otherwise freshly initialised, trained by train.TrainPairs
// (rectified path, target x1 − x0) with sc.Train. The first two draws of
// rng seed the initialisation (drawn whether used or not, so a warm and a
// cold reflow see the same batches and times); the rest drive training.
// When sc.Train keeps an EMA the returned model holds the average. When
// ctx is done training stops before the next step with ctx's error.
// It panics if rng is nil.
func Reflow(ctx context.Context, sc StageConfig, rng *rand.Rand) (*models.MLP, *train.Result, error) {
	initRNG := split(rng)
	m, err := stageModel(sc.Arch, sc.Warm, initRNG)
	if err != nil {
		return nil, nil, err
	}
	r, err := train.TrainPairs(ctx, m, sc.X0, sc.X1, sc.N, sc.Train, rng)
	if err != nil {
		return m, r, fmt.Errorf("rectify: reflow: %w", err)
	}
	useEMA(m, r)
	return m, r, nil
}

// Distill trains a one-step model on the pairs (x0_i, x1_i), i < N, of sc: the loss
// (1/B) Σ_r |x0_r + v_0(x0_r) − x1_r|², i.e. flow matching at t = 0 only with
// target x1 − x0 (Liu et al. 2023), so that one Euler step from t = 0,
// x0 + v_0(x0), maps a source point to its pair. Initialisation, batches (B
// distinct pair indices per step), optimiser, learning-rate schedule,
// clipping, EMA, the Progress hook, cancellation and the Result are as in
// Reflow (the loop's bookkeeping is pkg/train's Stepper and Loop);
// Result.NFE counts B forward passes per step.
// It panics if rng is nil.
func Distill(ctx context.Context, sc StageConfig, rng *rand.Rand) (*models.MLP, *train.Result, error) {
	initRNG := split(rng)
	m, err := stageModel(sc.Arch, sc.Warm, initRNG)
	if err != nil {
		return nil, nil, err
	}
	r, err := distill(ctx, m, sc.X0, sc.X1, sc.N, sc.Train, split(rng))
	if err != nil {
		return m, r, fmt.Errorf("rectify: distill: %w", err)
	}
	useEMA(m, r)
	return m, r, nil
}

// distill is the t = 0 training loop of Distill.
func distill(ctx context.Context, m *models.MLP, x0, x1 []float64, n int, cfg train.Config, rng *rand.Rand) (*train.Result, error) {
	if cfg.TrainSet != 0 {
		return nil, fmt.Errorf("train_set = %d does not apply to distillation (the pairs are the training set), want 0", cfg.TrainSet)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d, B := m.Dim(), cfg.Batch
	if len(x0) != n*d || len(x1) != n*d {
		return nil, fmt.Errorf("pairs of lengths %d and %d, want n·d = %d·%d", len(x0), len(x1), n, d)
	}
	if n < B {
		return nil, fmt.Errorf("%d pairs, fewer than batch = %d", n, B)
	}
	stepper, err := train.NewStepper(cfg, m.Params, m.Grad)
	if err != nil {
		return nil, err
	}
	res := &train.Result{}
	l := train.NewLoop(ctx, cfg, stepper, res)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	xb, ub, t := make([]float64, B*d), make([]float64, B*d), make([]float64, B) // t stays 0
	var pairCost float64
	finish := func() *train.Result {
		l.Result()
		res.NFE = int64(res.Steps) * int64(B)
		if res.Steps > 0 {
			res.PairCost = pairCost / float64(res.Steps)
		}
		return res
	}
	for range cfg.Steps {
		if err := l.Begin(); err != nil {
			return finish(), err
		}
		var cost float64
		for r := range B { // partial Fisher–Yates: a uniform B-subset of the pairs
			j := r + rng.IntN(n-r)
			idx[r], idx[j] = idx[j], idx[r]
			p := idx[r]
			for c := range d {
				a, b := x0[p*d+c], x1[p*d+c]
				xb[r*d+c], ub[r*d+c] = a, b-a
				cost += (b - a) * (b - a)
			}
		}
		pairCost += cost / float64(B)
		m.ZeroGrad()
		if err := l.Step(m.FMLossGrad(xb, t, ub)); err != nil {
			return finish(), err
		}
	}
	return finish(), nil
}

// Stage is one model of a Run: k-RF (K = k, Distilled false) or the one-step
// distillation of the last k-RF (Distilled true, K = that k).
type Stage struct {
	K         int
	Distilled bool
	Model     *models.MLP
	Train     *train.Result
	// X0 and X1 are the N pairs the stage was trained on (nil for 1-RF),
	// generated from the previous stage with PairStats the solver's work.
	X0, X1    []float64
	PairStats solvers.Stats
}

// Run composes the steps: TrainFirst (1-RF of architecture arch on prob,
// prob.Coupling nil meaning independent), then cfg.Iterations times
// GeneratePairs (x0 from prob.Source) from the last model and Reflow, then,
// with cfg.Distill, pairs from the last model and Distill (warm-started when
// cfg.WarmStart; cfg.DistillSteps optimiser steps). tc is every stage's
// training configuration. Streams are split from rng in stage order (1-RF
// init and training; each reflow's pairs and training; the distillation's
// pairs and training), so the first k stages of a run with more iterations
// are bit-identical to a run with k. On an error the stages completed so far
// are returned with it.
// It panics if rng, prob.Source or prob.Target is nil.
func Run(ctx context.Context, arch models.Config, prob Problem, tc train.Config, cfg Config, rng *rand.Rand) ([]Stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s, err := cfg.PairSolver()
	if err != nil {
		return nil, err
	}
	m, err := models.NewMLP(arch, split(rng))
	if err != nil {
		return nil, err
	}
	r, err := TrainFirst(ctx, m, prob, tc, split(rng))
	if err != nil {
		return nil, fmt.Errorf("rectify: 1-RF: %w", err)
	}
	stages := []Stage{{K: 1, Model: m, Train: r}}
	for k := 2; k <= cfg.Iterations+1; k++ {
		prev := stages[len(stages)-1].Model
		x0, x1, st, err := GeneratePairs(prev, prob.Source, cfg.Pairs, s, split(rng))
		if err != nil {
			return stages, fmt.Errorf("rectify: %d-RF pairs: %w", k, err)
		}
		m, r, err := Reflow(ctx, StageConfig{Arch: arch, Warm: warmFrom(prev, cfg.WarmStart), X0: x0, X1: x1, N: cfg.Pairs, Train: tc}, split(rng))
		if err != nil {
			return stages, fmt.Errorf("rectify: %d-RF: %w", k, err)
		}
		stages = append(stages, Stage{K: k, Model: m, Train: r, X0: x0, X1: x1, PairStats: st})
	}
	if cfg.Distill {
		last := stages[len(stages)-1]
		x0, x1, st, err := GeneratePairs(last.Model, prob.Source, cfg.Pairs, s, split(rng))
		if err != nil {
			return stages, fmt.Errorf("rectify: distillation pairs: %w", err)
		}
		dc := tc
		if cfg.DistillSteps > 0 {
			dc.Steps = cfg.DistillSteps
		}
		m, r, err := Distill(ctx, StageConfig{Arch: arch, Warm: warmFrom(last.Model, cfg.WarmStart), X0: x0, X1: x1, N: cfg.Pairs, Train: dc}, split(rng))
		if err != nil {
			return stages, err
		}
		stages = append(stages, Stage{K: last.K, Distilled: true, Model: m, Train: r, X0: x0, X1: x1, PairStats: st})
	}
	return stages, nil
}

// warmFrom is prev when warm is set, else nil.
func warmFrom(prev *models.MLP, warm bool) *models.MLP {
	if warm {
		return prev
	}
	return nil
}
