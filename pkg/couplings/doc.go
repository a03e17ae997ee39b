// Package couplings pairs a minibatch of source points x0 with a minibatch
// of target points x1 before the flow-matching regression (docs/MATH.md §2,
// "Independent coupling / rectified flow": any coupling π of p_0 and q gives a
// valid conditional path; Tong et al. 2024, "Improving and generalizing
// flow-based generative models with minibatch optimal transport", TMLR).
// A [Coupling] reorders the rows of x1 (and, for joint Sinkhorn sampling, of
// x0) in place, so row i of x0 is paired with row i of x1.
//
// # Independent (I-CFM)
//
// [Independent] keeps the identity pairing: x0 and x1 are independent draws,
// so (x0_i, x1_i) ~ p_0 ⊗ q.
//
// # Minibatch exact OT (OT-CFM)
//
// [ExactOT] solves, per batch of n pairs, the assignment problem
//
//	σ* = argmin_σ Σ_i |x0_i − x1_σ(i)|²
//
// exactly (package assign, Jonker–Volgenant) and sets x1 ← x1_σ*. The optimal
// plan of two uniform empirical measures of equal size is a permutation
// (Birkhoff), so this is the minibatch OT plan itself. torchcfm instead draws
// n index pairs with replacement from that plan; using the permutation keeps
// every point exactly once and adds no sampling noise.
//
// # Entropic OT by Sinkhorn (SB-CFM)
//
// [Sinkhorn] solves, with uniform marginals a = b = 1/n,
//
//	P_ε = argmin_{P ∈ Π(a, b)} ⟨P, C⟩ − ε H(P),   C_ij = |x0_i − x1_j|²,
//
// whose solution is P_ij = exp((f_i + g_j − C_ij)/ε). The dual potentials are
// found by Sinkhorn's alternating projections in the log domain (stable for
// small ε, no under/overflow of the Gibbs kernel exp(−C/ε)):
//
//	f_i ← ε log a_i − ε LSE_j((g_j − C_ij)/ε)
//	g_j ← ε log b_j − ε LSE_i((f_i − C_ij)/ε)
//
// with LSE the max-shifted log-sum-exp. In practice the sweeps run in the
// equivalent stabilised scaling form (Schmitzer 2019): P = diag(u)·K·diag(v)
// with K_ij = exp((f_i + g_j − C_ij)/ε) built once, u ← a/(Kv), v ← b/(Kᵀu),
// and u, v absorbed into (f, g) when they leave [1e-100, 1e100], so a sweep
// costs two matrix–vector products instead of 2n² exponentials; ε is reached
// by ε-scaling from max C, halving per stage with warm-started potentials. After each g-update the column
// marginals hold exactly; iteration stops when the row marginals' L1 error
// Σ_i |Σ_j P_ij − a_i| falls below Tol (or after MaxIter sweeps, which is
// counted in [SinkhornStats]). ε is absolute by default, in the units of the
// squared distance, as POT's "reg" used by torchcfm; with Relative set it is
// ε·mean(C). The Schrödinger-bridge CFM of Tong et al. with noise level σ
// uses the absolute ε = 2σ². As ε → 0, P_ε tends to the exact OT plan; as
// ε → ∞ to the independent plan a bᵀ.
//
// Pairs are drawn from P_ε with the run's rng, in one of two modes:
//
//   - rows (default): for each i, j ~ P_ε[i, :]/a_i and x1_i ← x1_j. Every
//     x0 is used exactly once; x1's marginal is right in expectation.
//   - joint (torchcfm's OTPlanSampler): n index pairs (i, j) drawn with
//     replacement from the whole plan, and both x0 and x1 re-indexed.
package couplings
