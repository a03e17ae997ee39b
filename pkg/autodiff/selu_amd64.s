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
// seluKernel with eight lanes (AVX-512F and POPCNT), n a multiple of 8. Only
// the lanes with z ≤ 0 (or NaN) need the exponential, so the kernel works in
// blocks of up to 512 elements, in three passes:
//
//  1. pack: each vector's lanes with !(z > 0) are compressed (VCOMPRESSPD)
//     into buf, one after another;
//  2. exp: the packed values go through the exponential, λα·e, four vectors
//     per iteration (loopw) and then one at a time (tail), in place;
//  3. unpack: VEXPANDPD puts λα·e back into the lanes it came from, and
//     f = λα·e − λα, σ' = σ″ = λα·e there; f = λz, σ' = λ, σ″ = 0 in the
//     lanes with z > 0.
//
// Every lane with z ≤ 0 performs exactly the operations of seluScalar, so the
// results are bit-identical to it and do not depend on n, on the position of
// an element or on its neighbours; with about half the lanes positive, half the exponential
// work is skipped. f may alias z: pass 3 reads z before it writes f.
//
// buf is the frame: 512 packed values and 8 of slack for the last unpack
// load, which reads a whole vector from the packed position.
//
// Registers: AX index in the block, BX block length, R8 packed count, R13
// popcount. Passes 1 and 3 take four vectors per iteration, then one at a
// time; for vector i, Z(6i) z (+b), Z(6i+1) packed, Z(6i+2) λz or σ',
// Z(6i+3) f, Z(6i+5) λα·e (+0 where z > 0), K(i+1) mask !(z > 0). Pass 2,
// per vector i = 0…3: Z(6i) the packed value, Z(6i+1) x, Z(6i+2) t (then 2^k
// bits), Z(6i+3) k, Z(6i+4) r, Z(6i+5) exp. Constants Z31 floor, Z30 zero,
// Z29 one, Z28 λ, Z27 λα, Z26 shifter, Z25 log2e.
TEXT ·seluKernel512(SB), 0, $4160-64
	MOVQ f+0(FP), DI
	MOVQ d1+8(FP), R10
	MOVQ d2+16(FP), R11
	MOVQ z+24(FP), SI
	MOVQ b+32(FP), R12
	MOVQ n+40(FP), CX
	MOVQ flags+48(FP), DX
	MOVQ tab+56(FP), R9
	VBROADCASTSD 128(R9), Z31
	VPXORQ Z30, Z30, Z30
	VBROADCASTSD 160(R9), Z29
	VBROADCASTSD 224(R9), Z28
	VBROADCASTSD 192(R9), Z27
	VBROADCASTSD 32(R9), Z26
	VBROADCASTSD 0(R9), Z25

block:
	TESTQ   CX, CX
	JLE     done
	MOVQ    $512, BX
	CMPQ    CX, BX
	CMOVQLT CX, BX // BX = min(n left, 512)

	// Pass 1: pack z (+b) of the lanes with !(z > 0) into buf[0:R8], four
	// vectors per iteration (packw) and then one at a time (pack).
	XORQ AX, AX
	XORQ R8, R8
	CMPQ BX, $32
	JLT  pack

packw:
	VMOVUPD (SI)(AX*8), Z0
	VMOVUPD 64(SI)(AX*8), Z6
	VMOVUPD 128(SI)(AX*8), Z12
	VMOVUPD 192(SI)(AX*8), Z18
	TESTQ   $8, DX
	JZ      packwnb
	VADDPD  (R12)(AX*8), Z0, Z0
	VADDPD  64(R12)(AX*8), Z6, Z6
	VADDPD  128(R12)(AX*8), Z12, Z12
	VADDPD  192(R12)(AX*8), Z18, Z18

packwnb:
	VCMPPD        $0x1a, Z30, Z0, K1
	VCOMPRESSPD.Z Z0, K1, Z1
	VMOVUPD       Z1, (SP)(R8*8)
	KMOVW         K1, R13
	POPCNTL       R13, R13
	ADDQ          R13, R8
	VCMPPD        $0x1a, Z30, Z6, K2
	VCOMPRESSPD.Z Z6, K2, Z7
	VMOVUPD       Z7, (SP)(R8*8)
	KMOVW         K2, R13
	POPCNTL       R13, R13
	ADDQ          R13, R8
	VCMPPD        $0x1a, Z30, Z12, K3
	VCOMPRESSPD.Z Z12, K3, Z13
	VMOVUPD       Z13, (SP)(R8*8)
	KMOVW         K3, R13
	POPCNTL       R13, R13
	ADDQ          R13, R8
	VCMPPD        $0x1a, Z30, Z18, K4
	VCOMPRESSPD.Z Z18, K4, Z19
	VMOVUPD       Z19, (SP)(R8*8)
	KMOVW         K4, R13
	POPCNTL       R13, R13
	ADDQ          R13, R8
	ADDQ $32, AX
	LEAQ 32(AX), R13
	CMPQ R13, BX
	JLE  packw

pack:
	CMPQ AX, BX
	JGE  exp
	VMOVUPD (SI)(AX*8), Z0
	TESTQ   $8, DX
	JZ      packnb
	VADDPD  (R12)(AX*8), Z0, Z0

packnb:
	VCMPPD        $0x1a, Z30, Z0, K1
	VCOMPRESSPD.Z Z0, K1, Z1
	VMOVUPD       Z1, (SP)(R8*8)
	KMOVW         K1, R13
	POPCNTL       R13, R13
	ADDQ          R13, R8
	ADDQ $8, AX
	JMP  pack

exp:
	// Pass 2: buf[0:R8 rounded up to 8] ← λα·exp(max(floor, z)) + (x − x).
	// The lanes past R8 hold whatever the buffer held; their results are
	// never unpacked.
	ADDQ $7, R8
	ANDQ $-8, R8
	XORQ AX, AX
	MOVQ R8, R13
	SUBQ $32, R13 // four vectors while AX ≤ R8 − 32
	JL   tail

loopw:
	VMOVUPD (SP)(AX*8), Z0
	VMOVUPD 64(SP)(AX*8), Z6
	VMOVUPD 128(SP)(AX*8), Z12
	VMOVUPD 192(SP)(AX*8), Z18
	VMAXPD  Z0, Z31, Z1
	VMAXPD  Z6, Z31, Z7
	VMAXPD  Z12, Z31, Z13
	VMAXPD  Z18, Z31, Z19
	VMOVAPD Z26, Z2
	VMOVAPD Z26, Z8
	VMOVAPD Z26, Z14
	VMOVAPD Z26, Z20
	VFMADD231PD Z25, Z1, Z2
	VFMADD231PD Z25, Z7, Z8
	VFMADD231PD Z25, Z13, Z14
	VFMADD231PD Z25, Z19, Z20
	VSUBPD Z26, Z2, Z3
	VSUBPD Z26, Z8, Z9
	VSUBPD Z26, Z14, Z15
	VSUBPD Z26, Z20, Z21
	VMOVAPD Z1, Z4
	VMOVAPD Z7, Z10
	VMOVAPD Z13, Z16
	VMOVAPD Z19, Z22
	VFMADD231PD.BCST 64(R9), Z3, Z4
	VFMADD231PD.BCST 64(R9), Z9, Z10
	VFMADD231PD.BCST 64(R9), Z15, Z16
	VFMADD231PD.BCST 64(R9), Z21, Z22
	VFMADD231PD.BCST 96(R9), Z3, Z4
	VFMADD231PD.BCST 96(R9), Z9, Z10
	VFMADD231PD.BCST 96(R9), Z15, Z16
	VFMADD231PD.BCST 96(R9), Z21, Z22
	VBROADCASTSD 256(R9), Z5
	VBROADCASTSD 256(R9), Z11
	VBROADCASTSD 256(R9), Z17
	VBROADCASTSD 256(R9), Z23
	VFMADD213PD.BCST 288(R9), Z4, Z5
	VFMADD213PD.BCST 288(R9), Z10, Z11
	VFMADD213PD.BCST 288(R9), Z16, Z17
	VFMADD213PD.BCST 288(R9), Z22, Z23
	VFMADD213PD.BCST 320(R9), Z4, Z5
	VFMADD213PD.BCST 320(R9), Z10, Z11
	VFMADD213PD.BCST 320(R9), Z16, Z17
	VFMADD213PD.BCST 320(R9), Z22, Z23
	VFMADD213PD.BCST 352(R9), Z4, Z5
	VFMADD213PD.BCST 352(R9), Z10, Z11
	VFMADD213PD.BCST 352(R9), Z16, Z17
	VFMADD213PD.BCST 352(R9), Z22, Z23
	VFMADD213PD.BCST 384(R9), Z4, Z5
	VFMADD213PD.BCST 384(R9), Z10, Z11
	VFMADD213PD.BCST 384(R9), Z16, Z17
	VFMADD213PD.BCST 384(R9), Z22, Z23
	VFMADD213PD.BCST 416(R9), Z4, Z5
	VFMADD213PD.BCST 416(R9), Z10, Z11
	VFMADD213PD.BCST 416(R9), Z16, Z17
	VFMADD213PD.BCST 416(R9), Z22, Z23
	VFMADD213PD.BCST 448(R9), Z4, Z5
	VFMADD213PD.BCST 448(R9), Z10, Z11
	VFMADD213PD.BCST 448(R9), Z16, Z17
	VFMADD213PD.BCST 448(R9), Z22, Z23
	VFMADD213PD.BCST 480(R9), Z4, Z5
	VFMADD213PD.BCST 480(R9), Z10, Z11
	VFMADD213PD.BCST 480(R9), Z16, Z17
	VFMADD213PD.BCST 480(R9), Z22, Z23
	VFMADD213PD.BCST 512(R9), Z4, Z5
	VFMADD213PD.BCST 512(R9), Z10, Z11
	VFMADD213PD.BCST 512(R9), Z16, Z17
	VFMADD213PD.BCST 512(R9), Z22, Z23
	VFMADD213PD.BCST 544(R9), Z4, Z5
	VFMADD213PD.BCST 544(R9), Z10, Z11
	VFMADD213PD.BCST 544(R9), Z16, Z17
	VFMADD213PD.BCST 544(R9), Z22, Z23
	VFMADD213PD.BCST 576(R9), Z4, Z5
	VFMADD213PD.BCST 576(R9), Z10, Z11
	VFMADD213PD.BCST 576(R9), Z16, Z17
	VFMADD213PD.BCST 576(R9), Z22, Z23
	VFMADD213PD.BCST 608(R9), Z4, Z5
	VFMADD213PD.BCST 608(R9), Z10, Z11
	VFMADD213PD.BCST 608(R9), Z16, Z17
	VFMADD213PD.BCST 608(R9), Z22, Z23
	VFMADD213PD Z29, Z4, Z5
	VFMADD213PD Z29, Z10, Z11
	VFMADD213PD Z29, Z16, Z17
	VFMADD213PD Z29, Z22, Z23
	VFMADD213PD Z29, Z4, Z5
	VFMADD213PD Z29, Z10, Z11
	VFMADD213PD Z29, Z16, Z17
	VFMADD213PD Z29, Z22, Z23
	// e += t << 52; e += x − x; e ← λα·e; f = e − λα, or λz where z > 0.
	VPSLLQ  $52, Z2, Z2
	VPSLLQ  $52, Z8, Z8
	VPSLLQ  $52, Z14, Z14
	VPSLLQ  $52, Z20, Z20
	VPADDQ  Z2, Z5, Z5
	VPADDQ  Z8, Z11, Z11
	VPADDQ  Z14, Z17, Z17
	VPADDQ  Z20, Z23, Z23
	VSUBPD  Z1, Z1, Z3
	VSUBPD  Z7, Z7, Z9
	VSUBPD  Z13, Z13, Z15
	VSUBPD  Z19, Z19, Z21
	VADDPD  Z3, Z5, Z5
	VADDPD  Z9, Z11, Z11
	VADDPD  Z15, Z17, Z17
	VADDPD  Z21, Z23, Z23
	VMULPD Z27, Z5, Z5
	VMULPD Z27, Z11, Z11
	VMULPD Z27, Z17, Z17
	VMULPD Z27, Z23, Z23
	VMOVUPD Z5, (SP)(AX*8)
	VMOVUPD Z11, 64(SP)(AX*8)
	VMOVUPD Z17, 128(SP)(AX*8)
	VMOVUPD Z23, 192(SP)(AX*8)
	ADDQ    $32, AX
	CMPQ    AX, R13
	JLE     loopw

tail:
	CMPQ    AX, R8
	JGE     unpack0
	VMOVUPD (SP)(AX*8), Z0
	VMAXPD  Z0, Z31, Z1
	VMOVAPD Z26, Z2
	VFMADD231PD Z25, Z1, Z2
	VSUBPD Z26, Z2, Z3
	VMOVAPD Z1, Z4
	VFMADD231PD.BCST 64(R9), Z3, Z4
	VFMADD231PD.BCST 96(R9), Z3, Z4
	VBROADCASTSD 256(R9), Z5
	VFMADD213PD.BCST 288(R9), Z4, Z5
	VFMADD213PD.BCST 320(R9), Z4, Z5
	VFMADD213PD.BCST 352(R9), Z4, Z5
	VFMADD213PD.BCST 384(R9), Z4, Z5
	VFMADD213PD.BCST 416(R9), Z4, Z5
	VFMADD213PD.BCST 448(R9), Z4, Z5
	VFMADD213PD.BCST 480(R9), Z4, Z5
	VFMADD213PD.BCST 512(R9), Z4, Z5
	VFMADD213PD.BCST 544(R9), Z4, Z5
	VFMADD213PD.BCST 576(R9), Z4, Z5
	VFMADD213PD.BCST 608(R9), Z4, Z5
	VFMADD213PD Z29, Z4, Z5
	VFMADD213PD Z29, Z4, Z5
	// e += t << 52; e += x − x; e ← λα·e; f = e − λα, or λz where z > 0.
	VPSLLQ  $52, Z2, Z2
	VPADDQ  Z2, Z5, Z5
	VSUBPD  Z1, Z1, Z3
	VADDPD  Z3, Z5, Z5
	VMULPD Z27, Z5, Z5
	VMOVUPD Z5, (SP)(AX*8)
	ADDQ    $8, AX
	JMP     tail

	// Pass 3: expand λα·e back to the lanes it came from; store. Four
	// vectors per iteration (unpackw), then one at a time (unpack).
unpack0:
	XORQ AX, AX
	XORQ R8, R8
	CMPQ BX, $32
	JLT  unpack

unpackw:
	VMOVUPD (SI)(AX*8), Z0
	VMOVUPD 64(SI)(AX*8), Z6
	VMOVUPD 128(SI)(AX*8), Z12
	VMOVUPD 192(SI)(AX*8), Z18
	TESTQ   $8, DX
	JZ      unpackwnb
	VADDPD  (R12)(AX*8), Z0, Z0
	VADDPD  64(R12)(AX*8), Z6, Z6
	VADDPD  128(R12)(AX*8), Z12, Z12
	VADDPD  192(R12)(AX*8), Z18, Z18

unpackwnb:
	VCMPPD      $0x1a, Z30, Z0, K1
	VMOVUPD     (SP)(R8*8), Z1
	VEXPANDPD.Z Z1, K1, Z5
	KMOVW       K1, R13
	POPCNTL     R13, R13
	ADDQ        R13, R8
	VCMPPD      $0x1a, Z30, Z6, K2
	VMOVUPD     (SP)(R8*8), Z7
	VEXPANDPD.Z Z7, K2, Z11
	KMOVW       K2, R13
	POPCNTL     R13, R13
	ADDQ        R13, R8
	VCMPPD      $0x1a, Z30, Z12, K3
	VMOVUPD     (SP)(R8*8), Z13
	VEXPANDPD.Z Z13, K3, Z17
	KMOVW       K3, R13
	POPCNTL     R13, R13
	ADDQ        R13, R8
	VCMPPD      $0x1a, Z30, Z18, K4
	VMOVUPD     (SP)(R8*8), Z19
	VEXPANDPD.Z Z19, K4, Z23
	KMOVW       K4, R13
	POPCNTL     R13, R13
	ADDQ        R13, R8
	TESTQ $1, DX
	JZ    nofw
	VMULPD    Z28, Z0, Z2
	VSUBPD    Z27, Z5, Z3
	VBLENDMPD Z3, Z2, K1, Z3
	VMOVUPD   Z3, (DI)(AX*8)
	VMULPD    Z28, Z6, Z8
	VSUBPD    Z27, Z11, Z9
	VBLENDMPD Z9, Z8, K2, Z9
	VMOVUPD   Z9, 64(DI)(AX*8)
	VMULPD    Z28, Z12, Z14
	VSUBPD    Z27, Z17, Z15
	VBLENDMPD Z15, Z14, K3, Z15
	VMOVUPD   Z15, 128(DI)(AX*8)
	VMULPD    Z28, Z18, Z20
	VSUBPD    Z27, Z23, Z21
	VBLENDMPD Z21, Z20, K4, Z21
	VMOVUPD   Z21, 192(DI)(AX*8)

nofw:
	TESTQ $2, DX
	JZ    nod1w
	VBLENDMPD Z5, Z28, K1, Z2
	VMOVUPD   Z2, (R10)(AX*8)
	VBLENDMPD Z11, Z28, K2, Z8
	VMOVUPD   Z8, 64(R10)(AX*8)
	VBLENDMPD Z17, Z28, K3, Z14
	VMOVUPD   Z14, 128(R10)(AX*8)
	VBLENDMPD Z23, Z28, K4, Z20
	VMOVUPD   Z20, 192(R10)(AX*8)

nod1w:
	TESTQ $4, DX
	JZ    nextw
	VMOVUPD Z5, (R11)(AX*8)
	VMOVUPD Z11, 64(R11)(AX*8)
	VMOVUPD Z17, 128(R11)(AX*8)
	VMOVUPD Z23, 192(R11)(AX*8)

nextw:
	ADDQ $32, AX
	LEAQ 32(AX), R13
	CMPQ R13, BX
	JLE  unpackw

unpack:
	CMPQ AX, BX
	JGE  nextblock
	VMOVUPD (SI)(AX*8), Z0
	TESTQ   $8, DX
	JZ      unpacknb
	VADDPD  (R12)(AX*8), Z0, Z0

unpacknb:
	VCMPPD      $0x1a, Z30, Z0, K1
	VMOVUPD     (SP)(R8*8), Z1
	VEXPANDPD.Z Z1, K1, Z5
	KMOVW       K1, R13
	POPCNTL     R13, R13
	ADDQ        R13, R8
	TESTQ $1, DX
	JZ    nof
	VMULPD    Z28, Z0, Z2
	VSUBPD    Z27, Z5, Z3
	VBLENDMPD Z3, Z2, K1, Z3
	VMOVUPD   Z3, (DI)(AX*8)

nof:
	TESTQ $2, DX
	JZ    nod1
	VBLENDMPD Z5, Z28, K1, Z2
	VMOVUPD   Z2, (R10)(AX*8)

nod1:
	TESTQ $4, DX
	JZ    next
	VMOVUPD Z5, (R11)(AX*8)

next:
	ADDQ $8, AX
	JMP  unpack

nextblock:
	// Next block.
	LEAQ (SI)(BX*8), SI
	LEAQ (DI)(BX*8), DI
	LEAQ (R10)(BX*8), R10
	LEAQ (R11)(BX*8), R11
	LEAQ (R12)(BX*8), R12
	SUBQ BX, CX
	JMP  block

done:
	VZEROUPPER
	RET
