//go:build amd64 && !purego

package assign

import (
	"math"

	"golang.org/x/sys/cpu"
)

var haveAVX2 = cpu.X86.HasAVX2

// min2SubAVX2 runs the min2Sub scan over r[0:n], v[0:n] (n a positive
// multiple of 8) continuing the lane state st.
//
//go:noescape
func min2SubAVX2(r, v *float64, n int, st *min2State)

// sqDist2AVX2 writes dst[j] = (a − y0[j])² + (b − y1[j])² for j < n (n a
// positive multiple of 4), with the operations of sqDist2Go.
//
//go:noescape
func sqDist2AVX2(dst *float64, a, b float64, y0, y1 *float64, n int)

// min2Sub returns the smallest value of r[j] − v[j], the first index
// attaining it and the second smallest value (see min2SubGo).
func min2Sub(r, v []float64) (u1, u2 float64, j1 int) {
	n := len(r)
	v = v[:n]
	n8 := n &^ 7
	if !haveAVX2 || n8 == 0 {
		return min2SubGo(r, v, 0, math.Inf(1), math.Inf(1), -1)
	}
	st := min2Start
	min2SubAVX2(&r[0], &v[0], n8, &st)
	u1, u2, j1 = st.reduce()
	return min2SubGo(r[n8:], v[n8:], n8, u1, u2, j1)
}

// sqDist2 writes dst[j] = (a − y0[j])² + (b − y1[j])².
func sqDist2(dst []float64, a, b float64, y0, y1 []float64) {
	n := len(dst)
	y0, y1 = y0[:n], y1[:n]
	n4 := n &^ 3
	if haveAVX2 && n4 > 0 {
		sqDist2AVX2(&dst[0], a, b, &y0[0], &y1[0], n4)
	} else {
		n4 = 0
	}
	sqDist2Go(dst[n4:], a, b, y0[n4:], y1[n4:])
}

// sqMin2AVX2 runs the min2Sub scan over the squared-distance row of the
// point (a, b), computed on the fly (n a positive multiple of 8).
//
//go:noescape
func sqMin2AVX2(a, b float64, y0, y1, v *float64, n int, st *min2State)

// sqMin2 is min2Sub(row, v) for the row dst[j] = (a − y0[j])² + (b − y1[j])²
// without storing the row.
func sqMin2(a, b float64, y0, y1, v []float64) (u1, u2 float64, j1 int) {
	n := len(v)
	y0, y1 = y0[:n], y1[:n]
	n8 := n &^ 7
	if !haveAVX2 || n8 == 0 {
		return sqMin2Go(a, b, y0, y1, v, 0, math.Inf(1), math.Inf(1), -1)
	}
	st := min2Start
	sqMin2AVX2(a, b, &y0[0], &y1[0], &v[0], n8, &st)
	u1, u2, j1 = st.reduce()
	return sqMin2Go(a, b, y0[n8:], y1[n8:], v[n8:], n8, u1, u2, j1)
}

// min2Lanes folds r[j] − v[j] into the lane state st (len(r) a positive
// multiple of 8), with the AVX2 kernel where the CPU has it.
func min2Lanes(r, v []float64, st *min2State) {
	if haveAVX2 {
		min2SubAVX2(&r[0], &v[0], len(r), st)
		return
	}
	min2LanesGo(r, v, st)
}

// sqMin2Lanes is min2Lanes on the squared-distance row of the point (a, b).
func sqMin2Lanes(a, b float64, y0, y1, v []float64, st *min2State) {
	if haveAVX2 {
		sqMin2AVX2(a, b, &y0[0], &y1[0], &v[0], len(v), st)
		return
	}
	sqMin2LanesGo(a, b, y0, y1, v, st)
}

// dijkPassAVX2 runs dijkPassGo over columns 0..n−1 (n a positive multiple
// of 4), continuing the lane state st.
//
//go:noescape
func dijkPassAVX2(r, v, pen, fpen, d *float64, pred *int, n int, st *dijkState)

// dijkPass runs dijkPassGo over all columns of r with the AVX2 kernel where
// the CPU has it.
func dijkPass(r, v, pen, fpen, d []float64, pred []int, st *dijkState) {
	n := len(r)
	v, pen, fpen, d, pred = v[:n], pen[:n], fpen[:n], d[:n], pred[:n]
	n4 := n &^ 3
	if haveAVX2 && n4 > 0 {
		dijkPassAVX2(&r[0], &v[0], &pen[0], &fpen[0], &d[0], &pred[0], n4, st)
	} else {
		n4 = 0
	}
	dijkPassGo(r[n4:], v[n4:], pen[n4:], fpen[n4:], d[n4:], pred[n4:], n4, st)
}

// blockBoundsAVX2 runs blockBoundsGo over blocks 0..n−1 (n a positive
// multiple of 4); p holds a, b, x2, boundSlack and the absolute-value mask.
//
//go:noescape
func blockBoundsAVX2(lo0, hi0, lo1, hi1, minw, lb *float64, n int, p *[5]float64)

// blockBounds writes the block bounds of the point (a, b) into lb (see
// blockBoundsGo).
func blockBounds(bk *blocks, a, b, x2 float64, lb []float64) {
	n4 := len(lb) &^ 3
	if haveAVX2 && n4 > 0 {
		p := [5]float64{a, b, x2, boundSlack, absMask}
		blockBoundsAVX2(&bk.bx[0][0], &bk.bx[1][0], &bk.bx[2][0], &bk.bx[3][0], &bk.minw[0], &lb[0], n4, &p)
		if n4 == len(lb) {
			return
		}
	} else {
		n4 = 0
	}
	bx := [4][]float64{bk.bx[0][n4:], bk.bx[1][n4:], bk.bx[2][n4:], bk.bx[3][n4:]}
	blockBoundsGo(&bx, bk.minw[n4:], a, b, x2, lb[n4:])
}

// absMask has the bits of the absolute-value mask 0x7fff…f.
var absMask = math.Float64frombits(1<<63 - 1)

// min2ReduceAVX2 is min2State.reduce for a state whose eight lanes all saw
// an entry.
//
//go:noescape
func min2ReduceAVX2(st *min2State) (u1, u2 float64, j1 int)

// reduceLanes is st.reduce (all eight lanes having seen an entry), with
// the AVX2 kernel where the CPU has it.
func reduceLanes(st *min2State) (u1, u2 float64, j1 int) {
	if haveAVX2 {
		return min2ReduceAVX2(st)
	}
	return st.reduce()
}

// pruneArgs are the inputs and outputs of prunedMin2AVX2 (its layout is
// fixed by the assembly; TestPruneArgsLayout checks it).
type pruneArgs struct {
	qy0, qy1, qv             *float64
	lo0, hi0, lo1, hi1, minw *float64
	nb                       int64
	a, b                     float64
	nscan                    int64 // out: blocks scanned
	x2, slack, abs, thr      [4]float64
	lanes0, lanes1, step     [4]int64
	u1, u2                   float64 // out
	j1                       int64   // out: internal position
	inf                      float64
}

//go:noescape
func prunedMin2AVX2(p *pruneArgs)

// setArgs fills the arguments of prunedMin2AVX2 that stay fixed during a
// solve.
func (bk *blocks) setArgs() {
	bk.args = pruneArgs{
		qy0: &bk.qy0[0], qy1: &bk.qy1[0], qv: &bk.qv[0],
		lo0: &bk.bx[0][0], hi0: &bk.bx[1][0], lo1: &bk.bx[2][0], hi1: &bk.bx[3][0], minw: &bk.minw[0],
		nb:     int64(bk.nb),
		slack:  [4]float64{boundSlack, boundSlack, boundSlack, boundSlack},
		abs:    [4]float64{absMask, absMask, absMask, absMask},
		lanes0: [4]int64{0, 1, 2, 3}, lanes1: [4]int64{4, 5, 6, 7}, step: [4]int64{8, 8, 8, 8},
		inf: math.Inf(1),
	}
}

// prunedLanes scans the blocks of bk whose bound for the point (a, b) is at
// most thr and merges the lanes; nscan is the number of blocks scanned
// (the result is meaningful only when nscan > 0). j1 is an internal
// position.
func prunedLanes(bk *blocks, a, b, x2, thr float64) (u1, u2 float64, j1, nscan int) {
	if !haveAVX2 {
		return prunedLanesGo(bk, a, b, x2, thr)
	}
	p := &bk.args
	p.a, p.b = a, b
	p.x2 = [4]float64{x2, x2, x2, x2}
	p.thr = [4]float64{thr, thr, thr, thr}
	prunedMin2AVX2(p)
	return p.u1, p.u2, int(p.j1), int(p.nscan)
}
