package models

import (
	"fmt"

	"github.com/flowbench/flowbench/internal/linalg"
	"github.com/flowbench/flowbench/internal/scratch"
	"github.com/flowbench/flowbench/pkg/autodiff"
)

// FMLossGrad evaluates the flow-matching loss
//
//	L = (1/n) Σ_r || v_{t_r}(x_r) − u_r ||²
//
// (batch mean of the squared norm, MATH.md §2 L_CFM) for the n×d points xt,
// the n times t and the n×d targets u, adds ∂L/∂θ into Grad and returns L.
// The forward and backward passes are fused by hand; nothing is allocated
// once the buffers have grown to n. Rows are processed in fixed blocks (on
// SetWorkers goroutines), and the per-block sums are added in block order,
// so the result does not depend on the worker count. Networks whose hidden
// layers all have at least 512 units take the wide path instead (wide.go:
// whole batch, products split by fixed column chunks), equally independent
// of the worker count.
// It panics unless len(xt) = len(u) = len(t)·Dim.
func (m *MLP) FMLossGrad(xt, t, u []float64) float64 {
	d := m.Cfg.Dim
	if len(xt)%d != 0 || len(u) != len(xt) || len(t)*d != len(xt) {
		panic(fmt.Sprintf("models: FMLossGrad with xt %d, t %d, u %d for dimension %d", len(xt), len(t), len(u), d))
	}
	n := len(t)
	if n == 0 {
		return 0
	}
	if m.useWide() {
		return m.fmWide(xt, t, u)
	}
	nblk, np := numBlocks(n, fmRows), len(m.Params)
	// W_lᵀ for l ≥ 2, shared by the blocks: g·W_lᵀ then reads it in place
	// instead of packing W_l again in every block (the same sums, so the
	// same bits).
	m.wT = scratch.Grow(m.wT, np)
	for _, l := range m.layers[1:] {
		w, _ := m.wb(l)
		wt := m.wT[l.w:l.b]
		for i := 0; i < l.in; i++ {
			for j := 0; j < l.out; j++ {
				wt[j*l.in+i] = w[i*l.out+j]
			}
		}
	}
	m.repeatBiases(m.Params[m.layers[0].b : m.layers[0].b+m.layers[0].out])
	m.part = scratch.Grow(m.part, nblk*np)
	m.lossPart = scratch.Grow(m.lossPart, nblk)
	m.call = blockCall{x: xt, ts: t, u: u, n: n}
	m.forBlocks(nblk, m.fmTask)
	m.call = blockCall{}
	loss := 0.0
	for b := 0; b < nblk; b++ {
		loss += m.lossPart[b]
		autodiff.Add(m.Grad[:np], m.part[b*np:(b+1)*np])
	}
	return loss / float64(n)
}

// FMLossGradWeighted is FMLossGrad with a weight w_r ≥ 0 per row:
//
//	L = (1/n) Σ_r w_r || v_{t_r}(x_r) − u_r ||²,
//
// the form of [SF]2M's score-matching loss, whose weight is λ_t² (Tong et
// al. 2024). It adds ∂L/∂θ into Grad and returns L.
func (m *MLP) FMLossGradWeighted(xt, t, u, w []float64) float64 {
	if len(w) != len(t) {
		panic(fmt.Sprintf("models: FMLossGradWeighted with %d weights for %d rows", len(w), len(t)))
	}
	m.cw = w
	defer func() { m.cw = nil }()
	return m.FMLossGrad(xt, t, u)
}

// reserveFM sizes a worker's scratch for one FMLossGrad block.
func (m *MLP) reserveFM(s *blockScratch) {
	d, L := m.Cfg.Dim, len(m.layers)
	if len(s.hs) != L-1 {
		s.hs = make([][]float64, L-1)
		s.ds = make([][]float64, L-1)
	}
	for i := 0; i < L-1; i++ {
		s.hs[i] = scratch.Grow(s.hs[i], fmRows*m.layers[i].out)
		s.ds[i] = scratch.Grow(s.ds[i], fmRows*m.layers[i].out)
	}
	s.g = scratch.Grow(s.g, fmRows*max(m.mw, d))
	s.g2 = scratch.Grow(s.g2, fmRows*max(m.mw, d))
	s.vout = scratch.Grow(s.vout, fmRows*d)
	s.in = scratch.Grow(s.in, fmRows*m.Cfg.InputDim())
}

// fmBlock computes row block blk of FMLossGrad with worker w's scratch: its
// sum of squared residuals into lossPart[blk] and its gradient contribution
// into part[blk] (overwritten).
func (m *MLP) fmBlock(w, blk int) {
	d, n, L := m.Cfg.Dim, m.call.n, len(m.layers)
	r0 := blk * fmRows
	r1 := min(n, r0+fmRows)
	nb := r1 - r0
	s := &m.wsw[w]
	m.reserveFM(s)
	np := len(m.Params)
	grad := m.part[blk*np : (blk+1)*np]
	u := m.call.u[r0*d : r1*d]

	// Forward, keeping h_l and σ'(z_l).
	in := m.fillInput(&s.in, m.call.x[r0*d:r1*d], m.call.ts[r0:r1], nb)
	cur := in
	vout := s.vout[:nb*d]
	rep := m.brep
	for i, l := range m.layers {
		wt, b := m.wb(l)
		c := l.out
		out := vout
		if i < L-1 {
			out = s.hs[i][:nb*c]
		}
		linalg.Gemm(false, false, nb, c, l.in, cur, l.in, wt, c, 0, out, c)
		if i < L-1 {
			m.actRep(out, s.ds[i][:nb*c], rep, nb, c)
			rep = rep[repRows*c:]
		} else {
			addBias(out, b, nb)
		}
		cur = out
	}

	// Squared residuals and dL/dv = 2(v − u)/n.
	loss := 0.0
	g := s.g[:nb*d]
	sc := 2 / float64(n)
	if m.cw != nil {
		wr := m.cw[r0:r1]
		for i, v := range vout {
			r := v - u[i]
			w := wr[i/d]
			loss += w * r * r
			g[i] = sc * w * r
		}
	} else {
		for i, v := range vout {
			r := v - u[i]
			loss += r * r
			g[i] = sc * r
		}
	}
	m.lossPart[blk] = loss

	// Backward: dW_l = h_{l−1}ᵀ g_l, db_l = Σ_r g_l, g_{l−1} = (g_l W_lᵀ) ⊙ σ'(z_{l−1}).
	g2 := s.g2
	for i := L - 1; i >= 0; i-- {
		l := m.layers[i]
		c := l.out
		hin := in
		if i > 0 {
			hin = s.hs[i-1][:nb*l.in]
		}
		gw := grad[l.w:l.b]
		gb := grad[l.b : l.b+c]
		linalg.Gemm(true, false, l.in, c, nb, hin, l.in, g, c, 0, gw, c)
		copy(gb, g[:c])
		for r := 1; r < nb; r++ {
			autodiff.Add(gb, g[r*c:(r+1)*c])
		}
		if i == 0 {
			break
		}
		gn := g2[:nb*l.in]
		linalg.Gemm(false, false, nb, l.in, c, g, c, m.wT[l.w:l.b], l.in, 0, gn, l.in)
		autodiff.Mul(gn, gn, s.ds[i-1][:nb*l.in])
		g, g2 = gn, g[:cap(g)]
	}
}
