//go:build amd64 && !purego

#include "textflag.h"

// func kern6x16(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, ldc int, beta float64, load bool, panels, astep, cstep int)
//
// kern6x8 with 512-bit registers (AVX-512F): the 6×16 tile T = Σ_{p<k} a_p b_pᵀ,
// b_p the sixteen doubles at b + p·rsb; each entry is the same chain of fused
// multiply–adds in the same order as in kern6x8, so the two kernels give
// bit-identical results. Then C ← fma(beta, C, T) if load, else C ← T.
//
// It does this for panels tiles one below the other, the i-th reading A at
// a + i·astep and writing C at c + i·cstep (bytes; panels ≥ 1), so that a
// column of tiles costs one call.
//
// Registers: Z0..Z11 hold the tile (row r in Z(2r), Z(2r+1)); Z12, Z13 b_p;
// Z14, Z15 the broadcast a_p entries. SI points at row 0 of a_p and R11 at
// row 3; BX and R13 at the current panel's A and C, R14 counts panels.
TEXT ·kern6x16(SB), NOSPLIT, $0-104
	MOVQ a+8(FP), BX
	MOVQ rsa+16(FP), R8
	MOVQ csa+24(FP), R9
	MOVQ rsb+40(FP), R12
	MOVQ c+48(FP), R13
	MOVQ ldc+56(FP), R10
	MOVQ panels+80(FP), R14

	// One tile per panel: BX and R13 hold the panel's a and c.
panel:
	MOVQ k+0(FP), CX
	MOVQ b+32(FP), DX
	MOVQ BX, SI
	MOVQ R13, DI
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11

	LEAQ (SI)(R8*2), R11
	ADDQ R8, R11

	TESTQ CX, CX
	JLE   write

loop:
	VMOVUPD (DX), Z12
	VMOVUPD 64(DX), Z13
	VBROADCASTSD (SI), Z14
	VFMADD231PD  Z12, Z14, Z0
	VFMADD231PD  Z13, Z14, Z1
	VBROADCASTSD (SI)(R8*1), Z15
	VFMADD231PD  Z12, Z15, Z2
	VFMADD231PD  Z13, Z15, Z3
	VBROADCASTSD (SI)(R8*2), Z14
	VFMADD231PD  Z12, Z14, Z4
	VFMADD231PD  Z13, Z14, Z5
	VBROADCASTSD (R11), Z15
	VFMADD231PD  Z12, Z15, Z6
	VFMADD231PD  Z13, Z15, Z7
	VBROADCASTSD (R11)(R8*1), Z14
	VFMADD231PD  Z12, Z14, Z8
	VFMADD231PD  Z13, Z14, Z9
	VBROADCASTSD (R11)(R8*2), Z15
	VFMADD231PD  Z12, Z15, Z10
	VFMADD231PD  Z13, Z15, Z11
	ADDQ R9, SI
	ADDQ R9, R11
	ADDQ R12, DX
	DECQ CX
	JNZ  loop

write:
	MOVBQZX load+72(FP), AX
	TESTQ   AX, AX
	JZ      store

	// C ← fma(beta, C, T), one rounding per entry.
	VBROADCASTSD beta+64(FP), Z15
	VFMADD231PD (DI), Z15, Z0
	VFMADD231PD 64(DI), Z15, Z1
	VMOVUPD     Z0, (DI)
	VMOVUPD     Z1, 64(DI)
	ADDQ        R10, DI
	VFMADD231PD (DI), Z15, Z2
	VFMADD231PD 64(DI), Z15, Z3
	VMOVUPD     Z2, (DI)
	VMOVUPD     Z3, 64(DI)
	ADDQ        R10, DI
	VFMADD231PD (DI), Z15, Z4
	VFMADD231PD 64(DI), Z15, Z5
	VMOVUPD     Z4, (DI)
	VMOVUPD     Z5, 64(DI)
	ADDQ        R10, DI
	VFMADD231PD (DI), Z15, Z6
	VFMADD231PD 64(DI), Z15, Z7
	VMOVUPD     Z6, (DI)
	VMOVUPD     Z7, 64(DI)
	ADDQ        R10, DI
	VFMADD231PD (DI), Z15, Z8
	VFMADD231PD 64(DI), Z15, Z9
	VMOVUPD     Z8, (DI)
	VMOVUPD     Z9, 64(DI)
	ADDQ        R10, DI
	VFMADD231PD (DI), Z15, Z10
	VFMADD231PD 64(DI), Z15, Z11
	VMOVUPD     Z10, (DI)
	VMOVUPD     Z11, 64(DI)
	JMP         next

	// C ← T; C is not read, so NaNs there do not propagate.
store:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	ADDQ    R10, DI
	VMOVUPD Z2, (DI)
	VMOVUPD Z3, 64(DI)
	ADDQ    R10, DI
	VMOVUPD Z4, (DI)
	VMOVUPD Z5, 64(DI)
	ADDQ    R10, DI
	VMOVUPD Z6, (DI)
	VMOVUPD Z7, 64(DI)
	ADDQ    R10, DI
	VMOVUPD Z8, (DI)
	VMOVUPD Z9, 64(DI)
	ADDQ    R10, DI
	VMOVUPD Z10, (DI)
	VMOVUPD Z11, 64(DI)

next:
	ADDQ astep+88(FP), BX
	ADDQ cstep+96(FP), R13
	DECQ R14
	JNZ  panel
	VZEROUPPER
	RET
