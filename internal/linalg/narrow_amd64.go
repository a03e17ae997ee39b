//go:build amd64 && !purego

package linalg

import "github.com/flowbench/flowbench/internal/scratch"

// kernNarrow computes two columns of A·B for chunks·32 rows of A, k =
// 8·kblocks, from in-register transposes of A (narrow_amd64.s); lda is in
// bytes, b the interleaved column pair, out the 32-row chunks of the result.
//
//go:noescape
func kernNarrow(chunks, kblocks int, a *float64, lda int, b *float64, out *float64)

// haveNarrow reports whether gemmNarrow runs here (it needs AVX-512F).
var haveNarrow = have512

// gemmNarrow computes C = A·B (no transposes, beta = 0) for the first
// m − m mod 32 rows with kernNarrow, a column pair per pass, and returns how
// many rows it did; the caller does the rest. Each entry is the chain of
// fused multiply–adds of the tile kernels, so the bits are theirs. k must be
// a multiple of 8.
func gemmNarrow(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) int {
	chunks := m / 32
	rows := 32 * chunks
	if chunks == 0 {
		return 0
	}
	ws := pool.Get().(*workspace)
	ws.b = scratch.Grow(ws.b, 2*k)
	ws.a = scratch.Grow(ws.a, 2*rows)
	bp, out := ws.b, ws.a
	for j0 := 0; j0 < n; j0 += 2 {
		j1 := min(j0+1, n-1) // an odd last column is computed twice
		for p := 0; p < k; p++ {
			bp[2*p], bp[2*p+1] = b[p*ldb+j0], b[p*ldb+j1]
		}
		kernNarrow(chunks, k/8, &a[0], lda*8, &bp[0], &out[0])
		for r := 0; r < rows; r++ {
			o := r>>3<<4 | r&7
			c[r*ldc+j0] = out[o]
			c[r*ldc+j1] = out[o+8]
		}
	}
	pool.Put(ws)
	return rows
}
