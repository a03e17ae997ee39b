package solvers

import (
	"fmt"
	"math"

	"github.com/flowbench/flowbench/internal/scratch"
)

// Fixed is a fixed-step explicit Runge–Kutta solver running Tableau. Solve
// takes Steps uniform steps; SolveGrid steps along a given grid. A *Fixed
// keeps its stage buffers between calls and is not safe for concurrent use
// (see Clone).
type Fixed struct {
	Tableau
	Steps int // number of uniform steps Solve takes, >= 1

	k   [][]float64 // stage derivatives, one per stage
	tmp []float64   // stage state
}

// NewFixed returns a Fixed solver for tab with the given number of steps, validated.
func NewFixed(tab Tableau, steps int) (*Fixed, error) {
	f := &Fixed{Tableau: tab, Steps: steps}
	return f, f.Validate()
}

// Name returns the tableau's name.
func (f *Fixed) Name() string { return f.Tableau.Name }

// Clone returns a solver with the same settings and its own buffers.
func (f *Fixed) Clone() Solver { return &Fixed{Tableau: f.Tableau, Steps: f.Steps} }

// Validate checks the tableau and Steps >= 1.
func (f *Fixed) Validate() error {
	if err := f.Tableau.Validate(); err != nil {
		return err
	}
	if f.Steps < 1 {
		return fmt.Errorf("solvers: %s: steps = %d, want >= 1", f.Tableau.Name, f.Steps)
	}
	return nil
}

func (f *Fixed) ensure(n int) {
	s := f.Stages()
	if len(f.k) != s {
		f.k = make([][]float64, s)
	}
	for i := range f.k {
		f.k[i] = scratch.Grow(f.k[i], n)
	}
	f.tmp = scratch.Grow(f.tmp, n)
}

// step advances y from t to t+h by one Runge–Kutta step.
func (f *Fixed) step(sys System, y []float64, t, h float64) {
	tab := &f.Tableau
	for i, row := range tab.A {
		yi := y
		if i > 0 {
			copy(f.tmp, y)
			for j, a := range row[:i] {
				if a != 0 {
					axpy(f.tmp, h*a, f.k[j])
				}
			}
			yi = f.tmp
		}
		sys.Eval(t+tab.C[i]*h, yi, f.k[i])
	}
	for i, b := range tab.B {
		if b != 0 {
			axpy(y, h*b, f.k[i])
		}
	}
}

// Solve integrates sys from t0 to t1 in Steps uniform steps, overwriting y with
// the result. Save times must coincide with grid points t0 + k·(t1 − t0)/Steps
// (to 1e-9 of a step); fixed-step methods do not interpolate, so any other save
// time is an error.
// It panics if y is empty.
func (f *Fixed) Solve(sys System, y []float64, t0, t1 float64, save []float64) (Result, error) {
	if err := f.Validate(); err != nil {
		return Result{}, err
	}
	if err := checkSpan(t0, t1, save); err != nil {
		return Result{}, err
	}
	if len(y) == 0 {
		panic("solvers: empty state")
	}
	n := f.Steps
	h := (t1 - t0) / float64(n)
	grid := func(k int) float64 {
		if k == n {
			return t1
		}
		return t0 + float64(k)*h
	}
	for i, s := range save {
		if t1 == t0 {
			continue
		}
		k := math.Round((s - t0) / h)
		if math.Abs(grid(int(k))-s) > 1e-9*math.Abs(h) {
			return Result{}, fmt.Errorf("solvers: %s: save time %v (index %d) is not on the %d-step grid from %v to %v; fixed-step solvers do not interpolate", f.Tableau.Name, s, i, n, t0, t1)
		}
	}
	f.ensure(len(y))
	res := newSaved(save)
	si := 0
	for k := 0; ; k++ {
		tk := grid(k)
		for si < len(save) && (t1 == t0 || math.Abs(tk-save[si]) <= 1e-9*math.Abs(h)) {
			res.Traj = append(res.Traj, append([]float64(nil), y...))
			si++
		}
		if k == n || t1 == t0 {
			break
		}
		f.step(sys, y, tk, grid(k+1)-tk)
		res.Stats.Steps++
	}
	if t1 != t0 {
		res.Stats.NFE = n * f.Stages()
	}
	return res, nil
}

// SolveGrid integrates sys along grid (strictly monotone, increasing or
// decreasing, at least two times), one step per interval, overwriting y with
// y(grid[len(grid)−1]). Steps is not used. With save, Result.Times is a copy
// of grid and Result.Traj holds the state at every grid time, y(grid[0])
// included.
// It panics if y is empty.
func (f *Fixed) SolveGrid(sys System, y []float64, grid []float64, save bool) (Result, error) {
	if err := f.Tableau.Validate(); err != nil {
		return Result{}, err
	}
	if len(grid) < 2 {
		return Result{}, fmt.Errorf("solvers: %s: grid has %d times, want at least 2", f.Tableau.Name, len(grid))
	}
	dir := grid[1] - grid[0]
	for i, g := range grid {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return Result{}, fmt.Errorf("solvers: %s: grid time %v (index %d) is not finite", f.Tableau.Name, g, i)
		}
		if i > 0 && !((g-grid[i-1])*dir > 0) {
			return Result{}, fmt.Errorf("solvers: %s: grid not strictly monotone at index %d (%v after %v)", f.Tableau.Name, i, g, grid[i-1])
		}
	}
	if len(y) == 0 {
		panic("solvers: empty state")
	}
	f.ensure(len(y))
	var res Result
	if save {
		res = newSaved(grid)
		res.Traj = append(res.Traj, append([]float64(nil), y...))
	}
	for k := 0; k+1 < len(grid); k++ {
		f.step(sys, y, grid[k], grid[k+1]-grid[k])
		res.Stats.Steps++
		if save {
			res.Traj = append(res.Traj, append([]float64(nil), y...))
		}
	}
	res.Stats.NFE = res.Stats.Steps * f.Stages()
	return res, nil
}
