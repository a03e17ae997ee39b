package metrics

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkW2 is the exact W2 between two 2-D Gaussian samples, N(0, I) vs
// N((3, 1), 0.5²I). The n = 10,000 case (about 25 s per solve on one core,
// O(n) memory) runs only when selected with -bench.
func BenchmarkW2(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, uint64(n)))
			x := gaussSample(rng, n, []float64{0, 0}, 1)
			y := gaussSample(rng, n, []float64{3, 1}, 0.5)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := W2(x, y, 2); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSlicedW2 is SW2 with the default 1000 directions.
func BenchmarkSlicedW2(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(2, uint64(n)))
			x := gaussSample(rng, n, []float64{0, 0}, 1)
			y := gaussSample(rng, n, []float64{3, 1}, 0.5)
			b.ReportAllocs()
			for b.Loop() {
				SlicedW2(x, y, 2, DefaultProjections, rng)
			}
		})
	}
}

// BenchmarkMMD is MMD² at three bandwidths.
func BenchmarkMMD(b *testing.B) {
	n := 2000
	rng := rand.New(rand.NewPCG(3, 1))
	x := gaussSample(rng, n, []float64{0, 0}, 1)
	y := gaussSample(rng, n, []float64{3, 1}, 0.5)
	b.ReportAllocs()
	for b.Loop() {
		MMD(x, y, 2, []float64{0.5, 1, 2})
	}
}
