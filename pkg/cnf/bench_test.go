package cnf

import (
	"math/rand/v2"
	"testing"

	"github.com/flowbench/flowbench/pkg/models"
)

// BenchmarkCNFTrainStep is the `runexp bench` CNF workload: one maximum-
// likelihood step of the torchcfm 2-D model (d = 2, three hidden layers of
// 64, SELU; MATH.md §6) on a batch of 256, RK4 × 8 from t = 1 to 0 with the
// exact divergence, backprop through the solve, and an Adam update.
func BenchmarkCNFTrainStep(b *testing.B) {
	const n, d = 256, 2
	m, err := models.NewMLP(models.DefaultConfig(d), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	cfg := Default()
	cfg.Steps, cfg.Divergence = 8, DivExact
	tcfg := DefaultTraining()
	tcfg.Batch = n
	tr, err := NewTrainer(m, cfg, tcfg, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x1 := make([]float64, n*d)
	for i := range x1 {
		x1[i] = rng.NormFloat64()
	}
	// Warm-up: the first pass grows the tape's arenas, the next Reset merges
	// them into one block; from then on a step allocates nothing.
	for range 2 {
		if _, err := tr.Step(x1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range x1 {
			x1[i] = rng.NormFloat64()
		}
		if _, err := tr.Step(x1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "it/s")
}

// BenchmarkCNFTrainStepAdjoint is the same step with the adjoint method and
// Dopri5 at rtol = atol = 1e-5 (FFJORD's setting); it reports the NFE of
// both solves at the initialisation.
func BenchmarkCNFTrainStepAdjoint(b *testing.B) {
	const n, d = 256, 2
	m, err := models.NewMLP(models.DefaultConfig(d), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	cfg := Default()
	cfg.Solver, cfg.Gradient, cfg.Divergence = "dopri5", GradAdjoint, DivExact
	tcfg := DefaultTraining()
	tcfg.Batch = n
	tr, err := NewTrainer(m, cfg, tcfg, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	x1 := make([]float64, n*d)
	for i := range x1 {
		x1[i] = rng.NormFloat64()
	}
	var info StepInfo
	for range 2 {
		if info, err = tr.Step(x1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	fwd, bwd := 0, 0
	for b.Loop() {
		for i := range x1 {
			x1[i] = rng.NormFloat64()
		}
		if info, err = tr.Step(x1); err != nil {
			b.Fatal(err)
		}
		fwd += info.NFEForward
		bwd += info.NFEBackward
	}
	b.ReportMetric(float64(fwd)/float64(b.N), "nfe-fwd/op")
	b.ReportMetric(float64(bwd)/float64(b.N), "nfe-bwd/op")
}
