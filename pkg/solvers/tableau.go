package solvers

import (
	"fmt"
	"math"
)

// Tableau is the Butcher tableau of an explicit Runge–Kutta method with s
// stages: nodes C (len s), the strictly lower-triangular matrix A (row i has at
// most s entries, entries at j ≥ i must be zero) and weights B (len s).
type Tableau struct {
	Name  string // spec name, e.g. "rk4"
	Order int    // classical order of accuracy
	C     []float64
	A     [][]float64
	B     []float64
}

// Euler is the forward Euler method (order 1).
var Euler = Tableau{
	Name: "euler", Order: 1,
	C: []float64{0},
	A: [][]float64{{}},
	B: []float64{1},
}

// Midpoint is the explicit midpoint method (order 2).
var Midpoint = Tableau{
	Name: "midpoint", Order: 2,
	C: []float64{0, 0.5},
	A: [][]float64{{}, {0.5}},
	B: []float64{0, 1},
}

// Heun is Heun's method, the explicit trapezoidal rule (order 2).
var Heun = Tableau{
	Name: "heun", Order: 2,
	C: []float64{0, 1},
	A: [][]float64{{}, {1}},
	B: []float64{0.5, 0.5},
}

// RK4 is the classical fourth-order Runge–Kutta method.
var RK4 = Tableau{
	Name: "rk4", Order: 4,
	C: []float64{0, 0.5, 0.5, 1},
	A: [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}},
	B: []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
}

// Stages returns the number of stages s (function evaluations per step).
func (tab Tableau) Stages() int { return len(tab.B) }

// Validate checks the tableau's shape, that it is explicit, and the
// consistency conditions c_i = Σ_j a_ij and Σ_i b_i = 1 (to 1e-12).
func (tab Tableau) Validate() error {
	s := len(tab.B)
	if s == 0 {
		return fmt.Errorf("solvers: tableau %q has no stages (len(B) = 0)", tab.Name)
	}
	if len(tab.C) != s || len(tab.A) != s {
		return fmt.Errorf("solvers: tableau %q: len(C) = %d and len(A) = %d, want len(B) = %d", tab.Name, len(tab.C), len(tab.A), s)
	}
	if tab.Order < 1 {
		return fmt.Errorf("solvers: tableau %q: order %d, want >= 1", tab.Name, tab.Order)
	}
	var sb float64
	for i, row := range tab.A {
		if len(row) > s {
			return fmt.Errorf("solvers: tableau %q: row %d of A has %d entries, want at most %d", tab.Name, i, len(row), s)
		}
		var sum float64
		for j, a := range row {
			if j >= i && a != 0 {
				return fmt.Errorf("solvers: tableau %q is not explicit: A[%d][%d] = %v, want 0", tab.Name, i, j, a)
			}
			sum += a
		}
		if math.Abs(sum-tab.C[i]) > 1e-12 {
			return fmt.Errorf("solvers: tableau %q: C[%d] = %v but row %d of A sums to %v", tab.Name, i, tab.C[i], i, sum)
		}
		sb += tab.B[i]
	}
	if math.Abs(sb-1) > 1e-12 {
		return fmt.Errorf("solvers: tableau %q: weights B sum to %v, want 1", tab.Name, sb)
	}
	return nil
}
