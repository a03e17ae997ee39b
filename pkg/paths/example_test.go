package paths_test

import (
	"fmt"

	"github.com/flowbench/flowbench/pkg/paths"
)

// Sample one point of the OT-linear path (σ_min = 0.1) at three times: x_t
// moves from the source draw x0 to the data point x1 (blurred by σ_min at
// t = 1), and the regression target u_t = s'_t·x0 + a'_t·x1 is also the
// conditional field u_t(x_t | x1).
func ExamplePath_Sample() {
	ot, err := paths.NewOT(0.1)
	if err != nil {
		panic(err)
	}
	p := paths.Path{Schedule: ot}
	x0 := []float64{1, -1} // source draw
	x1 := []float64{3, 4}  // data point
	xt, ut, u := make([]float64, 2), make([]float64, 2), make([]float64, 2)
	for _, t := range []float64{0, 0.5, 1} {
		p.Sample(xt, ut, x0, x1, []float64{t}, 2)
		p.CondField(u, xt, x1, 2, t)
		c := p.At(t)
		fmt.Printf("t=%.1f a=%.2f s=%.2f  x_t=(%.2f, %.2f)  u_t=(%.2f, %.2f)  u_t(x_t|x1)=(%.2f, %.2f)\n",
			t, c.A, c.S, xt[0], xt[1], ut[0], ut[1], u[0], u[1])
	}
	// Output:
	// t=0.0 a=0.00 s=1.00  x_t=(1.00, -1.00)  u_t=(2.10, 4.90)  u_t(x_t|x1)=(2.10, 4.90)
	// t=0.5 a=0.50 s=0.55  x_t=(2.05, 1.45)  u_t=(2.10, 4.90)  u_t(x_t|x1)=(2.10, 4.90)
	// t=1.0 a=1.00 s=0.10  x_t=(3.10, 3.90)  u_t=(2.10, 4.90)  u_t(x_t|x1)=(2.10, 4.90)
}

// The VP schedule is singular at t = 1, and its p_0 is only close to N(0, I):
// both facts are exposed rather than hidden.
func ExampleVP() {
	vp := paths.DefaultVP()
	fmt.Printf("TMax = %.5f, a_0 = %.5f\n", vp.TMax(), paths.A0(vp))
	// Output:
	// TMax = 0.99999, a_0 = 0.00657
}
