package autodiff

import "math"

// The SELU exponential. SELU needs exp(z) only for z ≤ 0, where the result
// lies in (0, 1]; expNonPos computes it with the classic reduction
//
//	z = k·ln2 + r,  k = round(z/ln2),  |r| ≤ ln2/2,
//	exp(z) = 2^k · exp(r),
//
// exp(r) from its Taylor polynomial of degree 13 (truncation error below
// r^14/14! < 5e-18, 0.02 ulp), evaluated by Horner's rule with fused
// multiply–adds, and 2^k added straight into the exponent bits. Every step
// is a fixed sequence of correctly rounded IEEE operations, so the scalar Go
// code and the vector kernels (seluKernel) give bit-identical results; the
// error against math.Exp is measured in TestExpNonPos. Arguments below
// expFloor are clamped to it: exp(−700) ≈ 1e−304, so the clamp changes the
// result by less than 1e−304 in absolute terms and keeps 2^k normal.
const (
	expLog2e   = 1.4426950408889634     // 1/ln 2
	expShifter = 0x1.8p52               // adding it rounds to an integer held in the low mantissa bits
	expLn2Hi   = 0x1.62e42fefa39efp-1   // ln 2 rounded to double
	expLn2Lo   = 0x1.abc9e3b39803fp-56  // ln 2 − expLn2Hi
	expFloor   = -700.0                 // clamp for the argument
	seluLA     = seluLambda * seluAlpha // λα
	expDegree  = 13                     // degree of the Taylor polynomial of exp(r)
	seluTabLen = 8 + expDegree - 1      // constants in seluTab
	seluMinVec = 4                      // elements per vector step of the kernel
	seluFlagF  = 1                      // seluKernel flags: store f,
	seluFlagD1 = 2                      // store σ',
	seluFlagD2 = 4                      // store σ″,
	seluFlagB  = 8                      // add the bias before σ.
)

// expCoef holds 1/j! for j = 13, 12, …, 2 (Horner order); the final two
// Horner steps use the coefficient 1.
var expCoef = func() (c [expDegree - 1]float64) {
	f := 1.0
	for j := 2; j <= expDegree; j++ {
		f *= float64(j) // exact: 13! < 2^53
		c[expDegree-j] = 1 / f
	}
	return c
}()

// seluTab is the vector kernel's constant table, each constant replicated in
// the four lanes of a 256-bit register: log2e, shifter, −ln2hi, −ln2lo,
// floor, 1, λα, λ, then expCoef.
var seluTab = func() (t [seluTabLen][4]float64) {
	vals := []float64{expLog2e, expShifter, -expLn2Hi, -expLn2Lo, expFloor, 1, seluLA, seluLambda}
	vals = append(vals, expCoef[:]...)
	for i, v := range vals {
		t[i] = [4]float64{v, v, v, v}
	}
	return t
}()

// expNonPos returns exp(x) for x ≤ 0 (NaN for NaN) within about 1 ulp; see
// the constant block above for the method.
func expNonPos(x float64) float64 {
	if x < expFloor {
		x = expFloor
	}
	t := math.FMA(x, expLog2e, expShifter)
	k := t - expShifter
	r := math.FMA(k, -expLn2Hi, x)
	r = math.FMA(k, -expLn2Lo, r)
	s := expCoef[0]
	for _, c := range expCoef[1:] {
		s = math.FMA(s, r, c)
	}
	s = math.FMA(s, r, 1)
	e := math.FMA(s, r, 1)
	e = math.Float64frombits(math.Float64bits(e) + math.Float64bits(t)<<52)
	return e + (x - x) // x − x is NaN for NaN x (whose exponent bits the scaling may have changed), else 0
}

// seluScalar returns selu(z), selu'(z) and selu″(z) with expNonPos; the vector
// kernel computes the same operations lane by lane.
func seluScalar(z float64) (f, d1, d2 float64) {
	if z > 0 {
		return seluLambda * z, seluLambda, 0
	}
	e := seluLA * expNonPos(z)
	return e - seluLA, e, e
}

// seluGo is the portable loop behind seluSlice for elements [from, len(z)).
func seluGo(f, d1, d2, z, b []float64, from int) {
	for i := from; i < len(z); i++ {
		v := z[i]
		if b != nil {
			v += b[i]
		}
		fv, g1, g2 := seluScalar(v)
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

// seluSlice writes selu, selu' and selu″ of z (plus b elementwise when b is
// not nil) into f, d1 and d2, each of which may be nil; every non-nil slice is
// at least len(z) long. f may alias z.
func seluSlice(f, d1, d2, z, b []float64) {
	n := len(z)
	if n == 0 {
		return
	}
	pf, p1, p2, pz, pb, flags := kernelArgs(f, d1, d2, z, b)
	done := 0
	if haveSELUKernel && n >= seluMinVec {
		done = seluVec(pf, p1, p2, pz, pb, n, flags)
	}
	seluGo(f, d1, d2, z, b, done)
}

// kernelArgs turns the slices of an activation call into the assembly
// kernels' arguments: pointers to the first n = len(z) elements (nil for a
// nil slice) and the seluFlag bits saying which are present. It panics if
// a non-nil slice is shorter than z; z must not be empty.
func kernelArgs(f, d1, d2, z, b []float64) (pf, p1, p2, pz, pb *float64, flags int) {
	n := len(z)
	pz = &z[0]
	if f != nil {
		pf, flags = &f[:n][0], flags|seluFlagF
	}
	if d1 != nil {
		p1, flags = &d1[:n][0], flags|seluFlagD1
	}
	if d2 != nil {
		p2, flags = &d2[:n][0], flags|seluFlagD2
	}
	if b != nil {
		pb, flags = &b[:n][0], flags|seluFlagB
	}
	return pf, p1, p2, pz, pb, flags
}
