package assign

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/flowbench/flowbench/pkg/datasets"
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

// otcfmBatches returns batches of OT-CFM couplings at minibatch size n:
// N(0, I) sources against a 2-D target, and moons×7 against 8 Gaussians of
// radius 12 (two structured clouds, a large span).
func otcfmBatches(name string, n, count int) (xs, ys [][]float64) {
	rng := rand.New(rand.NewPCG(17, uint64(n)))
	normal := func() []float64 {
		x := make([]float64, 2*n)
		for k := range x {
			x[k] = rng.NormFloat64()
		}
		return x
	}
	for range count {
		var x, y []float64
		switch name {
		case "8gaussians-r5":
			x, y = normal(), datasets.NewEightGaussians("g", 5, datasets.Tong8GaussiansStd).Sample(rng, n)
		case "moons", "scurve":
			x, y = normal(), toy(name).Sample(rng, n)
		case "moons7-8g12":
			x = toy("moons").Sample(rng, n)
			for k := range x {
				x[k] *= 7
			}
			y = datasets.NewEightGaussians("g", 12, datasets.Tong8GaussiansStd).Sample(rng, n)
		default:
			panic(name)
		}
		xs, ys = append(xs, x), append(ys, y)
	}
	return xs, ys
}

func toy(name string) datasets.Dataset {
	ds, err := datasets.New(name, 2, datasets.Options{})
	if err != nil {
		panic(err)
	}
	return ds
}

var otcfmTargets = []string{"8gaussians-r5", "moons", "scurve", "moons7-8g12"}

// BenchmarkOTCFM solves 8 different minibatch couplings per iteration (time
// per op / 8 is the time of one coupling) for each OT-CFM target, and
// reports the mean work counters per solve.
func BenchmarkOTCFM(b *testing.B) {
	const n, count = 512, 8
	for _, name := range otcfmTargets {
		b.Run(name, func(b *testing.B) {
			xs, ys := otcfmBatches(name, n, count)
			var s Solver
			dst := make([]int, n)
			var sum Stats
			b.ReportAllocs()
			for b.Loop() {
				sum = Stats{}
				for k := range xs {
					if _, err := s.SqEuclidean(dst, xs[k], ys[k], 2); err != nil {
						b.Fatal(err)
					}
					st := s.Stats()
					sum.Bids += st.Bids
					sum.FreeAfterInit += st.FreeAfterInit
					sum.ScannedRows += st.ScannedRows
					sum.RowReads += st.RowReads
					sum.ShortScans += st.ShortScans
					sum.PrunedScans += st.PrunedScans
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*count)/1e6, "ms/solve")
			b.ReportMetric(float64(sum.Bids)/count, "bids")
			b.ReportMetric(float64(sum.FreeAfterInit)/count, "free-after-init")
			b.ReportMetric(float64(sum.ScannedRows)/count, "scanned-rows")
			b.ReportMetric(float64(sum.RowReads)/count, "row-reads")
			b.ReportMetric(float64(sum.ShortScans)/count, "short-scans")
			b.ReportMetric(float64(sum.PrunedScans)/count, "pruned-scans")
		})
	}
}
