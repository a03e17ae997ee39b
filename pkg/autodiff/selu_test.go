package autodiff

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// bigExp returns exp(x) to 200 bits: the Taylor series of exp(x/1024)
// (|x/1024| < 0.7, 60 terms leave a remainder below 2^-300) squared ten
// times (each squaring loses under a bit).
func bigExp(x float64) *big.Float {
	const prec = 200
	y := new(big.Float).SetPrec(prec).SetFloat64(x / 1024) // exact: a power-of-two scaling
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for j := 1; j <= 60; j++ {
		term.Mul(term, y)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(j)))
		sum.Add(sum, term)
	}
	for i := 0; i < 10; i++ {
		sum.Mul(sum, sum)
	}
	return sum
}

// ulpErr returns |got − exact| in units of the last place of exact rounded
// to float64.
func ulpErr(got float64, exact *big.Float) float64 {
	r, _ := exact.Float64()
	ulp := math.Nextafter(r, math.Inf(1)) - r
	d := new(big.Float).SetPrec(200).SetFloat64(got)
	d.Sub(d, exact)
	df, _ := d.Float64()
	return math.Abs(df) / ulp
}

// TestExpNonPos measures expNonPos against a 200-bit exponential on a grid
// and on random points of [−700, 0], and checks the clamp and the special
// values.
func TestExpNonPos(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var xs []float64
	for x := 0.0; x >= -20; x -= 1.0 / 64 {
		xs = append(xs, x)
	}
	for i := 0; i < 1500; i++ {
		xs = append(xs, -700*rng.Float64(), -rng.ExpFloat64()) // the second dense near 0
	}
	worst, at, worstStd := 0.0, 0.0, 0.0
	for _, x := range xs {
		ex := bigExp(x)
		if u := ulpErr(expNonPos(x), ex); u > worst {
			worst, at = u, x
		}
		worstStd = max(worstStd, ulpErr(math.Exp(x), ex))
	}
	// 1 ulp: the final rounding of 1 + r·s costs 0.5 ulp, the rounding of s
	// (scaled by |r| < 0.35) and of the reduction about 0.25 more, truncation
	// 0.02; a whole ulp would mean a wrong constant or step.
	if worst >= 1 {
		t.Errorf("expNonPos off by %.3g ulp at x = %.17g, want < 1", worst, at)
	}
	t.Logf("max error over %d points: expNonPos %.3f ulp (x = %.6g), math.Exp %.3f ulp", len(xs), worst, at, worstStd)
	cases := []struct {
		x, want, tol float64
	}{
		{0, 1, 0},                              // exp(0) = 1 exactly: r = 0, k = 0
		{math.Copysign(0, -1), 1, 0},           // −0 likewise
		{-701, math.Exp(-701), 1e-304},         // clamped to exp(−700) ≈ 9.86e−305
		{math.Inf(-1), expNonPos(-700), 0},     // clamped
		{-1e300, expNonPos(-700), 0},           // clamped
		{-700, math.Exp(-700), 1e-15 * 1e-304}, // the floor itself is not clamped: a few ulps of 9.86e−305
	}
	for _, c := range cases {
		if got := expNonPos(c.x); math.Abs(got-c.want) > c.tol {
			t.Errorf("expNonPos(%g) = %.17g, want %.17g ± %g", c.x, got, c.want, c.tol)
		}
	}
	if got := expNonPos(math.NaN()); !math.IsNaN(got) {
		t.Errorf("expNonPos(NaN) = %g, want NaN", got)
	}
}

// TestSELUKernel: the vector kernel, the scalar code and Eval agree bit for
// bit for every combination of outputs, with and without a bias, on lengths
// that exercise the vector bodies and the scalar tail, including NaN, ±Inf,
// ±0 and clamped arguments.
func TestSELUKernel(t *testing.T) {
	for _, f256 := range []bool{false, true} {
		force256 = f256
		testSELUKernel(t)
	}
	force256 = false
}

func testSELUKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	specials := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), -700, -750, 1e-310, -1e-310, 710}
	// Bit for bit (so −0 ≠ +0); any NaN matches any NaN.
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	// Up to 83: the AVX-512 kernel's four-vector loop (32 elements) runs
	// twice with every vector tail and scalar tail after it.
	for n := 0; n <= 83; n++ {
		z, b := make([]float64, n), make([]float64, n)
		for i := range z {
			z[i] = 8 * rng.NormFloat64()
			b[i] = rng.NormFloat64()
			if rng.IntN(4) == 0 {
				z[i] = specials[rng.IntN(len(specials))]
			}
		}
		for flags := 0; flags < 16; flags++ {
			var f, d1, d2, bb []float64
			if flags&seluFlagF != 0 {
				f = make([]float64, n)
			}
			if flags&seluFlagD1 != 0 {
				d1 = make([]float64, n)
			}
			if flags&seluFlagD2 != 0 {
				d2 = make([]float64, n)
			}
			if flags&seluFlagB != 0 {
				bb = b
			}
			seluSlice(f, d1, d2, z, bb)
			for i, v := range z {
				if bb != nil {
					v += bb[i]
				}
				wf, w1, w2 := SELU.Eval(v)
				if (f != nil && !same(f[i], wf)) || (d1 != nil && !same(d1[i], w1)) || (d2 != nil && !same(d2[i], w2)) {
					t.Fatalf("force256=%v n=%d flags=%d i=%d z=%g: kernel (%v %v %v), scalar (%g %g %g)", force256, n, flags, i, v, f, d1, d2, wf, w1, w2)
				}
			}
		}
	}
}

// TestApplyBias: the fused bias + activation pass equals adding the bias and
// applying σ, bit for bit, for every activation.
func TestApplyBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	const rows, cols = 5, 7 // 7 columns: a vector step and a scalar tail per row
	z, b := make([]float64, rows*cols), make([]float64, cols)
	for i := range z {
		z[i] = 3 * rng.NormFloat64()
	}
	for i := range b {
		b[i] = rng.NormFloat64()
	}
	for _, a := range acts {
		f, d1 := make([]float64, len(z)), make([]float64, len(z))
		a.ApplyBias(f, d1, z, b)
		zb := make([]float64, len(z))
		for i := range z {
			zb[i] = z[i] + b[i%cols]
		}
		wf, w1 := make([]float64, len(z)), make([]float64, len(z))
		a.ApplyDeriv(wf, w1, zb)
		f2 := append([]float64(nil), z...)
		a.ApplyBias(f2, nil, f2, b) // in place, no derivative
		for i := range z {
			if f[i] != wf[i] || d1[i] != w1[i] || f2[i] != wf[i] {
				t.Fatalf("%v [%d]: fused (%g, %g, in place %g), unfused (%g, %g)", a, i, f[i], d1[i], f2[i], wf[i], w1[i])
			}
		}
	}
}

func BenchmarkSELU(b *testing.B) {
	z, f, d1 := make([]float64, 4096), make([]float64, 4096), make([]float64, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	for b.Loop() {
		SELU.ApplyDeriv(f, d1, z)
	}
}
