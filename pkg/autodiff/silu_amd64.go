//go:build amd64 && !purego

package autodiff

// siluVec runs siluKernel on z[0:n], n a multiple of 4.
func siluVec(f, d1, d2, z, b *float64, n, flags int) {
	siluKernel(f, d1, d2, z, b, n, flags, &siluTab[0][0])
}

// siluKernel applies SiLU to z[0:n] (n a multiple of 4, AVX2 and FMA),
// adding b first when flags has seluFlagB, and stores f, σ', σ″ as flags
// ask (seluFlag*); tab is &siluTab. Each lane performs exactly the
// operations of siluScalar.
//
//go:noescape
func siluKernel(f, d1, d2, z, b *float64, n, flags int, tab *float64)
