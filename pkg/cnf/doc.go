// Package cnf trains continuous normalizing flows by maximum likelihood, the
// baseline flow matching replaces (MATH.md §1; Chen et al. 2018, "Neural
// Ordinary Differential Equations"; Grathwohl et al. 2019, FFJORD; Finlay
// et al. 2020, "How to train your neural ODE"). The field is a models.MLP;
// once trained it is sampled from t = 0 to 1 with any solver (flow.Sample)
// and scored with flow.LogLikelihood like any other field.
//
// # Objective
//
// For data x1 the instantaneous change of variables gives
//
//	log p_1(x1) = log N(x(0); 0, I) − ∫_0^1 tr(∂v_t/∂x)(x(t)) dt,   x(1) = x1.
//
// Every training step integrates the augmented state z = [x, ℓ, K, F] from
// t = 1 (x = x1, ℓ = K = F = 0) to t = 0 with
//
//	dx/dt = v_t(x),  dℓ/dt = −tr J,  dK/dt = −|v_t(x)|²,  dF/dt = −|J|_F²,   J = ∂v_t/∂x,
//
// so that ℓ(0) = ∫_0^1 tr J dt, K(0) = ∫_0^1 |v|² dt and F(0) = ∫_0^1 |J|_F² dt
// (the convention of pkg/flow and docs/MATH.md §1). The loss is the batch mean
//
//	L = (1/n) Σ_r [ ½|x_r(0)|² + (d/2) ln 2π + ℓ_r(0) ] + λ_K (1/n) Σ_r K_r(0) + λ_J (1/n) Σ_r F_r(0),
//
// the NLL plus Finlay et al.'s kinetic-energy and Jacobian-Frobenius
// regularisers (off by default; K and F are integrated only when their
// weight is positive).
//
// # Divergence
//
// Exact: tr J = Σ_i e_iᵀ J e_i from d forward-mode tangents stacked under
// the primal rows (the default for d ≤ DefaultExactMaxDim). Hutchinson:
// (1/P) Σ_p ε_pᵀ J ε_p with Rademacher or Gaussian ε drawn from the run's
// stream once per training step and shared by every evaluation of that step
// (FFJORD), so the ODE is deterministic within a step and the adjoint solve
// sees the same field as the forward solve. The Frobenius term uses the same
// tangents: Σ_i |J e_i|² exactly, or (1/P) Σ_p |J ε_p|², an unbiased estimate
// of |J|_F² since E[εεᵀ] = I (Finlay et al. use |εᵀJ|², which has the same
// expectation; the JVPs J ε are already on hand, so no extra pass is needed).
//
// # Gradients
//
// Discretise-then-optimise ("backprop"): the fixed-step Runge–Kutta solve
// (euler, midpoint, heun, rk4; the tableaux of pkg/solvers) is recorded on
// an autodiff.Tape and differentiated exactly; memory grows with the number
// of steps.
//
// Optimise-then-discretise ("adjoint", Chen et al. 2018): the forward solve
// of z with the configured solver (dopri5 with rtol/atol, or a fixed-step
// one), then the adjoint ODE solved forward in time from t = 0 to t = 1 on
// [x, a_x, g], with x re-integrated, a_x = ∂L/∂x(t) and g accumulating
// dL/dθ (adjoint.go states the equations). Each evaluation records the field
// once on a tape and takes one vector–Jacobian product; the tape is reset
// every evaluation, so memory is independent of the number of steps. The
// adjoints of ℓ, K and F are the constants 1/n, λ_K/n, λ_J/n (f does not
// depend on them) and are not integrated.
//
// # Running it
//
// Train takes a context (cancellation between steps), the CNF settings
// Config and pkg/train's train.Config for the optimisation (steps, batch,
// optimiser, schedule, clipping, EMA, fixed training set, progress hook),
// so a runner drives
// train.FM and cnf.Train the same way; its Result embeds train.Result
// (Params, EMA, Opt, Curve, NFE, Warnings, Checkpoint) and adds per-step
// NLL, regulariser, NFE and wall-time curves, the final train NLL and the
// peak heap. Trainer is the allocation-free step underneath, for benchmarks
// and custom loops; its update (clipping, divergence check, optimiser,
// schedule, EMA) is pkg/train's Stepper and Train's bookkeeping (stop hook,
// loss curve, clipped count, progress) its Loop, as for flow matching. A non-finite loss or gradient stops training with an
// error wrapping ErrDiverged that names the step.
//
// NFE are counted for both passes: the forward solve's evaluations, and the
// backward pass's VJPs (backprop: one per recorded evaluation; adjoint: the
// adjoint solve's NFE).
package cnf
