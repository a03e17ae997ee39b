package assign

import (
	"cmp"
	"math"
	"slices"
)

// Pruned row scans for 2-D point clouds.
//
// With w_j = |y_j|² − v[j], the reduced cost of row i (point x) at column j
// is |x − y_j|² − v[j] = |x|² + w_j − 2x·y_j. The columns are cut into
// blocks of blockSize spatially close points, stored contiguously in an
// internal order; for a block with bounding box Y and smallest w_j,
//
//	|x|² + min w − 2 max_{y∈Y} x·y
//
// is a lower bound of the row's reduced costs in the block. Prices only
// decrease, so w only increases and a stale min w stays a lower bound. A
// scan that knows an upper bound T of the row's second smallest reduced
// cost (from the cached candidates of rowMin2) skips every block whose bound
// exceeds T (less a rounding margin): its entries cannot be among the two
// smallest. The entries scanned are computed by the same kernel and
// operations as a full scan, so the values found are the same bit for bit;
// only the first index of a tied minimum could depend on the internal
// order, and a tie (u1 = u2) is therefore rescanned in column order.

// blockSize is the number of columns per block.
const blockSize = 16

// pruneMin is the smallest n for which scans are pruned.
const pruneMin = 64

// boundSlack is the relative rounding margin of the block bounds: the
// bound and the reduced costs are sums of a few terms each of magnitude at
// most |x|² + max |y|² + |w| + |T|, computed with a few roundings of relative
// size 2⁻⁵³ each.
const boundSlack = 1e-12

// blocks is the block index of the columns of a 2-D point-cloud solve.
type blocks struct {
	on    bool
	nb    int       // number of full blocks; columns nb·blockSize … n−1 form the tail
	perm  []int     // internal position → column
	pos   []int     // column → internal position
	qy0   []float64 // y coordinates and prices in internal order
	qy1   []float64
	qy2   []float64 // |y|²
	qv    []float64
	bx    [4][]float64 // per block: lo0, hi0, lo1, hi1 of its points
	minw  []float64    // per block: a lower bound of min (|y|² − v)
	lb    []float64    // per block: the bounds of the current row
	y2max float64
	keys  []sortKey
	args  pruneArgs // the kernel's arguments (amd64), set up by build
}

type sortKey struct {
	c float64
	j int
}

func cmpKey(a, b sortKey) int {
	if c := cmp.Compare(a.c, b.c); c != 0 {
		return c
	}
	return a.j - b.j
}

// build cuts the columns (y0, y1) into blocks: sorted by the first
// coordinate (ties by index) into about √nb vertical strips of whole
// blocks, each strip sorted by the second coordinate and cut into blocks;
// the last n mod blockSize columns of the first sort form the tail. Prices
// start at 0.
func (bk *blocks) build(y0, y1 []float64) {
	n := len(y0)
	bk.on = n >= pruneMin
	if !bk.on {
		return
	}
	grow := func(b []float64, m int) []float64 {
		if cap(b) < m {
			return make([]float64, m)
		}
		return b[:m]
	}
	growI := func(b []int, m int) []int {
		if cap(b) < m {
			return make([]int, m)
		}
		return b[:m]
	}
	nb := n / blockSize
	bk.nb = nb
	bk.perm, bk.pos = growI(bk.perm, n), growI(bk.pos, n)
	bk.qy0, bk.qy1, bk.qy2, bk.qv = grow(bk.qy0, n), grow(bk.qy1, n), grow(bk.qy2, n), grow(bk.qv, n)
	nb4 := (nb + 3) &^ 3 // the kernel reads whole groups of 4 blocks
	for k := range bk.bx {
		bk.bx[k] = grow(bk.bx[k], nb4)
		clear(bk.bx[k][nb:])
	}
	bk.minw, bk.lb = grow(bk.minw, nb4), grow(bk.lb, nb4)
	clear(bk.minw[nb:])
	if cap(bk.keys) < n {
		bk.keys = make([]sortKey, n)
	}
	keys := bk.keys[:n]
	for j := range keys {
		keys[j] = sortKey{y0[j], j}
	}
	slices.SortFunc(keys, cmpKey)
	strips := max(1, int(math.Round(math.Sqrt(float64(nb)))))
	at := 0
	for s := 0; s < strips; s++ {
		m := (nb*(s+1))/strips - (nb*s)/strips // blocks in this strip
		seg := keys[at : at+m*blockSize]
		for k := range seg {
			seg[k].c = y1[seg[k].j]
		}
		slices.SortFunc(seg, cmpKey)
		at += m * blockSize
	}
	bk.y2max = 0
	for p, k := range keys {
		j := k.j
		bk.perm[p], bk.pos[j] = j, p
		bk.qy0[p], bk.qy1[p], bk.qv[p] = y0[j], y1[j], 0
		bk.qy2[p] = y0[j]*y0[j] + y1[j]*y1[j]
		bk.y2max = max(bk.y2max, bk.qy2[p])
	}
	if !(bk.y2max > 1e-200) {
		// all points within 1e-100 of the origin: rounding errors
		// would not be bounded by the relative margin
		bk.on = false
		return
	}
	defer bk.setArgs()
	for b := 0; b < nb; b++ {
		lo, hi := b*blockSize, (b+1)*blockSize
		bk.bx[0][b], bk.bx[1][b] = slices.Min(bk.qy0[lo:hi]), slices.Max(bk.qy0[lo:hi])
		bk.bx[2][b], bk.bx[3][b] = slices.Min(bk.qy1[lo:hi]), slices.Max(bk.qy1[lo:hi])
		bk.minw[b] = slices.Min(bk.qy2[lo:hi])
	}
}

// setPrice records the new price p of column j (lower than before).
func (bk *blocks) setPrice(j int, p float64) {
	q := bk.pos[j]
	old := bk.qy2[q] - bk.qv[q]
	bk.qv[q] = p
	b := q / blockSize
	if b >= bk.nb || old > bk.minw[b] {
		return // the block's bound is not attained at j: still valid
	}
	lo := b * blockSize
	m := math.Inf(1)
	for k := lo; k < lo+blockSize; k++ {
		m = min(m, bk.qy2[k]-bk.qv[k])
	}
	bk.minw[b] = m
}

// reduced returns the reduced cost of column j for the point (a, b), as
// the scans compute it.
func (bk *blocks) reduced(a, b float64, j int) float64 {
	q := bk.pos[j]
	da := a - bk.qy0[q]
	db := b - bk.qy1[q]
	return (da*da + db*db) - bk.qv[q]
}

// min2Pruned is the scan of rowMin2 for the point (a, b) restricted to the
// blocks whose bound does not exceed t, an upper bound of the row's second
// smallest reduced cost, plus the tail. It returns the smallest value, its
// column and the second value as a full scan would (ok = false when the
// minimum is tied, u1 = u2, whose first column needs the full scan).
func (bk *blocks) min2Pruned(a, b, t float64) (u1, u2 float64, j1 int, ok bool) {
	x2 := a*a + b*b
	nb := bk.nb
	thr := t + boundSlack*(x2+bk.y2max+math.Abs(t))
	u1, u2, j1, nscan := prunedLanes(bk, a, b, x2, thr)
	if nscan > 0 { // every lane saw an entry (blocks hold 16)
		j1 = bk.perm[j1]
	} else {
		u1, u2, j1 = math.Inf(1), math.Inf(1), -1
	}
	for q := nb * blockSize; q < len(bk.perm); q++ {
		da := a - bk.qy0[q]
		db := b - bk.qy1[q]
		u1, u2, j1 = min2Step((da*da+db*db)-bk.qv[q], bk.perm[q], u1, u2, j1)
	}
	return u1, u2, j1, u1 < u2
}

// prunedLanesGo is the pruned scan of min2Pruned up to the lane merge:
// the bounds of all blocks, then the lane scan of every block whose bound
// is at most thr. prunedMin2AVX2 does the same in one call.
func prunedLanesGo(bk *blocks, a, b, x2, thr float64) (u1, u2 float64, j1, nscan int) {
	nb := bk.nb
	lb := bk.lb[:nb]
	blockBounds(bk, a, b, x2, lb)
	st := min2Start
	for c := 0; c < nb; {
		if lb[c] > thr {
			c++
			continue
		}
		e := c + 1
		for e < nb && lb[e] <= thr {
			e++
		}
		lo, hi := c*blockSize, e*blockSize
		for l := range st.jv {
			st.jv[l] = int64(lo + l)
		}
		sqMin2Lanes(a, b, bk.qy0[lo:hi], bk.qy1[lo:hi], bk.qv[lo:hi], &st)
		nscan += e - c
		c = e
	}
	if nscan == 0 {
		return math.Inf(1), math.Inf(1), -1, 0
	}
	u1, u2, j1 = reduceLanes(&st)
	return u1, u2, j1, nscan
}

// blockBoundsGo writes the bound of each block for the point (a, b) with
// |(a, b)|² = x2, less boundSlack·|min w|, into lb.
func blockBoundsGo(bx *[4][]float64, minw []float64, a, b, x2 float64, lb []float64) {
	lo0, hi0, lo1, hi1 := bx[0][:len(lb)], bx[1][:len(lb)], bx[2][:len(lb)], bx[3][:len(lb)]
	minw = minw[:len(lb)]
	for c := range lb {
		s := max(a*lo0[c], a*hi0[c]) + max(b*lo1[c], b*hi1[c])
		lb[c] = ((x2 + minw[c]) - (s + s)) - boundSlack*math.Abs(minw[c])
	}
}

// initPrice sets the price of column j before a solve's first bid.
func (bk *blocks) initPrice(j int, p float64) { bk.qv[bk.pos[j]] = p }

// resetMinw recomputes every block's min (|y|² − v) from the prices.
func (bk *blocks) resetMinw() {
	for b := 0; b < bk.nb; b++ {
		m := math.Inf(1)
		for k := b * blockSize; k < (b+1)*blockSize; k++ {
			m = min(m, bk.qy2[k]-bk.qv[k])
		}
		bk.minw[b] = m
	}
}
