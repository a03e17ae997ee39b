// Package assign solves the linear sum assignment problem exactly: given an
// n×n cost matrix C, find the permutation σ minimising Σ_i C[i, σ(i)].
//
// It is the engine behind the exact empirical Wasserstein-2 distance of
// docs/MATH.md §4 (W2² = min_σ (1/n) Σ_i |x_i − y_σ(i)|²) and behind minibatch
// optimal-transport couplings (Tong et al. 2023, "Improving and generalizing
// flow-based generative models with minibatch optimal transport").
//
// # Algorithm
//
// Near-optimal prices from an auction, then exact shortest augmenting paths.
// With column prices v, the reduced cost of an edge is C[i, j] − v[j] minus
// the row potential u[i] = min_j (C[i, j] − v[j]), kept implicit.
//
//  1. Forward auction with ε-scaling (Bertsekas 1988, "The auction algorithm:
//     a distributed relaxation method for the assignment problem", Ann. Oper.
//     Res. 14; Bertsekas & Eckstein 1988 for ε-scaling). A free row i bids for
//     its cheapest column j1 (reduced value w1, second cheapest w2) and lowers
//     its price by w2 − w1 + ε, evicting the previous owner. Each phase ends
//     with every row assigned and ε-complementary slackness (every row's
//     column within ε of its row minimum). ε starts at span/64, shrinks by
//     8 per phase down to min(1e-4, 25/n²)·span, where span = max C − min C
//     (for point clouds the squared diagonal of their bounding box, an
//     upper bound); between phases only rows that violate the new ε are
//     unassigned. For 2-D point clouds (n ≥ 64) the prices start from the
//     optimal transport between the Gaussians with the clouds' means and
//     covariances (an affine map, whose dual potential is a quadratic
//     function of y; see affinePrices) and ε from span/512: the first
//     phases would mostly buy that bulk shift and scaling with bids.
//  2. Exactness: rows whose column is not exactly row-minimal are unassigned.
//     The rest satisfy exact complementary slackness, the invariant of the
//     shortest augmenting path method of Jonker and Volgenant (1987, "A
//     shortest augmenting path algorithm for dense and sparse linear
//     assignment problems", Computing 38). Free rows then bid with
//     increment 0 (like the augmenting row reduction of Jonker and
//     Volgenant): a row whose cheapest column is free takes it; otherwise it
//     lowers that column's price until the reduced cost there is at most
//     its second smallest value (checked as the scans round it) and evicts
//     the owner. Prices only fall, so every assigned row stays exactly
//     row-minimal; after at most 4n such bids (or on a tied minimum) the
//     rows still free go to step 3. At n = 512 this leaves ~30 rows to
//     augment instead of ~350.
//  3. Augmentation: for each free row, Dijkstra's algorithm on the reduced
//     costs (all ≥ 0) finds the shortest alternating path to a free column,
//     stopping as soon as the closest unscanned column is free; the prices of
//     the scanned columns move by v[j] += d[j] − d_min so that the invariant
//     holds for the enlarged matching, and the path is flipped. Each step is
//     one dense pass over all columns that relaxes the distances through
//     the row just reached and finds the next column (the closest, a free
//     one first among equally close ones, then the lowest index).
//
// When every row is assigned the invariant is the LP optimality certificate
// (the primal cost equals the dual objective Σ u + Σ v), so the result is the
// exact optimum up to floating-point rounding of the potentials, whatever the
// auction did; the auction only makes the Dijkstra searches short. (Plain
// Jonker–Volgenant initialisation, column reduction and augmenting row
// reduction, does poorly on shifted point clouds: every column's cheapest row
// is one of the few points nearest the other cloud, so most rows stay free
// and every search scans hundreds of rows.)
// Distances that rounding would push below the current Dijkstra minimum are
// clamped to it so that the search stays monotone. The augmentation phase is
// O(n³) in the worst case; the auction is pseudo-polynomial (each bid lowers
// a price by at least ε, so a phase needs at most O(n²·span/ε) bids in
// theory, with ε ≥ 1e-9·span); BenchmarkSqEuclidean and BenchmarkDense time
// minibatch-sized and 10,000-point problems and report the work counters.
//
// Prices only decrease (bids and augmentation lower them), so a row's
// reduced costs only increase during a solve. Two consequences save row
// scans without changing any result. For dense costs and point clouds of
// d ≠ 2, a full scan caches the row's candidate columns (the per-lane
// minima of the kernel below) and a lower bound of all its other entries;
// a later bid whose candidates still hold the two smallest values below
// that bound reads only them. For 2-D point clouds (n ≥ 64) the columns are
// grouped into spatial blocks of 16 and each block has a lower bound
// |x|² + min_j (|y_j|² − v[j]) − 2 max_{y ∈ box} x·y of its reduced costs
// (min_j kept valid as prices fall); a bid scans only the blocks whose
// bound is within a rounding margin of the current reduced cost of the two
// columns the row's last scan found closest (an upper bound of its second
// smallest value), about a quarter of the row at n = 512. The values found
// are the full scan's bit for bit; a tied minimum is rescanned in column
// order so that the first index is too.
//
// Every bid and every slack check is one scan of a row for its two smallest
// reduced costs. On amd64 with AVX2 that scan runs as an assembly kernel
// over eight lanes (fused with the squared-distance computation for 2-D
// point clouds), whose lanes are merged so that the result — value, first
// index of the minimum, second value — is bit-identical to the scalar scan,
// which other platforms and the purego build use; the tests compare the two.
// Memory is O(n) beyond the cost matrix. Ties are broken by index and the
// auction queue is first-in first-out, so results are deterministic.
//
// [SqEuclidean] evaluates the squared Euclidean cost |x_i − y_j|² one row at a
// time from the two point clouds instead of storing the n×n matrix (800 MB in
// float64 at n = 10,000); each row read costs n·d flops.
package assign
