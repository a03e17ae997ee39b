//go:build amd64 && !purego

#include "textflag.h"

// func adamKernel(theta, grad, m, v *float64, n int, c *[6]float64)
//
// Per element, in the order of Step's Go loop:
//	m += b1c·(g − m)
//	v  = v·β2 + (b2c·g)·g
//	θ  = θ − stepSize·(m / (sqrt(v)/bc2Sqrt + ε))
// Two 4-lane steps per iteration; n is a multiple of 8.
TEXT ·adamKernel(SB), NOSPLIT, $0-48
	MOVQ theta+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), R9
	VBROADCASTSD 0(R9), Y10  // b1c
	VBROADCASTSD 8(R9), Y11  // β2
	VBROADCASTSD 16(R9), Y12 // b2c
	VBROADCASTSD 24(R9), Y13 // bc2Sqrt
	VBROADCASTSD 32(R9), Y14 // ε
	VBROADCASTSD 40(R9), Y15 // stepSize
	XORQ AX, AX
	TESTQ CX, CX
	JLE  done

loop:
	VMOVUPD (SI)(AX*8), Y0   // g
	VMOVUPD 32(SI)(AX*8), Y1
	VMOVUPD (DX)(AX*8), Y2   // m
	VMOVUPD 32(DX)(AX*8), Y3
	VSUBPD  Y2, Y0, Y4       // g − m
	VSUBPD  Y3, Y1, Y5
	VMULPD  Y10, Y4, Y4      // b1c·(g − m)
	VMULPD  Y10, Y5, Y5
	VADDPD  Y4, Y2, Y2       // m + …
	VADDPD  Y5, Y3, Y3
	VMOVUPD Y2, (DX)(AX*8)
	VMOVUPD Y3, 32(DX)(AX*8)
	VMOVUPD (R8)(AX*8), Y6   // v
	VMOVUPD 32(R8)(AX*8), Y7
	VMULPD  Y11, Y6, Y6      // v·β2
	VMULPD  Y11, Y7, Y7
	VMULPD  Y12, Y0, Y4      // b2c·g
	VMULPD  Y12, Y1, Y5
	VMULPD  Y0, Y4, Y4       // (b2c·g)·g
	VMULPD  Y1, Y5, Y5
	VADDPD  Y4, Y6, Y6       // v·β2 + …
	VADDPD  Y5, Y7, Y7
	VMOVUPD Y6, (R8)(AX*8)
	VMOVUPD Y7, 32(R8)(AX*8)
	VSQRTPD Y6, Y6           // sqrt(v)
	VSQRTPD Y7, Y7
	VDIVPD  Y13, Y6, Y6      // sqrt(v)/bc2Sqrt
	VDIVPD  Y13, Y7, Y7
	VADDPD  Y14, Y6, Y6      // + ε
	VADDPD  Y14, Y7, Y7
	VDIVPD  Y6, Y2, Y2       // m/denom
	VDIVPD  Y7, Y3, Y3
	VMULPD  Y15, Y2, Y2      // stepSize·(…)
	VMULPD  Y15, Y3, Y3
	VMOVUPD (DI)(AX*8), Y0   // θ
	VMOVUPD 32(DI)(AX*8), Y1
	VSUBPD  Y2, Y0, Y0       // θ − …
	VSUBPD  Y3, Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     loop

done:
	VZEROUPPER
	RET
