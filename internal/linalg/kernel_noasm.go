//go:build !amd64 || purego

package linalg

// haveAsm is false: this build has no assembly micro-kernel.
const (
	haveAsm = false
	have512 = false
)

// asmKernel is never selected in this build (haveAsm is false); it aliases the
// Go kernel so that the dispatch code is the same on every architecture.
var asmKernel = goKernel

// asm512Kernel likewise aliases the Go kernel.
var asm512Kernel = goKernel

// haveNarrow is false: gemmNarrow's kernel is assembly.
const haveNarrow = false

func gemmNarrow(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) int {
	panic("linalg: no narrow kernel in this build")
}
