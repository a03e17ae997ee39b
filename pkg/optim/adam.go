package optim

import (
	"fmt"
	"math"
	"runtime"
)

// Names of the optimisers [New] builds.
const (
	NameAdam  = "adam"
	NameAdamW = "adamw"
)

// Config is an optimiser's settings, decoded from an experiment spec.
type Config struct {
	// Name is "adam" (L2 penalty folded into the gradient) or "adamw"
	// (decoupled weight decay).
	Name string `json:"name" yaml:"name"`
	// LR is the base learning rate γ; the schedule scales it per step.
	LR float64 `json:"lr" yaml:"lr"`
	// Beta1 and Beta2 are the moment decay rates, in [0, 1).
	Beta1 float64 `json:"beta1" yaml:"beta1"`
	Beta2 float64 `json:"beta2" yaml:"beta2"`
	// Eps is the denominator's ε > 0.
	Eps float64 `json:"eps" yaml:"eps"`
	// WeightDecay is λ ≥ 0.
	WeightDecay float64 `json:"weight_decay" yaml:"weight_decay"`
}

// Default returns PyTorch's defaults for the named optimiser with learning
// rate lr: β1 = 0.9, β2 = 0.999, ε = 1e-8, weight decay 0 (adam) or 1e-2
// (adamw). An unknown name is an error listing the valid ones.
func Default(name string, lr float64) (Config, error) {
	c := Config{Name: name, LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	switch name {
	case NameAdam:
	case NameAdamW:
		c.WeightDecay = 1e-2
	default:
		return Config{}, fmt.Errorf("optim: unknown optimiser name %q (valid: %q, %q)", name, NameAdam, NameAdamW)
	}
	return c, nil
}

// Validate reports the first invalid field, naming it and its valid range.
func (c Config) Validate() error {
	switch {
	case c.Name != NameAdam && c.Name != NameAdamW:
		return fmt.Errorf("optim: name %q is not an optimiser (valid: %q, %q)", c.Name, NameAdam, NameAdamW)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("optim: lr = %v, must be finite and > 0", c.LR)
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return fmt.Errorf("optim: beta1 = %v, must be in [0, 1)", c.Beta1)
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("optim: beta2 = %v, must be in [0, 1)", c.Beta2)
	case !(c.Eps > 0) || math.IsInf(c.Eps, 0):
		return fmt.Errorf("optim: eps = %v, must be finite and > 0", c.Eps)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("optim: weight_decay = %v, must be finite and ≥ 0", c.WeightDecay)
	}
	return nil
}

// Adam is the Adam / AdamW optimiser of the package comment for a parameter
// vector of fixed length. It is not safe for concurrent use.
type Adam struct {
	cfg  Config
	m, v []float64
	k    int // steps taken

	u       update    // the current step's arguments (kept here: no allocation)
	pool    *stepPool // nil: one worker
	cleanup runtime.Cleanup
}

// New returns an optimiser for n parameters with zero moments, or the
// configuration's validation error.
// It panics if n < 0.
func New(cfg Config, n int) (*Adam, error) {
	if n < 0 {
		panic("optim: negative parameter count")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Adam{cfg: cfg, m: make([]float64, n), v: make([]float64, n)}, nil
}

// Config returns the optimiser's configuration.
func (a *Adam) Config() Config { return a.cfg }

// Steps returns the number of steps taken (k of the package comment).
func (a *Adam) Steps() int { return a.k }

// Step applies one update to theta in place with gradient g and learning rate
// lr (the schedule's value for this step; the configured LR is not used
// here). g is left unchanged. It allocates nothing. After SetWorkers(w > 1)
// long vectors are updated in w contiguous ranges at once; the update is
// elementwise, so the result is the same bits.
// It panics if theta or g is not of the length the optimiser was built for.
func (a *Adam) Step(theta, g []float64, lr float64) {
	if len(theta) != len(a.m) || len(g) != len(a.m) {
		panic(fmt.Sprintf("optim: Step with %d params and %d grads, optimiser built for %d", len(theta), len(g), len(a.m)))
	}
	a.k++
	b1, b2, wd := a.cfg.Beta1, a.cfg.Beta2, a.cfg.WeightDecay
	u := &a.u
	*u = update{theta: theta, g: g, m: a.m, v: a.v,
		b1: b1, b2: b2, eps: a.cfg.Eps, wd: wd, decoupled: a.cfg.Name == NameAdamW, shrink: 1 - lr*wd,
		stepSize: lr / (1 - math.Pow(b1, float64(a.k))), bc2Sqrt: math.Sqrt(1 - math.Pow(b2, float64(a.k)))}
	if a.pool == nil || len(g) < parMin {
		u.run(0, len(g))
	} else {
		a.pool.run(u)
	}
	u.theta, u.g = nil, nil // hold no caller memory between steps
}

// update is one Step's arguments; run applies it to elements [lo, hi).
type update struct {
	theta, g, m, v          []float64
	b1, b2, eps, wd, shrink float64
	stepSize, bc2Sqrt       float64
	decoupled               bool
}

func (u *update) run(lo, hi int) {
	theta, g, m, v := u.theta[lo:hi], u.g[lo:hi], u.m[lo:hi], u.v[lo:hi]
	b1, b2, eps, wd, stepSize, bc2Sqrt := u.b1, u.b2, u.eps, u.wd, u.stepSize, u.bc2Sqrt
	start := 0
	if haveAdamKernel && wd == 0 && len(g) >= 8 {
		// The same operations, eight at a time (adam_amd64.s).
		start = len(g) &^ 7
		c := [6]float64{1 - b1, b2, 1 - b2, bc2Sqrt, eps, stepSize}
		adamKernel(&theta[0], &g[0], &m[0], &v[0], start, &c)
	}
	for i := start; i < len(g); i++ {
		gi := g[i]
		th := theta[i]
		if wd != 0 {
			if u.decoupled {
				th *= u.shrink
			} else {
				gi += wd * th
			}
		}
		m[i] += (1 - b1) * (gi - m[i])
		v[i] = v[i]*b2 + (1-b2)*gi*gi
		denom := math.Sqrt(v[i])/bc2Sqrt + eps
		theta[i] = th - stepSize*(m[i]/denom)
	}
}

// parMin is the shortest vector Step splits over workers: below it the
// hand-off costs more than the update.
const parMin = 1 << 16

// stepPool runs an update's ranges on the caller and workers−1 helper
// goroutines, which wait on their channels between steps.
type stepPool struct {
	work []chan *update
	done chan struct{}
}

func newStepPool(workers int) *stepPool {
	p := &stepPool{work: make([]chan *update, workers-1), done: make(chan struct{}, workers)}
	for i := range p.work {
		p.work[i] = make(chan *update)
		go func(ch chan *update, id int) {
			for u := range ch {
				lo, hi := p.span(len(u.g), id)
				u.run(lo, hi)
				p.done <- struct{}{}
			}
		}(p.work[i], i+1)
	}
	return p
}

// span is worker id's range of n elements: contiguous, multiples of 8.
func (p *stepPool) span(n, id int) (lo, hi int) {
	w := len(p.work) + 1
	per := (n/w + 7) &^ 7
	return min(n, id*per), min(n, (id+1)*per)
}

func (p *stepPool) run(u *update) {
	for _, ch := range p.work {
		ch <- u
	}
	lo, hi := p.span(len(u.g), 0)
	u.run(lo, hi)
	for range p.work {
		<-p.done
	}
}

func (p *stepPool) stop() {
	for _, ch := range p.work {
		close(ch)
	}
}

// SetWorkers makes Step update long vectors on the given number of
// goroutines (1, the default, updates on the caller). The helpers end when
// the optimiser becomes unreachable or SetWorkers is called again.
// It panics if workers < 1.
func (a *Adam) SetWorkers(workers int) {
	if workers < 1 {
		panic(fmt.Sprintf("optim: SetWorkers(%d), want ≥ 1", workers))
	}
	if a.pool != nil {
		a.cleanup.Stop()
		a.pool.stop()
		a.pool = nil
	}
	if workers > 1 {
		a.pool = newStepPool(workers)
		a.cleanup = runtime.AddCleanup(a, (*stepPool).stop, a.pool)
	}
}

// State is an optimiser's resumable state, as stored in checkpoints.
type State struct {
	Name string    // optimiser name, "adam" or "adamw"
	Step int       // steps taken
	M, V []float64 // first and second moments
}

// State returns a copy of the optimiser's state.
func (a *Adam) State() State {
	return State{Name: a.cfg.Name, Step: a.k,
		M: append([]float64(nil), a.m...), V: append([]float64(nil), a.v...)}
}

// SetState restores a state saved by [Adam.State]. A state for another
// optimiser or another parameter count is an error and leaves a unchanged.
func (a *Adam) SetState(s State) error {
	switch {
	case s.Name != a.cfg.Name:
		return fmt.Errorf("optim: state is for optimiser %q, this one is %q", s.Name, a.cfg.Name)
	case len(s.M) != len(a.m) || len(s.V) != len(a.v):
		return fmt.Errorf("optim: state has %d/%d moments, optimiser has %d parameters", len(s.M), len(s.V), len(a.m))
	case s.Step < 0:
		return fmt.Errorf("optim: state step = %d, must be ≥ 0", s.Step)
	}
	a.k = s.Step
	copy(a.m, s.M)
	copy(a.v, s.V)
	return nil
}

// ClipNorm computes the global L2 norm of g and, when maxNorm > 0 and
// maxNorm/(norm + 1e-6) < 1, scales g in place by that factor (PyTorch's
// clip_grad_norm_). It returns the norm before clipping. A non-finite norm is
// returned as is and g is left unchanged, so the caller can report it.
func ClipNorm(g []float64, maxNorm float64) float64 {
	var s float64
	for _, x := range g {
		s += x * x
	}
	norm := math.Sqrt(s)
	if math.IsInf(s, 1) && !math.IsNaN(norm) {
		// The squares overflowed; recompute with scaling so a finite vector
		// with huge entries still reports its (finite or infinite) norm.
		norm = scaledNorm(g)
	}
	if maxNorm > 0 && !math.IsNaN(norm) && !math.IsInf(norm, 0) {
		if c := maxNorm / (norm + 1e-6); c < 1 {
			for i := range g {
				g[i] *= c
			}
		}
	}
	return norm
}

// scaledNorm is the overflow-safe L2 norm (as BLAS dnrm2).
func scaledNorm(g []float64) float64 {
	scale, ssq := 0.0, 1.0
	for _, x := range g {
		if x == 0 {
			continue
		}
		ax := math.Abs(x)
		if math.IsInf(ax, 1) {
			return ax
		}
		if scale < ax {
			ssq = 1 + ssq*(scale/ax)*(scale/ax)
			scale = ax
		} else {
			ssq += (ax / scale) * (ax / scale)
		}
	}
	return scale * math.Sqrt(ssq)
}
