package linalg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// naive is the reference: the definition c_ij = Σ_p op(A)_ip op(B)_pj + β c_ij
// summed left to right, together with the scale Σ_p |op(A)_ip op(B)_pj| +
// |β c_ij| that bounds its rounding error.
func naive(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, g float64
			for p := 0; p < k; p++ {
				var x, y float64
				if transA {
					x = a[p*lda+i]
				} else {
					x = a[i*lda+p]
				}
				if transB {
					y = b[j*ldb+p]
				} else {
					y = b[p*ldb+j]
				}
				s += x * y
				g += math.Abs(x * y)
			}
			if beta != 0 {
				s += beta * c[i*ldc+j]
				g += math.Abs(beta * c[i*ldc+j])
			}
			want[i*n+j], mag[i*n+j] = s, g
		}
	}
	return want, mag
}

// randMat fills a rows×cols matrix of stride ld with N(0,1) entries; the gaps
// past each row hold NaN so that reading them would show in the result.
func randMat(rng *rand.Rand, rows, cols, ld int) []float64 {
	x := make([]float64, max(0, (rows-1)*ld+cols))
	for i := range x {
		x[i] = math.NaN()
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			x[i*ld+j] = rng.NormFloat64()
		}
	}
	return x
}

type shape struct{ m, n, k int }

// testShapes covers sizes below, at and across every tile and block edge of
// both kernels: 1, 2, 3 (the small dims of flow models), mr = 4 and 6 ± 1,
// nr = 4 and 8 ± 1 (n mod 8 = 4 takes the 6×4 kernel straight into C), mc =
// 96 ± 1 and kc = 256 ± 1, and the layer widths 64/128.
var testShapes = []shape{
	{1, 1, 1}, {1, 1, 7}, {2, 3, 1}, {3, 2, 2}, {5, 7, 3}, {6, 8, 1}, {7, 9, 5},
	{4, 4, 4}, {13, 17, 11}, {64, 2, 64}, {64, 3, 128}, {300, 64, 2}, {257, 64, 3},
	{2, 64, 300}, {3, 64, 257}, {64, 64, 255}, {64, 64, 256}, {64, 64, 257},
	{95, 9, 513}, {96, 8, 10}, {97, 15, 33}, {193, 66, 64}, {128, 128, 128},
	{30, 12, 9}, {64, 4, 70},
}

// relTol is the per-entry tolerance factor: the forward error of a k-term dot
// product is at most k·u·Σ|x_p y_p| (u = 2⁻⁵³ ≈ 1.1e-16; Higham, Accuracy and
// Stability of Numerical Algorithms, §3.1), and the reference carries the
// same bound, so the two differ by at most 2(k+1)·u·mag; 1e-13·(k+1) leaves a
// margin of about 400 over that.
const relTol = 1e-13

func checkGemm(t *testing.T, rng *rand.Rand, ta, tb bool, s shape, pad int, beta float64) {
	t.Helper()
	m, n, k := s.m, s.n, s.k
	ar, ac := m, k
	if ta {
		ar, ac = k, m
	}
	br, bc := k, n
	if tb {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+pad, bc+2*pad, n+3*pad
	a := randMat(rng, ar, ac, lda)
	b := randMat(rng, br, bc, ldb)
	c := randMat(rng, m, n, ldc)
	if beta == 0 {
		// β = 0 must ignore C entirely: poison it.
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				c[i*ldc+j] = math.NaN()
			}
		}
	}
	want, mag := naive(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
	got := append([]float64(nil), c...)
	Gemm(ta, tb, m, n, k, a, lda, b, ldb, beta, got, ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			g, w := got[i*ldc+j], want[i*n+j]
			if tol := relTol * float64(k+1) * mag[i*n+j]; !(math.Abs(g-w) <= tol) {
				t.Fatalf("C[%d][%d] = %v, want %v (tol %.3g)", i, j, g, w, tol)
			}
		}
		// The gaps between rows of C are not written.
		for j := n; j < ldc && i*ldc+j < len(c); j++ {
			if !math.IsNaN(got[i*ldc+j]) {
				t.Fatalf("gap C[%d][%d] overwritten with %v", i, j, got[i*ldc+j])
			}
		}
	}
}

// kernels runs f once with each micro-kernel this machine can run.
func kernels(t *testing.T, f func(t *testing.T)) {
	t.Run("go", func(t *testing.T) {
		forceGo = true
		defer func() { forceGo = false }()
		f(t)
	})
	if haveAsm {
		t.Run("asm", func(t *testing.T) {
			force256 = true
			defer func() { force256 = false }()
			f(t)
		})
	}
	if have512 {
		t.Run("asm512", f)
	}
}

// TestKernelsBitIdentical: the AVX2 and AVX-512 kernels sum each entry as the
// same chain of fused multiply–adds, so they give the same bits, on shapes
// with full and ragged 16-, 8- and 4-column panels. (The Go kernel rounds
// products and sums separately; TestGemmMatchesNaive checks it.)
func TestKernelsBitIdentical(t *testing.T) {
	if !have512 {
		t.Skip("this machine runs at most one assembly kernel: nothing to compare")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, s := range []struct{ m, n, k int }{{37, 64, 70}, {13, 35, 300}, {96, 2, 64}, {20, 7, 5}, {6, 16, 1}} {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
			a := randMat(rng, s.m, s.k, s.k)
			b := randMat(rng, s.k, s.n, s.n)
			if tr[0] {
				a = randMat(rng, s.k, s.m, s.m)
			}
			if tr[1] {
				b = randMat(rng, s.n, s.k, s.k)
			}
			lda, ldb := s.k, s.n
			if tr[0] {
				lda = s.m
			}
			if tr[1] {
				ldb = s.k
			}
			c0 := randMat(rng, s.m, s.n, s.n)
			var ref []float64
			for _, mode := range []string{"avx2", "avx512"} {
				force256 = mode == "avx2"
				c := append([]float64(nil), c0...)
				Gemm(tr[0], tr[1], s.m, s.n, s.k, a, lda, b, ldb, 0.5, c, s.n)
				if ref == nil {
					ref = c
					continue
				}
				for i := range c {
					if math.Float64bits(c[i]) != math.Float64bits(ref[i]) {
						t.Fatalf("%v %v: avx512 C[%d] = %v, avx2 %v", s, tr, i, c[i], ref[i])
					}
				}
			}
			force256 = false
		}
	}
}

func TestGemmMatchesNaive(t *testing.T) {
	kernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, s := range testShapes {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				for _, beta := range []float64{0, 1, 0.5} {
					for _, pad := range []int{0, 3} {
						name := fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v/beta=%v/pad=%d", s.m, s.n, s.k, tr[0], tr[1], beta, pad)
						t.Run(name, func(t *testing.T) { checkGemm(t, rng, tr[0], tr[1], s, pad, beta) })
					}
				}
			}
		}
	})
}

// TestGemmLargeK crosses several kc blocks with the batch as the inner
// dimension, the weight-gradient shape dW = Xᵀ·dY.
func TestGemmLargeK(t *testing.T) {
	k := 1100 // 4 blocks of kc = 256 plus a remainder of 76
	if testing.Short() {
		k = 600
	}
	kernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, s := range []shape{{64, 64, k}, {2, 64, k}, {64, 3, k}} {
			checkGemm(t, rng, true, false, s, 1, 0.5)
		}
	})
}

// TestGemmZeroK checks the empty sum: C = β·C, and C = 0 for β = 0 even when
// C held NaN.
func TestGemmZeroK(t *testing.T) {
	c := []float64{1, 2, math.NaN(), 4}
	// C is 2×1 with stride 2: entries c[0], c[2]; c[1] is a gap, c[3] beyond.
	Gemm(false, false, 2, 1, 0, nil, 1, nil, 1, 0.5, c[:3], 2)
	if c[0] != 0.5 || c[1] != 2 || !math.IsNaN(c[2]) || c[3] != 4 {
		t.Fatalf("beta=0.5: got %v, want [0.5 2 NaN 4]", c)
	}
	c = []float64{math.NaN(), math.Inf(1), 3}
	Gemm(true, true, 1, 3, 0, nil, 1, nil, 1, 0, c, 3)
	if c[0] != 0 || c[1] != 0 || c[2] != 0 {
		t.Fatalf("beta=0: got %v, want zeros", c)
	}
}

// TestGemmExact uses small integers, for which every partial sum is exact, so
// the result must equal the hand-computed product exactly.
func TestGemmExact(t *testing.T) {
	// A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12]; A·B = [58 64; 139 154].
	a := []float64{1, 2, 3, 4, 5, 6}
	b := []float64{7, 8, 9, 10, 11, 12}
	kernels(t, func(t *testing.T) {
		c := []float64{1, 1, 1, 1}
		Gemm(false, false, 2, 2, 3, a, 3, b, 2, 2, c, 2)
		want := []float64{60, 66, 141, 156} // A·B + 2·ones
		for i := range want {
			if c[i] != want[i] {
				t.Fatalf("got %v, want %v", c, want)
			}
		}
		// Aᵀ·A with A stored 2×3: [17 22 27; 22 29 36; 27 36 45].
		c = make([]float64, 9)
		Gemm(true, false, 3, 3, 2, a, 3, a, 3, 0, c, 3)
		want = []float64{17, 22, 27, 22, 29, 36, 27, 36, 45}
		for i := range want {
			if c[i] != want[i] {
				t.Fatalf("AᵀA: got %v, want %v", c, want)
			}
		}
	})
}

func TestGemmBias(t *testing.T) {
	kernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range []shape{{1, 1, 1}, {7, 3, 2}, {300, 64, 64}} {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
				m, n, k := s.m, s.n, s.k
				lda, ldb := k, n
				if tr[0] {
					lda = m
				}
				if tr[1] {
					ldb = k
				}
				a := randMat(rng, m*k/lda, lda, lda)
				b := randMat(rng, k*n/ldb, ldb, ldb)
				bias := randMat(rng, 1, n, n)
				c := make([]float64, m*n)
				for i := range c {
					c[i] = math.NaN() // overwritten, never read
				}
				ones := make([]float64, m*n)
				for i := 0; i < m; i++ {
					copy(ones[i*n:], bias)
				}
				want, mag := naive(tr[0], tr[1], m, n, k, a, lda, b, ldb, 1, ones, n)
				GemmBias(tr[0], tr[1], m, n, k, a, lda, b, ldb, bias, c, n)
				for i := range c {
					if tol := relTol * float64(k+1) * mag[i]; !(math.Abs(c[i]-want[i]) <= tol) {
						t.Fatalf("%v tr=%v: C[%d] = %v, want %v", s, tr, i, c[i], want[i])
					}
				}
			}
		}
	})
}

// TestGemmDeterministic runs the same product from several goroutines at
// once (sharing the workspace pool) and requires bit-identical results, also
// against a row computed alone: an entry's value must not depend on its tile.
func TestGemmDeterministic(t *testing.T) {
	kernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		const m, n, k = 197, 67, 300 // odd sizes: edge tiles and two k-blocks
		a := randMat(rng, m, k, k)
		b := randMat(rng, n, k, k)
		c0 := randMat(rng, m, n, n)
		ref := append([]float64(nil), c0...)
		Gemm(false, true, m, n, k, a, k, b, k, 0.5, ref, n)
		const workers = 4
		out := make([][]float64, workers)
		var wg sync.WaitGroup
		for w := range out {
			out[w] = append([]float64(nil), c0...)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for rep := 0; rep < 3; rep++ {
					copy(out[w], c0)
					Gemm(false, true, m, n, k, a, k, b, k, 0.5, out[w], n)
				}
			}()
		}
		wg.Wait()
		for w := range out {
			for i := range ref {
				if math.Float64bits(out[w][i]) != math.Float64bits(ref[i]) {
					t.Fatalf("worker %d: C[%d] = %v, first run %v", w, i, out[w][i], ref[i])
				}
			}
		}
		// A row computed alone (a 1-row edge tile, packed) must equal the same
		// row inside the full product, where row 0 lies in a full tile read in
		// place and row m−1 in the ragged last panel.
		for _, i := range []int{0, m - 1} {
			row := append([]float64(nil), c0[i*n:(i+1)*n]...)
			Gemm(false, true, 1, n, k, a[i*k:], k, b, k, 0.5, row, n)
			for j := range row {
				if math.Float64bits(row[j]) != math.Float64bits(ref[i*n+j]) {
					t.Fatalf("row %d alone: C[%d] = %v, in full product %v", i, j, row[j], ref[i*n+j])
				}
			}
		}
	})
}

func TestGemmNoAllocs(t *testing.T) {
	kernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		const m, n, k = 256, 64, 64
		a := randMat(rng, m, k, k)
		b := randMat(rng, k, n, n)
		c := make([]float64, m*n)
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
			lda, ldb := k, n
			if tr[0] {
				lda = m
			}
			if tr[1] {
				ldb = k
			}
			allocs := testing.AllocsPerRun(20, func() {
				Gemm(tr[0], tr[1], m, n, k, a, lda, b, ldb, 1, c, n)
			})
			if allocs != 0 {
				t.Fatalf("tr=%v: %v allocations per call, want 0", tr, allocs)
			}
		}
	})
}

func TestGemmPanics(t *testing.T) {
	x := make([]float64, 12)
	cases := []struct {
		name, msg string
		f         func()
	}{
		{"negative m", "negative dimension", func() { Gemm(false, false, -1, 2, 2, x, 2, x, 2, 0, x, 2) }},
		{"lda < k", "stride of A", func() { Gemm(false, false, 2, 2, 3, x, 2, x, 2, 0, x, 2) }},
		{"ldb < k (transB)", "stride of B", func() { Gemm(false, true, 2, 2, 3, x, 3, x, 2, 0, x, 2) }},
		{"ldc < n", "stride of C", func() { Gemm(false, false, 2, 3, 2, x, 2, x, 3, 0, x, 2) }},
		{"short A", "slice of A", func() { Gemm(false, false, 4, 2, 4, x, 4, x, 2, 0, x, 2) }},
		{"short B", "slice of B", func() { Gemm(false, false, 1, 2, 7, x, 7, x, 2, 0, x, 2) }},
		{"short C", "slice of C", func() { Gemm(false, false, 7, 2, 1, x, 1, x, 2, 0, x, 2) }},
		{"short bias", "bias", func() { GemmBias(false, false, 2, 3, 2, x, 2, x, 3, x[:2], x, 3) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if !strings.HasPrefix(s, "linalg: ") || !strings.Contains(s, tc.msg) {
					t.Fatalf("panic %q, want linalg: …%s…", r, tc.msg)
				}
			}()
			tc.f()
		})
	}
}

// TestNarrowBitIdentical: the narrow path (AVX-512, n ≤ narrowN, k a multiple
// of 8) gives the bits of the tile kernels, on row counts around its 32-row
// chunks, odd and even column counts (narrowN raised to 4 to cover two
// passes and a repeated odd column), strides with NaN gaps, and C entries
// outside the product left alone.
func TestNarrowBitIdentical(t *testing.T) {
	if !haveNarrow {
		t.Skip("no narrow kernel on this machine")
	}
	defer func(n int) { narrowN = n }(narrowN)
	narrowN = 4
	rng := rand.New(rand.NewPCG(31, 32))
	for _, m := range []int{31, 32, 33, 64, 95, 96, 97, 200} {
		for _, n := range []int{1, 2, 3, 4} {
			for _, k := range []int{8, 16, 64, 72, 256} {
				lda, ldb, ldc := k+3, n+1, n+2
				a := randMat(rng, m, k, lda)
				b := randMat(rng, k, n, ldb)
				c0 := randMat(rng, m, n, ldc)
				var ref []float64
				for _, off := range []bool{true, false} {
					noNarrow = off
					c := append([]float64(nil), c0...)
					Gemm(false, false, m, n, k, a, lda, b, ldb, 0, c, ldc)
					if ref == nil {
						ref = c
						continue
					}
					for i := range c {
						if math.Float64bits(c[i]) != math.Float64bits(ref[i]) && !(math.IsNaN(c[i]) && math.IsNaN(ref[i])) {
							t.Fatalf("m=%d n=%d k=%d: narrow C[%d] = %v, tile kernels %v", m, n, k, i, c[i], ref[i])
						}
					}
				}
				noNarrow = false
			}
		}
	}
}
