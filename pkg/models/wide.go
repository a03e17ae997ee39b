package models

import (
	"slices"

	"github.com/flowbench/flowbench/internal/linalg"
	"github.com/flowbench/flowbench/internal/scratch"
	"github.com/flowbench/flowbench/pkg/autodiff"
)

// The wide path of FMLossGrad, for networks whose hidden layers all have at
// least wideMin units (the 784-D image models: 3 × 1024). There the row
// blocks of fmBlock cost more than they save: each block writes a full
// copy of the gradient (np values) that is then summed, its weight products
// have only fmRows as inner dimension, and W_lᵀ is rebuilt every call. The
// wide path instead runs every layer on the whole batch and splits each
// matrix product, activation and bias sum by output columns into
// wideChunks fixed chunks (the chunking depends on the shapes only, not on
// the worker count), so the result is bit-identical for any number of
// workers, and the weight gradients are accumulated straight into Grad.
//
// Which path a model takes depends on its shape alone, so results are
// reproducible; the narrower models of the committed studies (≤ 256 units)
// keep the row-block path and its bits.
const (
	wideMin    = 512
	wideChunks = 8
)

// wideScratch holds the wide path's buffers, grown on demand.
type wideScratch struct {
	in     []float64   // n × InputDim network input
	hs, ds [][]float64 // per hidden layer: activations and σ'
	vout   []float64   // n × d output
	g, g2  []float64   // backward ping-pong
	db     []float64   // column sums of g (the bias gradient)

	// The current layer's operation, read by the chunk tasks.
	layer      int
	n          int
	a, gcur    []float64 // layer input (forward) / incoming gradient (backward)
	out, dnext []float64 // layer output / σ' that scales the outgoing gradient
	fwdTask    func(w, chunk int)
	dwTask     func(w, chunk int)
	dxTask     func(w, chunk int)
}

// useWide reports whether FMLossGrad takes the wide path.
func (m *MLP) useWide() bool { return slices.Min(m.Cfg.Hidden) >= wideMin }

// chunkCols returns the columns [j0, j1) of chunk q of c columns: chunks of
// a multiple of 16 columns (the widest micro-kernel tile), the last one
// shorter, some possibly empty.
func chunkCols(c, q int) (j0, j1 int) {
	w := (c + wideChunks - 1) / wideChunks
	w = (w + 15) &^ 15
	j0 = min(c, q*w)
	return j0, min(c, j0+w)
}

func (m *MLP) reserveWide(n int) *wideScratch {
	s := &m.wide
	d, L := m.Cfg.Dim, len(m.layers)
	if len(s.hs) != L-1 {
		s.hs, s.ds = make([][]float64, L-1), make([][]float64, L-1)
		s.fwdTask, s.dwTask, s.dxTask = m.wideFwd, m.wideDW, m.wideDX
	}
	for i := 0; i < L-1; i++ {
		s.hs[i] = scratch.Grow(s.hs[i], n*m.layers[i].out)
		s.ds[i] = scratch.Grow(s.ds[i], n*m.layers[i].out)
	}
	s.in = scratch.Grow(s.in, n*m.Cfg.InputDim())
	s.vout = scratch.Grow(s.vout, n*d)
	s.g = scratch.Grow(s.g, n*max(m.mw, d))
	s.g2 = scratch.Grow(s.g2, n*max(m.mw, d))
	s.db = scratch.Grow(s.db, max(m.mw, d))
	s.n = n
	return s
}

// fmWide is FMLossGrad on the wide path.
func (m *MLP) fmWide(xt, ts, u []float64) float64 {
	d, n, L := m.Cfg.Dim, len(ts), len(m.layers)
	s := m.reserveWide(n)

	// Forward, keeping h_l and σ'(z_l).
	s.a = m.fillInput(&s.in, xt, ts, n)
	for i, l := range m.layers {
		s.layer = i
		if i < L-1 {
			s.out, s.dnext = s.hs[i][:n*l.out], s.ds[i][:n*l.out]
		} else {
			s.out, s.dnext = s.vout[:n*d], nil
		}
		m.forBlocks(wideChunks, s.fwdTask)
		s.a = s.out
	}

	// Squared residuals and dL/dv = 2(v − u)/n.
	loss := 0.0
	g := s.g[:n*d]
	sc := 2 / float64(n)
	for i, v := range s.vout[:n*d] {
		r := v - u[i]
		loss += r * r
		g[i] = sc * r
	}

	// Backward: dW_l += h_{l−1}ᵀ g_l, db_l += Σ_r g_l, g_{l−1} = (g_l W_lᵀ) ⊙ σ'(z_{l−1}).
	g2 := s.g2
	for i := L - 1; i >= 0; i-- {
		l := m.layers[i]
		s.layer, s.gcur = i, g
		if i > 0 {
			s.a = s.hs[i-1][:n*l.in]
		} else {
			s.a = s.in[:n*l.in]
		}
		m.forBlocks(wideChunks, s.dwTask)
		if i == 0 {
			break
		}
		s.out, s.dnext = g2[:n*l.in], s.ds[i-1][:n*l.in]
		m.forBlocks(wideChunks, s.dxTask)
		g, g2 = s.out, g[:cap(g)]
	}
	s.a, s.gcur, s.out, s.dnext = nil, nil, nil, nil
	return loss / float64(n)
}

// wideFwd computes output columns chunk of the current layer: z = a·W + b,
// then σ (and σ') for hidden layers.
func (m *MLP) wideFwd(_, chunk int) {
	s := &m.wide
	l, n := m.layers[s.layer], s.n
	c := l.out
	j0, j1 := chunkCols(c, chunk)
	if j0 == j1 {
		return
	}
	w, b := m.wb(l)
	linalg.Gemm(false, false, n, j1-j0, l.in, s.a, l.in, w[j0:], c, 0, s.out[j0:], c)
	if s.dnext == nil {
		for r := 0; r < n; r++ {
			autodiff.Add(s.out[r*c+j0:r*c+j1], b[j0:j1])
		}
		return
	}
	for r := 0; r < n; r++ {
		z := s.out[r*c+j0 : r*c+j1]
		m.act.ApplyBias(z, s.dnext[r*c+j0:r*c+j1], z, b[j0:j1])
	}
}

// wideDW adds columns chunk of the current layer's weight and bias
// gradients into Grad: dW[:, j0:j1] += aᵀ·g[:, j0:j1], db[j0:j1] += Σ_r g.
func (m *MLP) wideDW(_, chunk int) {
	s := &m.wide
	l, n := m.layers[s.layer], s.n
	c := l.out
	j0, j1 := chunkCols(c, chunk)
	if j0 == j1 {
		return
	}
	gw := m.Grad[l.w:l.b]
	linalg.Gemm(true, false, l.in, j1-j0, n, s.a, l.in, s.gcur[j0:], c, 1, gw[j0:], c)
	db := s.db[j0:j1]
	copy(db, s.gcur[j0:j1])
	for r := 1; r < n; r++ {
		autodiff.Add(db, s.gcur[r*c+j0:r*c+j1])
	}
	autodiff.Add(m.Grad[l.b+j0:l.b+j1], db)
}

// wideDX computes columns chunk of the gradient flowing into the current
// layer's input: g_{l−1}[:, i0:i1] = (g_l·W_l[i0:i1, :]ᵀ) ⊙ σ'(z_{l−1}).
func (m *MLP) wideDX(_, chunk int) {
	s := &m.wide
	l, n := m.layers[s.layer], s.n
	c, in := l.out, l.in
	i0, i1 := chunkCols(in, chunk)
	if i0 == i1 {
		return
	}
	w, _ := m.wb(l)
	linalg.Gemm(false, true, n, i1-i0, c, s.gcur, c, w[i0*c:], c, 0, s.out[i0:], in)
	for r := 0; r < n; r++ {
		autodiff.Mul(s.out[r*in+i0:r*in+i1], s.out[r*in+i0:r*in+i1], s.dnext[r*in+i0:r*in+i1])
	}
}
