package autodiff

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestSiLUKernel: the vector kernel, the scalar code and Eval agree bit for
// bit for every combination of outputs, with and without a bias, on lengths
// that exercise the vector body and the scalar tail, including NaN, ±Inf,
// ±0 and clamped arguments.
func TestSiLUKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	specials := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), -700, -750, 1e-310, -1e-310, 710, 40, -40}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	for n := 0; n <= 23; n++ {
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
			siluSlice(f, d1, d2, z, bb)
			for i, v := range z {
				if bb != nil {
					v += bb[i]
				}
				wf, w1, w2 := SiLU.Eval(v)
				if (f != nil && !same(f[i], wf)) || (d1 != nil && !same(d1[i], w1)) || (d2 != nil && !same(d2[i], w2)) {
					t.Fatalf("n=%d flags=%d i=%d z=%g: kernel (%v %v %v), scalar (%g %g %g)", n, flags, i, v, f, d1, d2, wf, w1, w2)
				}
			}
		}
	}
}

// TestSiLUValues: silu and its derivatives against the closed forms
// evaluated in 200-bit arithmetic (sigmoid from a big.Float exponential
// series), and the exact values silu(0) = 0, silu'(0) = silu″(0) = 1/2.
func TestSiLUValues(t *testing.T) {
	const prec = 200
	bigExp := func(x float64) *big.Float {
		// exp(x) = exp(x/2^k)^(2^k) with the series on |x/2^k| < 1/2.
		k := 0
		for math.Abs(x) > 0.5 {
			x /= 2
			k++
		}
		xb := new(big.Float).SetPrec(prec).SetFloat64(x)
		sum := new(big.Float).SetPrec(prec).SetFloat64(1)
		term := new(big.Float).SetPrec(prec).SetFloat64(1)
		for j := 1; j < 60; j++ {
			term.Mul(term, xb)
			term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(j)))
			sum.Add(sum, term)
		}
		for ; k > 0; k-- {
			sum.Mul(sum, sum)
		}
		return sum
	}
	for _, z := range []float64{-30, -8.5, -3, -1, -0.25, -1e-3, 1e-3, 0.25, 1, 2.5, 7, 30} {
		one := new(big.Float).SetPrec(prec).SetFloat64(1)
		zb := new(big.Float).SetPrec(prec).SetFloat64(z)
		s := new(big.Float).SetPrec(prec).Quo(one, new(big.Float).SetPrec(prec).Add(one, bigExp(-z)))
		om := new(big.Float).SetPrec(prec).Sub(one, s)
		f := new(big.Float).SetPrec(prec).Mul(zb, s)
		// σ' = s(1 + z(1 − s)); σ″ = s(1 − s)(2 + z(1 − 2s)).
		d1 := new(big.Float).SetPrec(prec).Mul(s, new(big.Float).SetPrec(prec).Add(one, new(big.Float).SetPrec(prec).Mul(zb, om)))
		two := new(big.Float).SetPrec(prec).SetFloat64(2)
		oms2 := new(big.Float).SetPrec(prec).Sub(one, new(big.Float).SetPrec(prec).Mul(two, s))
		d2 := new(big.Float).SetPrec(prec).Mul(new(big.Float).SetPrec(prec).Mul(s, om),
			new(big.Float).SetPrec(prec).Add(two, new(big.Float).SetPrec(prec).Mul(zb, oms2)))
		gf, g1, g2 := SiLU.Eval(z)
		for _, c := range []struct {
			name string
			got  float64
			want *big.Float
		}{{"f", gf, f}, {"d1", g1, d1}, {"d2", g2, d2}} {
			w, _ := c.want.Float64()
			// 1e-14: a few roundings of O(1) terms; σ″ near its zeros
			// (cancellation in 2 + z(1 − 2s)) gets an absolute 1e-16.
			if math.Abs(c.got-w) > 1e-14*math.Abs(w)+1e-16 {
				t.Errorf("silu %s(%g) = %.17g, want %.17g", c.name, z, c.got, w)
			}
		}
	}
	if f, d1, d2 := SiLU.Eval(0); f != 0 || d1 != 0.5 || d2 != 0.5 {
		t.Errorf("silu at 0: (%g, %g, %g), want (0, 0.5, 0.5)", f, d1, d2)
	}
}
