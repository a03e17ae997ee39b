package autodiff

import "math"

// SiLU (Elfwing et al. 2018; "swish"): σ(z) = z·s with s = sigmoid(z) =
// 1/(1 + exp(−z)), σ'(z) = s·(1 + z·(1 − s)), σ″(z) = s(1 − s)·(2 + z(1 − 2s)).
// The exponential is always taken of −|z| ≤ 0, with expNonPos (SELU's
// exponential, within about 1 ulp):
//
//	e = exp(−|z|),  q = 1/(1 + e),  s = q (z ≥ 0) or e·q (z < 0),
//
// which never overflows, and 1 − s = sigmoid(−z) is the other one of q and
// e·q, free of the cancellation of 1 − s for large z. Arguments below −700 use exp(−700) ≈ 1e−304 for
// exp(z): σ(z) is then off by less than 1e−300 in absolute terms. The Go code
// here and the vector kernel (siluKernel) perform the same correctly
// rounded operations, so they agree bit for bit.

// siluTab is the kernel's constant table (rows of four lanes): log2e,
// shifter, −ln2hi, −ln2lo, floor, 1, 2, −0, then expCoef — seluTab's layout
// with 2 and the sign bit in place of λα and λ.
var siluTab = func() (t [seluTabLen][4]float64) {
	vals := []float64{expLog2e, expShifter, -expLn2Hi, -expLn2Lo, expFloor, 1, 2, math.Copysign(0, -1)}
	vals = append(vals, expCoef[:]...)
	for i, v := range vals {
		t[i] = [4]float64{v, v, v, v}
	}
	return t
}()

// siluScalar returns silu(z), silu'(z) and silu″(z) as the package comment
// computes them; the vector kernel performs the same operations lane by lane.
func siluScalar(z float64) (f, d1, d2 float64) {
	e := expNonPos(-math.Abs(z))
	q := 1 / (1 + e)
	s, om := e*q, q
	if z >= 0 {
		s, om = q, e*q
	}
	f = z * s
	d1 = s * (1 + z*om)
	d2 = (s * om) * (2 + z*(om-s))
	return f, d1, d2
}

// siluGo is the portable loop behind siluSlice for elements [from, len(z)).
func siluGo(f, d1, d2, z, b []float64, from int) {
	for i := from; i < len(z); i++ {
		v := z[i]
		if b != nil {
			v += b[i]
		}
		fv, g1, g2 := siluScalar(v)
		if f != nil {
			f[i] = fv
		}
		if d1 != nil {
			d1[i] = g1
		}
		if d2 != nil {
			d2[i] = g2
		}
	}
}

// siluSlice writes silu, silu' and silu″ of z (plus b elementwise when b is
// not nil) into f, d1 and d2, each of which may be nil; every non-nil slice is
// at least len(z) long. f may alias z.
func siluSlice(f, d1, d2, z, b []float64) {
	n := len(z)
	if n == 0 {
		return
	}
	pf, p1, p2, pz, pb, flags := kernelArgs(f, d1, d2, z, b)
	done := 0
	if haveSELUKernel && n >= 4 {
		done = n &^ 3
		siluVec(pf, p1, p2, pz, pb, done, flags)
	}
	siluGo(f, d1, d2, z, b, done)
}
