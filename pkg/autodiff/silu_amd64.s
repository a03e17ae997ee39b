//go:build amd64 && !purego

#include "textflag.h"

// func siluKernel(f, d1, d2, z, b *float64, n, flags int, tab *float64)
//
// Four lanes per step; each lane performs the operations of siluScalar in the
// same order. tab (R9) holds 32-byte rows: 0 log2e, 32 shifter, 64 −ln2hi,
// 96 −ln2lo, 128 floor, 160 one, 192 two, 224 −0, 256… the Taylor
// coefficients 1/13!, …, 1/2! (the exponential is seluKernel's).
//
// Registers: Y0 z (+b), Y1 x = max(floor, −|z|), Y2 t then 2^k bits, Y3 k,
// Y4 r, Y5 e, Y6 q, Y7 e·q, Y8 mask z ≥ 0, Y9 s, Y10 om = 1 − s, Y11 f,
// Y12 σ', Y13 σ″, Y14 scratch, Y15 zero.
TEXT ·siluKernel(SB), NOSPLIT, $0-64
	MOVQ f+0(FP), DI
	MOVQ d1+8(FP), R10
	MOVQ d2+16(FP), R11
	MOVQ z+24(FP), SI
	MOVQ b+32(FP), R12
	MOVQ n+40(FP), CX
	MOVQ flags+48(FP), DX
	MOVQ tab+56(FP), R9
	VXORPD Y15, Y15, Y15
	XORQ   AX, AX
	TESTQ  CX, CX
	JLE    done

loop:
	VMOVUPD (SI)(AX*8), Y0
	TESTQ   $8, DX
	JZ      nobias
	VADDPD  (R12)(AX*8), Y0, Y0

nobias:
	// −|z| (sign bit set; NaN stays NaN); x = max(floor, −|z|), the second
	// source returned when either is NaN, as expNonPos's clamp.
	VORPD   224(R9), Y0, Y14
	VMOVUPD 128(R9), Y1
	VMAXPD  Y14, Y1, Y1
	// t = fma(x, log2e, shifter); k = t − shifter.
	VMOVUPD     32(R9), Y2
	VFMADD231PD 0(R9), Y1, Y2
	VSUBPD      32(R9), Y2, Y3
	// r = fma(k, −ln2hi, x); r = fma(k, −ln2lo, r).
	VMOVAPD     Y1, Y4
	VFMADD231PD 64(R9), Y3, Y4
	VFMADD231PD 96(R9), Y3, Y4
	// Horner: s = 1/13!; s = fma(s, r, c) for c = 1/12!, …, 1/2!, 1; e = fma(s, r, 1).
	VMOVUPD 256(R9), Y5
	VFMADD213PD 288(R9), Y4, Y5
	VFMADD213PD 320(R9), Y4, Y5
	VFMADD213PD 352(R9), Y4, Y5
	VFMADD213PD 384(R9), Y4, Y5
	VFMADD213PD 416(R9), Y4, Y5
	VFMADD213PD 448(R9), Y4, Y5
	VFMADD213PD 480(R9), Y4, Y5
	VFMADD213PD 512(R9), Y4, Y5
	VFMADD213PD 544(R9), Y4, Y5
	VFMADD213PD 576(R9), Y4, Y5
	VFMADD213PD 608(R9), Y4, Y5
	VFMADD213PD 160(R9), Y4, Y5
	VFMADD213PD 160(R9), Y4, Y5
	// e += t << 52 (integer add into the exponent); e += x − x (NaN stays NaN).
	VPSLLQ $52, Y2, Y2
	VPADDQ Y2, Y5, Y5
	VSUBPD Y1, Y1, Y14
	VADDPD Y14, Y5, Y5
	// q = 1/(1 + e); s = q and om = 1 − s = e·q where z ≥ 0, else s = e·q
	// and om = q.
	VADDPD    160(R9), Y5, Y6
	VMOVUPD   160(R9), Y14
	VDIVPD    Y6, Y14, Y6
	VMULPD    Y6, Y5, Y7
	VCMPPD    $0x1d, Y15, Y0, Y8
	VBLENDVPD Y8, Y6, Y7, Y9
	VBLENDVPD Y8, Y7, Y6, Y10
	// f = z·s; σ' = s·(1 + z·om).
	VMULPD  Y9, Y0, Y11
	VMULPD  Y10, Y0, Y12
	VADDPD  160(R9), Y12, Y12
	VMULPD  Y9, Y12, Y12

	TESTQ   $1, DX
	JZ      nof
	VMOVUPD Y11, (DI)(AX*8)

nof:
	TESTQ   $2, DX
	JZ      nod1
	VMOVUPD Y12, (R10)(AX*8)

nod1:
	TESTQ $4, DX
	JZ    next
	// σ″ = (s·om)·(2 + z·(om − s)).
	VSUBPD  Y9, Y10, Y13
	VMULPD  Y13, Y0, Y13
	VADDPD  192(R9), Y13, Y13
	VMULPD  Y10, Y9, Y14
	VMULPD  Y13, Y14, Y13
	VMOVUPD Y13, (R11)(AX*8)

next:
	ADDQ $4, AX
	CMPQ AX, CX
	JLT  loop

done:
	VZEROUPPER
	RET
