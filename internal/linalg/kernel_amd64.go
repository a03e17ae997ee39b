//go:build amd64 && !purego

package linalg

import (
	"math"

	"golang.org/x/sys/cpu"
)

// haveAsm reports whether this CPU runs the AVX2/FMA micro-kernel.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kern6x8 accumulates the 6×8 tile T = Σ_p a_p b_pᵀ over p < k, where row r of
// a_p is at a + r·rsa + p·csa (strides in bytes) and b_p is the 8 contiguous
// doubles at b + 64·p. With load it stores C ← fma(beta, C, T), otherwise
// C ← T without reading C. Rows of C are ldc bytes apart.
//
//go:noescape
func kern6x8(k int, a *float64, rsa, csa int, b *float64, c *float64, ldc int, beta float64, load bool)

// asmKernel is the AVX2/FMA micro-kernel over packed panels.
var asmKernel = kernel{
	mr: 6, nr: 8,
	run: func(k int, a, b, c []float64, ldc int, beta float64, load bool) {
		kern6x8(k, &a[0], 8, 6*8, &b[0], &c[0], ldc*8, beta, load)
	},
	combine: math.FMA,
}
