package solvers

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// NameEulerMaruyama is the spec name of EulerMaruyama (an evaluation
// solver only: ByName returns ODE solvers).
const NameEulerMaruyama = "euler-maruyama"

// EulerMaruyama integrates the Itô SDE dY = f(t, Y) dt + g dW (constant
// scalar diffusion g ≥ 0 on every coordinate, W a standard Brownian motion)
// on a uniform grid of Steps steps:
//
//	Y_{k+1} = Y_k + h·f(t_k, Y_k) + g·√h·Z_k,   Z_k ~ N(0, I),
//
// with every Z drawn from the rng given to Solve, in order (step-major,
// then coordinate), so the same stream gives the same path. Its strong
// order is 1/2 and its weak order 1 (Kloeden & Platen 1992, §9.1 and
// §14.1): E φ(Y_T) is accurate to O(h). With g = 0 it is Euler's method.
// [SF]2M (Tong et al. 2024) samples its learned SDE this way, with drift
// v_θ + s_θ (the flow plus (g²/2)·score) and g = σ.
type EulerMaruyama struct {
	Steps int
	G     float64

	f []float64
}

// Validate reports a non-positive step count or an invalid diffusion.
func (e *EulerMaruyama) Validate() error {
	if e.Steps < 1 {
		return fmt.Errorf("solvers: euler-maruyama steps = %d, must be ≥ 1", e.Steps)
	}
	if !(e.G >= 0) || math.IsInf(e.G, 0) {
		return fmt.Errorf("solvers: euler-maruyama diffusion g = %v, must be finite and ≥ 0", e.G)
	}
	return nil
}

// Solve integrates sys from t0 to t1 > t0, overwriting y with Y(t1), and
// draws the Brownian increments from rng. It returns the work done (NFE =
// Steps).
func (e *EulerMaruyama) Solve(sys System, y []float64, t0, t1 float64, rng *rand.Rand) (Stats, error) {
	if err := e.Validate(); err != nil {
		return Stats{}, err
	}
	if !(t1 > t0) {
		return Stats{}, fmt.Errorf("solvers: euler-maruyama integrates forward only: t0 = %v, t1 = %v", t0, t1)
	}
	if cap(e.f) < len(y) {
		e.f = make([]float64, len(y))
	}
	f := e.f[:len(y)]
	h := (t1 - t0) / float64(e.Steps)
	sq := e.G * math.Sqrt(h)
	for k := 0; k < e.Steps; k++ {
		t := t0 + float64(k)*h
		sys.Eval(t, y, f)
		for i := range y {
			y[i] += h * f[i]
			if sq != 0 {
				y[i] += sq * rng.NormFloat64()
			}
		}
	}
	return Stats{NFE: e.Steps, Steps: e.Steps}, nil
}
