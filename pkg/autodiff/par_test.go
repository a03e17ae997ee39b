package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTapeWorkersBitIdentical: a two-layer graph whose products are large
// enough to be split (m·n·k ≥ parMinWork) gives bit-identical values and
// gradients with 1, 2 and 3 workers, and the split products agree with the
// unsplit ones, which the FD tests check.
func TestTapeWorkersBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	// 97 rows (not a multiple of the 6-row chunks), 40 → 48 → 5: the first
	// product is 97·48·40 ≈ 1.9e5 multiply–adds, above parMinWork.
	const n, in, hid, out = 97, 40, 48, 5
	x := normals(rng, n*in)
	w1, b1, w2 := normals(rng, in*hid), normals(rng, hid), normals(rng, hid*out)
	var val []float64
	var grads [][]float64
	for _, workers := range []int{1, 2, 3} {
		tp := &Tape{}
		tp.SetWorkers(workers)
		g1, gb, g2 := make([]float64, len(w1)), make([]float64, len(b1)), make([]float64, len(w2))
		xn := tp.Var(x, n, in)
		h := tp.Act(SELU, tp.Linear(xn, tp.Param(w1, g1, in, hid), tp.Param(b1, gb, 1, hid)))
		y := tp.MatMul(h, tp.Param(w2, g2, hid, out))
		loss := tp.Mean(tp.Square(y))
		tp.Backward(loss)
		got := [][]float64{tp.Value(y), g1, gb, g2, tp.Grad(xn)}
		if workers == 1 {
			val, grads = []float64{tp.Scalar(loss)}, got
			continue
		}
		if math.Float64bits(tp.Scalar(loss)) != math.Float64bits(val[0]) {
			t.Errorf("workers=%d: loss %g, 1 worker %g", workers, tp.Scalar(loss), val[0])
		}
		for q := range got {
			for i := range got[q] {
				if math.Float64bits(got[q][i]) != math.Float64bits(grads[q][i]) {
					t.Fatalf("workers=%d: output %d entry %d = %g, 1 worker %g", workers, q, i, got[q][i], grads[q][i])
				}
			}
		}
		tp.SetWorkers(1)
	}
}

func normals(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}
