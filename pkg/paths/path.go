package paths

import "math/rand/v2"

// Path is the generic affine Gaussian path built from a Schedule (MATH.md §2):
// x_t = s_t·x0 + a_t·x1 with target u_t = s'_t·x0 + a'_t·x1. Its methods are
// allocation free and safe for concurrent use if the Schedule is.
type Path struct {
	Schedule
}

// Sample writes, for every row i of the n×d batches x0 and x1 with time t[i]
// (n = len(t)), x_t = s·x0 + a·x1 into xt and the target u = s'·x0 + a'·x1
// (= dψ_t(x0)/dt) into ut.
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

// CondField writes the conditional field u_t(x | x1) = s'/s·(x − a·x1) + a'·x1
// for the n×d batches x and x1 (row i of x conditioned on row i of x1) into dst.
// It is singular where s_t = 0 (t = 1 for VP, Rectified, Cosine and OT with
// σ_min = 0).
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
