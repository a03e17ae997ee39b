// Package train runs flow-matching training (docs/MATH.md §2; Lipman et al. 2023;
// Tong et al. 2024 for the couplings; Liu et al. 2023 for reflow).
//
// # One step of [FM]
//
// With batch size B, model v_t(x; θ), path (a_t, s_t) and coupling π:
//
//	x0 ~ p_0 (B fresh source draws)
//	x1 ~ q   (B fresh target draws, or the next B rows of a fixed training
//	          set drawn once and reshuffled every epoch, torchcfm style)
//	(x0, x1) ← π(x0, x1)                   (couplings: independent, OT, Sinkhorn)
//	t  ~ U[0, TMax)                         (TMax = 1 − ε for VP: s_1 = 0 there)
//	x_t = s_t·x0 + a_t·x1,  u_t = s'_t·x0 + a'_t·x1
//	L(θ) = (1/B) Σ_r |v_{t_r}(x_t,r) − u_t,r|²    (models.MLP.FMLossGrad)
//	g ← clip(∇L, c);  θ ← Adam(W)(θ, g, γ_k);  θ̄ ← EMA(θ̄, θ)
//
// A non-finite loss or gradient norm stops training with an error that names
// the step (1-based). [TrainPairs] is the same loop on a fixed set of pairs
// (x0_i, x1_i) for rectified flow's reflow: each step draws B distinct pair
// indices, and the path is the rectified one, x_t = t·x1 + (1 − t)·x0 with
// target x1 − x0 (MATH.md §2, "Independent coupling / rectified flow").
//
// [Problem.Path] may be the constant-noise path of Tong et al. (2024):
// x_t = s_t·x0 + a_t·x1 + σ·ε, ε ~ N(0, I), target s'_t·x0 + a'_t·x1
// (paths.Path.Noise; with the Rectified schedule, I-CFM and OT-CFM).
//
// # Randomness
//
// The rng passed in seeds five independent PCG streams at the start, one per
// purpose: source draws, target draws (and epoch shuffles / pair indices),
// coupling, times, and the path noise ε (used only when σ > 0). So, for one
// seed, runs that differ only in the coupling see the same x0, x1 and t
// draws (common random numbers), and the same seed always gives
// bit-identical parameters.
//
// # Cost accounting
//
// Result.NFE counts network forward passes on batch rows (B per step), the
// training-cost unit used to compare with simulation-based CNF training; the
// backward pass is not counted separately.
package train
