package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVecKernels: the vector elementwise loops equal the plain Go
// expressions bit for bit on lengths with and without a scalar tail, and
// so do the exported Mul and Add with dst aliasing an operand.
func TestVecKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for n := 0; n <= 27; n++ {
		a, b, c, d0 := normals(rng, n), normals(rng, n), normals(rng, n), normals(rng, n)
		got := [4][]float64{make([]float64, n), append([]float64(nil), d0...), append([]float64(nil), d0...), append([]float64(nil), d0...)}
		mulTo(got[0], a, b)
		mulAddTo(got[1], a, b)
		mul3AddTo(got[2], a, b, c)
		addTo(got[3], a)
		for i := 0; i < n; i++ {
			want := [4]float64{a[i] * b[i], d0[i] + a[i]*b[i], d0[i] + a[i]*b[i]*c[i], d0[i] + a[i]}
			for q := range want {
				if got[q][i] != want[q] {
					t.Fatalf("n=%d op %d [%d] = %v, want %v", n, q, i, got[q][i], want[q])
				}
			}
		}
		// The exported Mul and Add, in place (dst is an operand).
		m, s := append([]float64(nil), a...), append([]float64(nil), d0...)
		Mul(m, m, b)
		Add(s, s)
		for i := 0; i < n; i++ {
			if math.Float64bits(m[i]) != math.Float64bits(a[i]*b[i]) || math.Float64bits(s[i]) != math.Float64bits(d0[i]+d0[i]) {
				t.Fatalf("n=%d [%d]: Mul %v, Add %v; want %v, %v", n, i, m[i], s[i], a[i]*b[i], d0[i]+d0[i])
			}
		}
	}
}
