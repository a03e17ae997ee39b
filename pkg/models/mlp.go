package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"

	"github.com/flowbench/flowbench/internal/linalg"
	"github.com/flowbench/flowbench/internal/scratch"
	"github.com/flowbench/flowbench/pkg/autodiff"
)

// ProbeKind selects the distribution of Hutchinson probe vectors.
type ProbeKind int

// The probe distributions: Rademacher (±1 with equal probability) and
// standard Gaussian.
const (
	Rademacher ProbeKind = iota
	Gaussian
)

type layer struct {
	in, out int
	w, b    int // offsets of W (in×out) and b (out) in Params
}

// MLP is a multilayer perceptron vector field v_t(x; θ). Params holds θ and
// Grad its gradient, both flat in the layout of the package comment. An MLP
// keeps scratch buffers, so one value must not be used from two goroutines;
// use Clone for parallel evaluation.
type MLP struct {
	Cfg    Config
	Params []float64
	Grad   []float64

	act    autodiff.Activation
	layers []layer
	omega  []float64 // time-feature frequencies (Config.Omegas)

	ws   workspace
	wide wideScratch // FMLossGrad's wide path (wide.go)

	// Row-block parallelism (par.go): per-worker scratch, the pool and the
	// block tasks.
	workers int
	pool    *pool
	cleanup runtime.Cleanup
	wsw     []blockScratch
	velTask func(w, blk int)
	fmTask  func(w, blk int)
	// call is the Velocity or FMLossGrad call in progress, which the block
	// tasks read (handing it to them as a closure would allocate per
	// call); it is cleared when the call returns, so no argument outlives
	// its call.
	call blockCall
	// cw are the per-row weights of the FMLossGradWeighted call in
	// progress (nil: all 1).
	cw []float64

	bt       []float64 // first-layer bias with the time features folded in
	brep     []float64 // each hidden layer's bias repeated repRows times (repeatBiases)
	part     []float64 // per-block gradients, block-major
	wT       []float64 // transposed weights (FMLossGrad), laid out like Params
	lossPart []float64 // per-block sums of squared residuals
	mw       int       // widest hidden layer
}

// blockCall is the arguments of the row-block call in progress.
type blockCall struct {
	x, dst []float64 // x (or x_t) and dst
	ts, u  []float64 // per-row times and targets (FMLossGrad)
	n      int       // rows
}

// blockScratch is one worker's scratch for a block of rows.
type blockScratch struct {
	a, b   []float64   // ping-pong activations (Velocity)
	in     []float64   // block × InputDim network input (FMLossGrad)
	hs, ds [][]float64 // per hidden layer activations and σ'
	g, g2  []float64   // backward ping-pong
	vout   []float64   // block × d output
}

// workspace holds VelocityDiv's scratch, grown on demand.
type workspace struct {
	a, b []float64 // stacked ping-pong activations
	d1   []float64 // σ' of the primal rows
	out  []float64 // stacked outputs
}

// NewMLP validates cfg and returns an MLP initialised like PyTorch's Linear
// (weights and biases uniform on ±1/sqrt(fan_in)), drawn from rng in the
// order W_1, b_1, W_2, b_2, ….
// It panics if rng is nil.
func NewMLP(cfg Config, rng *rand.Rand) (*MLP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		panic("models: NewMLP with nil rng")
	}
	m := newShell(cfg)
	for _, l := range m.layers {
		bound := 1 / math.Sqrt(float64(l.in))
		for i := l.w; i < l.b+l.out; i++ {
			m.Params[i] = bound * (2*rng.Float64() - 1)
		}
	}
	return m, nil
}

func newShell(cfg Config) *MLP {
	cfg.Hidden = slices.Clone(cfg.Hidden)
	act, _ := autodiff.ParseActivation(cfg.Act)
	m := &MLP{Cfg: cfg, act: act}
	in, off := cfg.InputDim(), 0
	widths := append(slices.Clone(cfg.Hidden), cfg.Dim)
	for _, w := range widths {
		m.layers = append(m.layers, layer{in: in, out: w, w: off, b: off + in*w})
		off += in*w + w
		in = w
	}
	m.Params = make([]float64, off)
	m.Grad = make([]float64, off)
	m.omega = cfg.Omegas()
	m.mw = slices.Max(cfg.Hidden)
	m.workers, m.wsw = 1, make([]blockScratch, 1)
	m.velTask, m.fmTask = m.velBlock, m.fmBlock
	return m
}

// NumParams returns the number of parameters.
func (m *MLP) NumParams() int { return len(m.Params) }

// Dim returns the data dimension d.
func (m *MLP) Dim() int { return m.Cfg.Dim }

// ZeroGrad sets Grad to zero.
func (m *MLP) ZeroGrad() { clear(m.Grad) }

// Clone returns an MLP with copies of Params and Grad, its own scratch
// buffers and, when m has more than one worker, its own pool of as many.
func (m *MLP) Clone() *MLP {
	c := newShell(m.Cfg)
	copy(c.Params, m.Params)
	copy(c.Grad, m.Grad)
	if m.workers > 1 {
		c.SetWorkers(m.workers)
	}
	return c
}

// DrawProbes fills probes with Hutchinson probe entries of the given kind
// drawn from rng, in order (Gaussian: one NormFloat64 each; Rademacher: ±1
// from one Uint64 each). For VelocityDivProbes with P probes per point of
// an n×d batch, len(probes) = P·n·d. It panics if kind is not Rademacher or
// Gaussian.
func DrawProbes(rng *rand.Rand, kind ProbeKind, probes []float64) {
	if kind != Rademacher && kind != Gaussian {
		panic(fmt.Sprintf("models: DrawProbes with probe kind %d", kind))
	}
	for i := range probes {
		if kind == Gaussian {
			probes[i] = rng.NormFloat64()
		} else if rng.Uint64()&1 == 0 {
			probes[i] = 1
		} else {
			probes[i] = -1
		}
	}
}

func (m *MLP) maxWidth() int { return m.mw }

// fillInput writes the rows [x_r, τ(t_r)] into buf (grown to n rows) and
// returns it.
func (m *MLP) fillInput(buf *[]float64, x, ts []float64, n int) []float64 {
	d, in := m.Cfg.Dim, m.Cfg.InputDim()
	*buf = scratch.Grow(*buf, n*in)
	a := *buf
	for r := 0; r < n; r++ {
		row := a[r*in : (r+1)*in]
		copy(row, x[r*d:(r+1)*d])
		tr := ts[r]
		row[d] = tr
		f := len(m.omega)
		for k, w := range m.omega {
			s, c := math.Sincos(w * tr)
			row[d+1+k] = s
			row[d+1+f+k] = c
		}
	}
	return a
}

func (m *MLP) checkBatch(dst, x []float64) int {
	d := m.Cfg.Dim
	if len(x)%d != 0 || len(dst) != len(x) {
		panic(fmt.Sprintf("models: batch of length %d (dst %d) for dimension %d", len(x), len(dst), d))
	}
	return len(x) / d
}

// addBias adds the row b to each of the n rows of z (width len(b)).
func addBias(z, b []float64, n int) {
	c := len(b)
	for r := 0; r < n; r++ {
		zr := z[r*c : (r+1)*c]
		for j := range zr {
			zr[j] += b[j]
		}
	}
}

func (m *MLP) wb(l layer) (w, b []float64) {
	return m.Params[l.w:l.b], m.Params[l.b : l.b+l.out]
}

// timeBias sets m.bt = b_1 + τ(t)·W_1[d:, :], the first layer's bias with the
// time features (the same for every row of a call) folded in, so the first
// layer acts on x alone: z_1 = x·W_1[:d, :] + bt.
func (m *MLP) timeBias(t float64) {
	l, d := m.layers[0], m.Cfg.Dim
	c := l.out
	m.bt = scratch.Grow(m.bt, c)
	copy(m.bt, m.Params[l.b:l.b+c])
	fold := func(q int, tau float64) {
		wq := m.Params[l.w+(d+q)*c : l.w+(d+q+1)*c]
		for j := range m.bt {
			m.bt[j] = math.FMA(tau, wq[j], m.bt[j])
		}
	}
	fold(0, t)
	f := len(m.omega)
	for k, w := range m.omega {
		s, co := math.Sincos(w * t)
		fold(1+k, s)
		fold(1+f+k, co)
	}
}

// firstLayer writes x·W_1[:d, :] for the n×d rows x into z, straight from x
// (no input copy); the caller applies σ with the bias bt (ApplyBias).
func (m *MLP) firstLayer(z, x []float64, n int) {
	l, d := m.layers[0], m.Cfg.Dim
	c := l.out
	linalg.Gemm(false, false, n, c, d, x, d, m.Params[l.w:l.w+d*c], c, 0, z, c)
}

// Velocity writes v_t(x) for the n×d batch x into dst (n×d, not aliasing x).
// The rows are computed in blocks, on SetWorkers goroutines.
// It panics if len(x) is not a multiple of Dim or len(dst) ≠ len(x).
func (m *MLP) Velocity(dst, x []float64, t float64) {
	n := m.checkBatch(dst, x)
	if n == 0 {
		return
	}
	m.timeBias(t)
	m.repeatBiases(m.bt)
	m.call = blockCall{x: x, dst: dst, n: n}
	m.forBlocks(numBlocks(n, velRows), m.velTask)
	m.call = blockCall{}
}

// repRows is how many rows one ApplyBias call of Velocity and FMLossGrad
// covers: the bias row is repeated repRows times (brep), so the activation
// kernel's setup is paid once per repRows rows instead of once per row. The
// sums are the same, z + b elementwise, so the bits are.
const repRows = 16

// repeatBiases fills m.brep with repRows copies of each hidden layer's bias,
// layer after layer, taking first as the first layer's (Velocity passes
// m.bt, with the time features folded in).
func (m *MLP) repeatBiases(first []float64) {
	tot := 0
	for _, l := range m.layers[:len(m.layers)-1] {
		tot += repRows * l.out
	}
	m.brep = scratch.Grow(m.brep, tot)
	off := 0
	for i, l := range m.layers[:len(m.layers)-1] {
		b := first
		if i > 0 {
			_, b = m.wb(l)
		}
		for r := 0; r < repRows; r++ {
			copy(m.brep[off:off+l.out], b)
			off += l.out
		}
	}
}

// actRep applies σ(z + b) in place to the nb rows of z (width c), b being
// rep, c's bias repeated repRows times, and writes σ'(z + b) into d1 unless
// it is nil.
func (m *MLP) actRep(z, d1, rep []float64, nb, c int) {
	for r := 0; r < nb; r += repRows {
		k := min(repRows, nb-r)
		zz := z[r*c : (r+k)*c]
		var dd []float64
		if d1 != nil {
			dd = d1[r*c : (r+k)*c]
		}
		m.act.ApplyBias(zz, dd, zz, rep[:k*c])
	}
}

// reserveVel sizes a worker's scratch for one Velocity block.
func (m *MLP) reserveVel(s *blockScratch) {
	s.a = scratch.Grow(s.a, velRows*m.mw)
	s.b = scratch.Grow(s.b, velRows*m.mw)
}

// velBlock computes Velocity for row block blk with worker w's scratch.
func (m *MLP) velBlock(w, blk int) {
	d := m.Cfg.Dim
	r0 := blk * velRows
	r1 := min(m.call.n, r0+velRows)
	nb := r1 - r0
	s := &m.wsw[w]
	m.reserveVel(s)
	x, dst := m.call.x[r0*d:r1*d], m.call.dst[r0*d:r1*d]
	c0 := m.layers[0].out
	z := s.a[:nb*c0]
	m.firstLayer(z, x, nb)
	m.actRep(z, nil, m.brep, nb, c0)
	rep := m.brep[repRows*c0:]
	cur, nxt := z, s.b
	last := len(m.layers) - 1
	for i := 1; i <= last; i++ {
		l := m.layers[i]
		wt, b := m.wb(l)
		if i == last {
			linalg.Gemm(false, false, nb, l.out, l.in, cur, l.in, wt, l.out, 0, dst, l.out)
			addBias(dst, b, nb)
			return
		}
		out := nxt[:nb*l.out]
		linalg.Gemm(false, false, nb, l.out, l.in, cur, l.in, wt, l.out, 0, out, l.out)
		m.actRep(out, nil, rep, nb, l.out)
		rep = rep[repRows*l.out:]
		cur, nxt = out, cur[:cap(cur)]
	}
}

// VelocityDiv writes v_t(x) into dst (n×d) and the exact divergence
// tr(∂v_t/∂x) per point into div (n), from d forward-mode tangents. It is
// VelocityDivProbes with no probes.
// It panics if len(x) is not a multiple of Dim, len(dst) ≠ len(x), or len(div)
// is not the number of rows.
func (m *MLP) VelocityDiv(dst, div, x []float64, t float64) {
	m.VelocityDivProbes(dst, div, x, t, nil)
}

// VelocityDivProbes writes v_t(x) into dst (n×d) and the divergence per
// point into div (n): exact when probes is empty, otherwise Hutchinson's
// estimate (1/P) Σ_p ε_pᵀ (∂v_t/∂x) ε_p with the P = len(probes)/(n·d)
// probe vectors of probes (probe p of point r at [(p·n + r)·d, …); see
// DrawProbes). It panics if the lengths do not match.
func (m *MLP) VelocityDivProbes(dst, div, x []float64, t float64, probes []float64) {
	n := m.checkBatch(dst, x)
	if len(div) != n {
		panic(fmt.Sprintf("models: div of length %d for %d points", len(div), n))
	}
	if n == 0 {
		return
	}
	d := m.Cfg.Dim
	k := d
	if len(probes) > 0 {
		if len(probes)%(n*d) != 0 {
			panic(fmt.Sprintf("models: %d probe values for %d points of dimension %d", len(probes), n, d))
		}
		k = len(probes) / (n * d)
	}
	rows := (k + 1) * n
	mw := m.maxWidth()
	m.ws.a = scratch.Grow(m.ws.a, rows*mw)
	m.ws.b = scratch.Grow(m.ws.b, rows*mw)
	m.ws.d1 = scratch.Grow(m.ws.d1, n*mw)
	m.ws.out = scratch.Grow(m.ws.out, rows*d)

	// First layer: primal only (time folded into the bias); tangent seeds
	// from rows of W_1.
	l0 := m.layers[0]
	w, _ := m.wb(l0)
	c := l0.out
	h := m.ws.a[:rows*c]
	m.timeBias(t)
	m.firstLayer(h[:n*c], x, n)
	d1 := m.ws.d1[:n*c]
	m.act.ApplyBias(h[:n*c], d1, h[:n*c], m.bt)
	if len(probes) == 0 {
		for i := 0; i < d; i++ {
			wi := w[i*c : (i+1)*c]
			blk := h[(i+1)*n*c : (i+2)*n*c]
			for r := 0; r < n; r++ {
				br, dr := blk[r*c:(r+1)*c], d1[r*c:(r+1)*c]
				for j := range br {
					br[j] = dr[j] * wi[j]
				}
			}
		}
	} else {
		for p := 0; p < k; p++ {
			blk := h[(p+1)*n*c : (p+2)*n*c]
			// ε_p·W_1[:d, :] then scaled by σ'(z_1).
			linalg.Gemm(false, false, n, c, d, probes[p*n*d:(p+1)*n*d], d, w, c, 0, blk, c)
			for j := range blk {
				blk[j] *= d1[j]
			}
		}
	}
	cur, nxt := h, m.ws.b
	for li := 1; li < len(m.layers); li++ {
		l := m.layers[li]
		w, b := m.wb(l)
		c := l.out
		if li == len(m.layers)-1 {
			out := m.ws.out[:rows*c]
			linalg.Gemm(false, false, rows, c, l.in, cur, l.in, w, c, 0, out, c)
			copy(dst, out[:n*c])
			addBias(dst, b, n)
			m.traceOut(div, out, probes, n, k)
			return
		}
		z := nxt[:rows*c]
		linalg.Gemm(false, false, rows, c, l.in, cur, l.in, w, c, 0, z, c)
		d1 := m.ws.d1[:n*c]
		m.act.ApplyBias(z[:n*c], d1, z[:n*c], b)
		for blk := n * c; blk < rows*c; blk += n * c {
			zz := z[blk : blk+n*c]
			for j := range zz {
				zz[j] *= d1[j]
			}
		}
		cur, nxt = z, cur
	}
}

// traceOut turns the stacked output tangents into the divergence.
func (m *MLP) traceOut(div, out, probes []float64, n, k int) {
	d := m.Cfg.Dim
	if len(probes) == 0 {
		for r := 0; r < n; r++ {
			s := 0.0
			for i := 0; i < d; i++ {
				s += out[((i+1)*n+r)*d+i]
			}
			div[r] = s
		}
		return
	}
	clear(div)
	for p := 0; p < k; p++ {
		e := probes[p*n*d : (p+1)*n*d]
		jv := out[(p+1)*n*d : (p+2)*n*d]
		for r := 0; r < n; r++ {
			s := 0.0
			for j := 0; j < d; j++ {
				s += e[r*d+j] * jv[r*d+j]
			}
			div[r] += s
		}
	}
	inv := 1 / float64(k)
	for r := range div {
		div[r] *= inv
	}
}
