package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// adam is the inline Adam update used by the benchmarks (β1 = 0.9,
// β2 = 0.999, ε = 1e-8, MATH.md §6), so a step costs what a training step
// costs.
type adam struct {
	m, v   []float64
	t      int
	lr     float64
	b1, b2 float64
}

func (a *adam) step(p, g []float64) {
	if a.m == nil {
		a.m, a.v, a.lr, a.b1, a.b2 = make([]float64, len(p)), make([]float64, len(p)), 1e-3, 0.9, 0.999
	}
	a.t++
	c1 := 1 / (1 - math.Pow(a.b1, float64(a.t)))
	c2 := 1 / (1 - math.Pow(a.b2, float64(a.t)))
	m, v := a.m[:len(p)], a.v[:len(p)]
	g = g[:len(p)]
	for i := range p {
		m[i] = a.b1*m[i] + (1-a.b1)*g[i]
		v[i] = a.b2*v[i] + (1-a.b2)*g[i]*g[i]
		p[i] -= a.lr * m[i] * c1 / (math.Sqrt(v[i]*c2) + 1e-8)
	}
}

func report(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "it/s")
}

// BenchmarkFMStep: one I-CFM training step of the torchcfm 2-D model
// (w = 64, d = 2, batch 256): draw x0, x1, t, form x_t and u, loss+gradient,
// Adam.
func BenchmarkFMStep(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) { benchFMStep(b, w) })
	}
}

func benchFMStep(b *testing.B, workers int) {
	const n, d = 256, 2
	m, _ := NewMLP(DefaultConfig(d), rand.New(rand.NewPCG(1, 2)))
	rng := rand.New(rand.NewPCG(3, 4))
	m.SetWorkers(workers)
	xt, u, tt := make([]float64, n*d), make([]float64, n*d), make([]float64, n)
	var opt adam
	m.FMLossGrad(xt, tt, u) // warm-up: grow the scratch buffers
	b.ReportAllocs()
	for b.Loop() {
		for r := 0; r < n; r++ {
			t := rng.Float64()
			tt[r] = t
			for j := 0; j < d; j++ {
				x0, x1 := rng.NormFloat64(), rng.NormFloat64()
				xt[r*d+j] = t*x1 + (1-t)*x0
				u[r*d+j] = x1 - x0
			}
		}
		m.ZeroGrad()
		m.FMLossGrad(xt, tt, u)
		opt.step(m.Params, m.Grad)
	}
	report(b)
}

// BenchmarkSample: Euler × 8 from N(0, I), n = 2048, no gradient.
func BenchmarkSample(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) { benchSample(b, w) })
	}
}

func benchSample(b *testing.B, workers int) {
	const n, d, steps = 2048, 2, 8
	m, _ := NewMLP(DefaultConfig(d), rand.New(rand.NewPCG(1, 2)))
	m.SetWorkers(workers)
	rng := rand.New(rand.NewPCG(7, 8))
	x, v := make([]float64, n*d), make([]float64, n*d)
	m.Velocity(v, x, 0) // warm-up: grow the scratch buffers
	b.ReportAllocs()
	for b.Loop() {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		h := 1.0 / steps
		for k := 0; k < steps; k++ {
			m.Velocity(v, x, float64(k)*h)
			for i := range x {
				x[i] += h * v[i]
			}
		}
	}
	report(b)
}
