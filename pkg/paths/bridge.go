package paths

import "math"

// The Brownian-bridge path of SB-CFM and [SF]2M (Tong et al. 2024, MATH.md
// §2): given a pair (x0, x1) and ε ~ N(0, I),
//
//	μ_t = (1 − t)x0 + t·x1,   σ_t = σ√(t(1 − t)),   x_t = μ_t + σ_t·ε,
//
// the law of a Brownian motion with diffusion σ pinned at x0 and x1. Its
// flow (probability-flow ODE) target is dx_t/dt for fixed ε,
//
//	u_t = x1 − x0 + σ'_t·ε = (1 − 2t)/(2t(1 − t))·(x_t − μ_t) + x1 − x0,
//
// with σ'_t = σ(1 − 2t)/(2√(t(1 − t))), and its score is
// ∇ log p_t(x_t | x0, x1) = −(x_t − μ_t)/σ_t² = −ε/σ_t. The SDE drift of
// the bridge, (x1 − x_t)/(1 − t), is u_t + (σ²/2)·score.

// BridgeStd returns σ_t = σ√(t(1 − t)) and its derivative
// σ'_t = σ(1 − 2t)/(2√(t(1 − t))). At t = 0 and t = 1, where σ'_t is
// infinite, it returns σ'_t = 0: the noise ε enters x_t with weight 0
// there, and torchcfm's (x_t − μ_t)-form target is 0 too.
func BridgeStd(sigma, t float64) (std, dstd float64) {
	v := t * (1 - t)
	if !(v > 0) {
		return 0, 0
	}
	r := math.Sqrt(v)
	return sigma * r, sigma * (1 - 2*t) / (2 * r)
}

// sampleBridge is SampleNoise for a Bridge path: the mean part from
// Sample, then x_t += σ_t ε and u_t += σ'_t ε row by row.
func (p Path) sampleBridge(xt, ut, x0, x1, eps, t []float64, d int) {
	p.Sample(xt, ut, x0, x1, t, d)
	if p.Noise == 0 {
		return
	}
	if len(eps) != len(xt) {
		panic("paths: SampleNoise eps length must be len(t)*d")
	}
	for i, ti := range t {
		s, ds := BridgeStd(p.Noise, ti)
		for j := i * d; j < (i+1)*d; j++ {
			xt[j] += s * eps[j]
			ut[j] += ds * eps[j]
		}
	}
}

// BridgeScoreTarget writes, for the rows of a Bridge sample, the regression
// target of [SF]2M's score model and its weight: the model s_θ learns
// (σ²/2)·∇ log p_t = −σ²ε/(2σ_t) under the loss λ_t²‖s_θ − (σ²/2)∇log p_t‖²
// with λ_t = 2σ_t/σ², i.e. ‖λ_t s_θ + ε‖² (Tong et al. 2024; torchcfm's
// compute_lambda and score loss). dst gets −σ²ε/(2σ_t) (0 where σ_t = 0),
// lambda[i] gets λ_t of row i.
func BridgeScoreTarget(dst, lambda, eps, t []float64, sigma float64, d int) {
	for i, ti := range t {
		s, _ := BridgeStd(sigma, ti)
		lambda[i] = 2 * s / (sigma * sigma)
		for j := i * d; j < (i+1)*d; j++ {
			if s == 0 {
				dst[j] = 0
			} else {
				dst[j] = -sigma * sigma * eps[j] / (2 * s)
			}
		}
	}
}
