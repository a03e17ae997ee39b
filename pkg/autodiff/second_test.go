package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// divNet builds a 2-layer net v = σ(x·W1 + b1)·W2 + b2 on x (n×2) and its
// exact divergence Σ_i (∂v/∂x · e_i)_i, either with the basic ops (ActDeriv,
// Mul, BroadcastRow) or with the fused stacked ops. The loss mixes v and div,
// so its parameter gradient needs backprop through the JVP (σ″).
func divNet(tp *Tape, in []Node, act Activation, fused bool) (v, div Node) {
	x, w1, b1, w2, b2 := in[0], in[1], in[2], in[3], in[4]
	n, _ := tp.Shape(x)
	if fused {
		z1 := tp.MatMul(x, w1)
		h := tp.StackedActRows(act, z1, w1, b1) // rows of W1 are the tangents of e_0, e_1
		out := tp.MatMul(h, w2)
		return tp.AddBias(tp.SliceRows(out, 0, n), b2), tp.BlockTrace(tp.SliceRows(out, n, 3*n), n)
	}
	z1 := tp.Linear(x, w1, b1)
	v = tp.Linear(tp.Act(act, z1), w2, b2)
	d := tp.ActDeriv(act, z1)
	for i := 0; i < 2; i++ {
		vdot := tp.MatMul(tp.Mul(d, tp.BroadcastRow(tp.SliceRows(w1, i, i+1), n)), w2)
		col := tp.SliceCols(vdot, i, i+1)
		if i == 0 {
			div = col
		} else {
			div = tp.Add(div, col)
		}
	}
	return v, div
}

var divShapes = [][2]int{{4, 2}, {2, 3}, {1, 3}, {3, 2}, {1, 2}}

// TestSecondOrder: gradient of a loss built from a divergence (JVPs on the
// tape) w.r.t. the weights and x, against finite differences of that loss.
func TestSecondOrder(t *testing.T) {
	for _, a := range acts {
		for _, fused := range []bool{false, true} {
			name := "basic/"
			if fused {
				name = "fused/"
			}
			checkGrad(t, gradCase{name + a.String(), divShapes, func(tp *Tape, in []Node) Node {
				v, div := divNet(tp, in, a, fused)
				return tp.ConcatCols(tp.Square(div), v, div)
			}, fdTol})
		}
	}
}

// TestDivergenceValue: the tape divergence equals the trace of the Jacobian
// of v measured by central differences of v itself.
func TestDivergenceValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	total := 0
	for _, s := range divShapes {
		total += s[0] * s[1]
	}
	p := make([]float64, total)
	awayFromZero(rng, p)
	for _, a := range acts {
		for _, fused := range []bool{false, true} {
			tp := &Tape{}
			eval := func(p []float64) (v, div []float64) {
				tp.Reset()
				var in []Node
				off := 0
				for _, s := range divShapes {
					in = append(in, tp.Const(p[off:off+s[0]*s[1]], s[0], s[1]))
					off += s[0] * s[1]
				}
				vn, dn := divNet(tp, in, a, fused)
				return append([]float64(nil), tp.Value(vn)...), append([]float64(nil), tp.Value(dn)...)
			}
			_, div := eval(p)
			const h = 1e-5
			for r := 0; r < 4; r++ {
				tr := 0.0
				for i := 0; i < 2; i++ {
					q := append([]float64(nil), p...)
					q[r*2+i] += h
					vp, _ := eval(q)
					q[r*2+i] -= 2 * h
					vm, _ := eval(q)
					tr += (vp[r*2+i] - vm[r*2+i]) / (2 * h)
				}
				// Same central-difference error budget as fdTol.
				if math.Abs(tr-div[r]) > fdTol*math.Max(1, math.Abs(tr)) {
					t.Errorf("%v fused=%v row %d: div %g, trace by differences %g", a, fused, r, div[r], tr)
				}
			}
		}
	}
}

// TestParamAndVJP: parameter gradients land in the caller's flat slice and
// accumulate across Backward calls; VJP with cotangents (c_v, c_div) equals
// Backward of the loss Σ c_v⊙v + Σ c_div⊙div (the definition of a VJP).
func TestParamAndVJP(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	total := 0
	for _, s := range divShapes[1:] {
		total += s[0] * s[1]
	}
	x := make([]float64, 8)
	params := make([]float64, total)
	awayFromZero(rng, x)
	awayFromZero(rng, params)
	cv, cd := make([]float64, 8), make([]float64, 4)
	awayFromZero(rng, cv)
	awayFromZero(rng, cd)
	grad := make([]float64, total)
	tp := &Tape{}
	build := func() (xn, v, div Node) {
		tp.Reset()
		in := []Node{tp.Var(x, 4, 2)}
		off := 0
		for _, s := range divShapes[1:] {
			l := s[0] * s[1]
			in = append(in, tp.Param(params[off:off+l], grad[off:off+l], s[0], s[1]))
			off += l
		}
		v, div = divNet(tp, in, Tanh, true)
		return in[0], v, div
	}
	xn, v, div := build()
	loss := tp.Add(tp.Sum(tp.Mul(v, tp.Const(cv, 4, 2))), tp.Sum(tp.Mul(div, tp.Const(cd, 4, 1))))
	tp.Backward(loss)
	once := append([]float64(nil), grad...)
	gx := append([]float64(nil), tp.Grad(xn)...)
	tp.Backward(loss)
	for i := range grad {
		// Twice, up to rounding: the second pass adds the same terms one by
		// one onto the first result (1e-14 relative, a few ulps).
		if math.Abs(grad[i]-2*once[i]) > 1e-14*math.Max(1, math.Abs(once[i])) {
			t.Fatalf("param grad %d after two passes %g, want 2×%g", i, grad[i], once[i])
		}
	}
	clear(grad)
	xn, v, div = build()
	tp.VJP([]Node{v, div}, [][]float64{cv, cd})
	for i := range grad {
		// 1e-12 relative: same products, summed in a different order.
		if math.Abs(grad[i]-once[i]) > 1e-12*math.Max(1, math.Abs(once[i])) {
			t.Errorf("VJP param grad %d = %g, Backward %g", i, grad[i], once[i])
		}
	}
	for i, g := range tp.Grad(xn) {
		if math.Abs(g-gx[i]) > 1e-12*math.Max(1, math.Abs(gx[i])) {
			t.Errorf("VJP x grad %d = %g, Backward %g", i, g, gx[i])
		}
	}
}

// TestResetAllocs: rebuilding the same graph after Reset and running
// Backward allocates nothing.
func TestResetAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	total := 0
	for _, s := range divShapes {
		total += s[0] * s[1]
	}
	p := make([]float64, total)
	g := make([]float64, total)
	awayFromZero(rng, p)
	tp := &Tape{}
	step := func() {
		tp.Reset()
		var in [5]Node
		off := 0
		for i, s := range divShapes {
			l := s[0] * s[1]
			in[i] = tp.Param(p[off:off+l], g[off:off+l], s[0], s[1])
			off += l
		}
		v, div := divNet(tp, in[:], SELU, true)
		v2, div2 := divNet(tp, in[:], SiLU, false)
		s := tp.AXPBY(0.5, v, 0.5, v2)
		l := tp.Add(tp.Mean(tp.Square(s)), tp.Sum(tp.Sin(tp.Sub(div, div2))))
		tp.Backward(tp.AddConst(l, 1))
	}
	step()
	step()
	if a := testing.AllocsPerRun(20, step); a != 0 {
		t.Errorf("a full build + Backward after Reset allocates %v times, want 0", a)
	}
}
