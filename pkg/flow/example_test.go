package flow_test

import (
	"fmt"
	"math"

	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// affine is the field whose flow x(t) = (1 + (s − 1)t)·x0 + t·m carries
// N(0, I) onto N(m, s² I): v_t(x) = (s − 1)(x − t·m)/(1 + (s − 1)t) + m, with
// divergence d(s − 1)/(1 + (s − 1)t), whose integral over [0, 1] is d·ln s.
type affine struct {
	m []float64
	s float64
}

func (f affine) Dim() int { return len(f.m) }

func (f affine) Velocity(dst, x []float64, t float64) {
	d := len(f.m)
	g := (f.s - 1) / (1 + (f.s-1)*t)
	for i := range x {
		m := f.m[i%d]
		dst[i] = g*(x[i]-t*m) + m
	}
}

func (f affine) VelocityDiv(dst, div, x []float64, t float64) {
	f.Velocity(dst, x, t)
	for r := range div {
		div[r] = float64(len(f.m)) * (f.s - 1) / (1 + (f.s-1)*t)
	}
}

// Push three source points along the flow from t = 0 to t = 1 with Dopri5:
// each lands on s·x0 + m.
func ExampleSample() {
	f := affine{m: []float64{2, -1}, s: 0.5}
	x := []float64{
		0, 0,
		1, 0,
		0, -2,
	}
	s, err := solvers.NewDopri5(1e-9, 1e-9)
	if err != nil {
		panic(err)
	}
	if _, err := flow.Sample(s, f, x, 0, 1, nil); err != nil {
		panic(err)
	}
	for r := 0; r < 3; r++ {
		fmt.Printf("(%.4f, %.4f)\n", x[2*r], x[2*r+1])
	}
	// Output:
	// (2.0000, -1.0000)
	// (2.5000, -1.0000)
	// (2.0000, -2.0000)
}

// The likelihood by the instantaneous change of variables,
// log p_1(x1) = log p_0(x(0)) − ∫_0^1 tr(∂v/∂x) dt, against the closed form
// log N(x1; m, s² I) of the same flow.
func ExampleLogLikelihood() {
	f := affine{m: []float64{2, -1}, s: 0.5}
	x1 := []float64{
		2, -1,
		2.5, -1,
		2, -2,
	}
	s, err := solvers.NewDopri5(1e-9, 1e-9)
	if err != nil {
		panic(err)
	}
	logp, _, err := flow.LogLikelihood(s, f, x1, flow.StdNormalLogProb)
	if err != nil {
		panic(err)
	}
	for r, lp := range logp {
		dx, dy := x1[2*r]-2, x1[2*r+1]+1
		exact := -(dx*dx+dy*dy)/(2*0.25) - 2*math.Log(0.5) - math.Log(2*math.Pi)
		fmt.Printf("log p_1 = %.4f   closed form %.4f\n", lp, exact)
	}
	// Output:
	// log p_1 = -0.4516   closed form -0.4516
	// log p_1 = -0.9516   closed form -0.9516
	// log p_1 = -2.4516   closed form -2.4516
}
