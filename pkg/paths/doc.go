// Package paths implements the scalar schedules (a_t, s_t) of affine Gaussian
// probability paths and the generic conditional path built from them
// (docs/MATH.md §2, "Gaussian conditional paths and the affine trajectory";
// Lipman et al. 2023, "Flow Matching for Generative Modeling", §4).
//
// Time runs from t = 0 (source, x0) to t = 1 (data, x1). A schedule gives
//
//	x_t = ψ_t(x0) = s_t·x0 + a_t·x1,
//	u_t = dψ_t(x0)/dt = s'_t·x0 + a'_t·x1                 (regression target)
//	u_t(x | x1) = s'_t/s_t · (x − a_t·x1) + a'_t·x1       (conditional field)
//
// The schedules provided (MATH.md §2):
//
//   - OT (CondOT): a_t = t, s_t = 1 − (1 − σ_min)·t.
//   - VP (Song et al. 2021, eq. 29, time reversed): T(s) = β_min·s + ½·s²·(β_max − β_min),
//     α_s = exp(−½·T(s)), a_t = α_{1−t}, s_t = sqrt(1 − α²_{1−t}).
//     s_1 = 0, so the conditional field is singular at t = 1 and training draws
//     t from [0, 1 − ε] (TMax); a_0 = α_1 = exp(−½·T(1)) ≈ 0.00657 for the
//     defaults β_min = 0.1, β_max = 20, so p_0 is only approximately N(0, I).
//     Both facts are exposed: TMax() and A0().
//   - Rectified (Liu et al. 2023; Albergo & Vanden-Eijnden 2023): a_t = t,
//     s_t = 1 − t, the linear interpolation X_t = t·X1 + (1 − t)·X0 with target
//     X1 − X0, for any source distribution and any coupling.
//   - Cosine: a_t = sin(πt/2), s_t = cos(πt/2).
//
// Path.Noise σ adds a t-independent blur σ·ε, ε ~ N(0, I), to x_t with the
// target unchanged: with the Rectified schedule this is Tong et al. (2024)'s
// I-CFM / OT-CFM path x_t = (1 − t)·x0 + t·x1 + σ·ε, u_t = x1 − x0 (σ = 0.1
// in their 2-D benchmark; σ = 0 is rectified flow). Because σ·ε is constant
// in t, u_t = dx_t/dt still holds pathwise, and given (x0, x1) the law of x_t
// is N((1 − t)·x0 + t·x1, σ²I) at every t.
package paths
