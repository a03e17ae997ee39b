package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for the 0-based step index k.
type Schedule interface {
	At(k int) float64
	// Validate reports an invalid field, naming it and its valid range.
	Validate() error
}

// Constant is the schedule γ_k = LR.
type Constant struct {
	LR float64
}

// At returns LR.
func (c Constant) At(int) float64 { return c.LR }

// Validate checks LR > 0.
func (c Constant) Validate() error {
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("optim: constant schedule lr = %v, must be finite and > 0", c.LR)
	}
	return nil
}

// Cosine decays from LR at k = 0 to Floor at k = K by half a cosine period,
// γ_k = Floor + (LR − Floor)·(1 + cos(π·min(k, K)/K))/2, and stays at Floor
// after K steps.
type Cosine struct {
	LR, Floor float64
	K         int
}

// At returns γ_k.
// It panics if k < 0.
func (c Cosine) At(k int) float64 {
	if k < 0 {
		panic("optim: negative step index")
	}
	if k >= c.K {
		return c.Floor
	}
	return c.Floor + (c.LR-c.Floor)*0.5*(1+math.Cos(math.Pi*float64(k)/float64(c.K)))
}

// Validate checks 0 ≤ Floor ≤ LR, LR > 0 and K ≥ 1.
func (c Cosine) Validate() error {
	switch {
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("optim: cosine schedule lr = %v, must be finite and > 0", c.LR)
	case !(c.Floor >= 0 && c.Floor <= c.LR):
		return fmt.Errorf("optim: cosine schedule floor = %v, must be in [0, lr = %v]", c.Floor, c.LR)
	case c.K < 1:
		return fmt.Errorf("optim: cosine schedule steps = %d, must be ≥ 1", c.K)
	}
	return nil
}

// Warmup ramps linearly for W steps, γ_k = Inner.At(0)·(k + 1)/W for k < W,
// and then follows Inner with its clock started after the warm-up,
// γ_k = Inner.At(k − W).
type Warmup struct {
	W     int
	Inner Schedule
}

// At returns γ_k.
// It panics if k < 0.
func (w Warmup) At(k int) float64 {
	if k < 0 {
		panic("optim: negative step index")
	}
	if k < w.W {
		return w.Inner.At(0) * float64(k+1) / float64(w.W)
	}
	return w.Inner.At(k - w.W)
}

// Validate checks W ≥ 0 and the inner schedule.
func (w Warmup) Validate() error {
	if w.W < 0 {
		return fmt.Errorf("optim: warmup steps = %d, must be ≥ 0", w.W)
	}
	if w.Inner == nil {
		return fmt.Errorf("optim: warmup has no inner schedule")
	}
	return w.Inner.Validate()
}

// Schedule kinds accepted by [NewSchedule].
const (
	ScheduleConstant = "constant"
	ScheduleCosine   = "cosine"
)

// NewSchedule builds the schedule named in a spec for a run of total steps:
// kind "constant" or "cosine" (decaying from lr to floor over total − warmup
// steps), preceded by a linear warm-up of warmup steps when warmup > 0.
func NewSchedule(kind string, lr, floor float64, warmup, total int) (Schedule, error) {
	if warmup < 0 || warmup >= total && kind == ScheduleCosine {
		return nil, fmt.Errorf("optim: warmup = %d, must be in [0, steps = %d)", warmup, total)
	}
	var s Schedule
	switch kind {
	case ScheduleConstant:
		s = Constant{LR: lr}
	case ScheduleCosine:
		s = Cosine{LR: lr, Floor: floor, K: total - warmup}
	default:
		return nil, fmt.Errorf("optim: unknown lr schedule %q (valid: %q, %q)", kind, ScheduleConstant, ScheduleCosine)
	}
	if warmup > 0 {
		s = Warmup{W: warmup, Inner: s}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}
