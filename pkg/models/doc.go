// Package models holds the neural vector fields v_t(x; θ) of flowbench: an MLP
// on [x, time features] with flat parameters, its fast allocation-free
// inference (velocity and divergence), a hand-fused flow-matching loss and
// gradient, and tape builders for the continuous-normalizing-flow likelihood.
//
// Network (docs/MATH.md §6, torchcfm's 2-D model by default):
//
//	h_0 = [x, τ(t)],  h_l = σ(h_{l−1}·W_l + b_l) (l = 1..L−1),  v = h_{L−1}·W_L + b_L
//
// with τ(t) = t ("concat"), τ(t) = [t, sin(2πkt), cos(2πkt)]_{k=1..F}
// ("fourier") or τ(t) = [t, sin(ω_k t), cos(ω_k t)]_{k=0..F−1} with
// ω_k = 1000·10000^(−k/F) ("sinusoidal": the Transformer's position features
// of Vaswani et al. 2017 on DDPM's 1000-step time scale, Ho et al. 2020; the
// usual choice for image-sized models, e.g. 784-D MNIST with F = 32). Weights are stored in×out, row-major, layer by layer in one
// flat vector (W_1, b_1, W_2, b_2, …), initialised like PyTorch's Linear:
// W and b uniform on ±1/sqrt(fan_in).
//
// Flow matching (MATH.md §2, Lipman et al. 2023): FMLossGrad computes
//
//	L = (1/n) Σ_r || v_{t_r}(x_r) − u_r ||²,
//
// the batch mean of the squared Euclidean norm, which is L_CFM of MATH.md
// (torchcfm's code uses the mean over all n·d entries, i.e. L/d), and adds
// ∂L/∂θ into Grad.
//
// Divergence (MATH.md §1): exact tr(∂v/∂x) = Σ_i e_iᵀ(∂v/∂x)e_i from d
// forward-mode tangents, or Hutchinson's estimator (1/P) Σ_p ε_pᵀ(∂v/∂x)ε_p
// with Rademacher or Gaussian ε (Grathwohl et al. 2019). The tangents are
// stacked under the primal rows, so one matrix product per layer serves the
// primal and all tangents; at the first layer the tangent of e_i is row i of
// W_1 scaled by σ'(z_1), with no product at all.
//
// Evaluation. The time features are the same for every row of a Velocity
// call, so they are folded into the first bias, bt = b_1 + τ(t)·W_1[d:, :],
// and the first layer is x·W_1[:d, :] straight on x; the bias is added in the
// activation pass. Velocity and FMLossGrad cut the rows into fixed blocks
// (independent of the worker count), compute each block on its own (on
// SetWorkers goroutines), and add any sum over rows — the loss, dW = Xᵀ·dY,
// db — block by block in block order, so results are bit-identical for any
// number of workers.
//
// CNF likelihood (MATH.md §1, Chen et al. 2018): integrating the augmented
// state [x, ℓ] with dx/dt = v_t(x), dℓ/dt = tr(∂v_t/∂x) from x(1) = x1,
// ℓ(1) = 0 backwards to t = 0 gives ℓ(0) = −∫_0^1 tr dt and
//
//	log p_1(x1) = log N(x(0); 0, I) + ℓ(0) = log p_0(x(0)) − ∫_0^1 tr(∂v_t/∂x) dt.
//
// (Here ℓ is the negative of pkg/flow's ℓ; the log p_1 formula is the same.)
// BuildDiv records v and the divergence on an autodiff.Tape; pkg/cnf's
// Trainer records the whole solve with it, so Backward gives ∂NLL/∂θ, and
// its TestCNFGaussian checks the formula against a closed form.
package models
