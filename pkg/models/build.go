package models

import (
	"fmt"

	ad "github.com/flowbench/flowbench/pkg/autodiff"
)

// params records every layer's W and b as Param nodes on tp.
func (m *MLP) params(tp *ad.Tape, ws, bs []ad.Node) {
	for i, l := range m.layers {
		ws[i] = tp.Param(m.Params[l.w:l.b], m.Grad[l.w:l.b], l.in, l.out)
		bs[i] = tp.Param(m.Params[l.b:l.b+l.out], m.Grad[l.b:l.b+l.out], 1, l.out)
	}
}

// input records [x, τ(t)] for x n×d and t n×1.
func (m *MLP) input(tp *ad.Tape, x, t ad.Node) ad.Node {
	n, d := tp.Shape(x)
	if d != m.Cfg.Dim {
		panic(fmt.Sprintf("models: input of %d columns for dimension %d", d, m.Cfg.Dim))
	}
	if r, c := tp.Shape(t); r != n || c != 1 {
		panic(fmt.Sprintf("models: time node %d×%d for %d points, want %d×1", r, c, n, n))
	}
	if len(m.omega) == 0 {
		return tp.ConcatCols(x, t)
	}
	arg := tp.MatMul(t, tp.Const(m.omega, 1, len(m.omega)))
	return tp.ConcatCols(x, t, tp.Sin(arg), tp.Cos(arg))
}

const maxLayers = 16

func (m *MLP) checkDepth() {
	if len(m.layers) > maxLayers {
		panic(fmt.Sprintf("models: %d layers, tape builders support at most %d", len(m.layers), maxLayers))
	}
}

// Build records v_t(x) on tp for x (n×d) and per-row times t (n×1) and
// returns the n×d velocity node; it is differentiable w.r.t. θ (into Grad)
// and x.
// It panics if x is not n×Dim, t is not n×1, or the MLP has more than 16
// layers.
func (m *MLP) Build(tp *ad.Tape, x, t ad.Node) ad.Node {
	m.checkDepth()
	var ws, bs [maxLayers]ad.Node
	m.params(tp, ws[:], bs[:])
	h := m.input(tp, x, t)
	for i := range m.layers {
		h = tp.Linear(h, ws[i], bs[i])
		if i < len(m.layers)-1 {
			h = tp.Act(m.act, h)
		}
	}
	return h
}

// BuildDiv records v_t(x) and its divergence (n×1) on tp. With no probes the
// divergence is exact (d tangents e_i); otherwise probes are n×d nodes ε_p
// and div = (1/P) Σ_p ε_pᵀ (∂v/∂x) ε_p (Hutchinson). Both outputs are
// differentiable w.r.t. θ and x (second order: backprop through the JVPs).
// It panics if x is not n×Dim, t is not n×1, a probe is not n×d, there are
// more than 63 probes, or the MLP has more than 16 layers.
func (m *MLP) BuildDiv(tp *ad.Tape, x, t ad.Node, probes []ad.Node) (v, div ad.Node) {
	m.checkDepth()
	var ws, bs [maxLayers]ad.Node
	m.params(tp, ws[:], bs[:])
	n, d := tp.Shape(x)
	in := m.input(tp, x, t)
	z1 := tp.MatMul(in, ws[0])
	w1x := tp.SliceRows(ws[0], 0, d) // ∂z_1/∂x rows: the tangent of e_i is row i
	var h ad.Node
	k := d
	if len(probes) == 0 {
		h = tp.StackedActRows(m.act, z1, w1x, bs[0])
	} else {
		k = len(probes)
		if k+1 > maxLayers*4 {
			panic(fmt.Sprintf("models: %d probes, at most %d", k, maxLayers*4-1))
		}
		var blocks [maxLayers * 4]ad.Node
		blocks[0] = z1
		for p, e := range probes {
			if r, c := tp.Shape(e); r != n || c != d {
				panic(fmt.Sprintf("models: probe %d is %d×%d, want %d×%d", p, r, c, n, d))
			}
			blocks[p+1] = tp.MatMul(e, w1x)
		}
		h = tp.StackedAct(m.act, tp.ConcatRows(blocks[:k+1]...), n, bs[0])
	}
	L := len(m.layers)
	for i := 1; i < L-1; i++ {
		h = tp.StackedAct(m.act, tp.MatMul(h, ws[i]), n, bs[i])
	}
	out := tp.MatMul(h, ws[L-1])
	v = tp.AddBias(tp.SliceRows(out, 0, n), bs[L-1])
	if len(probes) == 0 {
		return v, tp.BlockTrace(tp.SliceRows(out, n, (k+1)*n), n)
	}
	var terms [maxLayers * 4]ad.Node
	var cs [maxLayers * 4]float64
	for p, e := range probes {
		terms[p] = tp.RowSum(tp.Mul(e, tp.SliceRows(out, (p+1)*n, (p+2)*n)))
		cs[p] = 1 / float64(k)
	}
	return v, tp.LinComb(cs[:k], terms[:k])
}
