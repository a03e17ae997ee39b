// Package flow connects vector fields to ODE solvers: sampling by pushing
// source points along dx/dt = v_t(x), and exact log-likelihoods by the
// instantaneous change of variables (MATH.md §1; Chen et al. 2018, "Neural
// Ordinary Differential Equations"; Grathwohl et al. 2019, FFJORD).
//
// Sampling (MATH.md §1, §2): x(t0) = x, dx/dt = v_t(x), returns x(t1). With
// t0 = 0 and t1 = 1 this carries source draws to data.
//
// Likelihood (MATH.md §1): along a trajectory, d/dt log p_t(x(t)) =
// −tr(∂v_t/∂x)(x(t)), so
//
//	log p_1(x1) = log p_0(x(0)) − ∫_0^1 tr(∂v_t/∂x)(x(t)) dt,   x(1) = x1.
//
// LogDensitySystem is the augmented state y = [x (n·d values), ℓ (n values)]
// with dx/dt = v_t(x) and dℓ/dt = −tr(∂v_t/∂x)(x) (docs/MATH.md §1).
// LogLikelihood integrates it BACKWARD from t = 1 (x = x1, ℓ = 0) to t = 0,
// where ℓ(0) = ℓ(1) − ∫_0^1 (−tr) dt = +∫_0^1 tr dt, hence
//
//	log p_1(x1) = log p_0(x(0)) − ℓ(0).
//
// The Gaussian test, where ℓ(0) = d·ln s for the flow N(0, I) → N(m, s² I),
// pins this sign.
//
// A batch of n points is one ODE system: an adaptive solver picks one step
// sequence for the whole batch (the error norm runs over all points), so a
// point's result depends on its batch within the tolerance. The adapters
// allocate nothing per evaluation.
package flow
