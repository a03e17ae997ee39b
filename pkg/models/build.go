package models

import (
	"fmt"
	"math"

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

// Tableau is an explicit Runge–Kutta method: stage i evaluates f at
// t + C[i]·h, y + h Σ_{j<i} A[i][j] k_j, and the step is y + h Σ_i B[i] k_i.
type Tableau struct {
	Name string
	A    [][]float64
	B, C []float64
}

// The fixed-step methods available to CNFLogProb.
var (
	Euler    = Tableau{Name: "euler", A: [][]float64{{}}, B: []float64{1}, C: []float64{0}}
	Midpoint = Tableau{Name: "midpoint", A: [][]float64{{}, {0.5}}, B: []float64{0, 1}, C: []float64{0, 0.5}}
	RK4      = Tableau{Name: "rk4", A: [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}},
		B: []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}, C: []float64{0, 0.5, 0.5, 1}}
)

const maxStages = 8

// CNFLogProb records on tp the solve of the augmented CNF state [x, ℓ] from
// x(1) = x1 (an n×d node), ℓ(1) = 0 backwards to t = 0 with steps fixed steps
// of tab, dx/dt = v_t(x), dℓ/dt = tr(∂v_t/∂x) (exact divergence), and returns
// the n×1 node log p_1(x1) = log N(x(0); 0, I) + ℓ(0) and the n×d node x(0).
func (m *MLP) CNFLogProb(tp *ad.Tape, x1 ad.Node, steps int, tab Tableau) (logp, x0 ad.Node) {
	s := len(tab.B)
	if steps < 1 || s == 0 || s > maxStages || len(tab.A) != s || len(tab.C) != s {
		panic(fmt.Sprintf("models: CNFLogProb with %d steps and a %d-stage tableau %q", steps, s, tab.Name))
	}
	n, d := tp.Shape(x1)
	h := -1.0 / float64(steps)
	x, ell := x1, ad.None
	var ks, ds [maxStages]ad.Node
	var cs [maxStages + 1]float64
	var ns [maxStages + 1]ad.Node
	for step := 0; step < steps; step++ {
		t := 1 + float64(step)*h
		for i := 0; i < s; i++ {
			xi := x
			cs[0], ns[0] = 1, x
			cnt := 1
			for j, a := range tab.A[i] {
				if a != 0 {
					cs[cnt], ns[cnt] = h*a, ks[j]
					cnt++
				}
			}
			if cnt > 1 {
				xi = tp.LinComb(cs[:cnt], ns[:cnt])
			}
			ks[i], ds[i] = m.BuildDiv(tp, xi, tp.Full(n, 1, t+tab.C[i]*h), nil)
		}
		x = combine(tp, x, ks[:s], tab.B, h, &cs, &ns)
		ell = combine(tp, ell, ds[:s], tab.B, h, &cs, &ns)
	}
	// log N(x; 0, I) = −½|x|² − (d/2) log 2π.
	lp := tp.AddConst(tp.Scale(tp.RowSum(tp.Square(x)), -0.5), -0.5*float64(d)*math.Log(2*math.Pi))
	return tp.Add(lp, ell), x
}

// combine records y + h Σ_i b_i k_i (y may be None, meaning 0).
func combine(tp *ad.Tape, y ad.Node, ks []ad.Node, b []float64, h float64, cs *[maxStages + 1]float64, ns *[maxStages + 1]ad.Node) ad.Node {
	cnt := 0
	if y != ad.None {
		cs[0], ns[0] = 1, y
		cnt = 1
	}
	for i, bi := range b {
		if bi != 0 {
			cs[cnt], ns[cnt] = h*bi, ks[i]
			cnt++
		}
	}
	return tp.LinComb(cs[:cnt], ns[:cnt])
}

// CNFLoss records the negative mean log-likelihood −(1/n) Σ_r log p_1(x1_r)
// of the n×d data x1 (a constant; the slice must stay unchanged until
// Backward) under the CNF solved by CNFLogProb, and returns the 1×1 loss
// node: tp.Backward(loss) adds ∂loss/∂θ into Grad.
func (m *MLP) CNFLoss(tp *ad.Tape, x1 []float64, steps int, tab Tableau) ad.Node {
	d := m.Cfg.Dim
	if len(x1)%d != 0 || len(x1) == 0 {
		panic(fmt.Sprintf("models: CNFLoss with %d values for dimension %d", len(x1), d))
	}
	logp, _ := m.CNFLogProb(tp, tp.Const(x1, len(x1)/d, d), steps, tab)
	return tp.Scale(tp.Mean(logp), -1)
}
