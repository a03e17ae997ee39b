//go:build amd64 && !purego

#include "textflag.h"

// func seluKernel(f, d1, d2, z, b *float64, n, flags int, tab *float64)
//
// Four lanes per step; each lane performs the operations of seluScalar in the
// same order. tab (R9) holds 32-byte rows: 0 log2e, 32 shifter, 64 −ln2hi,
// 96 −ln2lo, 128 floor, 160 one, 192 λα, 224 λ, 256… the Taylor coefficients
// 1/13!, …, 1/2!.
//
// Registers: Y0 z (+b), Y1 clamped x, Y2 t then 2^k bits, Y3 k, Y4 r,
// Y5 exp, Y6 f(z ≤ 0), Y7 mask z > 0, Y8 λz, Y9 σ', Y10 σ″, Y15 zero.
TEXT ·seluKernel(SB), NOSPLIT, $0-64
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
	// x = max(floor, z): the second source (z) is returned when either is NaN.
	VMOVUPD 128(R9), Y1
	VMAXPD  Y0, Y1, Y1
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
	VSUBPD Y1, Y1, Y6
	VADDPD Y6, Y5, Y5
	// e ← λα·e; f = e − λα for z ≤ 0; λz for z > 0.
	VMULPD    192(R9), Y5, Y5
	VSUBPD    192(R9), Y5, Y6
	VCMPPD    $0x1e, Y15, Y0, Y7
	VMULPD    224(R9), Y0, Y8
	VBLENDVPD Y7, Y8, Y6, Y6
	VBLENDVPD Y7, 224(R9), Y5, Y9
	VBLENDVPD Y7, Y15, Y5, Y10

	TESTQ   $1, DX
	JZ      nof
	VMOVUPD Y6, (DI)(AX*8)

nof:
	TESTQ   $2, DX
	JZ      nod1
	VMOVUPD Y9, (R10)(AX*8)

nod1:
	TESTQ   $4, DX
	JZ      next
	VMOVUPD Y10, (R11)(AX*8)

next:
	ADDQ $4, AX
	CMPQ AX, CX
	JLT  loop

done:
	VZEROUPPER
	RET

// func seluKernel512(f, d1, d2, z, b *float64, n, flags int, tab *float64)
//
// seluKernel with eight lanes (AVX-512F), n a multiple of 8: the same
// operations in the same order, the constants held in registers.
//
// Registers: Z0 z (+b), Z1 x, Z2 t, Z3 k, Z4 r, Z5 exp, Z6 f, Z8 λz, Z9 σ',
// Z10 σ″, K1 mask z > 0; constants Z11 log2e, Z12 shifter, Z13 −ln2hi,
// Z14 −ln2lo, Z15 zero, Z16 floor, Z17 one, Z18 λα, Z19 λ, Z20…Z31 the
// Taylor coefficients 1/12!, …, 1/2! (1/13! is reloaded from tab).
TEXT ·seluKernel512(SB), NOSPLIT, $0-64
	MOVQ f+0(FP), DI
	MOVQ d1+8(FP), R10
	MOVQ d2+16(FP), R11
	MOVQ z+24(FP), SI
	MOVQ b+32(FP), R12
	MOVQ n+40(FP), CX
	MOVQ flags+48(FP), DX
	MOVQ tab+56(FP), R9
	VBROADCASTSD 0(R9), Z11
	VBROADCASTSD 32(R9), Z12
	VBROADCASTSD 64(R9), Z13
	VBROADCASTSD 96(R9), Z14
	VPXORQ       Z15, Z15, Z15
	VBROADCASTSD 128(R9), Z16
	VBROADCASTSD 160(R9), Z17
	VBROADCASTSD 192(R9), Z18
	VBROADCASTSD 224(R9), Z19
	VBROADCASTSD 288(R9), Z20
	VBROADCASTSD 320(R9), Z21
	VBROADCASTSD 352(R9), Z22
	VBROADCASTSD 384(R9), Z23
	VBROADCASTSD 416(R9), Z24
	VBROADCASTSD 448(R9), Z25
	VBROADCASTSD 480(R9), Z26
	VBROADCASTSD 512(R9), Z27
	VBROADCASTSD 544(R9), Z28
	VBROADCASTSD 576(R9), Z29
	VBROADCASTSD 608(R9), Z30
	XORQ  AX, AX
	TESTQ CX, CX
	JLE   done512

loop512:
	VMOVUPD (SI)(AX*8), Z0
	TESTQ   $8, DX
	JZ      nobias512
	VADDPD  (R12)(AX*8), Z0, Z0

nobias512:
	VMAXPD       Z0, Z16, Z1
	VMOVAPD      Z12, Z2
	VFMADD231PD  Z11, Z1, Z2
	VSUBPD       Z12, Z2, Z3
	VMOVAPD      Z1, Z4
	VFMADD231PD  Z13, Z3, Z4
	VFMADD231PD  Z14, Z3, Z4
	VBROADCASTSD 256(R9), Z5
	VFMADD213PD Z20, Z4, Z5
	VFMADD213PD Z21, Z4, Z5
	VFMADD213PD Z22, Z4, Z5
	VFMADD213PD Z23, Z4, Z5
	VFMADD213PD Z24, Z4, Z5
	VFMADD213PD Z25, Z4, Z5
	VFMADD213PD Z26, Z4, Z5
	VFMADD213PD Z27, Z4, Z5
	VFMADD213PD Z28, Z4, Z5
	VFMADD213PD Z29, Z4, Z5
	VFMADD213PD Z30, Z4, Z5
	VFMADD213PD  Z17, Z4, Z5
	VFMADD213PD  Z17, Z4, Z5
	VPSLLQ       $52, Z2, Z2
	VPADDQ       Z2, Z5, Z5
	VSUBPD       Z1, Z1, Z6
	VADDPD       Z6, Z5, Z5
	VMULPD       Z18, Z5, Z5
	VSUBPD       Z18, Z5, Z6
	VCMPPD       $0x1e, Z15, Z0, K1
	VMULPD       Z19, Z0, Z8
	VBLENDMPD    Z8, Z6, K1, Z6
	VBLENDMPD    Z19, Z5, K1, Z9
	VBLENDMPD    Z15, Z5, K1, Z10

	TESTQ   $1, DX
	JZ      nof512
	VMOVUPD Z6, (DI)(AX*8)

nof512:
	TESTQ   $2, DX
	JZ      nod1512
	VMOVUPD Z9, (R10)(AX*8)

nod1512:
	TESTQ   $4, DX
	JZ      next512
	VMOVUPD Z10, (R11)(AX*8)

next512:
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  loop512

done512:
	VZEROUPPER
	RET
