package assign

import "math"

// The two inner loops of the solver, over one row of the cost matrix:
// min2Sub (every auction bid and every slack check) and sqDist2 (computing a
// row of the squared-Euclidean cost between 2-D point clouds). On amd64 with
// AVX2 they run as assembly kernels on blocks of 8 and 4 entries, and the
// Go versions below finish the tails; the kernels perform the same IEEE
// operations entry by entry, so the results are bit-identical to these.

// min2SubGo returns the smallest value u1 of r[j] − v[j] over j, the first
// index j1 attaining it, and the second smallest value u2 of the multiset
// (u2 = u1 when the minimum is attained twice). It continues a scan whose
// state so far is (u1, u2, j1), with r and v starting at index off.
func min2SubGo(r, v []float64, off int, u1, u2 float64, j1 int) (float64, float64, int) {
	v = v[:len(r)]
	for j, c := range r {
		u1, u2, j1 = min2Step(c-v[j], off+j, u1, u2, j1)
	}
	return u1, u2, j1
}

// min2Step folds entry j of value h into the scan state (u1, u2, j1): the
// smallest value, the second smallest and the first index of the smallest.
func min2Step(h float64, j int, u1, u2 float64, j1 int) (float64, float64, int) {
	if h < u2 {
		if h >= u1 {
			return u1, h, j1
		}
		return h, u1, j
	}
	return u1, u2, j1
}

// sqDist2Go writes dst[j] = (a − y0[j])² + (b − y1[j])².
func sqDist2Go(dst []float64, a, b float64, y0, y1 []float64) {
	y0 = y0[:len(dst)]
	y1 = y1[:len(dst)]
	for j := range dst {
		da := a - y0[j]
		db := b - y1[j]
		dst[j] = da*da + db*db
	}
}

// min2State is the per-lane state of the vector min2Sub kernel: lane l
// covers the entries j ≡ l (mod 8). m1, m2 are the lane's smallest and
// second smallest values, idx the first index of m1, jv the indices of the
// current block and step the increment of jv (8 in every lane).
type min2State struct {
	m1, m2  [8]float64
	idx, jv [8]int64
	step    [4]int64
}

// min2Start is the state before the first entry.
var min2Start = func() (st min2State) {
	for l := 0; l < 8; l++ {
		st.m1[l], st.m2[l] = math.Inf(1), math.Inf(1)
		st.jv[l] = int64(l)
	}
	st.step = [4]int64{8, 8, 8, 8}
	return st
}()

// reduce merges the lanes: the global minimum and its first index, and the
// second smallest value of the whole multiset (the smallest of the other
// lanes' minima and every lane's second value).
func (st *min2State) reduce() (u1, u2 float64, j1 int) {
	u1, u2, j1 = math.Inf(1), math.Inf(1), -1
	best := -1
	for l := 0; l < 8; l++ {
		m := st.m1[l]
		if m < u1 || (m == u1 && best >= 0 && st.idx[l] < st.idx[best]) {
			u1, best = m, l
		}
	}
	if best < 0 {
		return u1, u2, j1
	}
	j1 = int(st.idx[best])
	for l := 0; l < 8; l++ {
		if m := st.m1[l]; l != best && m < u2 {
			u2 = m
		}
		if m := st.m2[l]; m < u2 {
			u2 = m
		}
	}
	return u1, u2, j1
}

// sqMin2Go is min2SubGo on the squared-distance row of the point (a, b)
// (the entries of sqDist2Go), computed on the fly.
func sqMin2Go(a, b float64, y0, y1, v []float64, off int, u1, u2 float64, j1 int) (float64, float64, int) {
	y0 = y0[:len(v)]
	y1 = y1[:len(v)]
	for j, vj := range v {
		da := a - y0[j]
		db := b - y1[j]
		u1, u2, j1 = min2Step((da*da+db*db)-vj, off+j, u1, u2, j1)
	}
	return u1, u2, j1
}

// min2LanesGo is the lane scan of the vector kernels in Go: it folds the
// entries r[j] − v[j] (len(r) a multiple of 8) into the lane state st, entry
// j into lane j mod 8, with the per-lane step of min2Step. The kernels
// perform the same operations; builds without them use this.
func min2LanesGo(r, v []float64, st *min2State) {
	v = v[:len(r)]
	for k := 0; k+8 <= len(r); k += 8 {
		for l := 0; l < 8; l++ {
			h := r[k+l] - v[k+l]
			if h < st.m1[l] {
				st.m2[l], st.m1[l], st.idx[l] = st.m1[l], h, st.jv[l]
			} else if h < st.m2[l] {
				st.m2[l] = h
			}
			st.jv[l] += 8
		}
	}
}

// sqMin2LanesGo is min2LanesGo on the squared-distance row of the point
// (a, b), computed on the fly with the operations of sqDist2Go.
func sqMin2LanesGo(a, b float64, y0, y1, v []float64, st *min2State) {
	y0 = y0[:len(v)]
	y1 = y1[:len(v)]
	for k := 0; k+8 <= len(v); k += 8 {
		for l := 0; l < 8; l++ {
			da := a - y0[k+l]
			db := b - y1[k+l]
			h := (da*da + db*db) - v[k+l]
			if h < st.m1[l] {
				st.m2[l], st.m1[l], st.idx[l] = st.m1[l], h, st.jv[l]
			} else if h < st.m2[l] {
				st.m2[l] = h
			}
			st.jv[l] += 8
		}
	}
}

// floor returns the smallest second value over the lanes: every entry
// scanned other than the lanes' first minima (idx) is at least this large.
func (st *min2State) floor() float64 {
	f := st.m2[0]
	for l := 1; l < 8; l++ {
		if m := st.m2[l]; m < f {
			f = m
		}
	}
	return f
}

// dijkState is the state of one Dijkstra pass (dijkPass): the inputs shift,
// floor and row, and per lane l (columns j ≡ l mod 4) the smallest distance
// m and its first index idx, the smallest distance of a free column mf and
// its first index fidx; jv and step drive the lane indices.
type dijkState struct {
	shift, floor float64
	row          int64
	_            int64
	m, mf        [4]float64
	idx, fidx    [4]int64
	jv, step     [4]int64
}

// dijkStart returns the state before the first column of a pass.
func dijkStart(shift, floor float64, row int) dijkState {
	inf := math.Inf(1)
	return dijkState{
		shift: shift, floor: floor, row: int64(row),
		m: [4]float64{inf, inf, inf, inf}, mf: [4]float64{inf, inf, inf, inf},
		idx: [4]int64{-1, -1, -1, -1}, fidx: [4]int64{-1, -1, -1, -1},
		jv: [4]int64{0, 1, 2, 3}, step: [4]int64{4, 4, 4, 4},
	}
}

// dijkPassGo is one relaxation of the dense Dijkstra search over columns
// off … off+len(r)−1: with h = max((r[j] − v[j]) − shift, floor) + pen[j],
// d[j] and pred[j] become h and row where h < d[j]; then the lane state
// folds in the new d[j] (smallest, first index) and d[j] + fpen[j] (the
// same over free columns, fpen = 0 there and +Inf elsewhere). Scanned
// columns have pen = d = +Inf, so they are neither relaxed nor selected.
// The kernel dijkPassAVX2 performs the same IEEE operations.
func dijkPassGo(r, v, pen, fpen, d []float64, pred []int, off int, st *dijkState) {
	n := len(r)
	v, pen, fpen, d, pred = v[:n], pen[:n], fpen[:n], d[:n], pred[:n]
	for j := range r {
		h := (r[j] - v[j]) - st.shift
		if h < st.floor {
			h = st.floor
		}
		h += pen[j]
		if h < d[j] {
			d[j] = h
			pred[j] = int(st.row)
		}
		l := (off + j) & 3
		dj := d[j]
		if dj < st.m[l] {
			st.m[l], st.idx[l] = dj, int64(off+j)
		}
		if fk := dj + fpen[j]; fk < st.mf[l] {
			st.mf[l], st.fidx[l] = fk, int64(off+j)
		}
	}
}

// pick returns the smallest distance m over the lanes and its first index
// j, and the smallest free distance mf and its first index fj.
func (st *dijkState) pick() (m float64, j int, mf float64, fj int) {
	m, j, mf, fj = math.Inf(1), -1, math.Inf(1), -1
	for l := 0; l < 4; l++ {
		if x, k := st.m[l], int(st.idx[l]); x < m || (x == m && k >= 0 && k < j) {
			m, j = x, k
		}
		if x, k := st.mf[l], int(st.fidx[l]); x < mf || (x == mf && k >= 0 && k < fj) {
			mf, fj = x, k
		}
	}
	return m, j, mf, fj
}
