package assign

import "math"

// affinePrices sets initial column prices v for the 2-D point clouds x
// (row-major pairs) and (y0, y1) from the optimal transport between the
// Gaussians with the clouds' means μ and covariances Σ, the affine map
// T(x) = A(x − μx) + μy with the symmetric positive definite
// A = Σx^{-1/2} (Σx^{1/2} Σy Σx^{1/2})^{1/2} Σx^{-1/2} (Dowson & Landau
// 1982, Olkin & Pukelsheim 1982). With
//
//	v(y) = yᵀ(I − A⁻¹)y + 2cᵀy,  c = A⁻¹μy − μx,
//
// the reduced cost |x − y|² − v(y) = |x|² + yᵀA⁻¹y − 2(x + c)ᵀy is convex in
// y and smallest at y = T(x): every row's cheapest columns are those near
// its image under the map. For clouds that are affine images of each other
// these are the optimal prices up to the point spacing; for others they
// carry the bulk of the transport (shift, scale, shear), which the first
// auction phases would otherwise buy with bids. Any prices leave the result
// exact. It returns false, leaving v as it is, when a covariance is
// (nearly) singular or a price is not finite. The largest price is 0.
func affinePrices(px, py0, py1, v []float64) bool {
	n := len(v)
	if n < 2 {
		return false
	}
	var mx0, mx1, my0, my1 float64
	for i := 0; i < n; i++ {
		mx0 += px[2*i]
		mx1 += px[2*i+1]
		my0 += py0[i]
		my1 += py1[i]
	}
	fn := float64(n)
	mx0, mx1, my0, my1 = mx0/fn, mx1/fn, my0/fn, my1/fn
	var sx [3]float64 // xx, xy, yy
	var sy [3]float64
	for i := 0; i < n; i++ {
		a, b := px[2*i]-mx0, px[2*i+1]-mx1
		sx[0] += a * a
		sx[1] += a * b
		sx[2] += b * b
		a, b = py0[i]-my0, py1[i]-my1
		sy[0] += a * a
		sy[1] += a * b
		sy[2] += b * b
	}
	for k := range sx {
		sx[k] /= fn
		sy[k] /= fn
	}
	type m2 [3]float64 // symmetric 2×2: [a b; b c]
	det := func(m m2) float64 { return m[0]*m[2] - m[1]*m[1] }
	sqrtm := func(m m2) (m2, bool) {
		d := det(m)
		if !(d > 1e-12*(m[0]+m[2])*(m[0]+m[2])) {
			return m2{}, false
		}
		s := math.Sqrt(d)
		t := math.Sqrt(m[0] + m[2] + 2*s)
		return m2{(m[0] + s) / t, m[1] / t, (m[2] + s) / t}, true
	}
	inv := func(m m2) m2 {
		d := det(m)
		return m2{m[2] / d, -m[1] / d, m[0] / d}
	}
	mul := func(p, q m2) [4]float64 { // general product
		return [4]float64{p[0]*q[0] + p[1]*q[1], p[0]*q[1] + p[1]*q[2], p[1]*q[0] + p[2]*q[1], p[1]*q[1] + p[2]*q[2]}
	}
	S, ok := sqrtm(m2(sx))
	if !ok {
		return false
	}
	if _, ok := sqrtm(m2(sy)); !ok {
		return false
	}
	// M = S Σy S (symmetric)
	t := mul(S, m2(sy))
	M := m2{t[0]*S[0] + t[1]*S[1], t[0]*S[1] + t[1]*S[2], t[2]*S[1] + t[3]*S[2]}
	R, ok := sqrtm(M)
	if !ok {
		return false
	}
	Si := inv(S)
	u := mul(Si, R)
	A := m2{u[0]*Si[0] + u[1]*Si[1], u[0]*Si[1] + u[1]*Si[2], u[2]*Si[1] + u[3]*Si[2]}
	Ai := inv(A)
	// c = A⁻¹ μy − μx
	c0 := Ai[0]*my0 + Ai[1]*my1 - mx0
	c1 := Ai[1]*my0 + Ai[2]*my1 - mx1
	q0, q1, q2 := 1-Ai[0], -Ai[1], 1-Ai[2]
	hi := math.Inf(-1)
	for j := 0; j < n; j++ {
		a, b := py0[j], py1[j]
		v[j] = q0*a*a + 2*q1*a*b + q2*b*b + 2*(c0*a+c1*b)
		hi = max(hi, v[j])
	}
	if math.IsInf(hi, 0) || math.IsNaN(hi) {
		clear(v)
		return false
	}
	for j := range v {
		v[j] -= hi
		if math.IsNaN(v[j]) || math.IsInf(v[j], 0) {
			clear(v)
			return false
		}
	}
	return true
}
