// Package rectify implements rectified flow and reflow (Liu, Gong & Liu 2023,
// "Flow straight and fast: learning to generate and transfer data with
// rectified flow", ICLR; docs/MATH.md §2, "Independent coupling / rectified
// flow") as separable steps, so that a runner can store every pair set and
// every model as its own artifact.
//
// # Steps
//
// 1-RF ([TrainFirst]): for any source π_0, target π_1 and coupling π of the
// two (independent by default; minibatch OT or Sinkhorn allowed), regress
// the linear-interpolation velocity
//
//	X_t = t·X1 + (1 − t)·X0,   L(θ) = E_{t∼U[0,1], (X0,X1)∼π} |v_t(X_t; θ) − (X1 − X0)|²,
//
// whose minimiser is v^1_t(x) = E[X1 − X0 | X_t = x]. Its flow
// dZ_t/dt = v^1_t(Z_t), Z_0 = X0, is the 1-rectified flow Z^1.
//
// Pairs ([GeneratePairs]): draw X0 ∼ π_0 and solve the ODE of the current
// model from t = 0 to 1, X1' = φ_1^k(X0). The pair set (X0, X1') is the
// coupling of Z^k.
//
// k-RF ([Reflow]): train v^{k+1} on the fixed pairs with the same loss
// (train.TrainPairs), from a fresh initialisation or, as Liu et al. do, from
// the parameters of v^k (warm start). Z^{k+1} = Rectify(Z^k).
//
// Distillation ([Distill]): train on t = 0 only,
//
//	L(θ) = E |X0 + v_0(X0; θ) − X1'|²,
//
// so that one Euler step x0 + v_0(x0) maps the source onto the pairs'
// targets (Liu et al. 2023, distillation of k-RF).
//
// # Why reflow straightens
//
// Straightness of a flow Z (Liu et al. 2023; MATH.md §2) is
// S(Z) = ∫_0^1 E|(Z_1 − Z_0) − v_t(Z_t)|² dt. Since ∫_0^1 v_t(Z_t) dt = Z_1 − Z_0,
//
//	S(Z) = E∫_0^1 |v_t(Z_t)|² dt − E|Z_1 − Z_0|²           (path energy minus chord cost).
//
// For Z^{k+1} = Rectify(Z^k), Z^{k+1}_t has the law of the interpolation of
// Z^k's coupling and v^{k+1} is a conditional expectation, so by Jensen
// E∫|v^{k+1}|² ≤ E|Z^k_1 − Z^k_0|², hence
//
//	S(Z^{k+1}) ≤ E|Z^k_1 − Z^k_0|² − E|Z^{k+1}_1 − Z^{k+1}_0|²,
//
// and summing over k = 0..K−1 with Z^0 = (X0, X1) (Liu et al. 2023, their
// straightness bound for K reflows)
//
//	Σ_{k=1}^{K} S(Z^k) + E|Z^K_1 − Z^K_0|² ≤ E|X1 − X0|²,   so   min_{k≤K} S(Z^k) ≤ E|X1 − X0|²/K.
//
// A straight flow is sampled exactly by one Euler step, which is why
// few-step sampling improves with k; the price is the error of the learned
// fields and of the pair solves, which accumulates over iterations.
//
// # Evaluation
//
// [Evaluate] reports, for one field, straightness S and path energy
// E∫|v|² dt on a Dopri5 trajectory recorded on a uniform grid (trapezoid
// rule, metrics.TrajectoryMetrics), the chord cost E|Z_1 − Z_0|², the
// normalised path energy NPE = |E∫|v|² − W2²(π_0, π_1)|/W2² (Tong et al.
// 2024) with W2² exact between the source draws and the test rows, and the
// sample quality (exact W2 or sliced W2, MATH.md §4) against a test set
// after 1, 2, 4 Euler steps and after Dopri5, each with its NFE.
//
// # Randomness
//
// Every function takes an explicit *rand.Rand and derives its own
// per-purpose PCG streams from it in a fixed order; the same seed gives
// bit-identical pairs, parameters and metrics.
package rectify
