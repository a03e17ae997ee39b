package metrics

import (
	"math"
	"math/rand/v2"
)

// Test fields with closed-form flows.

// constField is v_t(x) = c: straight lines at constant speed.
type constField struct{ c []float64 }

func (f constField) Dim() int { return len(f.c) }
func (f constField) Velocity(dst, x []float64, t float64) {
	d := len(f.c)
	for i := range dst {
		dst[i] = f.c[i%d]
	}
}

// rampField is v_t(x) = 2t·c: straight lines, Z_t = Z_0 + t²c, speed not
// constant.
type rampField struct{ c []float64 }

func (f rampField) Dim() int { return len(f.c) }
func (f rampField) Velocity(dst, x []float64, t float64) {
	d := len(f.c)
	for i := range dst {
		dst[i] = 2 * t * f.c[i%d]
	}
}

// rotField is the 2-D rotation v(x) = ω·(−x_2, x_1): Z_t = R(ωt)Z_0.
type rotField struct{ omega float64 }

func (rotField) Dim() int { return 2 }
func (f rotField) Velocity(dst, x []float64, t float64) {
	for i := 0; i < len(x); i += 2 {
		dst[i], dst[i+1] = -f.omega*x[i+1], f.omega*x[i]
	}
}

// gaussFlow is the exact marginal field of the OT-linear path (σ_min = 0,
// x_t = (1 − t)x0 + t·x1) from N(0, I) to N(m, σ²I) in closed form: p_t =
// N(t·m, τ_t² I) with τ_t² = (1 − t)² + t²σ², and u_t(x) = m + τ'_t/τ_t·(x −
// t·m) with τ'_t τ_t = −(1 − t) + tσ². Its divergence is d·τ'_t/τ_t, so
// log p_1 under the flow is log N(x; m, σ²I) exactly.
type gaussFlow struct {
	m     []float64
	sigma float64
}

func (g gaussFlow) Dim() int { return len(g.m) }
func (g gaussFlow) rate(t float64) float64 {
	tau2 := (1-t)*(1-t) + t*t*g.sigma*g.sigma
	return (-(1 - t) + t*g.sigma*g.sigma) / tau2
}
func (g gaussFlow) Velocity(dst, x []float64, t float64) {
	r := g.rate(t)
	d := len(g.m)
	for i := range dst {
		dst[i] = g.m[i%d] + r*(x[i]-t*g.m[i%d])
	}
}
func (g gaussFlow) VelocityDiv(dst, div, x []float64, t float64) {
	g.Velocity(dst, x, t)
	r := g.rate(t)
	for i := range div {
		div[i] = float64(len(g.m)) * r
	}
}
func (gaussFlow) DivergenceEstimator() string { return "exact (closed form)" }

// logNormalIso is log N(x; m, σ²I), written out independently of pkg/flow and
// pkg/datasets.
func logNormalIso(x, m []float64, sigma float64) float64 {
	var ss float64
	for i := range x {
		z := (x[i] - m[i]) / sigma
		ss += z * z
	}
	d := float64(len(x))
	return -0.5*ss - d*math.Log(sigma) - 0.5*d*math.Log(2*math.Pi)
}

// shiftField is v = base + c (a known learning error |c|²).
type shiftField struct {
	base interface {
		Dim() int
		Velocity(dst, x []float64, t float64)
	}
	c []float64
}

func (f shiftField) Dim() int { return f.base.Dim() }
func (f shiftField) Velocity(dst, x []float64, t float64) {
	f.base.Velocity(dst, x, t)
	d := len(f.c)
	for i := range dst {
		dst[i] += f.c[i%d]
	}
}

// scaleField is v = base + β·x (learning error β²|x|²).
type scaleField struct {
	base interface {
		Dim() int
		Velocity(dst, x []float64, t float64)
	}
	beta float64
}

func (f scaleField) Dim() int { return f.base.Dim() }
func (f scaleField) Velocity(dst, x []float64, t float64) {
	f.base.Velocity(dst, x, t)
	for i := range dst {
		dst[i] += f.beta * x[i]
	}
}

// gaussSample draws n points of N(m, s²I).
func gaussSample(rng *rand.Rand, n int, m []float64, s float64) []float64 {
	d := len(m)
	x := make([]float64, n*d)
	for i := range x {
		x[i] = m[i%d] + s*rng.NormFloat64()
	}
	return x
}

// gaussDataset is a Dataset N(m, s²I) for the learning-error test.
type gaussDataset struct {
	m []float64
	s float64
}

func (gaussDataset) Name() string                             { return "gauss" }
func (g gaussDataset) Dim() int                               { return len(g.m) }
func (g gaussDataset) Sample(rng *rand.Rand, n int) []float64 { return gaussSample(rng, n, g.m, g.s) }
