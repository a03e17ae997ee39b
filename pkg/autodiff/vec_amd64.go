//go:build amd64 && !purego

package autodiff

// The AVX2 elementwise kernels of vec_amd64.s; n is a multiple of 8.
//
//go:noescape
func vecMul(dst, a, b *float64, n int)

//go:noescape
func vecMulAdd(dst, a, b *float64, n int)

//go:noescape
func vecMul3Add(dst, a, b, c *float64, n int)

//go:noescape
func vecAdd(dst, a *float64, n int)

// haveVec reports whether the kernels run here (AVX2 with FMA, as for SELU).
var haveVec = haveSELUKernel
