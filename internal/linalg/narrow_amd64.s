//go:build amd64 && !purego

#include "textflag.h"

// GROUP(t0, t1) accumulates one 8×8 block: it loads rows 0…7 of the group
// (R13, R14 at rows 0 and 4) at p … p+7, transposes them in two stages
// (Z16…Z23, then Z8…Z15, then Z16…Z23 as the columns a_{·,p+q}) and adds
// a_{r,p+q}·b_{p+q,j} to t0 (j = j0) and t1 (j = j1), q = 0, …, 7.
#define GROUP(t0, t1) \
	VMOVUPD (R13), Z8 \
	VMOVUPD (R13)(DX*1), Z9 \
	VMOVUPD (R13)(DX*2), Z10 \
	VMOVUPD (R13)(BX*1), Z11 \
	VMOVUPD (R14), Z12 \
	VMOVUPD (R14)(DX*1), Z13 \
	VMOVUPD (R14)(DX*2), Z14 \
	VMOVUPD (R14)(BX*1), Z15 \
	VUNPCKLPD Z9, Z8, Z16 \
	VUNPCKHPD Z9, Z8, Z17 \
	VUNPCKLPD Z11, Z10, Z18 \
	VUNPCKHPD Z11, Z10, Z19 \
	VUNPCKLPD Z13, Z12, Z20 \
	VUNPCKHPD Z13, Z12, Z21 \
	VUNPCKLPD Z15, Z14, Z22 \
	VUNPCKHPD Z15, Z14, Z23 \
	VSHUFF64X2 $0x88, Z18, Z16, Z8 \
	VSHUFF64X2 $0x88, Z22, Z20, Z9 \
	VSHUFF64X2 $0xDD, Z18, Z16, Z10 \
	VSHUFF64X2 $0xDD, Z22, Z20, Z11 \
	VSHUFF64X2 $0x88, Z19, Z17, Z12 \
	VSHUFF64X2 $0x88, Z23, Z21, Z13 \
	VSHUFF64X2 $0xDD, Z19, Z17, Z14 \
	VSHUFF64X2 $0xDD, Z23, Z21, Z15 \
	VSHUFF64X2 $0x88, Z9, Z8, Z16 \
	VSHUFF64X2 $0xDD, Z9, Z8, Z20 \
	VSHUFF64X2 $0x88, Z11, Z10, Z18 \
	VSHUFF64X2 $0xDD, Z11, Z10, Z22 \
	VSHUFF64X2 $0x88, Z13, Z12, Z17 \
	VSHUFF64X2 $0xDD, Z13, Z12, Z21 \
	VSHUFF64X2 $0x88, Z15, Z14, Z19 \
	VSHUFF64X2 $0xDD, Z15, Z14, Z23 \
	VFMADD231PD.BCST 0(R9), Z16, t0 \
	VFMADD231PD.BCST 8(R9), Z16, t1 \
	VFMADD231PD.BCST 16(R9), Z17, t0 \
	VFMADD231PD.BCST 24(R9), Z17, t1 \
	VFMADD231PD.BCST 32(R9), Z18, t0 \
	VFMADD231PD.BCST 40(R9), Z18, t1 \
	VFMADD231PD.BCST 48(R9), Z19, t0 \
	VFMADD231PD.BCST 56(R9), Z19, t1 \
	VFMADD231PD.BCST 64(R9), Z20, t0 \
	VFMADD231PD.BCST 72(R9), Z20, t1 \
	VFMADD231PD.BCST 80(R9), Z21, t0 \
	VFMADD231PD.BCST 88(R9), Z21, t1 \
	VFMADD231PD.BCST 96(R9), Z22, t0 \
	VFMADD231PD.BCST 104(R9), Z22, t1 \
	VFMADD231PD.BCST 112(R9), Z23, t0 \
	VFMADD231PD.BCST 120(R9), Z23, t1

// func kernNarrow(chunks, kblocks int, a *float64, lda int, b *float64, out *float64)
//
// Two columns of C = A·B for a narrow B (the output layer of a network:
// 64 → 2), where the 6×16 tiles would waste most of their lanes. The lanes
// run over eight rows of A instead: each 8×8 block of A (eight rows, eight
// consecutive p) is transposed in registers, so that register Z(16+q) holds
// a_{r,p+q} for the eight rows r, and then accumulated as
//
//	T_{r,j} ← fma(a_{r,p+q}, b_{p+q,j}, T_{r,j}),  q = 0, …, 7,
//
// T starting at zero: every entry is the same chain of fused multiply–adds,
// p = 0, 1, …, k−1, as in kern6x16, so the results are bit-identical.
//
// chunks counts 32-row chunks (four groups of eight rows, interleaved so
// that eight independent chains keep the FMA units busy); kblocks = k/8; a
// is row 0 of A, lda its row stride in bytes; b holds the pairs
// (b_{p,j0}, b_{p,j1}) for p = 0…k−1, 16 bytes apart; out receives per chunk
// and group g the eight T_{r,j0} then the eight T_{r,j1} (128 bytes per
// group, 512 per chunk).
//
// Registers: Z0…Z7 T (group g column j in Z(2g+j)); Z8…Z15 the rows of the
// block, then the second transpose stage; Z16…Z23 the first stage, then the
// columns; SI chunk base, R10 p offset within the chunk, R13/R14 rows 0 and
// 4 of the group, DX lda, BX 3·lda, R11 8·lda, R9 b at p, DI out.
TEXT ·kernNarrow(SB), NOSPLIT, $0-48
	MOVQ chunks+0(FP), CX
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), DX
	MOVQ out+40(FP), DI
	LEAQ (DX)(DX*2), BX
	MOVQ DX, R11
	SHLQ $3, R11
	TESTQ CX, CX
	JLE  done

chunk:
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	MOVQ b+32(FP), R9
	MOVQ SI, R10
	MOVQ kblocks+8(FP), R12
	TESTQ R12, R12
	JLE  store

pblock:
	MOVQ R10, R13
	LEAQ (R13)(DX*4), R14
	// Group 0: rows 8g…8g+7 of the chunk, p … p+7.
	GROUP(Z0, Z1)
	ADDQ R11, R13
	LEAQ (R13)(DX*4), R14
	// Group 1: rows 8g…8g+7 of the chunk, p … p+7.
	GROUP(Z2, Z3)
	ADDQ R11, R13
	LEAQ (R13)(DX*4), R14
	// Group 2: rows 8g…8g+7 of the chunk, p … p+7.
	GROUP(Z4, Z5)
	ADDQ R11, R13
	LEAQ (R13)(DX*4), R14
	// Group 3: rows 8g…8g+7 of the chunk, p … p+7.
	GROUP(Z6, Z7)
	ADDQ $64, R10
	ADDQ $128, R9
	DECQ R12
	JNZ  pblock

store:
	VMOVUPD Z0, 0(DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VMOVUPD Z4, 256(DI)
	VMOVUPD Z5, 320(DI)
	VMOVUPD Z6, 384(DI)
	VMOVUPD Z7, 448(DI)
	ADDQ $512, DI
	LEAQ (SI)(R11*4), SI
	DECQ CX
	JNZ  chunk

done:
	VZEROUPPER
	RET
