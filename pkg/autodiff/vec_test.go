package autodiff

import (
	"math/rand/v2"
	"testing"
)

// TestVecKernels: the vector elementwise loops equal the plain Go
// expressions bit for bit on lengths with and without a scalar tail.
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
	}
}
