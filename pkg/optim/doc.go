// Package optim holds the first-order optimisers, gradient clipping, learning
// rate schedules and the weight EMA used to train flowbench's vector fields
// (docs/MATH.md §6 "Model defaults"). Everything acts on flat []float64 parameter
// and gradient vectors and allocates nothing per step.
//
// # Adam and AdamW
//
// Adam (Kingma & Ba 2015) with PyTorch's exact arithmetic (torch.optim.Adam,
// amsgrad = false). At step k = 1, 2, … with gradient g_k and learning rate γ:
//
//	g   ← g_k + λ·θ                  (Adam only: L2 penalty folded into g, λ = WeightDecay)
//	θ   ← θ·(1 − γ·λ)                (AdamW only: decoupled decay, Loshchilov & Hutter 2019)
//	m   ← β1·m + (1 − β1)·g
//	v   ← β2·v + (1 − β2)·g²
//	θ   ← θ − γ/(1 − β1^k) · m / ( sqrt(v)/sqrt(1 − β2^k) + ε )
//
// Defaults as PyTorch: β1 = 0.9, β2 = 0.999, ε = 1e-8; weight decay 0 for Adam
// and 1e-2 for AdamW (the published 2-D OT-CFM benchmark uses 1e-5). The first
// step therefore moves every coordinate by γ·g/(|g| + ε) ≈ γ·sign(g).
//
// # Gradient clipping
//
// [ClipNorm] rescales g by c/(‖g‖₂ + 1e-6) when that factor is below one (the
// global L2 norm over the whole vector, as torch.nn.utils.clip_grad_norm_) and
// returns the norm before clipping.
//
// # Learning-rate schedules
//
// Schedules are values implementing [Schedule] (0-based step index k):
//
//	Constant:  γ_k = γ
//	Cosine:    γ_k = γ_min + (γ − γ_min)·(1 + cos(π·min(k, K)/K))/2   over K steps
//	Warmup:    γ_k = Inner(0)·(k + 1)/W for k < W, then Inner(k − W)
//
// so "warm-up then cosine" over T total steps is Warmup{W, Cosine{K: T − W}}.
//
// # Exponential moving average of the weights
//
// [EMA] keeps θ̄ ← δ_k·θ̄ + (1 − δ_k)·θ after each optimiser step, with
// δ_k = δ, or with warm-up δ_k = min(δ, (1 + k)/(10 + k)) for the k-th update
// (k = 0, 1, …; the num_updates rule of TensorFlow's ExponentialMovingAverage)
// so that early averages are not dominated by the random initialisation.
// Evaluation with the averaged weights swaps them into the model's parameter
// vector ([EMA.Swap]) and swaps back afterwards.
package optim
