//go:build amd64 && !purego

package linalg

import "golang.org/x/sys/cpu"

// haveAsm reports whether this CPU runs the AVX2/FMA micro-kernels, have512
// whether it also runs the AVX-512F one.
var (
	haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	have512 = haveAsm && cpu.X86.HasAVX512F
)

// kern6x8 accumulates the 6×8 tile T = Σ_{p<k} a_p b_pᵀ, where a_p[r] is at
// a + r·rsa + p·csa and b_p is the 8 contiguous doubles at b + p·rsb (strides
// in bytes). With load it stores C ← fma(beta, C, T), otherwise C ← T without
// reading C. Rows of C are ldc bytes apart.
//
//go:noescape
func kern6x8(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, ldc int, beta float64, load bool)

// kern6x4 is kern6x8 for a 6×4 tile: b_p is the 4 doubles at b + p·rsb.
//
//go:noescape
func kern6x4(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, ldc int, beta float64, load bool)

// kern6x16 is kern6x8 for a 6×16 tile in 512-bit registers (AVX-512F): b_p
// is the 16 doubles at b + p·rsb. Every entry is the same chain of fused
// multiply–adds as in kern6x8, so the results are bit-identical. It computes
// panels such tiles, the i-th with A at a + i·astep and C at c + i·cstep
// (bytes).
//
//go:noescape
func kern6x16(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, ldc int, beta float64, load bool, panels, astep, cstep int)

// asm512Kernel is the AVX-512F micro-kernel: 6×16 tiles, with kern6x8 for a
// last panel of at most 8 columns and kern6x4 for one of at most 4.
var asm512Kernel = kernel{
	mr: 6, nr: 16, strided: true,
	run: func(k int, a []float64, rsa, csa int, b []float64, rsb int, c []float64, ldc int, beta float64, load bool) {
		kern6x16(k, &a[0], rsa*8, csa*8, &b[0], rsb*8, &c[0], ldc*8, beta, load, 1, 0, 0)
	},
	runPanels: func(panels, astep, cstep int, k int, a []float64, rsa, csa int, b []float64, rsb int, c []float64, ldc int, beta float64, load bool) {
		kern6x16(k, &a[0], rsa*8, csa*8, &b[0], rsb*8, &c[0], ldc*8, beta, load, panels, astep*8, cstep*8)
	},
	runNarrow:  asmKernel.run,
	runQuarter: asmKernel.runNarrow,
	fused:      true,
}

// asmKernel is the AVX2/FMA micro-kernel; it reads A and B in place as well as
// packed.
var asmKernel = kernel{
	mr: 6, nr: 8, strided: true,
	run: func(k int, a []float64, rsa, csa int, b []float64, rsb int, c []float64, ldc int, beta float64, load bool) {
		kern6x8(k, &a[0], rsa*8, csa*8, &b[0], rsb*8, &c[0], ldc*8, beta, load)
	},
	runNarrow: func(k int, a []float64, rsa, csa int, b []float64, rsb int, c []float64, ldc int, beta float64, load bool) {
		kern6x4(k, &a[0], rsa*8, csa*8, &b[0], rsb*8, &c[0], ldc*8, beta, load)
	},
	fused: true,
}
