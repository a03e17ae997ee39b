// Package linalg holds the dense kernels the models' hot loops run on.
//
// The one operation is the general matrix product (BLAS Dgemm with alpha = 1)
// on row-major float64 storage,
//
//	C ← op(A)·op(B) + β·C,   op(X) = X or Xᵀ,
//
// with op(A) m×k, op(B) k×n and C m×n, plus the fused convenience GemmBias,
//
//	C ← op(A)·op(B) + 1·biasᵀ,
//
// the affine layer of the MLP vector fields (docs/MATH.md §6: input d + 1, hidden
// widths 64) on a batch stored one point per row, Y = X·W + 1·bᵀ.
//
// The product follows the blocked scheme of Goto and van de Geijn, "Anatomy of
// High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008, and its BLIS
// refinement (Van Zee and van de Geijn, ACM TOMS 41(3), 2015): op(B) is cut
// in kc×nr column panels, op(A) in mr×kc row panels (packed contiguously, or
// read in place by the assembly kernel when the layout allows), and a
// register-blocked micro-kernel accumulates an mr×nr tile of C as a sequence
// of rank-1 updates
//
//	Ĉ ← Ĉ + a_p·b_pᵀ,   p = 0, …, kc−1,
//
// held entirely in registers. On amd64 with AVX2 and FMA the micro-kernel is
// assembly (6×8 doubles in twelve ymm registers), and with AVX-512F a 6×16
// one in twelve zmm registers, which doubles the throughput where the FMA
// units are 512 bits wide; the 6×8 and 6×4 kernels serve narrow last panels.
// Both assembly kernels compute every entry as the same chain of fused
// multiply–adds, so they give bit-identical results. With AVX-512, a product
// with at most four columns (an output layer) instead runs with the lanes
// over rows of A, transposed in registers 8×8 at a time, and the same chain
// per entry. Elsewhere, and under
// the purego build tag, it is a 4×4 Go kernel.
//
// Determinism: every entry of C is summed in the fixed order p = 0, 1, …, k−1
// (k split into blocks of kc, each block's partial sum added to C in turn), so
// the result depends only on the inputs, the kernel in use and kc — never on
// the position of the entry inside a tile, the goroutine, or timing. Gemm
// never starts goroutines and is safe to call from several at once.
package linalg
