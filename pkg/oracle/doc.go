// Package oracle implements the exact marginal ("oracle") vector fields of
// docs/MATH.md §3 for Gaussian-mixture data under an affine path
// x_t = s_t·x0 + a_t·x1 given by a paths.Schedule (MATH.md §2).
//
// Field: standard normal source x0 ~ N(0, I), target q = Σ_k π_k N(m_k, C_k)
// with diagonal C_k (datasets.Mixture). Then
//
//	p_t(x) = Σ_k π_k N(x | a_t m_k, a_t² C_k + s_t² I)
//	E[x1 | x_t = x] = Σ_k w_k(x) (m_k + a_t C_k (a_t² C_k + s_t² I)⁻¹ (x − a_t m_k)),
//	    w_k(x) ∝ π_k N(x | a_t m_k, a_t² C_k + s_t² I)
//	u_t(x) = s'_t/s_t (x − a_t E[x1|x]) + a'_t E[x1|x].
//
// The code evaluates the same field in a form without the 1/s_t factor.
// Within component k, x_t is Gaussian with mean μ_k(t) and diagonal variance
// V_k(t), and the conditional velocity E[s'_t x0 + a'_t x1 | x_t = x, k] is
//
//	u_k(x) = μ'_k + ½ V'_k / V_k ⊙ (x − μ_k),     u_t(x) = Σ_k w_k(x) u_k(x),
//
// with μ_k = a_t m_k, V_k = a_t² C_k + s_t², ½V'_k = a_t a'_t C_k + s_t s'_t.
// Substituting E[x0 | x, k] = s_t (x − μ_k)/V_k shows it equals the formula
// above; it stays finite at s_t = 0 whenever V_k > 0 (for OT with σ_min = 0
// at t = 1 it gives u_1(x) = x − E[x0 | x1 = x] = x).
//
// The divergence is exact, weights included: with r_k = (x − μ_k)/V_k
// (so ∇ log N_k = −r_k and ∇w_k = w_k (r̄ − r_k), r̄ = Σ_j w_j r_j),
//
//	∇·u_t(x) = Σ_k w_k ( Σ_i ½V'_ki/V_ki − u_k·r_k ) + u_t(x)·r̄.
//
// CouplingField: a Gaussian-mixture source ρ = Σ_j ρ_j N(μ0_j, S_j) and the
// independent coupling. Given components (j, k), (x0, x1, x_t) are jointly
// Gaussian, so conditioning on x_t gives the same formulas over the pairs
// (j, k) with weight ρ_j π_k, μ_jk = s_t μ0_j + a_t m_k,
// V_jk = s_t² S_j + a_t² C_k, μ'_jk = s'_t μ0_j + a'_t m_k and
// ½V'_jk = s_t s'_t S_j + a_t a'_t C_k (Albergo & Vanden-Eijnden 2023;
// Liu et al. 2023 for the rectified interpolation). With ρ = N(0, I) it is
// Field.
//
// Weights use log-sum-exp, so points far from every component are handled.
// Evaluation is allocation free after the first call; a field value holds
// scratch buffers and is not safe for concurrent use (Clone one per goroutine).
//
// Behaviour where the path degenerates: if some V_k(t) has a zero entry (an
// empirical target, C_k = 0, at a t with s_t = 0, e.g. t = 1 for OT with
// σ_min = 0, rectified, cosine and VP), the density is a sum of point masses
// and the field is undefined: Velocity, VelocityDiv and LogProbT panic.
// If s_t = 0 and s'_t is not finite (VP at t = 1) the product s_t s'_t cannot
// be formed from the schedule's coefficients and they panic too; evaluate
// such paths on [0, TMax()].
package oracle
