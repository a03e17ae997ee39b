package models

import (
	"fmt"

	"github.com/flowbench/flowbench/internal/linalg"
)

// FMLossGrad evaluates the flow-matching loss
//
//	L = (1/n) Σ_r || v_{t_r}(x_r) − u_r ||²
//
// (batch mean of the squared norm, MATH.md §2 L_CFM) for the n×d points xt,
// the n times t and the n×d targets u, adds ∂L/∂θ into Grad and returns L.
// The forward and backward passes are fused by hand; nothing is allocated
// once the buffers have grown to n.
func (m *MLP) FMLossGrad(xt, t, u []float64) float64 {
	d := m.Cfg.Dim
	if len(xt)%d != 0 || len(u) != len(xt) || len(t)*d != len(xt) {
		panic(fmt.Sprintf("models: FMLossGrad with xt %d, t %d, u %d for dimension %d", len(xt), len(t), len(u), d))
	}
	n := len(t)
	if n == 0 {
		return 0
	}
	L := len(m.layers)
	ws := &m.ws
	if len(ws.hs) != L-1 {
		ws.hs = make([][]float64, L-1)
		ws.ds = make([][]float64, L-1)
	}
	mw := m.maxWidth()
	for i := 0; i < L-1; i++ {
		c := m.layers[i].out
		ws.hs[i] = grow(ws.hs[i], n*c)
		ws.ds[i] = grow(ws.ds[i], n*c)
	}
	ws.g = grow(ws.g, n*max(mw, d))
	ws.g2 = grow(ws.g2, n*max(mw, d))
	ws.vout = grow(ws.vout, n*d)

	// Forward, keeping h_l and σ'(z_l).
	cur := m.fillInput(xt, t, 0, n)
	for i, l := range m.layers {
		w, b := m.wb(l)
		c := l.out
		var out []float64
		if i == L-1 {
			out = ws.vout
		} else {
			out = ws.hs[i]
		}
		linalg.Gemm(false, false, n, c, l.in, cur, l.in, w, c, 0, out, c)
		addBias(out, b, n)
		if i < L-1 {
			m.act.ApplyDeriv(out, ws.ds[i], out)
		}
		cur = out
	}

	// Loss and dL/dv = 2(v − u)/n.
	loss := 0.0
	g := ws.g[:n*d]
	s := 2 / float64(n)
	for i, v := range ws.vout {
		r := v - u[i]
		loss += r * r
		g[i] = s * r
	}
	loss /= float64(n)

	// Backward: dW_l += h_{l−1}ᵀ g_l, db_l += Σ_r g_l, g_{l−1} = (g_l W_lᵀ) ⊙ σ'(z_{l−1}).
	g2 := ws.g2
	for i := L - 1; i >= 0; i-- {
		l := m.layers[i]
		c := l.out
		var hin []float64
		if i == 0 {
			hin = ws.in
		} else {
			hin = ws.hs[i-1]
		}
		gw := m.Grad[l.w:l.b]
		gb := m.Grad[l.b : l.b+c]
		linalg.Gemm(true, false, l.in, c, n, hin, l.in, g, c, 1, gw, c)
		for r := 0; r < n; r++ {
			gr := g[r*c : (r+1)*c]
			for j, v := range gr {
				gb[j] += v
			}
		}
		if i == 0 {
			break
		}
		w, _ := m.wb(l)
		gn := g2[:n*l.in]
		linalg.Gemm(false, true, n, l.in, c, g, c, w, c, 0, gn, l.in)
		dd := ws.ds[i-1]
		for j := range gn {
			gn[j] *= dd[j]
		}
		g, g2 = gn, g[:cap(g)]
	}
	return loss
}
