package assign

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomCloudState fills a solver for the 2-D clouds x, y as SqEuclidean
// does and gives the columns random non-positive prices (as after some
// bids); with ties, coordinates and prices are small integers.
func randomCloudState(rng *rand.Rand, s *Solver, n int, ties bool) {
	x, y := make([]float64, 2*n), make([]float64, 2*n)
	for k := range x {
		if ties {
			x[k], y[k] = float64(rng.IntN(5)), float64(rng.IntN(5))
		} else {
			x[k], y[k] = rng.NormFloat64(), 5+0.5*rng.NormFloat64()
		}
	}
	s.n, s.d, s.dense, s.px, s.py = n, 2, nil, x, y
	s.py0, s.py1 = make([]float64, n), make([]float64, n)
	for j := 0; j < n; j++ {
		s.py0[j], s.py1[j] = y[2*j], y[2*j+1]
	}
	s.blk.build(s.py0, s.py1)
	s.v = make([]float64, n)
	s.hint = make([]int, 2*n)
	s.cand, s.candN, s.candFloor = make([]int, n*candStride), make([]int, n), make([]float64, n)
	for k := range s.hint {
		s.hint[k] = -1
	}
}

// TestPrunedScanMatchesFull: rowMin2 with block pruning returns the value,
// first column and second value of the full scalar scan bit for bit, over a
// sequence of decreasing prices (hints from earlier scans in force), with
// and without ties, for sizes with and without a tail; and the block bounds
// are lower bounds of every entry of their blocks.
func TestPrunedScanMatchesFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{64, 100, 512, 1000} {
		for _, ties := range []bool{false, true} {
			var s Solver
			randomCloudState(rng, &s, n, ties)
			if !s.blk.on {
				t.Fatalf("n=%d: pruning off", n)
			}
			pruned := 0
			for step := 0; step < 20*n; step++ {
				i := rng.IntN(n)
				u1, u2, j1 := s.rowMin2(i)
				w1, w2, k1 := sqMin2Go(s.px[2*i], s.px[2*i+1], s.py0, s.py1, s.v, 0, math.Inf(1), math.Inf(1), -1)
				if math.Float64bits(u1) != math.Float64bits(w1) || math.Float64bits(u2) != math.Float64bits(w2) || j1 != k1 {
					t.Fatalf("n=%d ties=%v step %d row %d: pruned (%v, %v, %d), full (%v, %v, %d)", n, ties, step, i, u1, u2, j1, w1, w2, k1)
				}
				// A bid-like price drop of the minimum column.
				j := j1
				if rng.IntN(4) == 0 {
					j = rng.IntN(n)
				}
				drop := u2 - u1 + 1e-3
				if ties {
					drop = float64(rng.IntN(2))
				}
				s.v[j] -= drop
				s.blk.setPrice(j, s.v[j])
				if step%n == 0 {
					checkBounds(t, &s, i)
				}
			}
			pruned = s.stats.PrunedScans
			if !ties && pruned == 0 {
				t.Fatalf("n=%d: no pruned scans", n)
			}
		}
	}
}

// checkBounds verifies that every block bound for row i, less the margin
// the scan allows, is at most every reduced cost in its block, and that
// min w is a lower bound of |y|² − v there.
func checkBounds(t *testing.T, s *Solver, i int) {
	t.Helper()
	bk := &s.blk
	a, b := s.px[2*i], s.px[2*i+1]
	x2 := a*a + b*b
	lb := make([]float64, bk.nb)
	blockBounds(bk, a, b, x2, lb)
	margin := boundSlack * (x2 + bk.y2max)
	for c := 0; c < bk.nb; c++ {
		for q := c * blockSize; q < (c+1)*blockSize; q++ {
			j := bk.perm[q]
			if bk.qv[q] != s.v[j] {
				t.Fatalf("column %d: internal price %v, price %v", j, bk.qv[q], s.v[j])
			}
			if w := bk.qy2[q] - bk.qv[q]; w < bk.minw[c] {
				t.Fatalf("block %d: min w %v above w %v of column %d", c, bk.minw[c], w, j)
			}
			da, db := a-s.py0[j], b-s.py1[j]
			if h := (da*da + db*db) - s.v[j]; h < lb[c]-margin {
				t.Fatalf("block %d: bound %v above reduced cost %v of column %d", c, lb[c], h, j)
			}
		}
	}
}

// TestBlockBoundsMatchesScalar: the AVX2 bound kernel and the Go loop give
// the same bounds.
func TestBlockBoundsMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{64, 80, 512, 1000} {
		var s Solver
		randomCloudState(rng, &s, n, false)
		for j := range s.v {
			s.v[j] = -10 * rng.Float64()
			s.blk.setPrice(j, s.v[j])
		}
		a, b := rng.NormFloat64(), rng.NormFloat64()
		got, want := make([]float64, s.blk.nb), make([]float64, s.blk.nb)
		blockBounds(&s.blk, a, b, a*a+b*b, got)
		blockBoundsGo(&s.blk.bx, s.blk.minw, a, b, a*a+b*b, want)
		for c := range got {
			if math.Float64bits(got[c]) != math.Float64bits(want[c]) {
				t.Fatalf("n=%d block %d: kernel %v, Go %v", n, c, got[c], want[c])
			}
		}
	}
}

// TestDijkPassMatchesScalar: the dispatching Dijkstra relaxation (AVX2
// kernel where available) equals the Go loop bit for bit, on random
// distances with scanned columns, free columns and many ties.
func TestDijkPassMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	inf := math.Inf(1)
	for _, n := range []int{1, 3, 4, 5, 8, 13, 64, 513} {
		for trial := 0; trial < 50; trial++ {
			ties := trial%2 == 0
			r, v, pen, fpen, d := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			pred := make([]int, n)
			for j := 0; j < n; j++ {
				if ties {
					r[j], v[j], d[j] = float64(rng.IntN(4)), float64(rng.IntN(3)), float64(rng.IntN(5))
				} else {
					r[j], v[j], d[j] = rng.NormFloat64()*5, rng.NormFloat64(), rng.NormFloat64()*5+5
				}
				if rng.IntN(4) == 0 {
					pen[j], d[j] = inf, inf
				}
				if rng.IntN(3) > 0 {
					fpen[j] = inf
				}
				pred[j] = rng.IntN(n)
			}
			shift, floor, row := float64(rng.IntN(3)), float64(rng.IntN(2)), rng.IntN(n)
			d2, pred2 := append([]float64(nil), d...), append([]int(nil), pred...)
			st, st2 := dijkStart(shift, floor, row), dijkStart(shift, floor, row)
			dijkPass(r, v, pen, fpen, d, pred, &st)
			dijkPassGo(r, v, pen, fpen, d2, pred2, 0, &st2)
			for j := range d {
				if math.Float64bits(d[j]) != math.Float64bits(d2[j]) || pred[j] != pred2[j] {
					t.Fatalf("n=%d trial %d column %d: (%v, %d), Go (%v, %d)", n, trial, j, d[j], pred[j], d2[j], pred2[j])
				}
			}
			m, j, mf, fj := st.pick()
			m2, j2, mf2, fj2 := st2.pick()
			if m != m2 || j != j2 || mf != mf2 || fj != fj2 {
				t.Fatalf("n=%d trial %d: pick (%v, %d, %v, %d), Go (%v, %d, %v, %d)", n, trial, m, j, mf, fj, m2, j2, mf2, fj2)
			}
			// Independent check of pick: first index of the minimum over
			// all columns and over the free ones.
			wm, wj, wmf, wfj := inf, -1, inf, -1
			for k := range d {
				if d[k] < wm {
					wm, wj = d[k], k
				}
				if fpen[k] == 0 && d[k] < wmf {
					wmf, wfj = d[k], k
				}
			}
			if m != wm || (wj >= 0 && j != wj) || mf != wmf || (wfj >= 0 && fj != wfj) {
				t.Fatalf("n=%d trial %d: pick (%v, %d, %v, %d), want (%v, %d, %v, %d)", n, trial, m, j, mf, fj, wm, wj, wmf, wfj)
			}
		}
	}
}

// TestTiedCloudsDenseAgree: point clouds on a small integer grid (many
// duplicate points, many optimal assignments) at sizes where the
// point-cloud solve prunes its scans: the point-cloud and dense entry
// points return the same permutation (pruned scans are bit-identical to
// full ones, ties rescanned in column order), with a valid optimality
// certificate.
func TestTiedCloudsDenseAgree(t *testing.T) {
	defer func(on bool) { affineInit = on }(affineInit)
	for _, affine := range []bool{false, true} {
		affineInit = affine
		tiedCloudsDenseAgree(t, affine)
	}
}

// tiedCloudsDenseAgree: with the same starting prices (affine = false) the
// two paths must agree bit for bit; with the point-cloud path starting
// from affinePrices they must agree on the optimal cost (sums of small
// integers, exact).
func tiedCloudsDenseAgree(t *testing.T, affine bool) {
	rng := rand.New(rand.NewPCG(27, 28))
	for _, n := range []int{64, 200, 333} {
		x, y := make([]float64, 2*n), make([]float64, 2*n)
		for k := range x {
			x[k], y[k] = float64(rng.IntN(6)), float64(rng.IntN(6)+2)
		}
		var s Solver
		p, q := make([]int, n), make([]int, n)
		c1, err := s.SqEuclidean(p, x, y, 2)
		if err != nil {
			t.Fatal(err)
		}
		c := sqEuclidMatrix(x, y, 2)
		checkCertificate(t, &s, c, n, p)
		c2, err := s.Dense(q, c, n)
		if err != nil {
			t.Fatal(err)
		}
		checkCertificate(t, &s, c, n, q)
		if c1 != c2 {
			t.Fatalf("n=%d: point-cloud cost %v, dense %v", n, c1, c2)
		}
		for i := range p {
			if p[i] != q[i] && !affine {
				t.Fatalf("n=%d: point-cloud and dense assignments differ at row %d", n, i)
			}
		}
	}
}
