//go:build amd64 && !purego

#include "textflag.h"

// Elementwise kernels (AVX2) over n doubles, n a multiple of 8: two 4-lane
// steps per iteration. Products and sums are rounded separately (no fused
// multiply–add), exactly as the Go loops in vec.go compute them.

// func vecMul(dst, a, b *float64, n int)  // dst = a·b
TEXT ·vecMul(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
	TESTQ CX, CX
	JLE  mul_done

mul_loop:
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y1
	VMULPD  (DX)(AX*8), Y0, Y0
	VMULPD  32(DX)(AX*8), Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     mul_loop

mul_done:
	VZEROUPPER
	RET

// func vecMulAdd(dst, a, b *float64, n int)  // dst += a·b
TEXT ·vecMulAdd(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ AX, AX
	TESTQ CX, CX
	JLE  muladd_done

muladd_loop:
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y1
	VMULPD  (DX)(AX*8), Y0, Y0
	VMULPD  32(DX)(AX*8), Y1, Y1
	VADDPD  (DI)(AX*8), Y0, Y0
	VADDPD  32(DI)(AX*8), Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     muladd_loop

muladd_done:
	VZEROUPPER
	RET

// func vecMul3Add(dst, a, b, c *float64, n int)  // dst += (a·b)·c
TEXT ·vecMul3Add(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ c+24(FP), R8
	MOVQ n+32(FP), CX
	XORQ AX, AX
	TESTQ CX, CX
	JLE  mul3_done

mul3_loop:
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y1
	VMULPD  (DX)(AX*8), Y0, Y0
	VMULPD  32(DX)(AX*8), Y1, Y1
	VMULPD  (R8)(AX*8), Y0, Y0
	VMULPD  32(R8)(AX*8), Y1, Y1
	VADDPD  (DI)(AX*8), Y0, Y0
	VADDPD  32(DI)(AX*8), Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     mul3_loop

mul3_done:
	VZEROUPPER
	RET

// func vecAdd(dst, a *float64, n int)  // dst += a
TEXT ·vecAdd(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	TESTQ CX, CX
	JLE  add_done

add_loop:
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y1
	VADDPD  (DI)(AX*8), Y0, Y0
	VADDPD  32(DI)(AX*8), Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     add_loop

add_done:
	VZEROUPPER
	RET
