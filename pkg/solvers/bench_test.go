package solvers_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/solvers/testode"
)

// benchPts returns 256 points in R² for a batch-sized rotation problem.
func benchPts() []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	p := make([]float64, 512)
	for i := range p {
		p[i] = rng.NormFloat64()
	}
	return p
}

func benchSolve(b *testing.B, s solvers.Solver) {
	p := testode.Rotation(benchPts())
	y := append([]float64(nil), p.Y0...)
	var nfe int
	b.ReportAllocs()
	for b.Loop() {
		copy(y, p.Y0)
		res, err := s.Solve(p.Sys, y, 0, 1, nil)
		if err != nil {
			b.Fatal(err)
		}
		nfe = res.Stats.NFE
	}
	b.ReportMetric(float64(nfe), "nfe/op")
}

func BenchmarkRK4x100(b *testing.B) {
	benchSolve(b, &solvers.Fixed{Tableau: solvers.RK4, Steps: 100})
}

func BenchmarkDopri5Tol1e6(b *testing.B) {
	benchSolve(b, &solvers.Dopri5{RTol: 1e-6, ATol: 1e-6})
}
