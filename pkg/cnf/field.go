package cnf

import (
	"fmt"
	"math"

	ad "github.com/flowbench/flowbench/pkg/autodiff"
	"github.com/flowbench/flowbench/pkg/models"
)

type layer struct {
	in, out int
	w, b    int // offsets of W (in×out) and b (out) in the flat parameters
}

// net records one evaluation of a models.MLP on a tape: the velocity, the
// divergence and, when asked, the squared Jacobian norm. It reads the MLP's
// flat parameter layout (W_1, b_1, W_2, b_2, …, weights in×out, input
// [x, τ(t)]; pkg/models) and checks it against len(Params).
type net struct {
	act    ad.Activation
	d, in  int
	layers []layer
	omega  []float64 // time-feature frequencies (models.Config.Omegas)
	np     int       // number of parameters

	ws, bs []ad.Node // per-layer parameter nodes (scratch)
	tfeat  []ad.Node // time-feature nodes (scratch)
	cs     []float64 // LinComb coefficients (scratch)
	xs     []ad.Node // LinComb nodes (scratch)
	probes ad.Node   // Hutchinson probes (P·n × d), None for exact
	nprobe int       // P
	m      *models.MLP
}

func newNet(m *models.MLP) *net {
	cfg := m.Cfg
	act, err := ad.ParseActivation(cfg.Act)
	if err != nil {
		panic("cnf: " + err.Error())
	}
	nt := &net{act: act, d: cfg.Dim, in: cfg.InputDim(), m: m}
	in, off := nt.in, 0
	for _, w := range append(append([]int(nil), cfg.Hidden...), cfg.Dim) {
		nt.layers = append(nt.layers, layer{in: in, out: w, w: off, b: off + in*w})
		off += in*w + w
		in = w
	}
	if off != len(m.Params) || off != len(m.Grad) {
		panic(fmt.Sprintf("cnf: MLP has %d parameters (%d gradients), its config implies %d", len(m.Params), len(m.Grad), off))
	}
	nt.np = off
	nt.omega = cfg.Omegas()
	L := len(nt.layers)
	nt.ws, nt.bs = make([]ad.Node, L), make([]ad.Node, L)
	nt.tfeat = make([]ad.Node, 1+2*len(nt.omega))
	nt.cs = make([]float64, max(cfg.Dim, 1))
	nt.xs = make([]ad.Node, max(cfg.Dim, 1))
	nt.probes = ad.None
	return nt
}

// setProbes makes build use the Hutchinson probes node e (p·n × d, probe q
// of point r at row q·n + r), or the exact divergence when e is None.
func (nt *net) setProbes(e ad.Node, p int) {
	nt.probes, nt.nprobe = e, p
	if p > len(nt.cs) {
		nt.cs = make([]float64, p)
		nt.xs = make([]ad.Node, p)
	}
}

// blockSum records Σ_q c·a[q·n:(q+1)·n] for a of k·n rows (k blocks).
func (nt *net) blockSum(tp *ad.Tape, a ad.Node, n, k int, c float64) ad.Node {
	if k == 1 {
		if c == 1 {
			return a
		}
		return tp.Scale(a, c)
	}
	for q := 0; q < k; q++ {
		nt.cs[q], nt.xs[q] = c, tp.SliceRows(a, q*n, (q+1)*n)
	}
	return tp.LinComb(nt.cs[:k], nt.xs[:k])
}

// build records v_t(x) (n×d), the divergence tr(∂v_t/∂x) (n×1, exact or the
// Hutchinson estimate (1/P)Σ_p ε_pᵀ J ε_p) and, with frob, the squared
// Jacobian norm (n×1, exact Σ_i |J e_i|² or (1/P)Σ_p |J ε_p|², whose
// expectation is |J|_F² for probes with E[εεᵀ] = I). With grads nil the
// parameters are constants; otherwise their gradients are added into grads
// (the MLP's layout).
//
// The time features τ(t) are the same for every row, so they enter as an
// effective first-layer bias b_1 + τ(t)·W_1[d:, :] (one row) instead of n
// concatenated columns.
func (nt *net) build(tp *ad.Tape, grads []float64, x ad.Node, t float64, frob bool) (v, div, sq ad.Node) {
	params := nt.m.Params
	for i, l := range nt.layers {
		if grads == nil {
			nt.ws[i] = tp.Const(params[l.w:l.b], l.in, l.out)
			nt.bs[i] = tp.Const(params[l.b:l.b+l.out], 1, l.out)
		} else {
			nt.ws[i] = tp.Param(params[l.w:l.b], grads[l.w:l.b], l.in, l.out)
			nt.bs[i] = tp.Param(params[l.b:l.b+l.out], grads[l.b:l.b+l.out], 1, l.out)
		}
	}
	n, d := tp.Shape(x)
	if d != nt.d {
		panic(fmt.Sprintf("cnf: batch of %d columns for dimension %d", d, nt.d))
	}
	// Effective first-layer bias from the time features.
	nt.tfeat[0] = tp.Full(1, 1, t)
	f := len(nt.omega)
	for k, w := range nt.omega {
		s, c := math.Sincos(w * t)
		nt.tfeat[1+k] = tp.Full(1, 1, s)
		nt.tfeat[1+f+k] = tp.Full(1, 1, c)
	}
	tau := nt.tfeat[0]
	if f > 0 {
		tau = tp.ConcatCols(nt.tfeat...)
	}
	w1 := nt.ws[0]
	w1x := tp.SliceRows(w1, 0, d)
	beff := tp.Add(tp.MatMul(tau, tp.SliceRows(w1, d, nt.in)), nt.bs[0])
	z1 := tp.MatMul(x, w1x)
	var h ad.Node
	k := d
	if nt.probes == ad.None {
		h = tp.StackedActRows(nt.act, z1, w1x, beff)
	} else {
		k = nt.nprobe
		if r, c := tp.Shape(nt.probes); r != k*n || c != d {
			panic(fmt.Sprintf("cnf: probes %d×%d for %d probes of %d×%d", r, c, k, n, d))
		}
		h = tp.StackedAct(nt.act, tp.ConcatRows(z1, tp.MatMul(nt.probes, w1x)), n, beff)
	}
	L := len(nt.layers)
	for i := 1; i < L-1; i++ {
		h = tp.StackedAct(nt.act, tp.MatMul(h, nt.ws[i]), n, nt.bs[i])
	}
	out := tp.MatMul(h, nt.ws[L-1])
	v = tp.AddBias(tp.SliceRows(out, 0, n), nt.bs[L-1])
	jv := tp.SliceRows(out, n, (k+1)*n) // block q: J e_q (exact) or J ε_q
	if nt.probes == ad.None {
		div = tp.BlockTrace(jv, n)
	} else {
		div = nt.blockSum(tp, tp.RowSum(tp.Mul(nt.probes, jv)), n, k, 1/float64(k))
	}
	sq = ad.None
	if frob {
		c := 1.0
		if nt.probes != ad.None {
			c = 1 / float64(k)
		}
		sq = nt.blockSum(tp, tp.RowSum(tp.Square(jv)), n, k, c)
	}
	return v, div, sq
}
