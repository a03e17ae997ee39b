package autodiff

import (
	"fmt"
	"math"
)

func sin(x float64) float64 { return math.Sin(x) }
func cos(x float64) float64 { return math.Cos(x) }

// Backward computes the gradient of the 1×1 node loss with respect to every
// node that needs one: parameter gradients are added into their caller-owned
// gradient slices, Var gradients are read with Grad.
// It panics if out is not a 1×1 node of this tape.
func (t *Tape) Backward(loss Node) {
	nd := t.check(loss, "Backward")
	if nd.rows != 1 || nd.cols != 1 {
		panic(fmt.Sprintf("autodiff: Backward from a %d×%d node, want 1×1", nd.rows, nd.cols))
	}
	t.begin()
	if !nd.needGrad {
		return
	}
	t.acc(loss)[0] += 1
	t.sweep(int(loss))
}

// VJP propagates the given output cotangents: with outs[i] seeded by cots[i]
// (same length as its value) it computes Σ_i cots[i]ᵀ ∂outs[i]/∂(·) for every
// node that needs a gradient, the vector–Jacobian product the adjoint method
// uses.
// It panics if outs and cots differ in length or a cotangent's length is not
// its node's size.
func (t *Tape) VJP(outs []Node, cots [][]float64) {
	if len(outs) != len(cots) {
		panic(fmt.Sprintf("autodiff: VJP: %d outputs and %d cotangents", len(outs), len(cots)))
	}
	t.begin()
	last := -1
	for i, o := range outs {
		nd := t.check(o, "VJP")
		if len(cots[i]) != len(nd.val) {
			panic(fmt.Sprintf("autodiff: VJP: cotangent %d has length %d for a %d×%d node", i, len(cots[i]), nd.rows, nd.cols))
		}
		if !nd.needGrad {
			continue
		}
		g := t.acc(o)
		for j, v := range cots[i] {
			g[j] += v
		}
		last = max(last, int(o))
	}
	t.sweep(last)
}

func (t *Tape) begin() {
	for i := range t.nodes {
		t.nodes[i].gradInit = false
	}
}

func (t *Tape) sweep(from int) {
	for i := from; i >= 0; i-- {
		nd := &t.nodes[i]
		if !nd.needGrad || !nd.gradInit || nd.base != None || nd.op == opLeaf {
			continue
		}
		t.backward(nd)
	}
}

// acc returns n's gradient buffer ready for accumulation, clearing it on the
// first touch since the last begin (views clear their base; parameter
// gradients are never cleared).
func (t *Tape) acc(n Node) []float64 {
	nd := &t.nodes[n]
	if nd.base != None {
		t.acc(nd.base)
		nd.gradInit = true
		return nd.grad
	}
	if !nd.gradInit {
		if !nd.param {
			clear(nd.grad)
		}
		nd.gradInit = true
	}
	return nd.grad
}

// dst returns n's gradient buffer and the Gemm beta to use: 0 on the first
// touch of an owned buffer (overwrite, no clearing needed), 1 otherwise.
func (t *Tape) dst(n Node) ([]float64, float64) {
	nd := &t.nodes[n]
	if nd.base == None && !nd.param && !nd.gradInit {
		nd.gradInit = true
		return nd.grad, 0
	}
	return t.acc(n), 1
}

func (t *Tape) needs(n Node) bool { return n != None && t.nodes[n].needGrad }

func colSumInto(db, g []float64, rows, cols int) {
	db = db[:cols]
	for r := 0; r < rows; r++ {
		addTo(db, g[r*cols:(r+1)*cols])
	}
}

func (t *Tape) backward(nd *node) {
	g := nd.grad
	switch nd.op {
	case opMatMul, opLinear:
		na, nb := &t.nodes[nd.a], &t.nodes[nd.b]
		m, k, n := na.rows, na.cols, nb.cols
		if na.needGrad {
			da, beta := t.dst(nd.a)
			t.gemm(false, true, m, k, n, g, n, nb.val, n, beta, da, k)
		}
		if nb.needGrad {
			db, beta := t.dst(nd.b)
			t.gemm(true, false, k, n, m, na.val, k, g, n, beta, db, n)
		}
		if nd.op == opLinear && t.needs(nd.c) {
			colSumInto(t.acc(nd.c), g, m, n)
		}
	case opAddBias:
		if t.needs(nd.a) {
			addInto(t.acc(nd.a), g)
		}
		if t.needs(nd.b) {
			colSumInto(t.acc(nd.b), g, nd.rows, nd.cols)
		}
	case opAdd, opSub:
		if t.needs(nd.a) {
			addInto(t.acc(nd.a), g)
		}
		if t.needs(nd.b) {
			if nd.op == opAdd {
				addInto(t.acc(nd.b), g)
			} else {
				axpy(t.acc(nd.b), -1, g)
			}
		}
	case opMul:
		av, bv := t.nodes[nd.a].val, t.nodes[nd.b].val
		if t.needs(nd.a) {
			mulAddInto(t.acc(nd.a), g, bv)
		}
		if t.needs(nd.b) {
			mulAddInto(t.acc(nd.b), g, av)
		}
	case opScale:
		axpy(t.acc(nd.a), nd.s, g)
	case opAddConst:
		addInto(t.acc(nd.a), g)
	case opLinComb:
		xs, cs := t.nargs[nd.argOff:nd.argOff+nd.nArgs], t.fargs[nd.coefOff:nd.coefOff+nd.nArgs]
		for j, x := range xs {
			if t.needs(x) {
				axpy(t.acc(x), cs[j], g)
			}
		}
	case opAct, opActDeriv:
		mulAddInto(t.acc(nd.a), g, nd.slope)
	case opSin:
		da, av := t.acc(nd.a), t.nodes[nd.a].val
		for i, v := range g {
			da[i] += v * math.Cos(av[i])
		}
	case opCos:
		da, av := t.acc(nd.a), t.nodes[nd.a].val
		for i, v := range g {
			da[i] -= v * math.Sin(av[i])
		}
	case opSquare:
		da, av := t.acc(nd.a), t.nodes[nd.a].val
		for i, v := range g {
			da[i] += 2 * v * av[i]
		}
	case opSum:
		da := t.acc(nd.a)
		for i := range da {
			da[i] += g[0]
		}
	case opMean:
		da := t.acc(nd.a)
		s := g[0] / float64(len(da))
		for i := range da {
			da[i] += s
		}
	case opRowSum:
		da := t.acc(nd.a)
		c := t.nodes[nd.a].cols
		for r, v := range g {
			row := da[r*c : (r+1)*c]
			for j := range row {
				row[j] += v
			}
		}
	case opConcatCols:
		col, c, r := 0, nd.cols, nd.rows
		for _, x := range t.nargs[nd.argOff : nd.argOff+nd.nArgs] {
			w := t.nodes[x].cols
			if t.needs(x) {
				dx := t.acc(x)
				for i := 0; i < r; i++ {
					addInto(dx[i*w:(i+1)*w], g[i*c+col:i*c+col+w])
				}
			}
			col += w
		}
	case opConcatRows:
		p := 0
		for _, x := range t.nargs[nd.argOff : nd.argOff+nd.nArgs] {
			l := len(t.nodes[x].val)
			if t.needs(x) {
				addInto(t.acc(x), g[p:p+l])
			}
			p += l
		}
	case opSliceCols:
		da := t.acc(nd.a)
		c, w := t.nodes[nd.a].cols, nd.cols
		for i := 0; i < nd.rows; i++ {
			addInto(da[i*c+nd.fromCol:i*c+nd.fromCol+w], g[i*w:(i+1)*w])
		}
	case opBroadcastCol:
		da := t.acc(nd.a)
		c := nd.cols
		for i := range da {
			s := 0.0
			for _, v := range g[i*c : (i+1)*c] {
				s += v
			}
			da[i] += s
		}
	case opBroadcastRow:
		colSumInto(t.acc(nd.a), g, nd.rows, nd.cols)
	case opBlockTrace:
		da := t.acc(nd.a)
		n, c := nd.blockRows, t.nodes[nd.a].cols
		k := t.nodes[nd.a].rows / n
		for r := 0; r < n; r++ {
			for i := 0; i < k; i++ {
				da[(i*n+r)*c+i] += g[r]
			}
		}
	case opStackedAct:
		t.backStacked(nd, false)
	case opStackedActRows:
		t.backStacked(nd, true)
	default:
		panic(fmt.Sprintf("autodiff: no backward for op %d", nd.op))
	}
}

// backStacked differentiates [σ(z̃); σ'(z̃)⊙ż_1; …] with z̃ = z + b:
//
//	dz̃   = dh ⊙ σ'(z̃) + Σ_i dḣ_i ⊙ ż_i ⊙ σ″(z̃)
//	dż_i = dḣ_i ⊙ σ'(z̃)    (rows form: dS_i = Σ_r dḣ_i[r] ⊙ σ'(z̃)[r])
func (t *Tape) backStacked(nd *node, rows bool) {
	n, c := nd.blockRows, nd.cols
	pc := n * c
	k := nd.rows/n - 1
	g, d1, d2 := nd.grad, nd.slope[:pc], nd.curv[:pc]
	var bias, tang Node = nd.b, None
	if rows {
		bias, tang = nd.c, nd.b
	}
	zNeed, bNeed := t.needs(nd.a), t.needs(bias)
	tNeed := rows && t.needs(tang)
	var db, ds, sv, zv, dz []float64
	if bNeed {
		db = t.acc(bias)[:c]
	}
	if tNeed {
		ds = t.acc(tang)
	}
	beta := 1.0
	if zNeed {
		dz, beta = t.dst(nd.a)
	}
	if rows {
		sv = t.nodes[tang].val
	} else {
		zv = t.nodes[nd.a].val
	}
	// One row at a time, so that the row of dz̃ (in the scratch buffer) stays
	// in L1 while the k tangent blocks stream past it; per element the sums
	// run in the same order as the formula: dh⊙σ' first, then tangents 1..k.
	for r := 0; r < n; r++ {
		o := r * c
		dzt := nd.scratch[o : o+c]
		d1r, d2r := d1[o:o+c], d2[o:o+c]
		mulTo(dzt, g[o:o+c], d1r)
		for i := 1; i <= k; i++ {
			gi := g[i*pc+o : i*pc+o+c]
			if rows {
				mul3AddTo(dzt, gi, sv[(i-1)*c:i*c], d2r)
				if tNeed {
					mulAddTo(ds[(i-1)*c:i*c], gi, d1r)
				}
				continue
			}
			mul3AddTo(dzt, gi, zv[i*pc+o:i*pc+o+c], d2r)
			if !zNeed {
				continue
			}
			if dd := dz[i*pc+o : i*pc+o+c]; beta == 0 {
				mulTo(dd, gi, d1r)
			} else {
				mulAddTo(dd, gi, d1r)
			}
		}
		if zNeed {
			if d0 := dz[o : o+c]; beta == 0 {
				copy(d0, dzt)
			} else {
				addTo(d0, dzt)
			}
		}
		if bNeed {
			addTo(db, dzt)
		}
	}
}

func addInto(dst, src []float64) { addTo(dst, src) }

func axpy(dst []float64, a float64, src []float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += a * v
	}
}

func mulAddInto(dst, a, b []float64) { mulAddTo(dst, a, b) }
