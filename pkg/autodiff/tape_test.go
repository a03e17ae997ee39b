package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// fdSettings: central differences with step 1e-5. Their truncation error is
// h²/6·|f”'| ≈ 2e-11·|f”'| and their rounding error about ε·|f|/h ≈
// 2e-11·|f|; every test function here has |f|, |f”'| below ~100, so the
// estimate is good to ~1e-8 and a tolerance of 1e-6 (relative to max(1, |g|))
// separates it from any real derivative bug, which shows up at O(1e-2) or
// larger.
var fdSettings = &fd.Settings{Formula: fd.Central, Step: 1e-5}

const fdTol = 1e-6

// awayFromZero draws from ±[0.15, 1.5]: finite differences with step 1e-5
// never cross ReLU's kink at 0.
func awayFromZero(rng *rand.Rand, x []float64) {
	for i := range x {
		v := 0.15 + 1.35*rng.Float64()
		if rng.IntN(2) == 0 {
			v = -v
		}
		x[i] = v
	}
}

type gradCase struct {
	name   string
	shapes [][2]int
	build  func(tp *Tape, in []Node) Node
	tol    float64
}

// checkGrad compares the tape gradient of L(x) = Σ w ⊙ build(x) (w a fixed
// random weight, so every output entry matters) with central differences.
func checkGrad(t *testing.T, c gradCase) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, uint64(len(c.name))))
	total := 0
	for _, s := range c.shapes {
		total += s[0] * s[1]
	}
	x := make([]float64, total)
	awayFromZero(rng, x)
	var w []float64
	tp := &Tape{}
	var ins []Node
	build := func(x []float64) Node {
		tp.Reset()
		ins = ins[:0]
		off := 0
		for _, s := range c.shapes {
			ins = append(ins, tp.Var(x[off:off+s[0]*s[1]], s[0], s[1]))
			off += s[0] * s[1]
		}
		out := c.build(tp, ins)
		r, cc := tp.Shape(out)
		if w == nil {
			w = make([]float64, r*cc)
			for i := range w {
				w[i] = rng.NormFloat64()
			}
		}
		return tp.Sum(tp.Mul(out, tp.Const(w, r, cc)))
	}
	f := func(x []float64) float64 { return tp.Scalar(build(x)) }
	loss := build(x)
	tp.Backward(loss)
	got := make([]float64, 0, total)
	for _, in := range ins {
		got = append(got, tp.Grad(in)...)
	}
	want := fd.Gradient(nil, f, append([]float64(nil), x...), fdSettings)
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > c.tol*math.Max(1, math.Abs(want[i])) {
			t.Errorf("%s: d/dx[%d] = %.12g, finite differences %.12g (|diff| %.3g)", c.name, i, got[i], want[i], d)
		}
	}
}

var acts = []Activation{SELU, SiLU, Tanh, ReLU, Softplus}

func gradCases() []gradCase {
	cs := []gradCase{
		{"MatMul", [][2]int{{3, 4}, {4, 2}}, func(tp *Tape, in []Node) Node { return tp.MatMul(in[0], in[1]) }, fdTol},
		{"Linear", [][2]int{{3, 4}, {4, 2}, {1, 2}}, func(tp *Tape, in []Node) Node { return tp.Linear(in[0], in[1], in[2]) }, fdTol},
		{"LinearNoBias", [][2]int{{3, 4}, {4, 2}}, func(tp *Tape, in []Node) Node { return tp.Linear(in[0], in[1], None) }, fdTol},
		{"AddBias", [][2]int{{3, 4}, {1, 4}}, func(tp *Tape, in []Node) Node { return tp.AddBias(in[0], in[1]) }, fdTol},
		{"Add", [][2]int{{3, 2}, {3, 2}}, func(tp *Tape, in []Node) Node { return tp.Add(in[0], in[1]) }, fdTol},
		{"Sub", [][2]int{{3, 2}, {3, 2}}, func(tp *Tape, in []Node) Node { return tp.Sub(in[0], in[1]) }, fdTol},
		{"Mul", [][2]int{{3, 2}, {3, 2}}, func(tp *Tape, in []Node) Node { return tp.Mul(in[0], in[1]) }, fdTol},
		{"Scale", [][2]int{{3, 2}}, func(tp *Tape, in []Node) Node { return tp.Scale(in[0], -1.7) }, fdTol},
		{"AddConst", [][2]int{{3, 2}}, func(tp *Tape, in []Node) Node { return tp.Mul(tp.AddConst(in[0], 0.3), in[0]) }, fdTol},
		{"AXPBY", [][2]int{{3, 2}, {3, 2}}, func(tp *Tape, in []Node) Node { return tp.AXPBY(0.5, in[0], -2, in[1]) }, fdTol},
		{"LinComb", [][2]int{{2, 3}, {2, 3}, {2, 3}}, func(tp *Tape, in []Node) Node {
			return tp.LinComb([]float64{1, 1.0 / 6, -1.0 / 3}, []Node{in[0], in[1], in[2]})
		}, fdTol},
		// Coefficients and nodes live in separate argument arenas; a
		// ConcatCols before the LinComb shifts only the node arena.
		{"LinCombAfterConcat", [][2]int{{2, 1}, {2, 1}}, func(tp *Tape, in []Node) Node {
			cc := tp.ConcatCols(in[0], in[1])
			return tp.Add(tp.LinComb([]float64{2, -3}, []Node{in[0], in[1]}), tp.SliceCols(cc, 1, 2))
		}, fdTol},
		{"Sin", [][2]int{{3, 2}}, func(tp *Tape, in []Node) Node { return tp.Sin(in[0]) }, fdTol},
		{"Cos", [][2]int{{3, 2}}, func(tp *Tape, in []Node) Node { return tp.Cos(in[0]) }, fdTol},
		{"Square", [][2]int{{3, 2}}, func(tp *Tape, in []Node) Node { return tp.Square(in[0]) }, fdTol},
		{"Sum", [][2]int{{3, 2}}, func(tp *Tape, in []Node) Node { return tp.Sum(tp.Square(in[0])) }, fdTol},
		{"Mean", [][2]int{{3, 2}}, func(tp *Tape, in []Node) Node { return tp.Mean(tp.Square(in[0])) }, fdTol},
		{"RowSum", [][2]int{{3, 4}}, func(tp *Tape, in []Node) Node { return tp.RowSum(in[0]) }, fdTol},
		{"ConcatCols", [][2]int{{3, 1}, {3, 2}, {3, 1}}, func(tp *Tape, in []Node) Node { return tp.ConcatCols(in[0], in[1], in[2]) }, fdTol},
		{"ConcatRows", [][2]int{{1, 3}, {2, 3}}, func(tp *Tape, in []Node) Node { return tp.ConcatRows(in[0], in[1]) }, fdTol},
		{"SliceCols", [][2]int{{3, 4}}, func(tp *Tape, in []Node) Node { return tp.SliceCols(in[0], 1, 3) }, fdTol},
		{"SliceRows", [][2]int{{4, 3}}, func(tp *Tape, in []Node) Node {
			return tp.Mul(tp.SliceRows(in[0], 1, 3), tp.SliceRows(tp.SliceRows(in[0], 0, 3), 0, 2))
		}, fdTol},
		{"SliceRowsOfOp", [][2]int{{4, 3}}, func(tp *Tape, in []Node) Node {
			sq := tp.Square(in[0])
			return tp.Add(tp.SliceRows(sq, 2, 4), tp.SliceRows(sq, 0, 2))
		}, fdTol},
		{"BroadcastCol", [][2]int{{3, 1}}, func(tp *Tape, in []Node) Node { return tp.BroadcastCol(in[0], 4) }, fdTol},
		{"BroadcastRow", [][2]int{{1, 3}}, func(tp *Tape, in []Node) Node { return tp.BroadcastRow(in[0], 4) }, fdTol},
		{"BlockTrace", [][2]int{{6, 3}}, func(tp *Tape, in []Node) Node { return tp.BlockTrace(in[0], 2) }, fdTol},
		{"Reuse", [][2]int{{2, 2}}, func(tp *Tape, in []Node) Node { return tp.Add(tp.Mul(in[0], in[0]), tp.Sin(in[0])) }, fdTol},
	}
	for _, a := range acts {
		cs = append(cs,
			gradCase{"Act/" + a.String(), [][2]int{{3, 4}}, func(tp *Tape, in []Node) Node { return tp.Act(a, in[0]) }, fdTol},
			gradCase{"ActDeriv/" + a.String(), [][2]int{{3, 4}}, func(tp *Tape, in []Node) Node { return tp.ActDeriv(a, in[0]) }, fdTol},
			gradCase{"StackedAct/" + a.String(), [][2]int{{9, 4}, {1, 4}}, func(tp *Tape, in []Node) Node {
				return tp.StackedAct(a, in[0], 3, in[1])
			}, fdTol},
			gradCase{"StackedActNoBias/" + a.String(), [][2]int{{6, 4}}, func(tp *Tape, in []Node) Node {
				return tp.StackedAct(a, in[0], 3, None)
			}, fdTol},
			gradCase{"StackedActRows/" + a.String(), [][2]int{{3, 4}, {2, 4}, {1, 4}}, func(tp *Tape, in []Node) Node {
				return tp.StackedActRows(a, in[0], in[1], in[2])
			}, fdTol},
		)
	}
	// The named shorthands.
	named := []func(*Tape, Node) Node{(*Tape).SELU, (*Tape).SiLU, (*Tape).Tanh, (*Tape).ReLU, (*Tape).Softplus}
	for i, f := range named {
		cs = append(cs, gradCase{"Named/" + acts[i].String(), [][2]int{{2, 3}}, func(tp *Tape, in []Node) Node { return f(tp, in[0]) }, fdTol})
	}
	return cs
}

func TestGradients(t *testing.T) {
	for _, c := range gradCases() {
		t.Run(c.name, func(t *testing.T) { checkGrad(t, c) })
	}
}

// TestActivationValues checks σ against closed forms at points on both sides
// of 0 (values computed by hand from the definitions).
func TestActivationValues(t *testing.T) {
	e := math.E
	cases := []struct {
		a    Activation
		z, f float64
	}{
		{SELU, 1, seluLambda},
		{SELU, -1, seluLambda * seluAlpha * (1/e - 1)},
		{SiLU, 1, 1 / (1 + 1/e)},
		{SiLU, -2, -2 / (1 + e*e)},
		{Tanh, 0.5, (e - 1) / (e + 1)},
		{ReLU, -0.3, 0},
		{ReLU, 0.3, 0.3},
		{Softplus, 0, math.Ln2},
		{Softplus, 40, 40 + math.Exp(-40)},
		{Softplus, -40, math.Exp(-40)},
	}
	for _, c := range cases {
		f, _, _ := c.a.Eval(c.z)
		// 1e-15 relative: a few ulps of the closed form.
		if math.Abs(f-c.f) > 1e-15*math.Max(1, math.Abs(c.f)) && math.Abs(f-c.f) > 1e-300 {
			t.Errorf("%v(%g) = %.17g, want %.17g", c.a, c.z, f, c.f)
		}
		// The batched kernel must agree with the scalar one exactly.
		fb, d1b, d2b := make([]float64, 1), make([]float64, 1), make([]float64, 1)
		c.a.apply(fb, d1b, d2b, []float64{c.z})
		_, d1, d2 := c.a.Eval(c.z)
		if fb[0] != f || d1b[0] != d1 || d2b[0] != d2 {
			t.Errorf("%v(%g): batched kernel (%g,%g,%g) != scalar (%g,%g,%g)", c.a, c.z, fb[0], d1b[0], d2b[0], f, d1, d2)
		}
	}
	for _, name := range []string{"selu", "silu", "tanh", "relu", "softplus"} {
		a, err := ParseActivation(name)
		if err != nil || a.String() != name {
			t.Errorf("ParseActivation(%q) = %v, %v", name, a, err)
		}
	}
	if _, err := ParseActivation("gelu"); err == nil {
		t.Error("ParseActivation(gelu) succeeded")
	}
}

// TestStackedMatchesUnfused checks the fused stacked tangent ops against the
// same JVP written with ActDeriv and Mul: values agree to rounding.
func TestStackedMatchesUnfused(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n, c, k := 3, 4, 2
	z := make([]float64, (k+1)*n*c)
	s := make([]float64, k*c)
	b := make([]float64, c)
	awayFromZero(rng, z)
	awayFromZero(rng, s)
	awayFromZero(rng, b)
	for _, a := range acts {
		tp := &Tape{}
		zn, bn, sn := tp.Const(z, (k+1)*n, c), tp.Const(b, 1, c), tp.Const(s, k, c)
		fused := tp.Value(tp.StackedAct(a, zn, n, bn))
		zp := tp.AddBias(tp.SliceRows(zn, 0, n), bn)
		d := tp.ActDeriv(a, zp)
		ref := []Node{tp.Act(a, zp)}
		for i := 1; i <= k; i++ {
			ref = append(ref, tp.Mul(d, tp.SliceRows(zn, i*n, (i+1)*n)))
		}
		want := tp.Value(tp.ConcatRows(ref...))
		fusedRows := tp.Value(tp.StackedActRows(a, tp.SliceRows(zn, 0, n), sn, bn))
		var refRows []Node
		refRows = append(refRows, ref[0])
		for i := 0; i < k; i++ {
			refRows = append(refRows, tp.Mul(d, tp.BroadcastRow(tp.SliceRows(sn, i, i+1), n)))
		}
		wantRows := tp.Value(tp.ConcatRows(refRows...))
		for i := range want {
			// 1e-15: one rounding of z+b and one product, relative.
			if math.Abs(fused[i]-want[i]) > 1e-15*math.Max(1, math.Abs(want[i])) {
				t.Errorf("%v StackedAct[%d] = %g, unfused %g", a, i, fused[i], want[i])
			}
			if math.Abs(fusedRows[i]-wantRows[i]) > 1e-15*math.Max(1, math.Abs(wantRows[i])) {
				t.Errorf("%v StackedActRows[%d] = %g, unfused %g", a, i, fusedRows[i], wantRows[i])
			}
		}
	}
}
