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
