//go:build amd64 && !purego

package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// seluInputs returns n arguments of the given kind: "mixed" (normal, scale
// 8, about half positive, a quarter replaced by special values), "pos"
// (all > 0), "neg" (all ≤ 0) or "edge" (only special values and values
// around the clamp, exp underflow and zero).
func seluInputs(rng *rand.Rand, kind string, n int) []float64 {
	specials := []float64{
		0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0xfff8_0000_dead_beef),
		math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e-310, -1e-310,
		-700, math.Nextafter(-700, 0), math.Nextafter(-700, -1), -708.4, -709.8, -745.1, -750, -1e300,
		-0.5 * math.Ln2, 0.5 * math.Ln2, -math.Ln2, 1e-17, -1e-17, 710, 1e300,
	}
	z := make([]float64, n)
	for i := range z {
		switch kind {
		case "mixed":
			z[i] = 8 * rng.NormFloat64()
			if rng.IntN(4) == 0 {
				z[i] = specials[rng.IntN(len(specials))]
			}
		case "pos":
			z[i] = math.Abs(8*rng.NormFloat64()) + math.SmallestNonzeroFloat64
		case "neg":
			z[i] = -math.Abs(8 * rng.NormFloat64())
			if rng.IntN(8) == 0 {
				z[i] = math.Copysign(0, -1)
			}
		case "edge":
			z[i] = specials[rng.IntN(len(specials))]
			if rng.IntN(2) == 0 {
				z[i] *= 1 + 1e-15*rng.NormFloat64()
			}
		}
	}
	return z
}

// TestSELUKernel512Packed: seluKernel512 (exponential on the packed lanes
// with z ≤ 0) equals the scalar seluGo bit for bit (any NaN matches any NaN),
// for every output combination, with and without a bias, in place (f = z)
// and not, for every multiple of 8 up to 104 and for lengths across several
// 512-element blocks, on mixed, all-positive, all-negative and edge inputs.
func TestSELUKernel512Packed(t *testing.T) {
	if !have512 {
		t.Skip("no AVX-512F")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	var lengths []int
	for n := 8; n <= 104; n += 8 {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 504, 512, 520, 1024, 1288, 2048, 4000)
	for _, kind := range []string{"mixed", "pos", "neg", "edge"} {
		for _, n := range lengths {
			z, b := seluInputs(rng, kind, n), seluInputs(rng, "mixed", n)
			for flags := 0; flags < 16; flags++ {
				for _, inPlace := range []bool{false, true} {
					if inPlace && flags&seluFlagF == 0 {
						continue
					}
					var want [3][]float64
					for j := range 3 {
						if flags&(seluFlagF<<j) != 0 {
							want[j] = make([]float64, n)
						}
					}
					var bb []float64
					if flags&seluFlagB != 0 {
						bb = b
					}
					seluGo(want[0], want[1], want[2], z, bb, 0)

					zz := append([]float64(nil), z...)
					var got [3][]float64
					var p [3]*float64
					for j := range 3 {
						got[j] = make([]float64, n)
						for i := range got[j] {
							got[j][i] = -12345 // untouched unless the flag asks
						}
						p[j] = &got[j][0]
					}
					if inPlace {
						got[0], p[0] = zz, &zz[0]
					}
					var pb *float64
					if bb != nil {
						pb = &bb[0]
					}
					seluKernel512(p[0], p[1], p[2], &zz[0], pb, n, flags, &seluTab[0][0])
					for i := range z {
						if !inPlace && math.Float64bits(zz[i]) != math.Float64bits(z[i]) {
							t.Fatalf("%s n=%d flags=%d: kernel overwrote z[%d]", kind, n, flags, i)
						}
					}
					for j := range 3 {
						for i := range n {
							g := got[j][i]
							if want[j] == nil {
								if !(inPlace && j == 0) && g != -12345 {
									t.Fatalf("%s n=%d flags=%d: output %d [%d] written without its flag", kind, n, flags, j, i)
								}
								continue
							}
							w := want[j][i]
							if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
								t.Fatalf("%s n=%d flags=%d inPlace=%v output %d [%d] z=%g: kernel %#x (%g), scalar %#x (%g)",
									kind, n, flags, inPlace, j, i, z[i], math.Float64bits(g), g, math.Float64bits(w), w)
							}
						}
					}
				}
			}
		}
	}
}

// BenchmarkSELU512: seluKernel512 on 4096 elements (σ and σ'), for normal
// inputs (half positive), all positive and all negative: the packed
// exponential's cost follows the share of non-positive lanes; ns/elem is the
// time per element.
func BenchmarkSELU512(b *testing.B) {
	if !have512 {
		b.Skip("no AVX-512F")
	}
	const n = 4096
	f, d1 := make([]float64, n), make([]float64, n)
	for _, data := range []string{"mixed", "pos", "neg"} {
		z := make([]float64, n)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range z {
			z[i] = rng.NormFloat64()
			switch data {
			case "pos":
				z[i] = math.Abs(z[i]) + 1e-3
			case "neg":
				z[i] = -math.Abs(z[i])
			}
		}
		b.Run(data, func(b *testing.B) {
			for b.Loop() {
				seluKernel512(&f[0], &d1[0], nil, &z[0], nil, n, seluFlagF|seluFlagD1, &seluTab[0][0])
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
		})
	}
}
