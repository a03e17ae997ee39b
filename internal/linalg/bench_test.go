package linalg

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// benchCase is one product shape: op(A) m×k, op(B) k×n.
type benchCase struct {
	ta, tb  bool
	m, n, k int
}

func (bc benchCase) String() string {
	t := func(x bool) string {
		if x {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s/%dx%dx%d", t(bc.ta), t(bc.tb), bc.m, bc.n, bc.k)
}

// benchCases are the flow-model shapes. First the reference set: 256×64×64
// in the NN, NT and TN forms, then NN for 768 (= 256 points with two stacked
// tangents) and 2048 rows. Then the backward pass as an MLP issues it (the
// weight gradient dW = Xᵀ·dY has the batch as inner dimension k), wider
// layers, the 2-d input/output layers (k = 2, n = 2, m = 2), and the
// high-dimensional shapes.
var benchCases = []benchCase{
	{false, false, 256, 64, 64}, {false, true, 256, 64, 64}, {true, false, 256, 64, 64},
	{false, false, 768, 64, 64}, {false, false, 2048, 64, 64},
	{true, true, 256, 64, 64}, {false, true, 2048, 64, 64},
	{true, false, 64, 64, 256}, {true, false, 64, 64, 2048},
	{false, false, 2048, 128, 128}, {false, false, 2048, 256, 256},
	{false, false, 2048, 64, 2}, {false, false, 2048, 2, 64}, {false, true, 2048, 2, 64},
	{true, false, 2, 64, 2048}, {true, false, 64, 2, 2048},
	// The 784-D model's step (runexp bench -only highd: batch 128, 3 × 1024):
	// forward, the weight gradient and the input gradient of a hidden
	// layer, and a square product as the large-shape peak.
	{false, false, 128, 1024, 1024}, {true, false, 1024, 1024, 128}, {false, true, 128, 1024, 1024},
	{false, false, 1024, 1024, 1024},
}

func benchOperands(bc benchCase) (a []float64, lda int, b []float64, ldb int, c []float64) {
	rng := rand.New(rand.NewPCG(11, 12))
	lda, ldb = bc.k, bc.n
	if bc.ta {
		lda = bc.m
	}
	if bc.tb {
		ldb = bc.k
	}
	a = randMat(rng, bc.m*bc.k/lda, lda, lda)
	b = randMat(rng, bc.k*bc.n/ldb, ldb, ldb)
	c = make([]float64, bc.m*bc.n)
	return a, lda, b, ldb, c
}

func reportGFLOPS(b *testing.B, bc benchCase) {
	flops := 2 * float64(bc.m) * float64(bc.n) * float64(bc.k) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGemm times Gemm (β = 1, the dispatch this machine selects) as
// "<shape>/linalg" next to gonum's blas64.Gemm on the same operands as
// "<shape>/gonum", interleaved so both see the same machine load. gonum may
// use GOMAXPROCS goroutines; Gemm always runs on one (compare at -cpu 1).
func BenchmarkGemm(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.String()+"/linalg", func(b *testing.B) {
			a, lda, bb, ldb, c := benchOperands(bc)
			for b.Loop() {
				Gemm(bc.ta, bc.tb, bc.m, bc.n, bc.k, a, lda, bb, ldb, 1, c, bc.n)
			}
			reportGFLOPS(b, bc)
		})
		if have512 {
			b.Run(bc.String()+"/linalg-avx2", func(b *testing.B) {
				force256 = true
				defer func() { force256 = false }()
				a, lda, bb, ldb, c := benchOperands(bc)
				for b.Loop() {
					Gemm(bc.ta, bc.tb, bc.m, bc.n, bc.k, a, lda, bb, ldb, 1, c, bc.n)
				}
				reportGFLOPS(b, bc)
			})
		}
		b.Run(bc.String()+"/gonum", func(b *testing.B) { benchGonum(b, bc) })
	}
}

// BenchmarkGemmGo times the portable 4×4 Go kernel path.
func BenchmarkGemmGo(b *testing.B) {
	forceGo = true
	defer func() { forceGo = false }()
	for _, bc := range benchCases[:5] {
		b.Run(bc.String(), func(b *testing.B) {
			a, lda, bb, ldb, c := benchOperands(bc)
			for b.Loop() {
				Gemm(bc.ta, bc.tb, bc.m, bc.n, bc.k, a, lda, bb, ldb, 1, c, bc.n)
			}
			reportGFLOPS(b, bc)
		})
	}
}

// benchGonum is the baseline: gonum's blas64.Gemm on bc's operands.
func benchGonum(b *testing.B, bc benchCase) {
	a, lda, bb, ldb, c := benchOperands(bc)
	ta, tb := blas.NoTrans, blas.NoTrans
	ar, ac, br, bcols := bc.m, bc.k, bc.k, bc.n
	if bc.ta {
		ta, ar, ac = blas.Trans, bc.k, bc.m
	}
	if bc.tb {
		tb, br, bcols = blas.Trans, bc.n, bc.k
	}
	A := blas64.General{Rows: ar, Cols: ac, Stride: lda, Data: a}
	B := blas64.General{Rows: br, Cols: bcols, Stride: ldb, Data: bb}
	C := blas64.General{Rows: bc.m, Cols: bc.n, Stride: bc.n, Data: c}
	for b.Loop() {
		blas64.Gemm(ta, tb, 1, A, B, 1, C)
	}
	reportGFLOPS(b, bc)
}
