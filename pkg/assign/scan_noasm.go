//go:build !amd64 || purego

package assign

import "math"

// haveAVX2 is false: this build has no assembly kernels.
const haveAVX2 = false

// min2Sub returns the smallest value of r[j] − v[j], the first index
// attaining it and the second smallest value (see min2SubGo).
func min2Sub(r, v []float64) (u1, u2 float64, j1 int) {
	return min2SubGo(r, v, 0, math.Inf(1), math.Inf(1), -1)
}

// sqDist2 writes dst[j] = (a − y0[j])² + (b − y1[j])².
func sqDist2(dst []float64, a, b float64, y0, y1 []float64) {
	sqDist2Go(dst, a, b, y0, y1)
}

// sqMin2 is min2Sub(row, v) for the row dst[j] = (a − y0[j])² + (b − y1[j])²
// without storing the row.
func sqMin2(a, b float64, y0, y1, v []float64) (u1, u2 float64, j1 int) {
	return sqMin2Go(a, b, y0, y1, v, 0, math.Inf(1), math.Inf(1), -1)
}

// min2Lanes folds r[j] − v[j] into the lane state st (len(r) a positive
// multiple of 8).
func min2Lanes(r, v []float64, st *min2State) { min2LanesGo(r, v, st) }

// sqMin2Lanes is min2Lanes on the squared-distance row of the point (a, b).
func sqMin2Lanes(a, b float64, y0, y1, v []float64, st *min2State) {
	sqMin2LanesGo(a, b, y0, y1, v, st)
}

// dijkPass runs dijkPassGo over all columns of r.
func dijkPass(r, v, pen, fpen, d []float64, pred []int, st *dijkState) {
	dijkPassGo(r, v, pen, fpen, d, pred, 0, st)
}

// blockBounds writes the block bounds of the point (a, b) into lb (see
// blockBoundsGo).
func blockBounds(bk *blocks, a, b, x2 float64, lb []float64) {
	blockBoundsGo(&bk.bx, bk.minw, a, b, x2, lb)
}

// reduceLanes is st.reduce.
func reduceLanes(st *min2State) (u1, u2 float64, j1 int) { return st.reduce() }

// prunedLanes scans the blocks of bk whose bound for the point (a, b) is at
// most thr and merges the lanes (see prunedLanesGo).
func prunedLanes(bk *blocks, a, b, x2, thr float64) (u1, u2 float64, j1, nscan int) {
	return prunedLanesGo(bk, a, b, x2, thr)
}

// pruneArgs is empty: this build has no kernel to pass arguments to.
type pruneArgs struct{}

func (bk *blocks) setArgs() {}
