package couplings

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/flowbench/flowbench/internal/scratch"
)

// Defaults of [Sinkhorn]'s iteration control.
const (
	DefaultMaxIter = 1000
	// DefaultTol is the L1 row-marginal error at which Sinkhorn stops: far
	// below the O(1/√n) noise of then drawing n pairs from the plan, while
	// tighter tolerances cost thousands of sweeps once ε ≪ max cost.
	DefaultTol = 1e-3
)

// Sinkhorn pairs each batch by sampling from its entropic OT plan (package
// comment). Set the exported fields before the first Pair; it allocates
// nothing once it has seen the largest batch.
type Sinkhorn struct {
	// Eps is the entropic regularisation ε > 0: absolute (squared-distance
	// units, SB-CFM's 2σ²), or relative to the batch's mean cost when
	// Relative is set.
	Eps      float64
	Relative bool
	// MaxIter bounds the sweeps (0 means DefaultMaxIter); Tol is the L1
	// row-marginal error that stops them (0 means DefaultTol).
	MaxIter int
	Tol     float64
	// Joint selects torchcfm's sampling of n pairs from the whole plan
	// instead of one column per row.
	Joint bool
	// NoScaling turns off ε-scaling (plain log-domain Sinkhorn at the target
	// ε from zero potentials); the plan is the same, only slower to reach.
	NoScaling bool

	cost, plan []float64
	f, g, lse  []float64
	u, v, kv   []float64
	kern       []float64
	fresh      bool // kern = exp((f + g − C)/ε) for the current f, g
	idx        []int
	buf0, buf1 []float64
	stats      SinkhornStats
}

// SinkhornStats describes the solves done so far.
type SinkhornStats struct {
	Iters       int     // sweeps of the last solve
	MarginalErr float64 // its final L1 row-marginal error
	EpsAbs      float64 // its absolute ε
	Calls       int     // solves so far
	Unconverged int     // solves that stopped at MaxIter above Tol
}

// Name returns "sinkhorn".
func (*Sinkhorn) Name() string { return NameSinkhorn }

// Stats returns the solve counters.
func (s *Sinkhorn) Stats() SinkhornStats { return s.stats }

// Validate reports an invalid setting, naming it and its valid range.
func (s *Sinkhorn) Validate() error {
	switch {
	case !(s.Eps > 0) || math.IsInf(s.Eps, 0):
		return fmt.Errorf("couplings: sinkhorn eps = %v, must be finite and > 0", s.Eps)
	case s.MaxIter < 0:
		return fmt.Errorf("couplings: sinkhorn max_iter = %d, must be ≥ 0 (0: default %d)", s.MaxIter, DefaultMaxIter)
	case !(s.Tol >= 0) || math.IsInf(s.Tol, 0):
		return fmt.Errorf("couplings: sinkhorn tol = %v, must be finite and ≥ 0 (0: default %g)", s.Tol, DefaultTol)
	}
	return nil
}

// Pair draws the pairing from the entropic plan of the batch's squared
// Euclidean costs with rng.
// It panics if n < 0, d ≤ 0 or a batch is not n×d.
func (s *Sinkhorn) Pair(x0, x1 []float64, n, d int, rng *rand.Rand) error {
	checkShapes(x0, x1, n, d)
	if n == 0 {
		return nil
	}
	if err := checkFinite(x0, d, "x0"); err != nil {
		return err
	}
	if err := checkFinite(x1, d, "x1"); err != nil {
		return err
	}
	s.cost = scratch.Grow(s.cost, n*n)
	for i := range n {
		a := x0[i*d : (i+1)*d]
		row := s.cost[i*n : (i+1)*n]
		for j := range n {
			b := x1[j*d : (j+1)*d]
			var c float64
			for k, ak := range a {
				e := ak - b[k]
				c += e * e
			}
			row[j] = c
		}
	}
	plan, err := s.Plan(s.cost, n)
	if err != nil {
		return err
	}
	s.idx = scratch.Grow(s.idx, 2*n)
	if s.Joint {
		s.sampleJoint(plan, n, rng)
	} else {
		s.sampleRows(plan, n, rng)
	}
	s.buf1 = scratch.Grow(s.buf1, n*d)
	copy(s.buf1, x1)
	for i, j := range s.idx[n : 2*n] {
		copy(x1[i*d:(i+1)*d], s.buf1[j*d:(j+1)*d])
	}
	if s.Joint {
		s.buf0 = scratch.Grow(s.buf0, n*d)
		copy(s.buf0, x0)
		for i, j := range s.idx[:n] {
			copy(x0[i*d:(i+1)*d], s.buf0[j*d:(j+1)*d])
		}
	}
	return nil
}

// sampleRows sets idx[n+i] ~ plan[i, :] (normalised) and idx[i] = i.
func (s *Sinkhorn) sampleRows(plan []float64, n int, rng *rand.Rand) {
	for i := range n {
		row := plan[i*n : (i+1)*n]
		var tot float64
		for _, p := range row {
			tot += p
		}
		u := rng.Float64() * tot
		j := n - 1 // guards against rounding leaving u above the last partial sum
		var acc float64
		for k, p := range row {
			acc += p
			if u < acc {
				j = k
				break
			}
		}
		s.idx[i], s.idx[n+i] = i, j
	}
}

// sampleJoint draws n flat indices from the whole plan with replacement,
// turning the plan into its cumulative sums in place.
func (s *Sinkhorn) sampleJoint(plan []float64, n int, rng *rand.Rand) {
	var acc float64
	for k, p := range plan {
		acc += p
		plan[k] = acc
	}
	for i := range n {
		u := rng.Float64() * acc
		k := sort.SearchFloat64s(plan, u)
		// SearchFloat64s gives the first cum ≥ u; skip zero-mass entries
		// equal to u so that they are never drawn.
		for k < len(plan)-1 && plan[k] <= u {
			k++
		}
		s.idx[i], s.idx[n+i] = k/n, k%n
	}
}

// Plan returns the entropic OT plan (n×n, row-major, total mass 1) for the
// n×n cost matrix with uniform marginals 1/n. The slice is the Sinkhorn's
// own buffer, overwritten by the next call. Costs must be finite.
// It panics if len(cost) ≠ n·n.
func (s *Sinkhorn) Plan(cost []float64, n int) ([]float64, error) {
	if n <= 0 || len(cost) != n*n {
		panic(fmt.Sprintf("couplings: cost of length %d for n = %d", len(cost), n))
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var mean, maxCost float64
	for k, c := range cost {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return nil, fmt.Errorf("couplings: cost[%d] (row %d, column %d) = %v; costs must be finite", k, k/n, k%n, c)
		}
		mean += c
		maxCost = math.Max(maxCost, c)
	}
	mean /= float64(n * n)
	eps := s.Eps
	if s.Relative && mean > 0 {
		eps *= mean
	}
	maxIter, tol := s.MaxIter, s.Tol
	if maxIter == 0 {
		maxIter = DefaultMaxIter
	}
	if tol == 0 {
		tol = DefaultTol
	}
	s.f = scratch.Grow(s.f, n)
	s.g = scratch.Grow(s.g, n)
	s.lse = scratch.Grow(s.lse, n)
	s.u = scratch.Grow(s.u, n)
	s.v = scratch.Grow(s.v, n)
	s.kv = scratch.Grow(s.kv, n)
	s.kern = scratch.Grow(s.kern, n*n)
	clear(s.f)
	clear(s.g)
	// ε-scaling: solve a sequence of problems with ε_k = max(ε, c_max/2^k),
	// each warm-started from the previous potentials, and the target ε last
	// to full tolerance. Every stage has the same unique solution structure;
	// starting where the Gibbs kernel is smooth cuts the sweeps needed at
	// small ε by orders of magnitude (Schmitzer 2019, SIAM J. Sci. Comput.).
	// The stages are ε·2^k, k = K … 0, with ε·2^K the first at or above the
	// largest cost, so that each stage's kernel is the square of the
	// previous one's (rescaled by its u and v) and only the first costs
	// n² exponentials.
	cur := eps
	if !s.NoScaling {
		for cur < maxCost {
			cur *= 2
		}
	}
	iters, errL1 := 0, math.Inf(1)
	s.kernel(cost, n, cur)
	for {
		final := cur == eps
		stol := tol
		if !final {
			stol = math.Max(tol, stageTol)
		}
		for k := 1; ; k++ {
			if iters >= maxIter && (k > 2 || !final) {
				break // budget spent; the final stage still gets two sweeps
			}
			iters++
			var ok bool
			if errL1, ok = s.scaleU(n, k > 1); !ok {
				// A row of the kernel underflowed: fall back to one
				// log-domain sweep and rebuild the kernel around it.
				s.absorb(n, cur)
				errL1 = s.updateF(cost, n, cur, k > 1)
				s.fresh = false // f moved without the kernel
				if k > 1 && errL1 < stol {
					break
				}
				s.updateG(cost, n, cur)
				s.kernel(cost, n, cur)
				continue
			}
			if k > 1 && errL1 < stol {
				break
			}
			if !s.scaleV(n) {
				s.absorb(n, cur)
				s.updateG(cost, n, cur)
				s.kernel(cost, n, cur)
				continue
			}
			if s.scalingsLarge() {
				s.rescale(n, false)
				s.absorb(n, cur)
			}
		}
		if final {
			break
		}
		next := cur * 0.5
		if iters >= maxIter || next < eps {
			next = eps
		}
		if s.fresh && next == cur*0.5 {
			s.rescale(n, true)
			s.absorb(n, cur)
		} else {
			s.absorb(n, cur)
			s.kernel(cost, n, next)
		}
		cur = next
	}
	// The loop leaves either after an f-update (converged: rows exact) or
	// after a g-update (MaxIter: columns exact); the plan is diag(u)·K·diag(v)
	// of the current scalings either way, or, when a log-domain sweep moved f
	// after the kernel was built, exp((f + g − C)/ε) of the potentials.
	s.plan = scratch.Grow(s.plan, n*n)
	if s.fresh {
		for i := range n {
			kr := s.kern[i*n : (i+1)*n]
			pr := s.plan[i*n : (i+1)*n]
			ui := s.u[i]
			for j, k := range kr {
				pr[j] = ui * k * s.v[j]
			}
		}
	} else {
		s.absorb(n, cur)
		f, g, inv := s.f, s.g, 1/eps
		for i := range n {
			row := cost[i*n : (i+1)*n]
			pr := s.plan[i*n : (i+1)*n]
			for j, c := range row {
				pr[j] = math.Exp((f[i] + g[j] - c) * inv)
			}
		}
	}
	s.stats.Iters, s.stats.MarginalErr, s.stats.EpsAbs = iters, errL1, eps
	s.stats.Calls++
	if errL1 >= tol {
		s.stats.Unconverged++
	}
	return s.plan, nil
}

// stageTol is the row-marginal L1 error at which an intermediate ε-scaling
// stage hands over to the next, smaller ε.
const stageTol = 1e-2

// updateF sets f_i ← ε log a_i − ε LSE_j((g_j − C_ij)/ε) and, when check is
// set, returns the L1 row-marginal error of the plan of the previous
// potentials, Σ_j P_ij = exp(f_i/ε + LSE_j(…)), which the update gets for
// free.
func (s *Sinkhorn) updateF(cost []float64, n int, eps float64, check bool) float64 {
	f, g := s.f, s.g
	inv := 1 / eps
	a := 1 / float64(n)
	logA := -math.Log(float64(n))
	errL1 := math.Inf(1)
	if check {
		errL1 = 0
	}
	for i := range n {
		row := cost[i*n : (i+1)*n]
		m := math.Inf(-1)
		for j, c := range row {
			m = math.Max(m, (g[j]-c)*inv)
		}
		var sum float64
		for j, c := range row {
			sum += math.Exp((g[j]-c)*inv - m)
		}
		l := m + math.Log(sum)
		if check {
			errL1 += math.Abs(math.Exp(f[i]*inv+l) - a)
		}
		f[i] = eps * (logA - l)
	}
	return errL1
}

// updateG sets g_j ← ε log b_j − ε LSE_i((f_i − C_ij)/ε), traversing the
// matrix row by row.
func (s *Sinkhorn) updateG(cost []float64, n int, eps float64) {
	f, g, lse := s.f, s.g, s.lse
	inv := 1 / eps
	logB := -math.Log(float64(n))
	for j := range lse {
		lse[j] = math.Inf(-1)
	}
	for i := range n {
		row := cost[i*n : (i+1)*n]
		for j, c := range row {
			lse[j] = math.Max(lse[j], (f[i]-c)*inv)
		}
	}
	clear(g) // column sums, shifted by the maxima in lse
	for i := range n {
		row := cost[i*n : (i+1)*n]
		for j, c := range row {
			g[j] += math.Exp((f[i]-c)*inv - lse[j])
		}
	}
	for j := range g {
		g[j] = eps * (logB - (lse[j] + math.Log(g[j])))
	}
}

// The sweeps run in the scaling form of the stabilised Sinkhorn (Schmitzer
// 2019): with the stabilised kernel K_ij = exp((f_i + g_j − C_ij)/ε) built
// once, the plan is diag(u)·K·diag(v) and a sweep is two matrix–vector
// products, u_i ← a_i/(K v)_i, v_j ← b_j/(Kᵀu)_j, with no exponentials.
// When u or v leave [1e-100, 1e100] they are absorbed into the potentials
// (f ← f + ε log u, g ← g + ε log v) and K is rebuilt; a kernel row or
// column that underflows to zero falls back to a log-domain sweep.

// scalingBound is where u and v are absorbed into the potentials.
const scalingBound = 1e100

// kernel builds K for the current potentials and resets u = v = 1.
func (s *Sinkhorn) kernel(cost []float64, n int, eps float64) {
	s.fresh = true
	inv := 1 / eps
	for i := range n {
		row := cost[i*n : (i+1)*n]
		kr := s.kern[i*n : (i+1)*n]
		fi := s.f[i]
		for j, c := range row {
			kr[j] = math.Exp((fi + s.g[j] - c) * inv)
		}
	}
	for i := range s.u {
		s.u[i], s.v[i] = 1, 1
	}
}

// rescale folds the scalings into the kernel, K_ij ← u_i K_ij v_j, and
// squares it when square is set. Called just before absorb moves u and v
// into the potentials, it leaves K = exp((f + g − C)/ε) for the new
// potentials at the same ε, or at ε/2 when squared, without exponentials.
func (s *Sinkhorn) rescale(n int, square bool) {
	v := s.v[:n]
	for i := range n {
		kr := s.kern[i*n : (i+1)*n]
		kr = kr[:len(v)]
		ui := s.u[i]
		for j, k := range kr {
			k *= ui * v[j]
			if square {
				k *= k
			}
			kr[j] = k
		}
	}
}

// absorb moves u and v into the potentials and resets them to 1.
func (s *Sinkhorn) absorb(n int, eps float64) {
	for i := range n {
		s.f[i] += eps * math.Log(s.u[i])
		s.g[i] += eps * math.Log(s.v[i])
		s.u[i], s.v[i] = 1, 1
	}
}

// scaleU sets u_i ← a_i/(K v)_i and, when check is set, returns the L1
// row-marginal error Σ_i |u_i (K v)_i − a_i| of the plan before the update.
// In the same pass over K (each row is read once per sweep) it accumulates
// Kᵀu with the new u, row by row, for scaleV.
// It reports false (leaving u partly updated, still positive) when a
// (K v)_i is zero or not finite.
func (s *Sinkhorn) scaleU(n int, check bool) (float64, bool) {
	a := 1 / float64(n)
	errL1 := math.Inf(1)
	if check {
		errL1 = 0
	}
	v := s.v[:n]
	ktu := s.kv[:n]
	clear(ktu)
	for i := range n {
		kr := s.kern[i*n : (i+1)*n]
		kv := dot(kr, v)
		if !(kv > 0) || math.IsInf(kv, 1) {
			return errL1, false
		}
		if check {
			errL1 += math.Abs(s.u[i]*kv - a)
		}
		ui := a / kv
		s.u[i] = ui
		kr = kr[:len(ktu)]
		for j, k := range kr {
			ktu[j] += k * ui
		}
	}
	return errL1, true
}

// scaleV sets v_j ← b_j/(Kᵀu)_j from the Kᵀu that scaleU accumulated; false
// when a column sum is zero or not finite (v is then unchanged).
func (s *Sinkhorn) scaleV(n int) bool {
	ktu := s.kv[:n]
	for _, c := range ktu {
		if !(c > 0) || math.IsInf(c, 1) {
			return false
		}
	}
	b := 1 / float64(n)
	for j, c := range ktu {
		s.v[j] = b / c
	}
	return true
}

// scalingsLarge reports whether u or v left [1/scalingBound, scalingBound].
func (s *Sinkhorn) scalingsLarge() bool {
	for i, u := range s.u {
		v := s.v[i]
		if u > scalingBound || u < 1/scalingBound || v > scalingBound || v < 1/scalingBound {
			return true
		}
	}
	return false
}

// dot returns Σ a_j b_j with four interleaved partial sums (a fixed order, so
// the result is the same on every platform).
func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(a); j += 4 {
		s0 += a[j] * b[j]
		s1 += a[j+1] * b[j+1]
		s2 += a[j+2] * b[j+2]
		s3 += a[j+3] * b[j+3]
	}
	for ; j < len(a); j++ {
		s0 += a[j] * b[j]
	}
	return (s0 + s1) + (s2 + s3)
}
