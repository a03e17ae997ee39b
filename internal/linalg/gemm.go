package linalg

import (
	"math"
	"sync"

	"github.com/flowbench/flowbench/internal/scratch"
)

// Blocking parameters (Goto and van de Geijn 2008): a kc×nr panel of B stays
// in L1 while the mr×kc panels of an mc×kc block of A stream from L2; the
// kc×nc block of B lives in L2/L3. mc is a multiple of every kernel's mr (6 and
// 4), nc of every nr (16, 8 and 4).
const (
	kc = 256
	mc = 96
	nc = 2048
)

// forceGo selects the Go micro-kernel even where the assembly ones run, and
// force256 the AVX2 kernel where the AVX-512 one runs; tests set them to
// cover every path on one machine.
var forceGo, force256 = false, false

// narrowN is the widest op(B) that gemmNarrow takes: up to this width the
// 6×4 kernel's tiles would be mostly padding. noNarrow turns it off, for the
// tests.
var (
	narrowN  = 4
	noNarrow = false
)

// workspace holds one call's packed panels; pool recycles them so that a
// warmed-up Gemm allocates nothing and concurrent calls never share one.
type workspace struct {
	a, b []float64
	tile [6 * 16]float64
}

var pool = sync.Pool{New: func() any { return new(workspace) }}

// grow returns buf[:n], reallocating only when buf is too short.

// Gemm computes C = op(A)·op(B) + beta·C for row-major matrices, where op(A) is
// m×k and op(B) is k×n. transA/transB select the transpose; lda, ldb, ldc are
// the row strides of the stored matrices (A is stored m×k, or k×m when
// transA; B is stored k×n, or n×k when transB). When beta is 0, C is not read,
// so NaN or Inf there does not reach the result. C must not overlap A or B.
//
// Gemm panics with a "linalg: " message on a negative dimension, a stride
// shorter than its stored row, or a slice too short for its matrix. It is
// safe for concurrent use, allocates nothing once warmed up, and sums every
// entry in a fixed order, so equal inputs give bit-identical results.
func Gemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("linalg: negative dimension")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("A", ar, ac, a, lda)
	checkMatrix("B", br, bc, b, ldb)
	checkMatrix("C", m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	kern := &asmKernel
	switch {
	case !haveAsm || forceGo:
		kern = &goKernel
	case have512 && !force256:
		kern = &asm512Kernel
	}
	if kern == &asm512Kernel && haveNarrow && !noNarrow && !transA && !transB && beta == 0 &&
		n <= narrowN && k%8 == 0 && k <= kc && m >= 32 {
		// One k-block and beta = 0: C = T, as the tile kernels write it.
		done := gemmNarrow(m, n, k, a, lda, b, ldb, c, ldc)
		if m -= done; m == 0 {
			return
		}
		a, c = a[done*lda:], c[done*ldc:]
	}
	gemmBlocked(kern, transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
}

// GemmBias computes C = op(A)·op(B) + 1·biasᵀ, the affine layer applied to
// every row: row i of C is row i of op(A)·op(B) plus bias. len(bias) must be
// at least n. Arguments otherwise as for Gemm; C is overwritten, not read.
// It panics as Gemm does, and if len(bias) < n.
func GemmBias(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, bias []float64, c []float64, ldc int) {
	if n >= 0 && len(bias) < n {
		panic("linalg: bias shorter than n")
	}
	if m > 0 && n > 0 {
		checkMatrix("C", m, n, c, ldc)
		for i := 0; i < m; i++ {
			copy(c[i*ldc:i*ldc+n], bias[:n])
		}
	}
	Gemm(transA, transB, m, n, k, a, lda, b, ldb, 1, c, ldc)
}

// checkMatrix panics unless data holds a rows×cols row-major matrix with
// stride ld.
func checkMatrix(name string, rows, cols int, data []float64, ld int) {
	if ld < max(1, cols) {
		panic("linalg: stride of " + name + " shorter than its row")
	}
	if rows > 0 && cols > 0 && len(data) < (rows-1)*ld+cols {
		panic("linalg: slice of " + name + " too short for its matrix")
	}
}

// scale sets C = beta·C; with beta = 0 it writes zeros without reading C.
func scale(m, n int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// gemmBlocked is Gemm for m, n, k > 0 on the given micro-kernel: loops over
// nc-wide column blocks, kc-deep slices of the inner dimension and mc-tall row
// blocks, then over the nr×mr tiles of the block.
func gemmBlocked(kern *kernel, transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	mr, nr := kern.mr, kern.nr
	// A strided kernel reads full panels of A, and of B when it is not
	// transposed, in place: a panel used by few tiles is cheaper to stream
	// than to copy, and the in-place rows stay in L1/L2 across the tiles that
	// share them. Ragged edge panels are still packed (zero-padded).
	dA := kern.strided
	dB := kern.strided && !transB
	ws := pool.Get().(*workspace)
	tile := ws.tile[:mr*nr]
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		fullN := nb / nr * nr
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			// The first k-block applies beta; later ones add to what is there.
			bet, load := beta, beta != 0
			if pc > 0 {
				bet, load = 1, true
			}
			switch {
			case !dB:
				ws.b = scratch.Grow(ws.b, roundUp(nb, nr)*kb)
				packB(ws.b, transB, b, ldb, pc, kb, jc, nb, nr)
			case fullN < nb:
				ws.b = scratch.Grow(ws.b, nr*kb)
				packB(ws.b, transB, b, ldb, pc, kb, jc+fullN, nb-fullN, nr)
			}
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				fullM := mb / mr * mr
				switch {
				case !dA:
					ws.a = scratch.Grow(ws.a, roundUp(mb, mr)*kb)
					packA(ws.a, transA, a, lda, ic, mb, pc, kb, mr)
				case fullM < mb:
					ws.a = scratch.Grow(ws.a, mr*kb)
					packA(ws.a, transA, a, lda, ic+fullM, mb-fullM, pc, kb, mr)
				}
				for jr := 0; jr < nb; jr += nr {
					cols := min(nr, nb-jr)
					var bp []float64
					rsb := nr
					switch {
					case dB && cols == nr:
						bp, rsb = b[pc*ldb+jc+jr:], ldb
					case dB:
						bp = ws.b[:nr*kb]
					default:
						bp = ws.b[jr*kb : (jr+nr)*kb]
					}
					run, width := kern.run, nr
					if kern.runNarrow != nil && cols <= nr/2 {
						run, width = kern.runNarrow, nr/2
					}
					if kern.runQuarter != nil && cols <= nr/4 {
						run, width = kern.runQuarter, nr/4
					}
					ir0 := 0
					if kern.runPanels != nil && dA && width == nr && cols == nr && fullM >= 2*mr {
						// The full row panels of this column in one call.
						var ap []float64
						rsa, csa, astep := lda, 1, mr*lda
						if transA {
							ap, rsa, csa, astep = a[pc*lda+ic:], 1, lda, mr
						} else {
							ap = a[ic*lda+pc:]
						}
						off := ic*ldc + jc + jr
						kern.runPanels(fullM/mr, astep, mr*ldc, kb, ap, rsa, csa, bp, rsb, c[off:], ldc, bet, load)
						ir0 = fullM
					}
					for ir := ir0; ir < mb; ir += mr {
						rows := min(mr, mb-ir)
						var ap []float64
						rsa, csa := 1, mr
						switch {
						case dA && rows == mr && transA:
							ap, rsa, csa = a[pc*lda+ic+ir:], 1, lda
						case dA && rows == mr:
							ap, rsa, csa = a[(ic+ir)*lda+pc:], lda, 1
						case dA:
							ap = ws.a[:mr*kb]
						default:
							ap = ws.a[ir*kb : (ir+mr)*kb]
						}
						off := (ic+ir)*ldc + jc + jr
						if rows == mr && cols == width {
							run(kb, ap, rsa, csa, bp, rsb, c[off:], ldc, bet, load)
							continue
						}
						// Edge tile: compute the full padded tile aside,
						// then update only the entries inside C.
						run(kb, ap, rsa, csa, bp, rsb, tile, nr, 0, false)
						for r := 0; r < rows; r++ {
							crow := c[off+r*ldc : off+r*ldc+cols]
							trow := tile[r*nr : r*nr+cols]
							switch {
							case !load:
								copy(crow, trow)
							case kern.fused:
								for j, t := range trow {
									crow[j] = math.FMA(bet, crow[j], t)
								}
							default:
								for j, t := range trow {
									crow[j] = bet*crow[j] + t
								}
							}
						}
					}
				}
			}
		}
	}
	pool.Put(ws)
}

func roundUp(x, q int) int { return (x + q - 1) / q * q }

// packA copies rows [i0, i0+mb) × columns [p0, p0+kb) of op(A) into dst as
// consecutive mr×kb panels, panel q holding rows i0+q·mr … in the layout
// dst[q·mr·kb + p·mr + r]; rows past mb are zero.
func packA(dst []float64, transA bool, a []float64, lda, i0, mb, p0, kb, mr int) {
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		panel := dst[ir*kb : (ir+mr)*kb]
		if transA {
			// op(A)[i][p] = a[p·lda + i]: each step p copies a contiguous run.
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i0+ir:]
				d := panel[p*mr : p*mr+mr]
				copy(d[:rows], src[:rows])
				clear(d[rows:])
			}
			continue
		}
		// op(A)[i][p] = a[i·lda + p]: gather one entry from each row per step.
		if rows == 6 && mr == 6 {
			s0 := a[(i0+ir)*lda+p0 : (i0+ir)*lda+p0+kb]
			s1 := a[(i0+ir+1)*lda+p0 : (i0+ir+1)*lda+p0+kb]
			s2 := a[(i0+ir+2)*lda+p0 : (i0+ir+2)*lda+p0+kb]
			s3 := a[(i0+ir+3)*lda+p0 : (i0+ir+3)*lda+p0+kb]
			s4 := a[(i0+ir+4)*lda+p0 : (i0+ir+4)*lda+p0+kb]
			s5 := a[(i0+ir+5)*lda+p0 : (i0+ir+5)*lda+p0+kb]
			for p := range s0 {
				d := panel[p*6 : p*6+6 : p*6+6]
				d[0], d[1], d[2], d[3], d[4], d[5] = s0[p], s1[p], s2[p], s3[p], s4[p], s5[p]
			}
			continue
		}
		for r := 0; r < mr; r++ {
			if r >= rows {
				for p := 0; p < kb; p++ {
					panel[p*mr+r] = 0
				}
				continue
			}
			src := a[(i0+ir+r)*lda+p0 : (i0+ir+r)*lda+p0+kb]
			for p, v := range src {
				panel[p*mr+r] = v
			}
		}
	}
}

// packB copies rows [p0, p0+kb) × columns [j0, j0+nb) of op(B) into dst as
// consecutive kb×nr panels, panel q holding columns j0+q·nr … in the layout
// dst[q·nr·kb + p·nr + j]; columns past nb are zero.
func packB(dst []float64, transB bool, b []float64, ldb, p0, kb, j0, nb, nr int) {
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		panel := dst[jr*kb : (jr+nr)*kb]
		if !transB {
			// op(B)[p][j] = b[p·ldb + j]: each step p copies a contiguous run.
			for p := 0; p < kb; p++ {
				src := b[(p0+p)*ldb+j0+jr:]
				d := panel[p*nr : p*nr+nr]
				copy(d[:cols], src[:cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j·ldb + p]: scatter each stored row into column j.
		for j := 0; j < nr; j++ {
			if j >= cols {
				for p := 0; p < kb; p++ {
					panel[p*nr+j] = 0
				}
				continue
			}
			src := b[(j0+jr+j)*ldb+p0 : (j0+jr+j)*ldb+p0+kb]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
	}
}
