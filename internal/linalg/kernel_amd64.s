//go:build amd64 && !purego

#include "textflag.h"

// func kern6x8(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, ldc int, beta float64, load bool)
//
// T = Σ_{p<k} a_p b_pᵀ with a_p[r] at a + r·rsa + p·csa and b_p the eight
// doubles at b + p·rsb (strides in bytes); then C ← fma(beta, C, T) if load,
// else C ← T, rows of C ldc bytes apart.
//
// Registers: Y0..Y11 hold the 6×8 tile (row r in Y(2r), Y(2r+1)); Y12, Y13 the
// eight doubles of b_p; Y14, Y15 the broadcast a_p entries. SI points at row 0
// of a_p and R11 at row 3, so rows 0..5 are (SI), (SI)(R8*1), (SI)(R8*2),
// (R11), (R11)(R8*1), (R11)(R8*2).
TEXT ·kern6x8(SB), NOSPLIT, $0-73
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rsa+16(FP), R8
	MOVQ csa+24(FP), R9
	MOVQ b+32(FP), DX
	MOVQ rsb+40(FP), R12
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R10

	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

	LEAQ (SI)(R8*2), R11
	ADDQ R8, R11

	TESTQ CX, CX
	JLE   write

loop:
	VMOVUPD      (DX), Y12
	VMOVUPD      32(DX), Y13
	VBROADCASTSD (SI), Y14
	VFMADD231PD  Y12, Y14, Y0
	VFMADD231PD  Y13, Y14, Y1
	VBROADCASTSD (SI)(R8*1), Y15
	VFMADD231PD  Y12, Y15, Y2
	VFMADD231PD  Y13, Y15, Y3
	VBROADCASTSD (SI)(R8*2), Y14
	VFMADD231PD  Y12, Y14, Y4
	VFMADD231PD  Y13, Y14, Y5
	VBROADCASTSD (R11), Y15
	VFMADD231PD  Y12, Y15, Y6
	VFMADD231PD  Y13, Y15, Y7
	VBROADCASTSD (R11)(R8*1), Y14
	VFMADD231PD  Y12, Y14, Y8
	VFMADD231PD  Y13, Y14, Y9
	VBROADCASTSD (R11)(R8*2), Y15
	VFMADD231PD  Y12, Y15, Y10
	VFMADD231PD  Y13, Y15, Y11
	ADDQ         R9, SI
	ADDQ         R9, R11
	ADDQ         R12, DX
	DECQ         CX
	JNZ          loop

write:
	MOVBQZX load+72(FP), AX
	TESTQ   AX, AX
	JZ      store

	// C ← fma(beta, C, T), one rounding per entry.
	VBROADCASTSD beta+64(FP), Y15
	VFMADD231PD  (DI), Y15, Y0
	VFMADD231PD  32(DI), Y15, Y1
	VMOVUPD      Y0, (DI)
	VMOVUPD      Y1, 32(DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y2
	VFMADD231PD  32(DI), Y15, Y3
	VMOVUPD      Y2, (DI)
	VMOVUPD      Y3, 32(DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y4
	VFMADD231PD  32(DI), Y15, Y5
	VMOVUPD      Y4, (DI)
	VMOVUPD      Y5, 32(DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y6
	VFMADD231PD  32(DI), Y15, Y7
	VMOVUPD      Y6, (DI)
	VMOVUPD      Y7, 32(DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y8
	VFMADD231PD  32(DI), Y15, Y9
	VMOVUPD      Y8, (DI)
	VMOVUPD      Y9, 32(DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y10
	VFMADD231PD  32(DI), Y15, Y11
	VMOVUPD      Y10, (DI)
	VMOVUPD      Y11, 32(DI)
	VZEROUPPER
	RET

	// C ← T; C is not read, so NaNs there do not propagate.
store:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	ADDQ    R10, DI
	VMOVUPD Y2, (DI)
	VMOVUPD Y3, 32(DI)
	ADDQ    R10, DI
	VMOVUPD Y4, (DI)
	VMOVUPD Y5, 32(DI)
	ADDQ    R10, DI
	VMOVUPD Y6, (DI)
	VMOVUPD Y7, 32(DI)
	ADDQ    R10, DI
	VMOVUPD Y8, (DI)
	VMOVUPD Y9, 32(DI)
	ADDQ    R10, DI
	VMOVUPD Y10, (DI)
	VMOVUPD Y11, 32(DI)
	VZEROUPPER
	RET

// func kern6x4(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, ldc int, beta float64, load bool)
//
// The 6×4 variant of kern6x8 for the last panel of a narrow op(B) (n ≤ 4 left):
// the tile is Y0, Y2, …, Y10 and b_p is the first four doubles at b + p·rsb.
TEXT ·kern6x4(SB), NOSPLIT, $0-73
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rsa+16(FP), R8
	MOVQ csa+24(FP), R9
	MOVQ b+32(FP), DX
	MOVQ rsb+40(FP), R12
	MOVQ c+48(FP), DI
	MOVQ ldc+56(FP), R10

	VXORPD Y0, Y0, Y0
	VXORPD Y2, Y2, Y2
	VXORPD Y4, Y4, Y4
	VXORPD Y6, Y6, Y6
	VXORPD Y8, Y8, Y8
	VXORPD Y10, Y10, Y10

	LEAQ (SI)(R8*2), R11
	ADDQ R8, R11

	TESTQ CX, CX
	JLE   write

loop:
	VMOVUPD      (DX), Y12
	VBROADCASTSD (SI), Y14
	VFMADD231PD  Y12, Y14, Y0
	VBROADCASTSD (SI)(R8*1), Y15
	VFMADD231PD  Y12, Y15, Y2
	VBROADCASTSD (SI)(R8*2), Y14
	VFMADD231PD  Y12, Y14, Y4
	VBROADCASTSD (R11), Y15
	VFMADD231PD  Y12, Y15, Y6
	VBROADCASTSD (R11)(R8*1), Y14
	VFMADD231PD  Y12, Y14, Y8
	VBROADCASTSD (R11)(R8*2), Y15
	VFMADD231PD  Y12, Y15, Y10
	ADDQ         R9, SI
	ADDQ         R9, R11
	ADDQ         R12, DX
	DECQ         CX
	JNZ          loop

write:
	MOVBQZX load+72(FP), AX
	TESTQ   AX, AX
	JZ      store

	// C ← fma(beta, C, T), one rounding per entry.
	VBROADCASTSD beta+64(FP), Y15
	VFMADD231PD  (DI), Y15, Y0
	VMOVUPD      Y0, (DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y2
	VMOVUPD      Y2, (DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y4
	VMOVUPD      Y4, (DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y6
	VMOVUPD      Y6, (DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y8
	VMOVUPD      Y8, (DI)
	ADDQ         R10, DI
	VFMADD231PD  (DI), Y15, Y10
	VMOVUPD      Y10, (DI)
	VZEROUPPER
	RET

	// C ← T; C is not read, so NaNs there do not propagate.
store:
	VMOVUPD Y0, (DI)
	ADDQ    R10, DI
	VMOVUPD Y2, (DI)
	ADDQ    R10, DI
	VMOVUPD Y4, (DI)
	ADDQ    R10, DI
	VMOVUPD Y6, (DI)
	ADDQ    R10, DI
	VMOVUPD Y8, (DI)
	ADDQ    R10, DI
	VMOVUPD Y10, (DI)
	VZEROUPPER
	RET
