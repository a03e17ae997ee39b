package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/flowbench/flowbench/pkg/optim"
)

// ErrDiverged is wrapped by the error of a step whose loss or gradient norm
// is NaN or infinite; the message names the step (1-based).
var ErrDiverged = errors.New("non-finite loss or gradient (diverged, or non-finite data)")

// Stepper is the update half of a training step, shared by every training
// loop of flowbench (FM, TrainPairs, rectify's distillation, cnf): given
// the loss and the gradient already in grad, Update clips the gradient to
// Config.Clip, checks that loss and norm are finite, takes the optimiser
// step with the scheduled learning rate γ_k (k the 0-based count of steps
// taken) and updates the EMA:
//
//	g ← clip(g, c);  θ ← Adam(W)(θ, g, γ_k);  θ̄ ← EMA(θ̄, θ);  k ← k + 1
//
// It allocates nothing per step and is not safe for concurrent use.
type Stepper struct {
	params, grad []float64
	clip         float64
	total        int
	opt          *optim.Adam
	sched        optim.Schedule
	ema          *optim.EMA
	k            int
}

// NewStepper returns the Stepper for parameters params with gradient grad
// (same length; both owned by the model, updated in place) and the
// optimiser, schedule (nil: Constant{Optim.LR}), clipping and EMA of cfg.
// cfg.Steps is the total used in error messages. cfg is assumed validated
// (Config.Validate); an optimiser or EMA setting error is returned.
// It panics if params and grad differ in length.
func NewStepper(cfg Config, params, grad []float64) (*Stepper, error) {
	if len(params) != len(grad) {
		panic(fmt.Sprintf("train: %d parameters and %d gradient entries", len(params), len(grad)))
	}
	s := &Stepper{params: params, grad: grad, clip: cfg.Clip, total: cfg.Steps, sched: cfg.Schedule}
	var err error
	if s.opt, err = optim.New(cfg.Optim, len(params)); err != nil {
		return nil, err
	}
	if s.sched == nil {
		s.sched = optim.Constant{LR: cfg.Optim.LR}
	}
	if cfg.EMADecay > 0 {
		if s.ema, err = optim.NewEMA(params, cfg.EMADecay, cfg.EMAWarmup); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Update takes step k+1 with the loss whose gradient is in grad, and
// returns its Progress (Step 1-based, Loss, LR, GradNorm before clipping).
// A non-finite loss or gradient norm leaves the parameters unchanged and
// returns an error "step k of N: …" wrapping ErrDiverged (LR is 0 then).
func (s *Stepper) Update(loss float64) (Progress, error) {
	p := Progress{Step: s.k + 1, Steps: s.total, Loss: loss}
	p.GradNorm = optim.ClipNorm(s.grad, s.clip)
	if !finite(loss) || !finite(p.GradNorm) {
		return p, fmt.Errorf("step %d of %d: %w: loss = %v, gradient norm = %v", p.Step, s.total, ErrDiverged, loss, p.GradNorm)
	}
	p.LR = s.sched.At(s.k)
	s.opt.Step(s.params, s.grad, p.LR)
	if s.ema != nil {
		s.ema.Update(s.params)
	}
	s.k++
	return p, nil
}

// Steps returns the number of updates taken.
func (s *Stepper) Steps() int { return s.k }

// Total returns the configured number of steps (Config.Steps).
func (s *Stepper) Total() int { return s.total }

// EMA returns the weight average, or nil when Config.EMADecay is 0.
func (s *Stepper) EMA() *optim.EMA { return s.ema }

// Optimizer returns the optimiser (for checkpointing its state).
func (s *Stepper) Optimizer() *optim.Adam { return s.opt }

// Loop is the bookkeeping around a Stepper shared by the training loops:
// the context's cancellation before a step, and after it the Result's step count,
// clipped-step count and block-mean loss curve (Config.CurveEvery, 0:
// max(1, Steps/100)) and the Progress hook; Result copies the final state
// (parameters, EMA, optimiser state, wall time) into the Result. A loop
// body reads
//
//	for range cfg.Steps {
//		if err := l.Begin(); err != nil { return l.Result(), err }
//		… loss and gradient …
//		if err := l.Step(loss); err != nil { return l.Result(), err }
//	}
//	return l.Result(), nil
//
// or, when the update happens elsewhere (cnf.Trainer.Step), Record in
// place of Step. It allocates nothing per step.
type Loop struct {
	s        *Stepper
	res      *Result
	clip     float64
	total    int
	every    int
	block    float64
	ctx      context.Context
	progress func(Progress)
	start    time.Time
}

// NewLoop returns the Loop of cfg around s, recording into res (whose
// Curve and CurveEvery it sets; other fields are left to the caller, e.g.
// Warnings, NFE, PairCost). The wall-time clock starts here.
// It panics if ctx, s or res is nil.
func NewLoop(ctx context.Context, cfg Config, s *Stepper, res *Result) *Loop {
	if ctx == nil || s == nil || res == nil {
		panic("train: NewLoop with a nil context, Stepper or Result")
	}
	every := cfg.CurveEvery
	if every == 0 {
		every = max(1, cfg.Steps/100)
	}
	res.CurveEvery = every
	res.Curve = make([]float64, 0, (cfg.Steps+every-1)/every)
	return &Loop{s: s, res: res, clip: cfg.Clip, total: cfg.Steps, every: every,
		ctx: ctx, progress: cfg.Progress, start: time.Now()}
}

// Stepper returns the loop's Stepper.
func (l *Loop) Stepper() *Stepper { return l.s }

// Begin checks the context before the next step; when it is done its
// error is returned wrapped as "stopped before step k of N: …".
func (l *Loop) Begin() error {
	if err := l.ctx.Err(); err != nil {
		return fmt.Errorf("stopped before step %d of %d: %w", l.res.Steps+1, l.total, err)
	}
	return nil
}

// Step is Stepper.Update followed by Record; the Stepper's error (a
// diverged step) is returned as is, with nothing recorded.
func (l *Loop) Step(loss float64) error {
	p, err := l.s.Update(loss)
	if err != nil {
		return err
	}
	l.Record(p)
	return nil
}

// Record books a step taken by the Stepper: Result.Steps, Result.Clipped
// (norm above a non-zero Clip), the loss into the curve's current block
// (closed every CurveEvery steps and at the last step), then the Progress
// hook.
func (l *Loop) Record(p Progress) {
	r := l.res
	if l.clip > 0 && p.GradNorm > l.clip {
		r.Clipped++
	}
	r.Steps = p.Step
	l.block += p.Loss
	if step := p.Step; step%l.every == 0 || step == l.total {
		size := step - (step-1)/l.every*l.every
		r.Curve = append(r.Curve, l.block/float64(size))
		l.block = 0
	}
	if l.progress != nil {
		l.progress(p)
	}
}

// Result copies the current state into the Result (Params, EMA and
// EMAUpdates, Opt, Seconds since NewLoop) and returns it.
func (l *Loop) Result() *Result {
	r, s := l.res, l.s
	r.Params = slices.Clone(s.params)
	if s.ema != nil {
		r.EMA = slices.Clone(s.ema.Params())
		r.EMAUpdates = s.ema.Updates()
	}
	r.Opt = s.opt.State()
	r.Seconds = time.Since(l.start).Seconds()
	return r
}

// Epochs serves batches of a fixed set of n rows (n×d) in shuffled epochs,
// torchcfm style: each epoch is a fresh permutation drawn from rng, and a
// remainder smaller than the batch is dropped.
type Epochs struct {
	set  []float64
	d    int
	perm []int
	pos  int
	rng  *rand.Rand
}

// NewEpochs returns the Epochs of set (n rows of dimension d), shuffled
// with rng before the first batch.
// It panics if set is not n×d or rng is nil.
func NewEpochs(set []float64, n, d int, rng *rand.Rand) *Epochs {
	if len(set) != n*d || rng == nil {
		panic(fmt.Sprintf("train: NewEpochs with %d values for %d×%d rows or a nil rng", len(set), n, d))
	}
	e := &Epochs{set: set, d: d, perm: make([]int, n), rng: rng}
	for i := range e.perm {
		e.perm[i] = i
	}
	e.pos = n // forces a shuffle before the first batch
	return e
}

// Next copies the next len(dst)/d rows of the current epoch into dst,
// starting a freshly shuffled epoch when fewer remain.
func (e *Epochs) Next(dst []float64) {
	b, d := len(dst)/e.d, e.d
	if e.pos+b > len(e.perm) {
		e.rng.Shuffle(len(e.perm), func(i, j int) { e.perm[i], e.perm[j] = e.perm[j], e.perm[i] })
		e.pos = 0
	}
	for k, p := range e.perm[e.pos : e.pos+b] {
		copy(dst[k*d:(k+1)*d], e.set[p*d:(p+1)*d])
	}
	e.pos += b
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
