package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/flowbench/flowbench/internal/linalg"
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
	omega  []float64 // Fourier frequencies 2πk

	// Hutchinson mode (nil rng: exact divergence).
	hrng   *rand.Rand
	hkind  ProbeKind
	hcount int

	ws workspace
}

// workspace holds the inference and training scratch, grown on demand.
type workspace struct {
	in     []float64   // n × InputDim
	a, b   []float64   // stacked ping-pong activations
	d1     []float64   // σ' of the primal rows
	out    []float64   // stacked outputs
	probes []float64   // P × n × d Hutchinson probes
	hs, ds [][]float64 // per hidden layer activations and σ' (training)
	g, g2  []float64   // backward ping-pong (training)
	vout   []float64   // n × d output (training)
}

// NewMLP validates cfg and returns an MLP initialised like PyTorch's Linear
// (weights and biases uniform on ±1/sqrt(fan_in)), drawn from rng in the
// order W_1, b_1, W_2, b_2, ….
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
	for k := 1; k <= cfg.Fourier; k++ {
		m.omega = append(m.omega, 2*math.Pi*float64(k))
	}
	return m
}

// NumParams returns the number of parameters.
func (m *MLP) NumParams() int { return len(m.Params) }

// Dim returns the data dimension d.
func (m *MLP) Dim() int { return m.Cfg.Dim }

// ZeroGrad sets Grad to zero.
func (m *MLP) ZeroGrad() { clear(m.Grad) }

// Clone returns an MLP with copies of Params and Grad and its own scratch
// buffers. The clone computes exact divergences until SetHutchinson gives it
// its own random stream.
func (m *MLP) Clone() *MLP {
	c := newShell(m.Cfg)
	copy(c.Params, m.Params)
	copy(c.Grad, m.Grad)
	return c
}

// SetHutchinson makes VelocityDiv estimate the divergence with probes
// Hutchinson probes of the given kind per point, drawn from rng.
func (m *MLP) SetHutchinson(rng *rand.Rand, kind ProbeKind, probes int) {
	if rng == nil || probes < 1 || (kind != Rademacher && kind != Gaussian) {
		panic(fmt.Sprintf("models: SetHutchinson(rng=%v, kind=%d, probes=%d)", rng != nil, kind, probes))
	}
	m.hrng, m.hkind, m.hcount = rng, kind, probes
}

// SetExact makes VelocityDiv compute the exact divergence (the default).
func (m *MLP) SetExact() { m.hrng, m.hcount = nil, 0 }

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

func (m *MLP) maxWidth() int { return slices.Max(m.Cfg.Hidden) }

// fillInput writes [x, τ(t_r)] into ws.in; ts holds one time per row, or is
// nil and t is used for every row.
func (m *MLP) fillInput(x []float64, ts []float64, t float64, n int) []float64 {
	d, in := m.Cfg.Dim, m.Cfg.InputDim()
	m.ws.in = grow(m.ws.in, n*in)
	a := m.ws.in
	for r := 0; r < n; r++ {
		row := a[r*in : (r+1)*in]
		copy(row, x[r*d:(r+1)*d])
		tr := t
		if ts != nil {
			tr = ts[r]
		}
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

// Velocity writes v_t(x) for the n×d batch x into dst (n×d, not aliasing x).
func (m *MLP) Velocity(dst, x []float64, t float64) {
	n := m.checkBatch(dst, x)
	if n == 0 {
		return
	}
	mw := m.maxWidth()
	m.ws.a = grow(m.ws.a, n*mw)
	m.ws.b = grow(m.ws.b, n*mw)
	cur, nxt := m.fillInput(x, nil, t, n), m.ws.a
	last := len(m.layers) - 1
	for i, l := range m.layers {
		w, b := m.wb(l)
		out := nxt[:n*l.out]
		if i == last {
			out = dst
		}
		linalg.Gemm(false, false, n, l.out, l.in, cur, l.in, w, l.out, 0, out, l.out)
		addBias(out, b, n)
		if i < last {
			m.act.Apply(out, out)
			cur = out
			if i%2 == 0 {
				nxt = m.ws.b
			} else {
				nxt = m.ws.a
			}
		}
	}
}

// VelocityDiv writes v_t(x) into dst (n×d) and the divergence tr(∂v_t/∂x)
// per point into div (n): exact (d tangents) by default, Hutchinson's
// estimate after SetHutchinson.
func (m *MLP) VelocityDiv(dst, div, x []float64, t float64) {
	n := m.checkBatch(dst, x)
	if len(div) != n {
		panic(fmt.Sprintf("models: div of length %d for %d points", len(div), n))
	}
	if n == 0 {
		return
	}
	d := m.Cfg.Dim
	k := d
	if m.hrng != nil {
		k = m.hcount
		m.ws.probes = grow(m.ws.probes, k*n*d)
		for i := range m.ws.probes {
			if m.hkind == Gaussian {
				m.ws.probes[i] = m.hrng.NormFloat64()
			} else if m.hrng.Uint64()&1 == 0 {
				m.ws.probes[i] = 1
			} else {
				m.ws.probes[i] = -1
			}
		}
	}
	rows := (k + 1) * n
	mw := m.maxWidth()
	m.ws.a = grow(m.ws.a, rows*mw)
	m.ws.b = grow(m.ws.b, rows*mw)
	m.ws.d1 = grow(m.ws.d1, n*mw)
	m.ws.out = grow(m.ws.out, rows*d)
	in := m.fillInput(x, nil, t, n)

	// First layer: primal product only; tangent seeds from rows of W_1.
	l0 := m.layers[0]
	w, b := m.wb(l0)
	c := l0.out
	h := m.ws.a[:rows*c]
	linalg.Gemm(false, false, n, c, l0.in, in, l0.in, w, c, 0, h, c)
	d1 := m.ws.d1[:n*c]
	addBias(h, b, n)
	m.act.ApplyDeriv(h[:n*c], d1, h[:n*c])
	if m.hrng == nil {
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
			linalg.Gemm(false, false, n, c, d, m.ws.probes[p*n*d:(p+1)*n*d], d, w, c, 0, blk, c)
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
			m.traceOut(div, out, n, k)
			return
		}
		z := nxt[:rows*c]
		linalg.Gemm(false, false, rows, c, l.in, cur, l.in, w, c, 0, z, c)
		d1 := m.ws.d1[:n*c]
		addBias(z[:n*c], b, n)
		m.act.ApplyDeriv(z[:n*c], d1, z[:n*c])
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
func (m *MLP) traceOut(div, out []float64, n, k int) {
	d := m.Cfg.Dim
	if m.hrng == nil {
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
		e := m.ws.probes[p*n*d : (p+1)*n*d]
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
