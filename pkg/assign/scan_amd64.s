//go:build amd64 && !purego

#include "textflag.h"

// MIN2LANES folds the four values in h into one set of lanes (m1, m2, idx)
// for the indices jv: with mask = h < m1,
//   m2 ← mask ? m1 : min(m2, h);  m1 ← mask ? h : m1;  idx ← mask ? jv : idx.
// mask and tmp are scratch registers.
#define MIN2LANES(h, m1, m2, idx, jv, mask, tmp) \
	VCMPPD    $1, m1, h, mask \
	VMINPD    h, m2, tmp      \
	VBLENDVPD mask, m1, tmp, m2 \
	VBLENDVPD mask, h, m1, m1 \
	VBLENDVPD mask, jv, idx, idx

// func min2SubAVX2(r, v *float64, n int, st *min2State)
//
// Two sets of four lanes (A: entries 8k..8k+3, B: 8k+4..8k+7). Per lane,
// with h = r[j] − v[j] and mask = h < m1:
//   m2 ← mask ? m1 : min(m2, h);  m1 ← mask ? h : m1;  idx ← mask ? j : idx.
// State layout (bytes): m1 0, m2 64, idx 128, jv 192, step 256.
TEXT ·min2SubAVX2(SB), NOSPLIT, $0-32
	MOVQ r+0(FP), SI
	MOVQ v+8(FP), DI
	MOVQ n+16(FP), CX
	MOVQ st+24(FP), DX

	VMOVUPD 0(DX), Y0   // m1 A
	VMOVUPD 32(DX), Y3  // m1 B
	VMOVUPD 64(DX), Y1  // m2 A
	VMOVUPD 96(DX), Y4  // m2 B
	VMOVDQU 128(DX), Y2 // idx A
	VMOVDQU 160(DX), Y5 // idx B
	VMOVDQU 192(DX), Y6 // jv A
	VMOVDQU 224(DX), Y7 // jv B
	VMOVDQU 256(DX), Y8 // step

	XORQ AX, AX

loop:
	VMOVUPD (SI)(AX*8), Y9
	VSUBPD  (DI)(AX*8), Y9, Y9    // h = r − v
	MIN2LANES(Y9, Y0, Y1, Y2, Y6, Y10, Y11)

	VMOVUPD 32(SI)(AX*8), Y12
	VSUBPD  32(DI)(AX*8), Y12, Y12
	MIN2LANES(Y12, Y3, Y4, Y5, Y7, Y13, Y14)

	VPADDQ Y8, Y6, Y6
	VPADDQ Y8, Y7, Y7
	ADDQ   $8, AX
	CMPQ   AX, CX
	JLT    loop

	VMOVUPD Y0, 0(DX)
	VMOVUPD Y3, 32(DX)
	VMOVUPD Y1, 64(DX)
	VMOVUPD Y4, 96(DX)
	VMOVDQU Y2, 128(DX)
	VMOVDQU Y5, 160(DX)
	VMOVDQU Y6, 192(DX)
	VMOVDQU Y7, 224(DX)
	VZEROUPPER
	RET

// func sqDist2AVX2(dst *float64, a, b float64, y0, y1 *float64, n int)
TEXT ·sqDist2AVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	VBROADCASTSD a+8(FP), Y0
	VBROADCASTSD b+16(FP), Y1
	MOVQ y0+24(FP), SI
	MOVQ y1+32(FP), DX
	MOVQ n+40(FP), CX
	XORQ AX, AX

sqloop:
	VMOVUPD (SI)(AX*8), Y2
	VSUBPD  Y2, Y0, Y2            // a − y0
	VMULPD  Y2, Y2, Y2
	VMOVUPD (DX)(AX*8), Y3
	VSUBPD  Y3, Y1, Y3            // b − y1
	VMULPD  Y3, Y3, Y3
	VADDPD  Y3, Y2, Y2
	VMOVUPD Y2, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, CX
	JLT     sqloop
	VZEROUPPER
	RET

// func sqMin2AVX2(a, b float64, y0, y1, v *float64, n int, st *min2State)
//
// min2SubAVX2 on the row h_j = ((a − y0[j])² + (b − y1[j])²) − v[j], computed
// on the fly with the operations of sqDist2AVX2.
TEXT ·sqMin2AVX2(SB), NOSPLIT, $0-56
	VBROADCASTSD a+0(FP), Y14
	VBROADCASTSD b+8(FP), Y15
	MOVQ y0+16(FP), SI
	MOVQ y1+24(FP), BX
	MOVQ v+32(FP), DI
	MOVQ n+40(FP), CX
	MOVQ st+48(FP), DX

	VMOVUPD 0(DX), Y0
	VMOVUPD 32(DX), Y3
	VMOVUPD 64(DX), Y1
	VMOVUPD 96(DX), Y4
	VMOVDQU 128(DX), Y2
	VMOVDQU 160(DX), Y5
	VMOVDQU 192(DX), Y6
	VMOVDQU 224(DX), Y7

	XORQ AX, AX

sqmloop:
	VMOVUPD (SI)(AX*8), Y9
	VSUBPD  Y9, Y14, Y9           // a − y0
	VMULPD  Y9, Y9, Y9
	VMOVUPD (BX)(AX*8), Y10
	VSUBPD  Y10, Y15, Y10         // b − y1
	VMULPD  Y10, Y10, Y10
	VADDPD  Y10, Y9, Y9
	VSUBPD  (DI)(AX*8), Y9, Y9    // h = cost − v
	MIN2LANES(Y9, Y0, Y1, Y2, Y6, Y10, Y11)

	VMOVUPD 32(SI)(AX*8), Y12
	VSUBPD  Y12, Y14, Y12
	VMULPD  Y12, Y12, Y12
	VMOVUPD 32(BX)(AX*8), Y13
	VSUBPD  Y13, Y15, Y13
	VMULPD  Y13, Y13, Y13
	VADDPD  Y13, Y12, Y12
	VSUBPD  32(DI)(AX*8), Y12, Y12
	MIN2LANES(Y12, Y3, Y4, Y5, Y7, Y13, Y11)

	VPADDQ 256(DX), Y6, Y6
	VPADDQ 256(DX), Y7, Y7
	ADDQ   $8, AX
	CMPQ   AX, CX
	JLT    sqmloop

	VMOVUPD Y0, 0(DX)
	VMOVUPD Y3, 32(DX)
	VMOVUPD Y1, 64(DX)
	VMOVUPD Y4, 96(DX)
	VMOVDQU Y2, 128(DX)
	VMOVDQU Y5, 160(DX)
	VMOVDQU Y6, 192(DX)
	VMOVDQU Y7, 224(DX)
	VZEROUPPER
	RET

// func dijkPassAVX2(r, v, pen, fpen, d *float64, pred *int, n int, st *dijkState)
//
// dijkPassGo over columns 0..n−1 (n a positive multiple of 4), four lanes.
// State layout (bytes): shift 0, floor 8, row 16, m 32, mf 64, idx 96,
// fidx 128, jv 160, step 192.
TEXT ·dijkPassAVX2(SB), NOSPLIT, $0-64
	MOVQ r+0(FP), SI
	MOVQ v+8(FP), DI
	MOVQ pen+16(FP), R8
	MOVQ fpen+24(FP), R11
	MOVQ d+32(FP), R9
	MOVQ pred+40(FP), R10
	MOVQ n+48(FP), CX
	MOVQ st+56(FP), DX

	VBROADCASTSD 0(DX), Y15  // shift
	VBROADCASTSD 8(DX), Y14  // floor
	VPBROADCASTQ 16(DX), Y13 // row
	VMOVUPD      32(DX), Y0  // m
	VMOVUPD      64(DX), Y1  // mf
	VMOVDQU      96(DX), Y2  // idx
	VMOVDQU      128(DX), Y3 // fidx
	VMOVDQU      160(DX), Y4 // jv
	VMOVDQU      192(DX), Y5 // step

	XORQ AX, AX

dloop:
	VMOVUPD   (SI)(AX*8), Y6
	VSUBPD    (DI)(AX*8), Y6, Y6  // r − v
	VSUBPD    Y15, Y6, Y6         // − shift
	VMAXPD    Y14, Y6, Y6         // max(h, floor)
	VADDPD    (R8)(AX*8), Y6, Y6  // + pen
	VMOVUPD   (R9)(AX*8), Y7      // d
	VCMPPD    $1, Y7, Y6, Y8      // h < d
	VBLENDVPD Y8, Y6, Y7, Y7      // d ← h where h < d
	VMOVUPD   Y7, (R9)(AX*8)
	VMOVDQU   (R10)(AX*8), Y9
	VBLENDVPD Y8, Y13, Y9, Y9     // pred ← row where h < d
	VMOVDQU   Y9, (R10)(AX*8)
	VCMPPD    $1, Y0, Y7, Y8      // d < m
	VBLENDVPD Y8, Y7, Y0, Y0
	VBLENDVPD Y8, Y4, Y2, Y2
	VADDPD    (R11)(AX*8), Y7, Y10 // d + fpen
	VCMPPD    $1, Y1, Y10, Y8
	VBLENDVPD Y8, Y10, Y1, Y1
	VBLENDVPD Y8, Y4, Y3, Y3
	VPADDQ    Y5, Y4, Y4
	ADDQ      $4, AX
	CMPQ      AX, CX
	JLT       dloop

	VMOVUPD Y0, 32(DX)
	VMOVUPD Y1, 64(DX)
	VMOVDQU Y2, 96(DX)
	VMOVDQU Y3, 128(DX)
	VMOVDQU Y4, 160(DX)
	VZEROUPPER
	RET

// func blockBoundsAVX2(lo0, hi0, lo1, hi1, minw, lb *float64, n int, p *[5]float64)
//
// blockBoundsGo over blocks 0..n−1 (n a positive multiple of 4); p holds a,
// b, x2, boundSlack and the bits of the absolute-value mask.
TEXT ·blockBoundsAVX2(SB), NOSPLIT, $0-64
	MOVQ lo0+0(FP), SI
	MOVQ hi0+8(FP), DI
	MOVQ lo1+16(FP), R8
	MOVQ hi1+24(FP), R9
	MOVQ minw+32(FP), R10
	MOVQ lb+40(FP), R11
	MOVQ n+48(FP), CX
	MOVQ p+56(FP), DX

	VBROADCASTSD 0(DX), Y0  // a
	VBROADCASTSD 8(DX), Y1  // b
	VBROADCASTSD 16(DX), Y2 // x2
	VBROADCASTSD 24(DX), Y3 // slack
	VBROADCASTSD 32(DX), Y4 // abs mask

	XORQ AX, AX

bloop:
	VMULPD  (SI)(AX*8), Y0, Y5
	VMULPD  (DI)(AX*8), Y0, Y6
	VMAXPD  Y6, Y5, Y5
	VMULPD  (R8)(AX*8), Y1, Y6
	VMULPD  (R9)(AX*8), Y1, Y7
	VMAXPD  Y7, Y6, Y6
	VADDPD  Y6, Y5, Y5
	VADDPD  Y5, Y5, Y5
	VMOVUPD (R10)(AX*8), Y6
	VADDPD  Y6, Y2, Y7            // x2 + minw
	VSUBPD  Y5, Y7, Y7
	VANDPD  Y4, Y6, Y6
	VMULPD  Y3, Y6, Y6
	VSUBPD  Y6, Y7, Y7
	VMOVUPD Y7, (R11)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, CX
	JLT     bloop
	VZEROUPPER
	RET

// COMBINE merges the lane set b into a: per lane, the smaller first value
// (ties: the lower index) with its index, and as second value the smallest
// of both second values and the other first value. Y6–Y9 are scratch.
#define COMBINE(a1, a2, ai, b1, b2, bi) \
	VCMPPD    $1, a1, b1, Y6 \
	VCMPPD    $0, a1, b1, Y7 \
	VPCMPGTQ  bi, ai, Y8     \
	VANDPD    Y8, Y7, Y7     \
	VORPD     Y7, Y6, Y6     \
	VBLENDVPD Y6, a1, b1, Y9 \
	VBLENDVPD Y6, b1, a1, a1 \
	VBLENDVPD Y6, bi, ai, ai \
	VMINPD    b2, a2, a2     \
	VMINPD    Y9, a2, a2

// func min2ReduceAVX2(st *min2State) (u1, u2 float64, j1 int)
//
// min2State.reduce for states whose eight lanes all saw an entry.
TEXT ·min2ReduceAVX2(SB), NOSPLIT, $0-32
	MOVQ st+0(FP), DX
	VMOVUPD 0(DX), Y0
	VMOVUPD 32(DX), Y3
	VMOVUPD 64(DX), Y1
	VMOVUPD 96(DX), Y4
	VMOVDQU 128(DX), Y2
	VMOVDQU 160(DX), Y5
	COMBINE(Y0, Y1, Y2, Y3, Y4, Y5)
	VPERM2F128 $1, Y0, Y0, Y3
	VPERM2F128 $1, Y1, Y1, Y4
	VPERM2F128 $1, Y2, Y2, Y5
	COMBINE(Y0, Y1, Y2, Y3, Y4, Y5)
	VPERMILPD $5, Y0, Y3
	VPERMILPD $5, Y1, Y4
	VPERMILPD $5, Y2, Y5
	COMBINE(Y0, Y1, Y2, Y3, Y4, Y5)
	VMOVSD X0, u1+8(FP)
	VMOVSD X1, u2+16(FP)
	VMOVQ  X2, AX
	MOVQ   AX, j1+24(FP)
	VZEROUPPER
	RET

// SQMIN8(off) folds the 8 entries at byte offset off from (SI, BX, DI)
// (y0, y1, v at the current block) into the lane state Y0–Y7 as the loop
// of sqMin2AVX2 does, then advances jv by 8 (the step vector at 288(DX)).
#define SQMIN8(off) \
	VMOVUPD   off(SI), Y9           \
	VSUBPD    Y9, Y14, Y9           \
	VMULPD    Y9, Y9, Y9            \
	VMOVUPD   off(BX), Y10          \
	VSUBPD    Y10, Y15, Y10         \
	VMULPD    Y10, Y10, Y10         \
	VADDPD    Y10, Y9, Y9           \
	VSUBPD    off(DI), Y9, Y9       \
	MIN2LANES(Y9, Y0, Y1, Y2, Y6, Y10, Y11) \
	VMOVUPD   off+32(SI), Y12       \
	VSUBPD    Y12, Y14, Y12         \
	VMULPD    Y12, Y12, Y12         \
	VMOVUPD   off+32(BX), Y13       \
	VSUBPD    Y13, Y15, Y13         \
	VMULPD    Y13, Y13, Y13         \
	VADDPD    Y13, Y12, Y12         \
	VSUBPD    off+32(DI), Y12, Y12  \
	MIN2LANES(Y12, Y3, Y4, Y5, Y7, Y13, Y11) \
	VPADDQ    288(DX), Y6, Y6       \
	VPADDQ    288(DX), Y7, Y7

// func prunedMin2AVX2(p *pruneArgs)
//
// The pruned scan of blocks.min2Pruned in one call: for each group of four
// blocks the bounds of blockBoundsGo, then a scan (the operations of
// sqMin2AVX2) of every block c < nb whose bound is ≤ thr, then the lane
// merge of min2ReduceAVX2. pruneArgs layout (bytes): qy0 0, qy1 8, qv 16,
// lo0 24, hi0 32, lo1 40, hi1 48, minw 56, nb 64, a 72, b 80, nscan 88,
// x2 96, slack 128, abs 160, thr 192, lanes0 224, lanes1 256, step 288,
// u1 320, u2 328, j1 336, inf 344. Block arrays hold a multiple of 4 entries.
TEXT ·prunedMin2AVX2(SB), NOSPLIT, $0-8
	MOVQ p+0(FP), DX
	VBROADCASTSD 72(DX), Y14 // a
	VBROADCASTSD 80(DX), Y15 // b
	VBROADCASTSD 344(DX), Y0 // +Inf
	VMOVUPD      Y0, Y3
	VMOVUPD      Y0, Y1
	VMOVUPD      Y0, Y4
	VPXOR        Y2, Y2, Y2
	VPXOR        Y5, Y5, Y5
	XORQ         R10, R10 // blocks scanned
	XORQ         R8, R8   // group start c

group:
	CMPQ    R8, 64(DX)
	JGE     done
	MOVQ    24(DX), R9
	VMULPD  (R9)(R8*8), Y14, Y9
	MOVQ    32(DX), R9
	VMULPD  (R9)(R8*8), Y14, Y10
	VMAXPD  Y10, Y9, Y9
	MOVQ    40(DX), R9
	VMULPD  (R9)(R8*8), Y15, Y10
	MOVQ    48(DX), R9
	VMULPD  (R9)(R8*8), Y15, Y11
	VMAXPD  Y11, Y10, Y10
	VADDPD  Y10, Y9, Y9
	VADDPD  Y9, Y9, Y9
	MOVQ    56(DX), R9
	VMOVUPD (R9)(R8*8), Y10
	VADDPD  96(DX), Y10, Y11   // x2 + minw
	VSUBPD  Y9, Y11, Y11
	VANDPD  160(DX), Y10, Y10
	VMULPD  128(DX), Y10, Y10
	VSUBPD  Y10, Y11, Y11      // bound
	VCMPPD  $2, 192(DX), Y11, Y11 // bound ≤ thr
	VMOVMSKPD Y11, R12
	MOVQ    64(DX), R13
	SUBQ    R8, R13            // blocks left
	CMPQ    R13, $4
	JGE     blocks
	MOVQ    $1, R11
	MOVQ    R13, CX
	SHLQ    CX, R11
	DECQ    R11
	ANDQ    R11, R12

blocks:
	TESTQ   R12, R12
	JZ      nextgroup
	BSFQ    R12, R13
	LEAQ    -1(R12), R11
	ANDQ    R11, R12
	ADDQ    R8, R13            // block index
	INCQ    R10
	SHLQ    $4, R13            // first entry (blockSize 16)
	MOVQ    R13, X9
	VPBROADCASTQ X9, Y9
	VPADDQ  224(DX), Y9, Y6    // jv A
	VPADDQ  256(DX), Y9, Y7    // jv B
	SHLQ    $3, R13            // byte offset
	MOVQ    0(DX), SI
	ADDQ    R13, SI
	MOVQ    8(DX), BX
	ADDQ    R13, BX
	MOVQ    16(DX), DI
	ADDQ    R13, DI
	SQMIN8(0)
	SQMIN8(64)
	JMP     blocks

nextgroup:
	ADDQ    $4, R8
	JMP     group

done:
	MOVQ    R10, 88(DX)
	COMBINE(Y0, Y1, Y2, Y3, Y4, Y5)
	VPERM2F128 $1, Y0, Y0, Y3
	VPERM2F128 $1, Y1, Y1, Y4
	VPERM2F128 $1, Y2, Y2, Y5
	COMBINE(Y0, Y1, Y2, Y3, Y4, Y5)
	VPERMILPD $5, Y0, Y3
	VPERMILPD $5, Y1, Y4
	VPERMILPD $5, Y2, Y5
	COMBINE(Y0, Y1, Y2, Y3, Y4, Y5)
	VMOVSD X0, 320(DX)
	VMOVSD X1, 328(DX)
	VMOVQ  X2, AX
	MOVQ   AX, 336(DX)
	VZEROUPPER
	RET
