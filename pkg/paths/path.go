package paths

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Path is the generic affine Gaussian path built from a Schedule (MATH.md §2):
// x_t = s_t·x0 + a_t·x1 with target u_t = s'_t·x0 + a'_t·x1. Its methods are
// allocation free and safe for concurrent use if the Schedule is.
//
// Noise σ ≥ 0 adds a constant Gaussian blur to the trajectory (Tong et al.
// 2024, I-CFM and OT-CFM): x_t = s_t·x0 + a_t·x1 + σ·ε, ε ~ N(0, I), with
// the same target u_t = s'_t·x0 + a'_t·x1. The noise term does not depend on
// t, so u_t = dx_t/dt still holds for every fixed (x0, x1, ε); given (x0, x1)
// the conditional law is N(s_t·x0 + a_t·x1, σ²I) at every t, in particular
// N(x0, σ²I) at t = 0 and N(x1, σ²I) at t = 1 for the rectified schedule.
// With σ = 0 (the zero value) Sample and SampleNoise agree bit for bit.
//
// Bridge makes the noise the Brownian bridge's (SB-CFM, [SF]2M; bridge.go):
// x_t = s_t·x0 + a_t·x1 + σ√(t(1 − t))·ε with target u_t + σ'_t·ε.
type Path struct {
	Schedule
	Noise  float64
	Bridge bool
}

// Sample writes, for every row i of the n×d batches x0 and x1 with time t[i]
// (n = len(t)), x_t = s·x0 + a·x1 into xt and the target u = s'·x0 + a'·x1
// (= dψ_t(x0)/dt) into ut.
// It panics if d ≤ 0 or xt, ut, x0, x1 are not all of length len(t)·d.
func (p Path) Sample(xt, ut, x0, x1, t []float64, d int) {
	n := len(t)
	if d <= 0 {
		panic("paths: non-positive dimension")
	}
	if len(xt) != n*d || len(ut) != n*d || len(x0) != n*d || len(x1) != n*d {
		panic("paths: Sample slice lengths must all be len(t)*d")
	}
	for i, ti := range t {
		c := p.At(ti)
		lo, hi := i*d, (i+1)*d
		a0, a1 := x0[lo:hi], x1[lo:hi]
		xr, ur := xt[lo:hi], ut[lo:hi]
		for j := range a0 {
			xr[j] = c.S*a0[j] + c.A*a1[j]
			ur[j] = c.DS*a0[j] + c.DA*a1[j]
		}
	}
}

// SampleNoise is Sample plus the noise term: x_t = s·x0 + a·x1 + σ·ε with
// σ = p.Noise and eps the n×d standard normal draws (the caller's stream);
// ut is Sample's target. eps is read only when σ ≠ 0 and may then be nil.
// It panics if d ≤ 0 or xt, ut, x0, x1, eps are not all of length len(t)·d.
func (p Path) SampleNoise(xt, ut, x0, x1, eps, t []float64, d int) {
	if p.Bridge {
		p.sampleBridge(xt, ut, x0, x1, eps, t, d)
		return
	}
	p.Sample(xt, ut, x0, x1, t, d)
	if p.Noise == 0 {
		return
	}
	if len(eps) != len(xt) {
		panic("paths: SampleNoise eps length must be len(t)*d")
	}
	for j, e := range eps {
		xt[j] += p.Noise * e
	}
}

// ValidateNoise reports a negative or non-finite Noise.
func (p Path) ValidateNoise() error {
	if !(p.Noise >= 0) || math.IsInf(p.Noise, 0) {
		return fmt.Errorf("paths: noise σ = %v, must be finite and ≥ 0", p.Noise)
	}
	return nil
}

// CondField writes the conditional field u_t(x | x1) = s'/s·(x − a·x1) + a'·x1
// for the n×d batches x and x1 (row i of x conditioned on row i of x1) into dst.
// It is singular where s_t = 0 (t = 1 for VP, Rectified, Cosine and OT with
// σ_min = 0).
// It panics if d ≤ 0 or dst, x, x1 are not of one length that is a multiple of
// d.
func (p Path) CondField(dst, x, x1 []float64, d int, t float64) {
	if d <= 0 {
		panic("paths: non-positive dimension")
	}
	if len(x)%d != 0 || len(dst) != len(x) || len(x1) != len(x) {
		panic("paths: CondField slice lengths must match and be a multiple of d")
	}
	c := p.At(t)
	r := c.DS / c.S
	for j, xj := range x {
		dst[j] = r*(xj-c.A*x1[j]) + c.DA*x1[j]
	}
}

// SampleT fills t with independent draws from U[0, TMax) using rng.
func (p Path) SampleT(rng *rand.Rand, t []float64) {
	tm := p.TMax()
	for i := range t {
		t[i] = tm * rng.Float64()
	}
}
