package assign

import (
	"fmt"
	"math"

	"github.com/flowbench/flowbench/internal/scratch"
)

// Stats counts the work one solve did.
type Stats struct {
	N             int // problem size
	FreeAfterInit int // rows left free by the auction and its exact bids, left to augmentation
	ScannedRows   int // rows scanned by the Dijkstra searches of the augmentation phase
	RowReads      int // cost rows read (dense) or computed (point clouds), all phases
	Bids          int // auction bids
	ShortScans    int // bids and slack checks answered from a row's cached candidates, without reading the row
	PrunedScans   int // bids and slack checks that read only the blocks of the row that can hold its two smallest values
}

// Result is an optimal assignment: row i is matched to column RowToCol[i],
// and Cost = Σ_i C[i, RowToCol[i]] is the minimum total cost.
type Result struct {
	RowToCol []int
	Cost     float64
	Stats    Stats
}

// Dense solves the assignment problem for the n×n row-major cost matrix cost.
// Costs must be finite; a NaN or infinite entry is reported as an error.
// It allocates O(n) working memory; use a Solver to reuse it.
// It panics if len(cost) ≠ n·n.
func Dense(cost []float64, n int) (Result, error) {
	var s Solver
	dst := make([]int, n)
	c, err := s.Dense(dst, cost, n)
	if err != nil {
		return Result{}, err
	}
	return Result{RowToCol: dst, Cost: c, Stats: s.stats}, nil
}

// SqEuclidean solves the assignment problem with cost C[i, j] = |x_i − y_j|²
// between the n×d row-major point sets x and y (equal sizes), computing the
// cost one row at a time (O(n·d) memory, no n×n matrix).
// It panics if d ≤ 0.
func SqEuclidean(x, y []float64, d int) (Result, error) {
	if d <= 0 {
		panic(fmt.Sprintf("assign: dimension d = %d, want > 0", d))
	}
	var s Solver
	dst := make([]int, len(x)/d)
	c, err := s.SqEuclidean(dst, x, y, d)
	if err != nil {
		return Result{}, err
	}
	return Result{RowToCol: dst, Cost: c, Stats: s.stats}, nil
}

// Solver holds the working memory of the assignment algorithm so that
// repeated solves of the same size (minibatch couplings) allocate nothing.
// The zero value is ready to use. A Solver is not safe for concurrent use.
type Solver struct {
	n int

	// cost source: either dense or (px, py, d)
	dense    []float64
	px, py   []float64
	py0, py1 []float64 // for d = 2: the coordinates of y as two columns
	d        int
	rowBuf   []float64

	x, y    []int // row → column, column → row (−1 when free)
	v       []float64
	dist    []float64
	pred    []int
	cols    []int
	free    []int
	stats   Stats
	scratch []int
	span    float64   // max − min cost (or an upper bound of it)
	sx, sy  []float64 // scaled copies of huge point sets

	// per row: the columns that can hold its two smallest reduced costs and
	// a lower bound on all the others' (see rowMin2); candN[i] = 0: none
	cand      []int
	candN     []int
	candFloor []float64

	// augmentation: +Inf for scanned columns (else 0), +Inf for assigned
	// columns (else 0), the distances of the scanned columns
	pen, fpen, ddone []float64

	blk  blocks // pruned scans of 2-D point clouds
	hint []int  // per row: two columns close to its minimum (see rowMin2Pruned)
}

// The ε-scaling schedule of the auction phase: ε starts at span/epsStart,
// is divided by epsScale after each phase, and the last phase runs at
// span·min(epsFinalMax, epsFinalN2/n²). The result is exact for any choice
// (the augmentation phase finishes the job); the schedule trades auction
// bids (cheap: pruned scans) against Dijkstra searches (each step a pass
// over all n columns), so the best last ε shrinks with n. Measured on
// OT-CFM minibatches (n = 512, N(0, I) against 8 Gaussians, moons,
// S-curve) and on Gaussian clouds at n = 512 … 10,000: last ε 1e-4 is best
// at 512 (14% faster than 1e-7), 1e-5 … 1e-7 at 2000 … 4000, 1e-7 at
// 10,000 (1e-4 there is 3x slower); starting at span/64 rather than span/8
// or span/512, and factor 8 rather than 4, 6, 12 or 16, were best. With the
// initial prices of affinePrices (2-D clouds, n ≥ 64) the first phases are
// mostly done already: starting at span/512 (bids per solve at n = 512:
// 9,906, against 12,107 from span/64 and 10,651 from span/1024) was best.
const (
	epsStart       = 64
	epsStartAffine = 512 // after affinePrices
	epsScale       = 8
	epsFinalMax    = 1e-4
	epsFinalN2     = 25
)

// Stats returns the work counters of the last solve.
func (s *Solver) Stats() Stats { return s.stats }

// Dense solves the assignment problem for the n×n row-major cost matrix cost,
// writes the column of row i into dst[i] (len(dst) must be n) and returns the
// minimum total cost. Costs must be finite.
// It panics if len(cost) ≠ n·n or len(dst) ≠ n.
func (s *Solver) Dense(dst []int, cost []float64, n int) (float64, error) {
	if n < 0 || len(cost) != n*n {
		panic(fmt.Sprintf("assign: cost has length %d, want n*n = %d", len(cost), n*n))
	}
	if len(dst) != n {
		panic(fmt.Sprintf("assign: dst has length %d, want n = %d", len(dst), n))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for k, c := range cost {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return 0, fmt.Errorf("assign: cost[%d] (row %d, column %d) = %v; costs must be finite", k, k/n, k%n, c)
		}
		lo = math.Min(lo, c)
		hi = math.Max(hi, c)
	}
	if e := hugeExponent(cost, nil); e != 0 {
		// Costs this large overflow the auction's prices: solve the
		// problem scaled by a power of two (the same assignment) and sum
		// the original costs.
		scaled := make([]float64, len(cost))
		for k, c := range cost {
			scaled[k] = math.Ldexp(c, -2*e)
		}
		s.Dense(dst, scaled, n)
		var total float64
		for i, j := range dst {
			total += cost[i*n+j]
		}
		return total, nil
	}
	s.span = hi - lo
	s.dense, s.px, s.py, s.d = cost, nil, nil, 0
	s.blk.on = false
	return s.solve(dst, n), nil
}

// hugeLimit bounds the magnitude of coordinates (and the square root of
// that of costs) the solver works with unscaled: squared distances and
// the auction's prices stay far from overflow below it.
const hugeLimit = 1e50

// hugeExponent is 0 when every |value| of a and b is below hugeLimit
// (costs: below hugeLimit²), else the binary exponent e such that the
// values times 2^−e (costs times 2^−2e) are of order one.
func hugeExponent(a, b []float64) int {
	m := 0.0
	for _, v := range a {
		m = max(m, math.Abs(v))
	}
	for _, v := range b {
		m = max(m, math.Abs(v))
	}
	limit := hugeLimit
	if b == nil { // costs: compare with the square
		m = math.Sqrt(m)
	}
	if m < limit {
		return 0
	}
	_, e := math.Frexp(m)
	return e
}

// SqEuclidean solves the assignment problem with cost |x_i − y_j|² between
// the n×d row-major point sets x and y, writes the column of row i into dst[i]
// (len(dst) must be n) and returns the minimum total cost. Rows of the cost
// are computed on demand, so memory stays O(n·d).
// It panics if d ≤ 0, if x and y are not equal multiples of d, or if len(dst)
// is not their number of rows.
func (s *Solver) SqEuclidean(dst []int, x, y []float64, d int) (float64, error) {
	if d <= 0 {
		panic(fmt.Sprintf("assign: dimension d = %d, want > 0", d))
	}
	if len(x)%d != 0 || len(x) != len(y) {
		panic(fmt.Sprintf("assign: point sets have lengths %d and %d, want equal multiples of d = %d", len(x), len(y), d))
	}
	n := len(x) / d
	if len(dst) != n {
		panic(fmt.Sprintf("assign: dst has length %d, want n = %d", len(dst), n))
	}
	for k, c := range x {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return 0, fmt.Errorf("assign: x[%d] (point %d, coordinate %d) = %v; coordinates must be finite", k, k/d, k%d, c)
		}
	}
	for k, c := range y {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return 0, fmt.Errorf("assign: y[%d] (point %d, coordinate %d) = %v; coordinates must be finite", k, k/d, k%d, c)
		}
	}
	if e := hugeExponent(x, y); e != 0 {
		// Squared distances this large overflow float64 or lose the
		// auction's ε: solve the problem scaled by a power of two (exact,
		// so the assignment is the unscaled one's), and sum the cost in
		// the original units (+Inf where it overflows).
		s.sx, s.sy = scratch.Grow(s.sx, len(x)), scratch.Grow(s.sy, len(y))
		for k := range x {
			s.sx[k], s.sy[k] = math.Ldexp(x[k], -e), math.Ldexp(y[k], -e)
		}
		sx, sy := s.sx, s.sy
		s.sx, s.sy = nil, nil // not reused by the nested solve
		s.SqEuclidean(dst, sx, sy, d)
		s.sx, s.sy = sx, sy
		var total float64
		for i, j := range dst {
			var c float64
			for k := range d {
				t := x[i*d+k] - y[j*d+k]
				c += t * t
			}
			total += c
		}
		return total, nil
	}
	s.span = 0
	for k := 0; k < d; k++ {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := k; i < len(x); i += d {
			lo = math.Min(lo, math.Min(x[i], y[i]))
			hi = math.Max(hi, math.Max(x[i], y[i]))
		}
		if n > 0 {
			s.span += (hi - lo) * (hi - lo)
		}
	}
	s.dense, s.px, s.py, s.d = nil, x, y, d
	if d == 2 {
		s.py0 = scratch.Grow(s.py0, n)
		s.py1 = scratch.Grow(s.py1, n)
		for j := 0; j < n; j++ {
			s.py0[j], s.py1[j] = y[2*j], y[2*j+1]
		}
		s.blk.build(s.py0, s.py1)
	} else {
		s.blk.on = false
	}
	if cap(s.rowBuf) < n {
		s.rowBuf = make([]float64, n)
	}
	s.rowBuf = s.rowBuf[:n]
	return s.solve(dst, n), nil
}

// row returns row i of the cost matrix. For point clouds it is computed into
// rowBuf, so the slice is valid only until the next call.
func (s *Solver) row(i int) []float64 {
	s.stats.RowReads++
	n := s.n
	if s.dense != nil {
		return s.dense[i*n : (i+1)*n : (i+1)*n]
	}
	d := s.d
	r := s.rowBuf[:n]
	xi := s.px[i*d : (i+1)*d : (i+1)*d]
	if d == 2 {
		sqDist2(r, xi[0], xi[1], s.py0, s.py1)
		return r
	}
	for j := range r {
		yj := s.py[j*d : (j+1)*d : (j+1)*d]
		var sum float64
		for k, xv := range xi {
			t := xv - yj[k]
			sum += t * t
		}
		r[j] = sum
	}
	return r
}

// rowMin2 returns the smallest reduced cost C[i, j] − v[j] of row i, its
// first column and the second smallest (see min2SubGo), bit for bit as a
// scan of the whole row would.
//
// Prices only decrease (auction bids lower one, the Dijkstra updates lower
// the scanned ones), so reduced costs only increase during a solve. A full
// scan records its lanes' first minima as the row's candidates (plus the
// entries past the last block of 8) and the smallest lane second value as a
// floor: every other column's reduced cost was at least the floor then and
// is now. A later call evaluates only the candidates; when their smallest
// value is below the floor and their second smallest at most the floor,
// they hold the row's minimum, its first index and the second value, and
// the row is not scanned.
func (s *Solver) rowMin2(i int) (u1, u2 float64, j1 int) {
	v := s.v[:s.n]
	if s.blk.on {
		if w1, w2, k1, ok := s.rowMin2Pruned(i); ok {
			return w1, w2, k1
		}
	} else if k := s.candN[i]; k > 0 {
		c := s.cand[i*candStride : i*candStride+k]
		u1, u2, j1 = math.Inf(1), math.Inf(1), -1
		if s.dense == nil && s.d == 2 {
			a, b := s.px[2*i], s.px[2*i+1]
			y0, y1 := s.py0[:s.n], s.py1[:s.n]
			for _, j := range c {
				da := a - y0[j]
				db := b - y1[j]
				h := (da*da + db*db) - v[j]
				if h < u1 || (h == u1 && j < j1) {
					u1, u2, j1 = h, u1, j
				} else if h < u2 {
					u2 = h
				}
			}
		} else {
			for _, j := range c {
				h := s.cost(i, j) - v[j]
				if h < u1 || (h == u1 && j < j1) {
					u1, u2, j1 = h, u1, j
				} else if h < u2 {
					u2 = h
				}
			}
		}
		if f := s.candFloor[i]; u1 < f && u2 <= f {
			s.stats.ShortScans++
			return u1, u2, j1
		}
	}
	n := s.n
	n8 := n &^ 7
	if n8 == 0 {
		if s.dense == nil && s.d == 2 {
			s.stats.RowReads++
			return sqMin2Go(s.px[2*i], s.px[2*i+1], s.py0, s.py1, v, 0, math.Inf(1), math.Inf(1), -1)
		}
		return min2SubGo(s.row(i), v, 0, math.Inf(1), math.Inf(1), -1)
	}
	st := min2Start
	var r []float64
	if s.dense == nil && s.d == 2 {
		s.stats.RowReads++
		sqMin2Lanes(s.px[2*i], s.px[2*i+1], s.py0[:n8], s.py1[:n8], v[:n8], &st)
	} else {
		r = s.row(i)
		min2Lanes(r[:n8], v[:n8], &st)
	}
	u1, u2, j1 = reduceLanes(&st)
	c := s.cand[i*candStride : (i+1)*candStride]
	for l := 0; l < 8; l++ {
		c[l] = int(st.idx[l])
	}
	k := 8
	for j := n8; j < n; j++ {
		var h float64
		if r != nil {
			h = r[j] - v[j]
		} else {
			da := s.px[2*i] - s.py0[j]
			db := s.px[2*i+1] - s.py1[j]
			h = (da*da + db*db) - v[j]
		}
		u1, u2, j1 = min2Step(h, j, u1, u2, j1)
		c[k] = j
		k++
	}
	s.candN[i] = k
	s.candFloor[i] = st.floor()
	return u1, u2, j1
}

// rowMin2Pruned is rowMin2's scan restricted to the blocks that can hold
// the row's two smallest values (see prune.go). The larger current reduced
// cost of two columns bounds the second value from above: the row's last
// two distinct closest columns (or the last one and its neighbour in the
// block order). ok = false on a tied minimum, which needs the full scan.
func (s *Solver) rowMin2Pruned(i int) (u1, u2 float64, j1 int, ok bool) {
	a, b := s.px[2*i], s.px[2*i+1]
	t := math.Inf(1)
	if h := s.hint[2*i : 2*i+2]; h[0] >= 0 {
		t = math.Max(s.blk.reduced(a, b, h[0]), s.blk.reduced(a, b, h[1]))
	}
	u1, u2, j1, ok = s.blk.min2Pruned(a, b, t)
	if !ok {
		return 0, 0, 0, false
	}
	s.stats.PrunedScans++
	if h := s.hint[2*i : 2*i+2]; j1 != h[0] {
		if h[0] >= 0 {
			h[1] = h[0]
		} else {
			q := s.blk.pos[j1] ^ 1
			if q == len(s.blk.perm) { // j1 last of an odd n
				q -= 2
			}
			h[1] = s.blk.perm[q]
		}
		h[0] = j1
	}
	return u1, u2, j1, true
}

// candStride is the room for one row's candidates in Solver.cand: the first
// minima of the 8 lanes and up to 7 entries past the last block of 8.
const candStride = 15

// cost returns C[i, j], rounded as in row(i).
func (s *Solver) cost(i, j int) float64 {
	if s.dense != nil {
		return s.dense[i*s.n+j]
	}
	d := s.d
	if d == 2 {
		da := s.px[2*i] - s.py0[j]
		db := s.px[2*i+1] - s.py1[j]
		return da*da + db*db
	}
	var sum float64
	for k, xv := range s.px[i*d : (i+1)*d] {
		t := xv - s.py[j*d+k]
		sum += t * t
	}
	return sum
}

// solve runs the three phases described in the package comment.
func (s *Solver) solve(dst []int, n int) float64 {
	s.n = n
	s.stats = Stats{N: n}
	if n == 0 {
		return 0
	}
	s.prepare(n)
	free := s.auctionInit()
	s.stats.FreeAfterInit = len(free)
	s.pen = scratch.Grow(s.pen, n)
	s.fpen = scratch.Grow(s.fpen, n)
	s.ddone = scratch.Grow(s.ddone, n)
	for j := 0; j < n; j++ {
		s.pen[j], s.fpen[j] = 0, 0
		if s.y[j] >= 0 {
			s.fpen[j] = math.Inf(1)
		}
	}
	for _, f := range free {
		s.augment(f)
	}

	var total float64
	for i := 0; i < n; i++ {
		j := s.x[i]
		dst[i] = j
		total += s.cost(i, j)
	}
	return total
}

// prepare sizes the working memory of a solve of size n and resets the
// per-row scan caches.
func (s *Solver) prepare(n int) {
	s.x = scratch.Grow(s.x, n)
	s.y = scratch.Grow(s.y, n)
	s.v = scratch.Grow(s.v, n)
	s.dist = scratch.Grow(s.dist, n)
	s.pred = scratch.Grow(s.pred, n)
	s.cols = scratch.Grow(s.cols, n)
	s.free = scratch.Grow(s.free, n)
	s.scratch = scratch.Grow(s.scratch, n)
	s.cand = scratch.Grow(s.cand, n*candStride)
	s.candN = scratch.Grow(s.candN, n)
	s.candFloor = scratch.Grow(s.candFloor, n)
	clear(s.candN)
	if s.blk.on {
		s.hint = scratch.Grow(s.hint, 2*n)
		for k := range s.hint {
			s.hint[k] = -1
		}
	}
}

// augment finds a shortest augmenting path from the free row f by Dijkstra's
// algorithm on the reduced costs, updates the prices of the scanned columns
// and flips the path. Each step relaxes every column with one dense pass
// (dijkPass) that also finds the next column to scan: the closest one, a
// free column first among equally close ones, then the lowest index.
func (s *Solver) augment(f int) {
	n := s.n
	x, y, v := s.x, s.y, s.v[:n]
	d, pred, pen, fpen := s.dist[:n], s.pred[:n], s.pen[:n], s.fpen[:n]
	done, ddone := s.cols[:0], s.ddone[:n]
	inf := math.Inf(1)
	for j := range d {
		d[j] = inf
	}
	st := dijkStart(0, math.Inf(-1), f)
	dijkPass(s.row(f), v, pen, fpen, d, pred, &st)
	var end int
	var dmin float64
	for {
		m, j, mf, fj := st.pick()
		if mf <= m { // a free column at the smallest distance
			end, dmin = fj, mf
			break
		}
		dmin = m
		ddone[len(done)] = m
		done = append(done, j)
		pen[j], d[j] = inf, inf
		i := y[j]
		s.stats.ScannedRows++
		r := s.row(i)
		st = dijkStart((r[j]-v[j])-dmin, dmin, i)
		dijkPass(r, v, pen, fpen, d, pred, &st)
	}
	for k, j := range done {
		v[j] += ddone[k] - dmin
		pen[j] = 0
		if s.blk.on {
			s.blk.setPrice(j, v[j])
		}
	}
	fpen[end] = inf
	for {
		i := pred[end]
		y[end] = i
		j := end
		end = x[i]
		x[i] = j
		if i == f {
			break
		}
	}
}

// auctionInit computes near-optimal prices by forward auction with
// ε-scaling and returns the rows that are not exactly row-minimal (free).
func (s *Solver) auctionInit() []int {
	n := s.n
	x, y, v := s.x, s.y, s.v
	for j := 0; j < n; j++ {
		x[j], y[j], v[j] = -1, -1, 0
	}
	if n == 1 {
		x[0], y[0] = 0, 0
		return s.free[:0]
	}
	span := s.span
	if span == 0 {
		span = 1
	}
	eps := span / epsStart
	if s.blk.on && affineInit && affinePrices(s.px[:2*n], s.py0[:n], s.py1[:n], v[:n]) {
		for j := 0; j < n; j++ {
			s.blk.initPrice(j, v[j])
		}
		s.blk.resetMinw()
		eps = span / epsStartAffine
	}
	final := span * min(epsFinalMax, epsFinalN2/float64(n*n))
	for {
		s.auctionPhase(eps)
		if eps <= final {
			break
		}
		eps /= epsScale
		if eps < final {
			eps = final
		}
		s.dropSlack(eps)
	}
	return s.exactBids(s.dropSlack(0))
}

// affineInit enables the initial prices of affinePrices (a variable so
// that the tests can compare the point-cloud and dense paths bit for bit).
var affineInit = true

// exactBidCap bounds the bids of exactBids per row of the problem (a
// variable so that the tests can switch the phase off). Thread-CPU medians
// at n = 512 (OT-CFM batches): cap 0 (no such bids, 355 of 512 rows left
// to augment) 4.4 ms, 2 (82) 3.5-3.9, 4 (32) 3.0-3.7, 8 (13) 3.4-3.9,
// 16 (8) 3.8: beyond a few bids per row the last searches are long ones
// that bidding settles slowly.
var exactBidCap = 4

// exactBids runs forward-auction bids with increment 0 from the free rows
// (first-in first-out), which keeps every assigned row exactly
// row-minimal: a row whose cheapest column is free takes it as it is; one
// whose cheapest column j1 is taken lowers its price until the reduced
// cost there equals its second smallest value (checked as the scans
// compute it) and evicts the owner, whose own column was its minimum
// before. Prices only fall, so the other assigned rows stay exact. A tied
// minimum (no room to lower the price), a price step lost to rounding and
// the rows still free after exactBidCap·n bids are returned for the
// augmentation phase.
func (s *Solver) exactBids(free []int) []int {
	n := s.n
	x, y, v := s.x, s.y, s.v
	q := s.scratch
	count := copy(q, free)
	head := 0
	rest := free[:0]
	limit := exactBidCap * n
	for count > 0 {
		i := q[head]
		head++
		if head == n {
			head = 0
		}
		count--
		if limit == 0 {
			rest = append(rest, i)
			continue
		}
		limit--
		s.stats.Bids++
		u1, u2, j1 := s.rowMin2(i)
		i0 := y[j1]
		if i0 < 0 {
			x[i], y[j1] = j1, i
			continue
		}
		if !(u1 < u2) {
			rest = append(rest, i)
			continue
		}
		c := s.cost(i, j1)
		p := v[j1] - (u2 - u1)
		for k := 0; k < 4 && c-p > u2; k++ {
			p = math.Nextafter(p, math.Inf(1))
		}
		if c-p > u2 || !(p < v[j1]) {
			rest = append(rest, i)
			continue
		}
		v[j1] = p
		if s.blk.on {
			s.blk.setPrice(j1, p)
		}
		x[i], y[j1] = j1, i
		x[i0] = -1
		t := head + count
		if t >= n {
			t -= n
		}
		q[t] = i0
		count++
	}
	return rest
}

// dropSlack unassigns every row whose reduced cost at its column exceeds its
// row minimum by more than eps, and returns the free rows.
func (s *Solver) dropSlack(eps float64) []int {
	n := s.n
	x, y, v := s.x, s.y, s.v
	free := s.free[:0]
	for i := 0; i < n; i++ {
		j0 := x[i]
		if j0 < 0 {
			free = append(free, i)
			continue
		}
		m, _, _ := s.rowMin2(i)
		if s.cost(i, j0)-v[j0]-m > eps {
			x[i] = -1
			y[j0] = -1
			free = append(free, i)
		}
	}
	return free
}

// auctionPhase runs forward-auction bids with increment eps (Gauss–Seidel,
// first-in first-out) until every row is assigned.
func (s *Solver) auctionPhase(eps float64) {
	n := s.n
	x, y, v := s.x, s.y, s.v
	q := s.scratch
	head, count := 0, 0
	for i := 0; i < n; i++ {
		if x[i] < 0 {
			q[count] = i
			count++
		}
	}
	for count > 0 {
		i := q[head]
		head++
		if head == n {
			head = 0
		}
		count--
		s.stats.Bids++
		u1, u2, j1 := s.rowMin2(i)
		v[j1] -= u2 - u1 + eps
		if s.blk.on {
			s.blk.setPrice(j1, v[j1])
		}
		i0 := y[j1]
		x[i] = j1
		y[j1] = i
		if i0 >= 0 {
			x[i0] = -1
			t := head + count
			if t >= n {
				t -= n
			}
			q[t] = i0
			count++
		}
	}
}
