// Package metrics measures sample quality, likelihood and flow geometry, and
// summarises metrics over seeds. Every estimator states its sample sizes, its
// randomness (an explicit *rand.Rand) and its cost, and is tested against a
// closed form or an independent computation.
//
// Sample quality (docs/MATH.md §4):
//   - SlicedW2: SW2(P, Q)² = E_{θ∼U(S^{d−1})} W2²(θᵀP, θᵀQ), L random
//     directions (default 1000, at least 500), exact 1-D W2 of the empirical
//     measures by sorting and quantile matching (Bonneel et al. 2015,
//     "Sliced and Radon Wasserstein barycenters of measures"). For isotropic
//     Gaussians SW2² = |Δm|²/d + (s1 − s2)².
//   - W2: exact W2² = min_σ (1/n) Σ |x_i − y_σ(i)|² by optimal assignment
//     (pkg/assign). For Gaussians W2² = |Δm|² + d(s1 − s2)².
//   - MMD: unbiased MMD² with Gaussian kernels exp(−|a−b|²/(2h²)) at several
//     bandwidths (Gretton et al. 2012), and the median heuristic for h.
//
// Likelihood (MATH.md §1): NLL integrates the instantaneous change of
// variables backward from data to the N(0, I) source through flow.LogLikelihood
// and reports nats, bits per dimension (nll/(d ln 2)), the standard error,
// the solver's NFE and the divergence estimator; WithTruth adds the gap to a
// known density. Hutchinson is the trace estimator tr(A) = E εᵀAε.
//
// Flow geometry: straightness S(Z) = ∫_0^1 E|(Z_1 − Z_0) − v_t(Z_t)|² dt
// (Liu et al. 2023), path energy E∫|v_t(Z_t)|² dt and the normalised path
// energy NPE = |energy − W2²|/W2² (Tong et al. 2024), all by the trapezoid
// rule on the recorded trajectory grid. LearningError is
// E_{t, x∼p_t}|v_t(x) − u_t(x)|² against the exact marginal field of MATH.md §3.
//
// Statistics over seeds: Summarize (mean, std, Student-t 95% interval, NaN
// seeds excluded and counted), WelchTest and PairedTTest (two-sided p).
package metrics
