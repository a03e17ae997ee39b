package solvers

import (
	"errors"
	"fmt"
	"math"
)

// Solver integrates a System over a time interval.
type Solver interface {
	// Name is the solver's spec name: "euler", "midpoint", "heun", "rk4", "dopri5".
	Name() string
	// Solve integrates sys from t0 to t1 (t1 < t0 integrates backward),
	// overwriting y with y(t1). If save is non-empty (monotone times between
	// t0 and t1, in the direction of integration), the states at those times
	// are returned in Result.Traj (one copy each) with Result.Times.
	Solve(sys System, y []float64, t0, t1 float64, save []float64) (Result, error)
}

// Result is the outcome of a Solve: the saved states (if any) and the work done.
type Result struct {
	Times []float64   // the save times, copied
	Traj  [][]float64 // Traj[k] is the state at Times[k]
	Stats Stats
}

// ErrStepUnderflow is wrapped by the error an adaptive solve returns when its
// step size becomes negligible relative to t (a singularity or a tolerance
// below what float64 can resolve).
var ErrStepUnderflow = errors.New("solvers: step size underflow")

// ErrMaxSteps is wrapped by the error an adaptive solve returns when it
// attempts more than MaxSteps steps (accepted plus rejected).
var ErrMaxSteps = errors.New("solvers: maximum number of steps exceeded")

// checkSpan validates t0, t1 and the save times of a Solve.
func checkSpan(t0, t1 float64, save []float64) error {
	if math.IsNaN(t0) || math.IsInf(t0, 0) || math.IsNaN(t1) || math.IsInf(t1, 0) {
		return fmt.Errorf("solvers: time span [%v, %v] is not finite", t0, t1)
	}
	lo, hi := math.Min(t0, t1), math.Max(t0, t1)
	dir := 1.0
	if t1 < t0 {
		dir = -1
	}
	for i, s := range save {
		if !(s >= lo && s <= hi) {
			return fmt.Errorf("solvers: save time %v (index %d) outside the span [%v, %v]", s, i, t0, t1)
		}
		if i > 0 && (s-save[i-1])*dir < 0 {
			return fmt.Errorf("solvers: save times not monotone in the direction of integration at index %d (%v after %v)", i, s, save[i-1])
		}
	}
	return nil
}

// newSaved prepares a Result for len(save) states.
func newSaved(save []float64) Result {
	if len(save) == 0 {
		return Result{}
	}
	return Result{Times: append([]float64(nil), save...), Traj: make([][]float64, 0, len(save))}
}

// grow returns buf resized to n, reusing its storage when it is large enough.

// axpy computes y += a·x.
func axpy(y []float64, a float64, x []float64) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}
