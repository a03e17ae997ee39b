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
