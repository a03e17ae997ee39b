package oracle

import (
	"fmt"
	"math"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/paths"
)

const log2Pi = 1.8378770664093453 // ln(2π)

// core is the marginal field of a mixture of Gaussian paths: component c has
// x_t | c ~ N(s_t μ0_c + a_t m_c, s_t² S_c + a_t² C_c) (diagonal).
type core struct {
	sched paths.Schedule
	d, k  int
	logw  []float64 // log weight of each component
	src   [2][]float64
	tgt   [2][]float64 // [0] means, [1] variances, k×d

	// per-t cache
	t     float64
	valid bool
	mu    []float64 // μ_c(t), k×d
	iv    []float64 // 1/V_c(t), k×d
	dmu   []float64 // μ'_c(t), k×d
	q     []float64 // ½V'_c(t), k×d
	logc  []float64 // log weight − ½ Σ_i ln(2π V_ci), k
	hsum  []float64 // Σ_i ½V'_ci / V_ci, k
	lk    []float64 // per-point log weights, k
	rbar  []float64 // per-point Σ_c w_c r_c, d
}

func newCore(src, tgt datasets.Mixture, s paths.Schedule) (*core, error) {
	if s == nil {
		return nil, fmt.Errorf("oracle: nil schedule")
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	if err := src.Validate(); err != nil {
		return nil, fmt.Errorf("oracle: source: %w", err)
	}
	if err := tgt.Validate(); err != nil {
		return nil, fmt.Errorf("oracle: target: %w", err)
	}
	d := tgt.Dim()
	if src.Dim() != d {
		return nil, fmt.Errorf("oracle: source dimension %d does not match target dimension %d", src.Dim(), d)
	}
	c := &core{sched: s, d: d}
	for j, rj := range src.Weights {
		for k, pk := range tgt.Weights {
			w := rj * pk
			if w == 0 {
				continue
			}
			c.logw = append(c.logw, math.Log(w))
			c.src[0] = append(c.src[0], src.Means[j]...)
			c.src[1] = append(c.src[1], src.Vars[j]...)
			c.tgt[0] = append(c.tgt[0], tgt.Means[k]...)
			c.tgt[1] = append(c.tgt[1], tgt.Vars[k]...)
		}
	}
	c.k = len(c.logw)
	c.alloc()
	return c, nil
}

func (c *core) alloc() {
	kd := c.k * c.d
	c.mu, c.iv, c.dmu, c.q = make([]float64, kd), make([]float64, kd), make([]float64, kd), make([]float64, kd)
	c.logc, c.hsum, c.lk = make([]float64, c.k), make([]float64, c.k), make([]float64, c.k)
	c.rbar = make([]float64, c.d)
	c.valid = false
}

// clone shares the read-only parameters and gets fresh scratch.
func (c *core) clone() *core {
	n := &core{sched: c.sched, d: c.d, k: c.k, logw: c.logw, src: c.src, tgt: c.tgt}
	n.alloc()
	return n
}

// Dim returns the dimension d.
func (c *core) Dim() int { return c.d }

// Components returns the number of Gaussian components of p_t (pairs (j, k)
// with non-zero weight for a CouplingField).
func (c *core) Components() int { return c.k }

// Schedule returns the path's schedule.
func (c *core) Schedule() paths.Schedule { return c.sched }

// coeffs returns (a, s, a', s', s·s') at t, panicking where s·s' is undefined.
func (c *core) coeffs(t float64) (paths.Coeffs, float64) {
	co := c.sched.At(t)
	ss := co.S * co.DS
	if co.S == 0 {
		if math.IsInf(co.DS, 0) || math.IsNaN(co.DS) {
			panic(fmt.Sprintf("oracle: schedule %s has s_t = 0 and s'_t = %v at t = %v; evaluate on [0, TMax() = %v]", c.sched.Name(), co.DS, t, c.sched.TMax()))
		}
		ss = 0
	}
	return co, ss
}

// prepare fills the per-t cache.
func (c *core) prepare(t float64) {
	if c.valid && t == c.t {
		return
	}
	co, ss := c.coeffs(t)
	a, s, da, ds := co.A, co.S, co.DA, co.DS
	aa := a * da
	for k := 0; k < c.k; k++ {
		lc := c.logw[k]
		h := 0.0
		for i := k * c.d; i < (k+1)*c.d; i++ {
			m0, s0, m1, c1 := c.src[0][i], c.src[1][i], c.tgt[0][i], c.tgt[1][i]
			v := s*s*s0 + a*a*c1
			if !(v > 0) {
				panic(fmt.Sprintf("oracle: component %d has variance %v in coordinate %d at t = %v (zero-variance component where s_t = %v); the field is undefined there", k, v, i-k*c.d, t, s))
			}
			c.mu[i] = s*m0 + a*m1
			c.dmu[i] = ds*m0 + da*m1
			c.q[i] = ss*s0 + aa*c1
			c.iv[i] = 1 / v
			lc -= 0.5 * (log2Pi + math.Log(v))
			h += c.q[i] / v
		}
		c.logc[k], c.hsum[k] = lc, h
	}
	c.t, c.valid = t, true
}

// logWeights fills c.lk with log π_k + log N(x | μ_k, V_k) and returns the
// maximum.
func (c *core) logWeights(x []float64) float64 {
	best := math.Inf(-1)
	d := c.d
	for k := 0; k < c.k; k++ {
		mu, iv := c.mu[k*d:(k+1)*d], c.iv[k*d:(k+1)*d]
		q := 0.0
		for i, xi := range x[:d] {
			r := xi - mu[i]
			q += r * r * iv[i]
		}
		l := c.logc[k] - 0.5*q
		c.lk[k] = l
		if l > best {
			best = l
		}
	}
	return best
}

// point evaluates u_t at one point x into u and returns the divergence when
// wantDiv (0 otherwise).
func (c *core) point(u, x []float64, wantDiv bool) float64 {
	d := c.d
	best := c.logWeights(x)
	z := 0.0
	for k := 0; k < c.k; k++ {
		e := math.Exp(c.lk[k] - best)
		c.lk[k] = e
		z += e
	}
	for i := range u[:d] {
		u[i] = 0
	}
	rbar := c.rbar[:d]
	for i := range rbar {
		rbar[i] = 0
	}
	acc := 0.0
	for k := 0; k < c.k; k++ {
		w := c.lk[k] / z
		if w == 0 {
			continue
		}
		mu, iv, dmu, q := c.mu[k*d:(k+1)*d], c.iv[k*d:(k+1)*d], c.dmu[k*d:(k+1)*d], c.q[k*d:(k+1)*d]
		if !wantDiv {
			for i, xi := range x[:d] {
				u[i] += w * (dmu[i] + q[i]*(xi-mu[i])*iv[i])
			}
			continue
		}
		ur := 0.0
		for i, xi := range x[:d] {
			r := (xi - mu[i]) * iv[i]
			uk := dmu[i] + q[i]*r
			u[i] += w * uk
			rbar[i] += w * r
			ur += uk * r
		}
		acc += w * (c.hsum[k] - ur)
	}
	if !wantDiv {
		return 0
	}
	for i := range u[:d] {
		acc += u[i] * rbar[i]
	}
	return acc
}

func (c *core) check(dst, x []float64) int {
	if len(x)%c.d != 0 || len(dst) != len(x) {
		panic(fmt.Sprintf("oracle: x has %d values and dst %d; want equal multiples of d = %d", len(x), len(dst), c.d))
	}
	return len(x) / c.d
}

// Velocity writes u_t(x_i) for every row of the n×d batch x into dst.
func (c *core) Velocity(dst, x []float64, t float64) {
	n := c.check(dst, x)
	c.prepare(t)
	for r := 0; r < n; r++ {
		c.point(dst[r*c.d:(r+1)*c.d], x[r*c.d:(r+1)*c.d], false)
	}
}

// VelocityDiv writes u_t(x_i) into dst and the exact divergence ∇·u_t(x_i)
// into div (len n).
func (c *core) VelocityDiv(dst, div, x []float64, t float64) {
	n := c.check(dst, x)
	if len(div) != n {
		panic(fmt.Sprintf("oracle: div has %d entries for %d points", len(div), n))
	}
	c.prepare(t)
	for r := 0; r < n; r++ {
		div[r] = c.point(dst[r*c.d:(r+1)*c.d], x[r*c.d:(r+1)*c.d], true)
	}
}

// LogProbT returns log p_t(x) for one point x (len d), in closed form.
func (c *core) LogProbT(x []float64, t float64) float64 {
	if len(x) != c.d {
		panic(fmt.Sprintf("oracle: point has %d coordinates, want %d", len(x), c.d))
	}
	c.prepare(t)
	best := c.logWeights(x)
	if math.IsInf(best, -1) {
		return best
	}
	z := 0.0
	for _, l := range c.lk {
		z += math.Exp(l - best)
	}
	return best + math.Log(z)
}

// Marginal returns p_t as a mixture: weights ρ_j π_k, means
// s_t μ0_j + a_t m_k, variances s_t² S_j + a_t² C_k.
func (c *core) Marginal(t float64) datasets.Mixture {
	co := c.sched.At(t)
	a, s := co.A, co.S
	m := datasets.Mixture{Weights: make([]float64, c.k), Means: make([][]float64, c.k), Vars: make([][]float64, c.k)}
	for k := 0; k < c.k; k++ {
		m.Weights[k] = math.Exp(c.logw[k])
		mu, v := make([]float64, c.d), make([]float64, c.d)
		for i := range mu {
			j := k*c.d + i
			mu[i] = s*c.src[0][j] + a*c.tgt[0][j]
			v[i] = s*s*c.src[1][j] + a*a*c.tgt[1][j]
		}
		m.Means[k], m.Vars[k] = mu, v
	}
	return m
}

// Target returns p_1 = Marginal(1): for Field, Σ_k π_k N(a_1 m_k, a_1² C_k + s_1² I)
// (= N(m_k, C_k + σ_min² I) on the OT path).
func (c *core) Target() datasets.Mixture { return c.Marginal(1) }

// Field is the exact marginal field of MATH.md §3 for a standard normal
// source and a Gaussian-mixture target under a schedule. It implements
// flow.Field and flow.DivField.
type Field struct{ *core }

// NewField validates target and s and returns the oracle field.
func NewField(target datasets.Mixture, s paths.Schedule) (*Field, error) {
	if err := target.Validate(); err != nil {
		return nil, fmt.Errorf("oracle: target: %w", err)
	}
	src := datasets.Normal{D: target.Dim()}.AsMixture()
	c, err := newCore(src, target, s)
	if err != nil {
		return nil, err
	}
	return &Field{c}, nil
}

// Clone returns a field with the same parameters and its own scratch space,
// for use from another goroutine.
func (f *Field) Clone() *Field { return &Field{f.core.clone()} }

// CouplingField is the exact marginal field for a Gaussian-mixture source and
// a Gaussian-mixture target under the independent coupling
// x_t = s_t x0 + a_t x1 (MATH.md §3, last paragraph). It implements
// flow.Field and flow.DivField.
type CouplingField struct{ *core }

// NewCouplingField validates the mixtures and s and returns the field. The
// number of components is the number of pairs (j, k) with ρ_j π_k > 0.
func NewCouplingField(source, target datasets.Mixture, s paths.Schedule) (*CouplingField, error) {
	c, err := newCore(source, target, s)
	if err != nil {
		return nil, err
	}
	return &CouplingField{c}, nil
}

// Clone returns a field with the same parameters and its own scratch space.
func (f *CouplingField) Clone() *CouplingField { return &CouplingField{f.core.clone()} }
