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
