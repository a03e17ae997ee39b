package assign

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// twoGaussians draws n points from N(0, I) and n from N((3, 0), 0.5² I) in
// 2-D, the benchmark instance (a transport with a real shift and scale).
func twoGaussians(n int, seed uint64) (x, y []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x = make([]float64, 2*n)
	y = make([]float64, 2*n)
	for i := 0; i < n; i++ {
		x[2*i] = rng.NormFloat64()
		x[2*i+1] = rng.NormFloat64()
		y[2*i] = 3 + 0.5*rng.NormFloat64()
		y[2*i+1] = 0.5 * rng.NormFloat64()
	}
	return x, y
}

// BenchmarkSqEuclidean solves the point-cloud problem (rows computed on the
// fly, O(n) memory); 512 is an OT-CFM minibatch. The 10,000 case takes
// seconds per solve.
func BenchmarkSqEuclidean(b *testing.B) {
	for _, n := range []int{512, 1000, 2000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, y := twoGaussians(n, 1)
			var s Solver
			dst := make([]int, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.SqEuclidean(dst, x, y, 2); err != nil {
					b.Fatal(err)
				}
			}
			st := s.Stats()
			b.ReportMetric(float64(st.FreeAfterInit), "free-after-init")
			b.ReportMetric(float64(st.ScannedRows), "scanned-rows")
			b.ReportMetric(float64(st.RowReads), "row-reads")
		})
	}
}

// BenchmarkDense solves the same problems from a stored n×n cost matrix
// (8n² bytes: 800 MB at n = 10,000, built once outside the timer).
func BenchmarkDense(b *testing.B) {
	for _, n := range []int{512, 1000, 2000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, y := twoGaussians(n, 1)
			c := sqEuclidMatrix(x, y, 2)
			var s Solver
			dst := make([]int, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Dense(dst, c, n); err != nil {
					b.Fatal(err)
				}
			}
			st := s.Stats()
			b.ReportMetric(float64(st.FreeAfterInit), "free-after-init")
			b.ReportMetric(float64(st.ScannedRows), "scanned-rows")
		})
	}
}
