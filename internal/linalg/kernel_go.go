package linalg

// microFunc accumulates a tile T = Σ_{p<k} a_p b_pᵀ, with a_p[r] = a[r·rsa +
// p·csa] and b_p[j] = b[p·rsb + j] (strides in elements), and writes row r of
// T to c[r·ldc:], as combine(beta, C, T) when load is set and as T (without
// reading C) otherwise.
type microFunc func(k int, a []float64, rsa, csa int, b []float64, rsb int, c []float64, ldc int, beta float64, load bool)

// kernel is a register-blocked micro-kernel of mr×nr tiles. Unless strided,
// run accepts only packed panels: rsa = 1, csa = mr, rsb = nr. runNarrow, if
// set, computes only the first nr/2 columns (for a narrow last panel), and
// runQuarter, if set, only the first nr/4. runPanels, if set, computes a
// column of full tiles read in place in one call.
// fused says that the kernel updates C as fma(beta, C, T) rather than
// beta·C + T; the scalar edge path follows it, so an entry gets the same
// arithmetic wherever its tile lies.
type kernel struct {
	mr, nr     int
	strided    bool
	run        microFunc
	runPanels  panelsFunc
	runNarrow  microFunc
	runQuarter microFunc
	fused      bool
}

// panelsFunc is run for panels full tiles one below the other, tile i
// reading A at a[i·astep:] and writing C at c[i·cstep:], in one call.
type panelsFunc func(panels, astep, cstep int, k int, a []float64, rsa, csa int, b []float64, rsb int, c []float64, ldc int, beta float64, load bool)

// goKernel is the portable 4×4 micro-kernel: sixteen scalar accumulators, one
// rank-1 update per step of p.
var goKernel = kernel{
	mr: 4, nr: 4,
	run: kern4x4,
}

// kern4x4 is goKernel's run; the packed layout fixes the strides it ignores.
func kern4x4(k int, a []float64, _, _ int, b []float64, _ int, c []float64, ldc int, beta float64, load bool) {
	var c00, c01, c02, c03 float64
	var c10, c11, c12, c13 float64
	var c20, c21, c22, c23 float64
	var c30, c31, c32, c33 float64
	a = a[:4*k]
	b = b[:4*k]
	for p := 0; p+3 < len(a) && p+3 < len(b); p += 4 {
		ap := a[p : p+4 : p+4]
		bp := b[p : p+4 : p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	r2 := c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r3 := c[3*ldc : 3*ldc+4 : 3*ldc+4]
	if !load {
		r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
		r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
		r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
		r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
		return
	}
	r0[0], r0[1], r0[2], r0[3] = beta*r0[0]+c00, beta*r0[1]+c01, beta*r0[2]+c02, beta*r0[3]+c03
	r1[0], r1[1], r1[2], r1[3] = beta*r1[0]+c10, beta*r1[1]+c11, beta*r1[2]+c12, beta*r1[3]+c13
	r2[0], r2[1], r2[2], r2[3] = beta*r2[0]+c20, beta*r2[1]+c21, beta*r2[2]+c22, beta*r2[3]+c23
	r3[0], r3[1], r3[2], r3[3] = beta*r3[0]+c30, beta*r3[1]+c31, beta*r3[2]+c32, beta*r3[3]+c33
}
