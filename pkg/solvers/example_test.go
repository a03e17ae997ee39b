package solvers_test

import (
	"fmt"
	"math"

	"github.com/flowbench/flowbench/pkg/solvers"
)

// Integrate the harmonic oscillator y” = −y, written as the system
// (y, y')' = (y', −y), over one period with the adaptive Dormand–Prince
// pair. The exact solution returns to its start, (1, 0); the error is within
// the tolerance, and Stats counts the work: 6 evaluations per step (the
// last stage of a step is the next step's first), plus the first stage of the
// first step and one evaluation for choosing the initial step size.
func ExampleDopri5() {
	osc := solvers.SystemFunc(func(t float64, y, dydt []float64) {
		dydt[0], dydt[1] = y[1], -y[0]
	})
	s, err := solvers.NewDopri5(1e-8, 1e-8)
	if err != nil {
		panic(err)
	}
	y := []float64{1, 0}
	res, err := s.Solve(osc, y, 0, 2*math.Pi, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("|y(2π) − (1, 0)| < 1e-6: %v\n", math.Hypot(y[0]-1, y[1]) < 1e-6)
	fmt.Printf("%+v\n", res.Stats)
	// Output:
	// |y(2π) − (1, 0)| < 1e-6: true
	// {NFE:386 Steps:64 Rejected:0}
}

// A fixed-step RK4 solve of y' = y from 0 to 1 in 10 steps: 4 evaluations per
// step, and the fourth-order error e − y(1) ≈ 2e-6.
func ExampleFixed() {
	grow := solvers.SystemFunc(func(t float64, y, dydt []float64) { dydt[0] = y[0] })
	s, err := solvers.NewFixed(solvers.RK4, 10)
	if err != nil {
		panic(err)
	}
	y := []float64{1}
	res, err := s.Solve(grow, y, 0, 1, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("y(1) = %.6f, e − y(1) = %.1e, %+v\n", y[0], math.E-y[0], res.Stats)
	// Output:
	// y(1) = 2.718280, e − y(1) = 2.1e-06, {NFE:40 Steps:10 Rejected:0}
}
