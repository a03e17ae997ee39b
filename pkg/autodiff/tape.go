package autodiff

import (
	"fmt"
	"runtime"
)

// Node is a handle to a matrix recorded on a Tape. It is valid until the
// Tape's next Reset.
type Node int32

// None is the absent Node (for example "no bias").
const None Node = -1

type opKind uint8

const (
	opLeaf opKind = iota
	opView
	opMatMul
	opLinear
	opAddBias
	opAdd
	opSub
	opMul
	opScale
	opAddConst
	opLinComb
	opAct
	opActDeriv
	opStackedAct
	opStackedActRows
	opSin
	opCos
	opSquare
	opSum
	opMean
	opRowSum
	opConcatCols
	opConcatRows
	opSliceCols
	opBroadcastCol
	opBroadcastRow
	opBlockTrace
)

type node struct {
	op         opKind
	act        Activation
	needGrad   bool
	gradInit   bool // the gradient buffer holds a (possibly partial) sum
	param      bool // grad is caller-owned: accumulate, never clear
	rows, cols int
	a, b, c    Node
	base       Node // for views: the node that owns the storage, else None
	s          float64
	val, grad  []float64

	// LinComb, ConcatCols, ConcatRows: the operands are the nodes
	// t.nargs[argOff : argOff+nArgs]; LinComb's coefficients are
	// t.fargs[coefOff : coefOff+nArgs].
	argOff, nArgs, coefOff int
	// blockRows is the number n of rows in one block: the primal block of
	// StackedAct and StackedActRows, each tangent block of BlockTrace.
	blockRows int
	// fromCol is the first column that SliceCols copies.
	fromCol int
	// slope is the derivative of the op's elementwise function at its input,
	// kept for the backward pass: σ' for Act and for the primal block of the
	// stacked ops, σ″ for ActDeriv (whose function is σ').
	slope []float64
	// curv is σ″ at the primal pre-activation z + b of the stacked ops.
	curv []float64
	// scratch is one primal block of gradient workspace for the stacked ops.
	scratch []float64
}

// arena hands out slices of large blocks; reset keeps (and, after growth,
// merges) the blocks so that a second identical pass allocates nothing.
type arena struct {
	blocks [][]float64
	cur    int
	off    int
}

func (a *arena) alloc(n int) []float64 {
	for a.cur < len(a.blocks) && a.off+n > len(a.blocks[a.cur]) {
		a.cur++
		a.off = 0
	}
	if a.cur == len(a.blocks) {
		total := 0
		for _, b := range a.blocks {
			total += len(b)
		}
		size := max(n, total, 1<<12)
		a.blocks = append(a.blocks, make([]float64, size))
	}
	s := a.blocks[a.cur][a.off : a.off+n : a.off+n]
	a.off += n
	return s
}

func (a *arena) reset() {
	if a.cur > 0 {
		total := 0
		for _, b := range a.blocks {
			total += len(b)
		}
		a.blocks = append(a.blocks[:0], make([]float64, total))
	}
	a.cur, a.off = 0, 0
}

// Tape records a computation graph for reverse-mode differentiation. The zero
// value is ready to use. A Tape is not safe for concurrent use.
//
// Misuse is a programming error, so the methods panic rather than return an
// error: every method that takes a Node panics if the Node is None (where a
// node is required) or beyond the nodes recorded since the last Reset, and
// each method's comment states its other conditions (shapes, lengths).
type Tape struct {
	nodes   []node
	vals    arena
	grads   arena
	fargs   []float64
	nargs   []Node
	pool    *tapePool // nil: one worker
	cleanup runtime.Cleanup
}

// Reset forgets the recorded graph and keeps every buffer for reuse.
func (t *Tape) Reset() {
	t.nodes = t.nodes[:0]
	t.vals.reset()
	t.grads.reset()
	t.fargs = t.fargs[:0]
	t.nargs = t.nargs[:0]
}

// Len returns the number of recorded nodes.
func (t *Tape) Len() int { return len(t.nodes) }

// Shape returns the rows and columns of n.
func (t *Tape) Shape(n Node) (rows, cols int) {
	nd := &t.nodes[n]
	return nd.rows, nd.cols
}

// Value returns the value of n (rows×cols, row-major). The slice is valid
// until Reset and must not be modified.
func (t *Tape) Value(n Node) []float64 { return t.nodes[n].val }

// Scalar returns the value of a 1×1 node.
// It panics if n is not a 1×1 node.
func (t *Tape) Scalar(n Node) float64 {
	nd := &t.nodes[n]
	if nd.rows != 1 || nd.cols != 1 {
		panic(fmt.Sprintf("autodiff: Scalar of a %d×%d node", nd.rows, nd.cols))
	}
	return nd.val[0]
}

// Grad returns the gradient accumulated at n by the last Backward or VJP
// (zeros if n did not influence the output). It is nil for nodes made without
// a gradient (Const, Full, and anything computed only from them).
func (t *Tape) Grad(n Node) []float64 {
	nd := &t.nodes[n]
	if nd.grad != nil && !nd.param {
		t.acc(n)
	}
	return nd.grad
}

func (t *Tape) push(nd node) Node {
	if len(t.nodes) >= 1<<31-1 {
		panic("autodiff: too many nodes")
	}
	nd.base = None
	t.nodes = append(t.nodes, nd)
	return Node(len(t.nodes) - 1)
}

// newOp records an op node of the given shape with fresh value (and, when an
// input needs it, gradient) storage.
func (t *Tape) newOp(op opKind, rows, cols int, need bool, a, b, c Node) Node {
	nd := node{op: op, rows: rows, cols: cols, a: a, b: b, c: c, needGrad: need}
	nd.val = t.vals.alloc(rows * cols)
	if need {
		nd.grad = t.grads.alloc(rows * cols)
	}
	return t.push(nd)
}

func (t *Tape) need(ns ...Node) bool {
	for _, n := range ns {
		if n != None && t.nodes[n].needGrad {
			return true
		}
	}
	return false
}

func (t *Tape) check(n Node, what string) *node {
	if n < 0 || int(n) >= len(t.nodes) {
		panic(fmt.Sprintf("autodiff: %s: invalid node %d", what, n))
	}
	return &t.nodes[n]
}

func (t *Tape) sameShape(a, b Node, what string) (int, int) {
	na, nb := t.check(a, what), t.check(b, what)
	if na.rows != nb.rows || na.cols != nb.cols {
		panic(fmt.Sprintf("autodiff: %s: shapes %d×%d and %d×%d differ", what, na.rows, na.cols, nb.rows, nb.cols))
	}
	return na.rows, na.cols
}

func checkLen(v []float64, rows, cols int, what string) {
	if rows < 0 || cols < 0 || len(v) != rows*cols {
		panic(fmt.Sprintf("autodiff: %s: slice of length %d for a %d×%d matrix", what, len(v), rows, cols))
	}
}

// Const records a constant rows×cols matrix viewing v (no gradient).
// It panics if len(v) ≠ rows·cols.
func (t *Tape) Const(v []float64, rows, cols int) Node {
	checkLen(v, rows, cols, "Const")
	return t.push(node{op: opLeaf, rows: rows, cols: cols, val: v})
}

// Var records an input viewing v whose gradient is kept on the tape and read
// with Grad after Backward.
// It panics if len(v) ≠ rows·cols.
func (t *Tape) Var(v []float64, rows, cols int) Node {
	checkLen(v, rows, cols, "Var")
	return t.push(node{op: opLeaf, rows: rows, cols: cols, val: v, grad: t.grads.alloc(rows * cols), needGrad: true})
}

// Param records a parameter viewing val; Backward adds its gradient into grad
// (same length), which the caller zeroes between steps.
// It panics if len(val) or len(grad) ≠ rows·cols.
func (t *Tape) Param(val, grad []float64, rows, cols int) Node {
	checkLen(val, rows, cols, "Param")
	checkLen(grad, rows, cols, "Param grad")
	return t.push(node{op: opLeaf, rows: rows, cols: cols, val: val, grad: grad, needGrad: true, param: true})
}

// Full records a constant rows×cols matrix with every entry x.
func (t *Tape) Full(rows, cols int, x float64) Node {
	n := t.newOp(opLeaf, rows, cols, false, None, None, None)
	v := t.nodes[n].val
	for i := range v {
		v[i] = x
	}
	return n
}

// MatMul records C = A·B for A m×k and B k×n.
// It panics if a's columns are not b's rows.
func (t *Tape) MatMul(a, b Node) Node {
	na, nb := t.check(a, "MatMul"), t.check(b, "MatMul")
	if na.cols != nb.rows {
		panic(fmt.Sprintf("autodiff: MatMul: %d×%d times %d×%d", na.rows, na.cols, nb.rows, nb.cols))
	}
	m, k, n := na.rows, na.cols, nb.cols
	c := t.newOp(opMatMul, m, n, t.need(a, b), a, b, None)
	na, nb = &t.nodes[a], &t.nodes[b]
	t.gemm(false, false, m, n, k, na.val, k, nb.val, n, 0, t.nodes[c].val, n)
	return c
}

// Linear records y = x·W + b for x n×in, W in×out (row-major, stored in×out)
// and b 1×out (or None for no bias).
// It panics if x's columns are not w's rows or b is not None or a 1×(w's
// columns) row.
func (t *Tape) Linear(x, w, b Node) Node {
	nx, nw := t.check(x, "Linear"), t.check(w, "Linear")
	if nx.cols != nw.rows {
		panic(fmt.Sprintf("autodiff: Linear: input %d×%d, weight %d×%d", nx.rows, nx.cols, nw.rows, nw.cols))
	}
	m, k, n := nx.rows, nx.cols, nw.cols
	if b != None {
		nb := t.check(b, "Linear")
		if nb.rows != 1 || nb.cols != n {
			panic(fmt.Sprintf("autodiff: Linear: bias %d×%d for %d outputs", nb.rows, nb.cols, n))
		}
	}
	c := t.newOp(opLinear, m, n, t.need(x, w, b), x, w, b)
	cv := t.nodes[c].val
	beta := 0.0
	if b != None {
		bv := t.nodes[b].val
		for r := 0; r < m; r++ {
			copy(cv[r*n:(r+1)*n], bv)
		}
		beta = 1
	}
	t.gemm(false, false, m, n, k, t.nodes[x].val, k, t.nodes[w].val, n, beta, cv, n)
	return c
}

// AddBias records x + b with the 1×c row b added to every row of x (n×c).
// It panics if b is not a 1×(x's columns) row.
func (t *Tape) AddBias(x, b Node) Node {
	nx, nb := t.check(x, "AddBias"), t.check(b, "AddBias")
	if nb.rows != 1 || nb.cols != nx.cols {
		panic(fmt.Sprintf("autodiff: AddBias: bias %d×%d for %d×%d", nb.rows, nb.cols, nx.rows, nx.cols))
	}
	r, c := nx.rows, nx.cols
	o := t.newOp(opAddBias, r, c, t.need(x, b), x, b, None)
	ov, xv, bv := t.nodes[o].val, t.nodes[x].val, t.nodes[b].val
	for i := 0; i < r; i++ {
		row, xr := ov[i*c:(i+1)*c], xv[i*c:(i+1)*c]
		for j := range row {
			row[j] = xr[j] + bv[j]
		}
	}
	return o
}

func (t *Tape) binary(op opKind, a, b Node, what string) Node {
	r, c := t.sameShape(a, b, what)
	o := t.newOp(op, r, c, t.need(a, b), a, b, None)
	ov, av, bv := t.nodes[o].val, t.nodes[a].val, t.nodes[b].val
	av, bv = av[:len(ov)], bv[:len(ov)]
	switch op {
	case opAdd:
		for i := range ov {
			ov[i] = av[i] + bv[i]
		}
	case opSub:
		for i := range ov {
			ov[i] = av[i] - bv[i]
		}
	case opMul:
		for i := range ov {
			ov[i] = av[i] * bv[i]
		}
	}
	return o
}

// Add records a + b (same shape).
// It panics if a and b differ in shape.
func (t *Tape) Add(a, b Node) Node { return t.binary(opAdd, a, b, "Add") }

// Sub records a − b (same shape).
// It panics if a and b differ in shape.
func (t *Tape) Sub(a, b Node) Node { return t.binary(opSub, a, b, "Sub") }

// Mul records the elementwise product a ⊙ b (same shape).
// It panics if a and b differ in shape.
func (t *Tape) Mul(a, b Node) Node { return t.binary(opMul, a, b, "Mul") }

// Scale records s·a.
func (t *Tape) Scale(a Node, s float64) Node {
	na := t.check(a, "Scale")
	o := t.newOp(opScale, na.rows, na.cols, na.needGrad, a, None, None)
	t.nodes[o].s = s
	ov, av := t.nodes[o].val, t.nodes[a].val
	for i := range ov {
		ov[i] = s * av[i]
	}
	return o
}

// AddConst records a + s (s added to every entry).
func (t *Tape) AddConst(a Node, s float64) Node {
	na := t.check(a, "AddConst")
	o := t.newOp(opAddConst, na.rows, na.cols, na.needGrad, a, None, None)
	ov, av := t.nodes[o].val, t.nodes[a].val
	for i := range ov {
		ov[i] = av[i] + s
	}
	return o
}

// AXPBY records the fused combination α·x + β·y (same shape).
// It panics if x and y differ in shape.
func (t *Tape) AXPBY(alpha float64, x Node, beta float64, y Node) Node {
	return t.LinComb([]float64{alpha, beta}, []Node{x, y})
}

// LinComb records Σ_i cs[i]·xs[i] over nodes of one shape (for example the
// Runge–Kutta update y + h Σ b_i k_i). The slices are copied.
// It panics if len(cs) ≠ len(xs), xs is empty, or the nodes differ in shape.
func (t *Tape) LinComb(cs []float64, xs []Node) Node {
	if len(cs) != len(xs) || len(xs) == 0 {
		panic(fmt.Sprintf("autodiff: LinComb: %d coefficients for %d nodes", len(cs), len(xs)))
	}
	r, c := t.check(xs[0], "LinComb").rows, t.nodes[xs[0]].cols
	for _, x := range xs[1:] {
		t.sameShape(xs[0], x, "LinComb")
	}
	off, foff := len(t.nargs), len(t.fargs)
	t.nargs = append(t.nargs, xs...)
	t.fargs = append(t.fargs, cs...)
	o := t.newOp(opLinComb, r, c, t.need(xs...), None, None, None)
	nd := &t.nodes[o]
	nd.argOff, nd.nArgs, nd.coefOff = off, len(xs), foff
	ov := nd.val
	x0 := t.nodes[xs[0]].val[:len(ov)]
	c0 := cs[0]
	for i := range ov {
		ov[i] = c0 * x0[i]
	}
	for j := 1; j < len(xs); j++ {
		xv, cj := t.nodes[xs[j]].val[:len(ov)], cs[j]
		for i := range ov {
			ov[i] += cj * xv[i]
		}
	}
	return o
}

// Act records σ(a) elementwise.
func (t *Tape) Act(act Activation, a Node) Node {
	na := t.check(a, "Act")
	o := t.newOp(opAct, na.rows, na.cols, na.needGrad, a, None, None)
	nd := &t.nodes[o]
	nd.act = act
	if nd.needGrad {
		nd.slope = t.vals.alloc(len(nd.val))
	}
	act.apply(nd.val, nd.slope, nil, t.nodes[a].val)
	return o
}

// ActDeriv records σ'(a) elementwise; its gradient uses σ″, which makes
// Jacobian-vector products written on the tape differentiable.
func (t *Tape) ActDeriv(act Activation, a Node) Node {
	na := t.check(a, "ActDeriv")
	o := t.newOp(opActDeriv, na.rows, na.cols, na.needGrad, a, None, None)
	nd := &t.nodes[o]
	nd.act = act
	if nd.needGrad {
		nd.slope = t.vals.alloc(len(nd.val))
	}
	act.apply(nil, nd.val, nd.slope, t.nodes[a].val)
	return o
}

// SELU records selu(a).
func (t *Tape) SELU(a Node) Node { return t.Act(SELU, a) }

// SiLU records silu(a) = a·sigmoid(a).
func (t *Tape) SiLU(a Node) Node { return t.Act(SiLU, a) }

// Tanh records tanh(a).
func (t *Tape) Tanh(a Node) Node { return t.Act(Tanh, a) }

// ReLU records max(a, 0).
func (t *Tape) ReLU(a Node) Node { return t.Act(ReLU, a) }

// Softplus records log(1 + exp(a)).
func (t *Tape) Softplus(a Node) Node { return t.Act(Softplus, a) }

// StackedAct records an activation together with k forward-mode tangents
// stacked under the primal rows. z has (k+1)·n rows: rows [0, n) are the
// primal pre-activations z (to which the 1×c bias b is added unless b is
// None), rows [i·n, (i+1)·n) for i = 1..k are tangents ż_i. The result has the
// same shape: [σ(z+b); σ'(z+b)⊙ż_1; …; σ'(z+b)⊙ż_k]. One matrix product of the
// result then pushes the primal and all tangents through the next layer.
// It panics if n ≤ 0, z's rows are not a multiple of n, or b is not None or a
// 1×c row.
func (t *Tape) StackedAct(act Activation, z Node, n int, b Node) Node {
	nz := t.check(z, "StackedAct")
	if n <= 0 || nz.rows%n != 0 {
		panic(fmt.Sprintf("autodiff: StackedAct: %d rows are not a multiple of n=%d", nz.rows, n))
	}
	c := nz.cols
	t.checkBias(b, c, "StackedAct")
	o := t.newOp(opStackedAct, nz.rows, c, t.need(z, b), z, b, None)
	nd := &t.nodes[o]
	nd.act, nd.blockRows = act, n
	t.stackedForward(nd, t.nodes[z].val[:n*c], b)
	zv, ov, d1 := t.nodes[z].val, nd.val, nd.slope
	for blk := n * c; blk < len(ov); blk += n * c {
		mulTo(ov[blk:blk+n*c], d1, zv[blk:blk+n*c])
	}
	return o
}

// StackedActRows is StackedAct for tangents that are the same for every row:
// z is the n×c primal, s is k×c and tangent i is row i of s broadcast over
// the n rows (the first-layer tangent of the input basis vector e_i is row i
// of the weight). The result is (k+1)·n × c.
// It panics if s and z differ in columns or b is not None or a 1×c row.
func (t *Tape) StackedActRows(act Activation, z, s, b Node) Node {
	nz, ns := t.check(z, "StackedActRows"), t.check(s, "StackedActRows")
	if ns.cols != nz.cols {
		panic(fmt.Sprintf("autodiff: StackedActRows: tangents %d×%d for %d×%d", ns.rows, ns.cols, nz.rows, nz.cols))
	}
	n, c, k := nz.rows, nz.cols, ns.rows
	t.checkBias(b, c, "StackedActRows")
	o := t.newOp(opStackedActRows, (k+1)*n, c, t.need(z, s, b), z, s, b)
	nd := &t.nodes[o]
	nd.act, nd.blockRows = act, n
	t.stackedForward(nd, t.nodes[z].val, b)
	sv, ov, d1 := t.nodes[s].val, nd.val, nd.slope
	for i := 0; i < k; i++ {
		srow := sv[i*c : (i+1)*c]
		blk := ov[(i+1)*n*c : (i+2)*n*c]
		for r := 0; r < n; r++ {
			mulTo(blk[r*c:(r+1)*c], d1[r*c:(r+1)*c], srow)
		}
	}
	return o
}

func (t *Tape) checkBias(b Node, c int, what string) {
	if b == None {
		return
	}
	nb := t.check(b, what)
	if nb.rows != 1 || nb.cols != c {
		panic(fmt.Sprintf("autodiff: %s: bias %d×%d for %d columns", what, nb.rows, nb.cols, c))
	}
}

// stackedForward fills the primal block of nd with σ(z+b) and keeps σ', σ″.
func (t *Tape) stackedForward(nd *node, z []float64, b Node) {
	n, c := nd.blockRows, nd.cols
	nd.slope = t.vals.alloc(n * c)
	nd.curv = t.vals.alloc(n * c)
	if nd.needGrad {
		nd.scratch = t.grads.alloc(n * c)
	}
	pz := z
	if b != None {
		pz = nd.curv // holds z + b until apply overwrites it in place with σ″
		bv := t.nodes[b].val
		for r := 0; r < n; r++ {
			pr, zr := pz[r*c:(r+1)*c], z[r*c:(r+1)*c]
			for j := range pr {
				pr[j] = zr[j] + bv[j]
			}
		}
	}
	nd.act.apply(nd.val[:n*c], nd.slope, nd.curv, pz)
}

func (t *Tape) unary(op opKind, a Node, what string) Node {
	na := t.check(a, what)
	o := t.newOp(op, na.rows, na.cols, na.needGrad, a, None, None)
	ov, av := t.nodes[o].val, t.nodes[a].val
	switch op {
	case opSin:
		for i := range ov {
			ov[i] = sin(av[i])
		}
	case opCos:
		for i := range ov {
			ov[i] = cos(av[i])
		}
	case opSquare:
		for i := range ov {
			ov[i] = av[i] * av[i]
		}
	}
	return o
}

// Sin records sin(a) elementwise.
func (t *Tape) Sin(a Node) Node { return t.unary(opSin, a, "Sin") }

// Cos records cos(a) elementwise.
func (t *Tape) Cos(a Node) Node { return t.unary(opCos, a, "Cos") }

// Square records a ⊙ a.
func (t *Tape) Square(a Node) Node { return t.unary(opSquare, a, "Square") }

// Sum records the 1×1 sum of all entries of a.
func (t *Tape) Sum(a Node) Node {
	na := t.check(a, "Sum")
	o := t.newOp(opSum, 1, 1, na.needGrad, a, None, None)
	s := 0.0
	for _, v := range t.nodes[a].val {
		s += v
	}
	t.nodes[o].val[0] = s
	return o
}

// Mean records the 1×1 mean of all entries of a.
// It panics if a is empty.
func (t *Tape) Mean(a Node) Node {
	na := t.check(a, "Mean")
	if len(na.val) == 0 {
		panic("autodiff: Mean of an empty matrix")
	}
	o := t.newOp(opMean, 1, 1, na.needGrad, a, None, None)
	s := 0.0
	for _, v := range t.nodes[a].val {
		s += v
	}
	t.nodes[o].val[0] = s / float64(len(t.nodes[a].val))
	return o
}

// RowSum records the n×1 column of row sums of a (n×c).
func (t *Tape) RowSum(a Node) Node {
	na := t.check(a, "RowSum")
	r, c := na.rows, na.cols
	o := t.newOp(opRowSum, r, 1, na.needGrad, a, None, None)
	ov, av := t.nodes[o].val, t.nodes[a].val
	for i := 0; i < r; i++ {
		s := 0.0
		for _, v := range av[i*c : (i+1)*c] {
			s += v
		}
		ov[i] = s
	}
	return o
}

// ConcatCols records [x_1 | x_2 | …], nodes with the same number of rows
// placed side by side.
// It panics if xs is empty or the nodes differ in rows.
func (t *Tape) ConcatCols(xs ...Node) Node {
	if len(xs) == 0 {
		panic("autodiff: ConcatCols of nothing")
	}
	r := t.check(xs[0], "ConcatCols").rows
	c := 0
	for _, x := range xs {
		nx := t.check(x, "ConcatCols")
		if nx.rows != r {
			panic(fmt.Sprintf("autodiff: ConcatCols: %d rows and %d rows", r, nx.rows))
		}
		c += nx.cols
	}
	off := len(t.nargs)
	t.nargs = append(t.nargs, xs...)
	o := t.newOp(opConcatCols, r, c, t.need(xs...), None, None, None)
	nd := &t.nodes[o]
	nd.argOff, nd.nArgs = off, len(xs)
	col := 0
	for _, x := range xs {
		nx := &t.nodes[x]
		w := nx.cols
		for i := 0; i < r; i++ {
			copy(nd.val[i*c+col:i*c+col+w], nx.val[i*w:(i+1)*w])
		}
		col += w
	}
	return o
}

// ConcatRows records x_1 stacked over x_2 over …, nodes with the same number
// of columns.
// It panics if xs is empty or the nodes differ in columns.
func (t *Tape) ConcatRows(xs ...Node) Node {
	if len(xs) == 0 {
		panic("autodiff: ConcatRows of nothing")
	}
	c := t.check(xs[0], "ConcatRows").cols
	r := 0
	for _, x := range xs {
		nx := t.check(x, "ConcatRows")
		if nx.cols != c {
			panic(fmt.Sprintf("autodiff: ConcatRows: %d columns and %d columns", c, nx.cols))
		}
		r += nx.rows
	}
	off := len(t.nargs)
	t.nargs = append(t.nargs, xs...)
	o := t.newOp(opConcatRows, r, c, t.need(xs...), None, None, None)
	nd := &t.nodes[o]
	nd.argOff, nd.nArgs = off, len(xs)
	p := 0
	for _, x := range xs {
		p += copy(nd.val[p:], t.nodes[x].val)
	}
	return o
}

// SliceCols records the copy of columns [from, to) of a.
// It panics unless 0 ≤ from < to ≤ a's columns.
func (t *Tape) SliceCols(a Node, from, to int) Node {
	na := t.check(a, "SliceCols")
	if from < 0 || to > na.cols || from >= to {
		panic(fmt.Sprintf("autodiff: SliceCols [%d, %d) of %d columns", from, to, na.cols))
	}
	r, c, w := na.rows, na.cols, to-from
	o := t.newOp(opSliceCols, r, w, na.needGrad, a, None, None)
	t.nodes[o].fromCol = from
	ov, av := t.nodes[o].val, t.nodes[a].val
	for i := 0; i < r; i++ {
		copy(ov[i*w:(i+1)*w], av[i*c+from:i*c+to])
	}
	return o
}

// SliceRows records rows [from, to) of a. It is a view: no copy, and its
// gradient is accumulated in place in a's gradient.
// It panics unless 0 ≤ from < to ≤ a's rows.
func (t *Tape) SliceRows(a Node, from, to int) Node {
	na := t.check(a, "SliceRows")
	if from < 0 || to > na.rows || from >= to {
		panic(fmt.Sprintf("autodiff: SliceRows [%d, %d) of %d rows", from, to, na.rows))
	}
	c := na.cols
	nd := node{op: opView, rows: to - from, cols: c, a: a, needGrad: na.needGrad, param: na.param,
		val: na.val[from*c : to*c : to*c]}
	if na.grad != nil {
		nd.grad = na.grad[from*c : to*c : to*c]
	}
	base := a
	if na.base != None {
		base = na.base
	}
	o := t.push(nd)
	t.nodes[o].base = base
	return o
}

// BroadcastCol records the n×c matrix whose every column is the n×1 column a.
// It panics if a is not a column or c ≤ 0.
func (t *Tape) BroadcastCol(a Node, c int) Node {
	na := t.check(a, "BroadcastCol")
	if na.cols != 1 || c <= 0 {
		panic(fmt.Sprintf("autodiff: BroadcastCol of %d×%d to %d columns", na.rows, na.cols, c))
	}
	r := na.rows
	o := t.newOp(opBroadcastCol, r, c, na.needGrad, a, None, None)
	ov, av := t.nodes[o].val, t.nodes[a].val
	for i := 0; i < r; i++ {
		row := ov[i*c : (i+1)*c]
		for j := range row {
			row[j] = av[i]
		}
	}
	return o
}

// BroadcastRow records the n×c matrix whose every row is the 1×c row a.
// It panics if a is not a row or n ≤ 0.
func (t *Tape) BroadcastRow(a Node, n int) Node {
	na := t.check(a, "BroadcastRow")
	if na.rows != 1 || n <= 0 {
		panic(fmt.Sprintf("autodiff: BroadcastRow of %d×%d to %d rows", na.rows, na.cols, n))
	}
	c := na.cols
	o := t.newOp(opBroadcastRow, n, c, na.needGrad, a, None, None)
	ov, av := t.nodes[o].val, t.nodes[a].val
	for i := 0; i < n; i++ {
		copy(ov[i*c:(i+1)*c], av)
	}
	return o
}

// BlockTrace records the n×1 column out[r] = Σ_{i<k} a[i·n + r, i] for a of
// k·n rows and at least k columns: with tangent block i holding the JVP
// (∂v/∂x) e_i, this is the exact divergence tr(∂v/∂x) per row.
// It panics if n ≤ 0, a's rows are not k·n, or a has fewer than k columns.
func (t *Tape) BlockTrace(a Node, n int) Node {
	na := t.check(a, "BlockTrace")
	if n <= 0 || na.rows%n != 0 || na.rows/n > na.cols {
		panic(fmt.Sprintf("autodiff: BlockTrace of %d×%d with n=%d", na.rows, na.cols, n))
	}
	k, c := na.rows/n, na.cols
	o := t.newOp(opBlockTrace, n, 1, na.needGrad, a, None, None)
	nd := &t.nodes[o]
	nd.blockRows = n
	ov, av := nd.val, t.nodes[a].val
	for r := 0; r < n; r++ {
		s := 0.0
		for i := 0; i < k; i++ {
			s += av[(i*n+r)*c+i]
		}
		ov[r] = s
	}
	return o
}
