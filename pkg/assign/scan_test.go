package assign

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMin2SubMatchesScalar checks the dispatching min2Sub (the AVX2 kernel
// where the CPU has it) against the scalar scan bit for bit, on sizes around
// the kernel's block of 8 and on data with many ties (small integers), where
// the first index of the minimum and a repeated minimum matter.
func TestMin2SubMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 64, 100, 513} {
		for trial := 0; trial < 200; trial++ {
			r, v := make([]float64, n), make([]float64, n)
			ties := trial%2 == 0
			for j := range r {
				if ties {
					r[j], v[j] = float64(rng.IntN(4)), float64(rng.IntN(3))
				} else {
					r[j], v[j] = rng.NormFloat64()*10, rng.NormFloat64()
				}
			}
			u1, u2, j1 := min2Sub(r, v)
			w1, w2, k1 := min2SubGo(r, v, 0, math.Inf(1), math.Inf(1), -1)
			if math.Float64bits(u1) != math.Float64bits(w1) || math.Float64bits(u2) != math.Float64bits(w2) || j1 != k1 {
				t.Fatalf("n=%d trial %d: min2Sub = (%v, %v, %d), scalar (%v, %v, %d)", n, trial, u1, u2, j1, w1, w2, k1)
			}
			// Independent check by sorting semantics: u1 is the minimum, j1
			// its first index, u2 the minimum over all other entries.
			m, first := math.Inf(1), -1
			for j := range r {
				if h := r[j] - v[j]; h < m {
					m, first = h, j
				}
			}
			second := math.Inf(1)
			for j := range r {
				if j != first {
					second = math.Min(second, r[j]-v[j])
				}
			}
			if u1 != m || j1 != first || u2 != second {
				t.Fatalf("n=%d trial %d: min2Sub = (%v, %v, %d), want (%v, %v, %d)", n, trial, u1, u2, j1, m, second, first)
			}
		}
	}
	t.Logf("AVX2 kernel in use: %v", haveAVX2)
}

// TestSqDist2MatchesScalar checks the row kernel against the scalar loop bit
// for bit.
func TestSqDist2MatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 3, 4, 5, 8, 13, 512, 1001} {
		y0, y1 := make([]float64, n), make([]float64, n)
		for j := range y0 {
			y0[j], y1[j] = rng.NormFloat64()*3, rng.NormFloat64()*1e-3
		}
		a, b := rng.NormFloat64(), rng.NormFloat64()
		got, want := make([]float64, n), make([]float64, n)
		sqDist2(got, a, b, y0, y1)
		sqDist2Go(want, a, b, y0, y1)
		for j := range got {
			if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
				t.Fatalf("n=%d: dst[%d] = %v, scalar %v", n, j, got[j], want[j])
			}
			da, db := a-y0[j], b-y1[j]
			if e := math.Abs(got[j] - (da*da + db*db)); e > 1e-15*got[j] {
				t.Fatalf("n=%d: dst[%d] = %v, want %v", n, j, got[j], da*da+db*db)
			}
		}
	}
}

// TestSqMin2MatchesScalar checks the fused distance-and-scan kernel against
// the scalar row followed by the scalar scan, bit for bit.
func TestSqMin2MatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 7, 8, 9, 16, 23, 512, 1003} {
		for trial := 0; trial < 50; trial++ {
			y0, y1, v := make([]float64, n), make([]float64, n), make([]float64, n)
			for j := range y0 {
				if trial%2 == 0 { // a grid: many equal distances
					y0[j], y1[j] = float64(rng.IntN(3)), float64(rng.IntN(3))
				} else {
					y0[j], y1[j], v[j] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
				}
			}
			a, b := float64(rng.IntN(3)), float64(rng.IntN(3))
			row := make([]float64, n)
			sqDist2Go(row, a, b, y0, y1)
			w1, w2, k1 := min2SubGo(row, v, 0, math.Inf(1), math.Inf(1), -1)
			u1, u2, j1 := sqMin2(a, b, y0, y1, v)
			if math.Float64bits(u1) != math.Float64bits(w1) || math.Float64bits(u2) != math.Float64bits(w2) || j1 != k1 {
				t.Fatalf("n=%d trial %d: sqMin2 = (%v, %v, %d), row+scan (%v, %v, %d)", n, trial, u1, u2, j1, w1, w2, k1)
			}
		}
	}
}

// TestReduceLanesMatchesScalar: the vector lane merge equals the scalar
// one bit for bit, on states with ties between lanes (equal first values
// at different indices, repeated values).
func TestReduceLanesMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 2000; trial++ {
		st := min2Start
		for l := 0; l < 8; l++ {
			if trial%2 == 0 {
				st.m1[l] = float64(rng.IntN(3))
				st.m2[l] = st.m1[l] + float64(rng.IntN(2))
			} else {
				st.m1[l] = rng.NormFloat64()
				st.m2[l] = st.m1[l] + rng.ExpFloat64()
			}
			st.idx[l] = int64(l + 8*rng.IntN(50))
		}
		u1, u2, j1 := reduceLanes(&st)
		w1, w2, k1 := st.reduce()
		if math.Float64bits(u1) != math.Float64bits(w1) || math.Float64bits(u2) != math.Float64bits(w2) || j1 != k1 {
			t.Fatalf("trial %d: reduceLanes (%v, %v, %d), reduce (%v, %v, %d)", trial, u1, u2, j1, w1, w2, k1)
		}
	}
}
