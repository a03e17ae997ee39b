package models

import (
	"math"
	"math/rand/v2"
	"testing"

	ad "github.com/flowbench/flowbench/pkg/autodiff"
)

// TestWideFMLossGrad: the wide path (every hidden layer ≥ wideMin units)
// agrees with the tape-recorded loss and its gradient (whose ops are
// finite-difference checked), adds into Grad rather than overwriting it,
// gives bit-identical results for 1, 2 and 3 workers, and allocates nothing
// once warmed up. The output width 20 and the input width 4+1+6 are not
// multiples of the 16-column chunks, and 784 hidden units give chunks of 112.
func TestWideFMLossGrad(t *testing.T) {
	for _, cfg := range []Config{
		{Dim: 20, Hidden: []int{wideMin, 784}, Act: "silu", Time: "sinusoidal", Fourier: 3},
		{Dim: 3, Hidden: []int{wideMin}, Act: "selu", Time: "concat"},
	} {
		base := newTest(t, cfg, 41)
		if !base.useWide() {
			t.Fatal("config does not take the wide path")
		}
		const n = 13
		d := cfg.Dim
		rng := rand.New(rand.NewPCG(42, 43))
		xt, u := normals(rng, n*d), normals(rng, n*d)
		tt := make([]float64, n)
		for i := range tt {
			tt[i] = rng.Float64()
		}
		tp := &ad.Tape{}
		ref := base.Clone()
		loss := fmLossTape(ref, tp, xt, tt, u)
		tp.Backward(loss)
		var g1 []float64
		var l1 float64
		for _, w := range []int{1, 2, 3} {
			m := base.Clone()
			m.SetWorkers(w)
			for i := range m.Grad {
				m.Grad[i] = 1 // FMLossGrad adds into Grad
			}
			l := m.FMLossGrad(xt, tt, u)
			if w == 1 {
				// 1e-12: the same sums in another association order.
				if !near(l, tp.Scalar(loss), 1e-12) {
					t.Errorf("%v: loss %g, tape %g", cfg.Hidden, l, tp.Scalar(loss))
				}
				for i, g := range m.Grad {
					if !near(g-1, ref.Grad[i], 1e-10) {
						t.Fatalf("%v: Grad[%d]−1 = %g, tape %g", cfg.Hidden, i, g-1, ref.Grad[i])
					}
				}
				g1, l1 = append([]float64(nil), m.Grad...), l
				allocs := testing.AllocsPerRun(3, func() { m.FMLossGrad(xt, tt, u) })
				if allocs != 0 {
					t.Errorf("%v: %v allocations per FMLossGrad", cfg.Hidden, allocs)
				}
				continue
			}
			if math.Float64bits(l) != math.Float64bits(l1) {
				t.Errorf("%v workers=%d: loss %g, 1 worker %g", cfg.Hidden, w, l, l1)
			}
			for i := range m.Grad {
				if math.Float64bits(m.Grad[i]) != math.Float64bits(g1[i]) {
					t.Fatalf("%v workers=%d: Grad[%d] = %g, 1 worker %g", cfg.Hidden, w, i, m.Grad[i], g1[i])
				}
			}
			m.SetWorkers(1)
		}
	}
}
