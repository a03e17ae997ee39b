package metrics_test

import (
	"fmt"

	"github.com/flowbench/flowbench/pkg/metrics"
)

// The exact W2 between two sets of three points in the plane. The optimal
// assignment pairs each x_i with the y directly above it (squared cost 1
// each), so W2 = 1; pairing by index would cost 5, 2 and 2, i.e. sqrt(3).
func ExampleW2() {
	x := []float64{
		0, 0,
		1, 0,
		2, 0,
	}
	y := []float64{
		2, 1,
		0, 1,
		1, 1,
	}
	w, err := metrics.W2(x, y, 2)
	if err != nil {
		panic(err)
	}
	fmt.Printf("W2 = %.4f\n", w)
	// Output:
	// W2 = 1.0000
}
