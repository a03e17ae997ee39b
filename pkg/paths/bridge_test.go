package paths

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The Brownian-bridge path (SB-CFM, [SF]2M) against its definition.
func TestBridgeTargetIsTimeDerivative(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const d, sigma = 3, 0.7
	p := Path{Schedule: Rectified{}, Noise: sigma, Bridge: true}
	x0, x1, eps := make([]float64, d), make([]float64, d), make([]float64, d)
	for j := range x0 {
		x0[j], x1[j], eps[j] = rng.NormFloat64(), 3+rng.NormFloat64(), rng.NormFloat64()
	}
	at := func(tt float64) (xt, ut []float64) {
		xt, ut = make([]float64, d), make([]float64, d)
		p.SampleNoise(xt, ut, x0, x1, eps, []float64{tt}, d)
		return
	}
	for _, tt := range []float64{0.03, 0.2, 0.5, 0.77, 0.96} {
		xt, ut := at(tt)
		// Central difference of x_t(t) with ε fixed: error h²/6·|x'''|;
		// h = 1e-5 gives ≤ 1e-8 here (x''' ~ σ t^(−5/2) ≤ 1e4 at t = 0.03).
		const h = 1e-5
		xp, _ := at(tt + h)
		xm, _ := at(tt - h)
		mu := make([]float64, d)
		for j := range xt {
			fd := (xp[j] - xm[j]) / (2 * h)
			if math.Abs(fd-ut[j]) > 1e-6 {
				t.Errorf("t=%g coord %d: target %v, d/dt of the path %v", tt, j, ut[j], fd)
			}
			// x_t − μ_t = σ√(t(1−t))·ε.
			mu[j] = (1-tt)*x0[j] + tt*x1[j]
			if want := mu[j] + sigma*math.Sqrt(tt*(1-tt))*eps[j]; math.Abs(xt[j]-want) > 1e-14 {
				t.Errorf("t=%g: x_t %v, want %v", tt, xt[j], want)
			}
			// torchcfm's form: (1 − 2t)/(2t(1 − t))·(x_t − μ_t) + x1 − x0.
			if want := (1-2*tt)/(2*tt*(1-tt))*(xt[j]-mu[j]) + x1[j] - x0[j]; math.Abs(ut[j]-want) > 1e-12 {
				t.Errorf("t=%g: target %v, (x − μ) form %v", tt, ut[j], want)
			}
		}
		// Flow target plus (σ²/2)·score = the bridge's SDE drift (x1 − x_t)/(1 − t).
		st, lam := make([]float64, d), make([]float64, 1)
		BridgeScoreTarget(st, lam, eps, []float64{tt}, sigma, d)
		for j := range st {
			if want := (x1[j] - xt[j]) / (1 - tt); math.Abs(ut[j]+st[j]-want) > 1e-12 {
				t.Errorf("t=%g: u + (σ²/2)∇log p = %v, bridge drift %v", tt, ut[j]+st[j], want)
			}
			// (σ²/2)∇log p_t(x|x0,x1) with ∇log p = −(x − μ)/σ_t².
			sd := sigma * sigma * tt * (1 - tt)
			if want := -sigma * sigma / 2 * (xt[j] - mu[j]) / sd; math.Abs(st[j]-want) > 1e-12 {
				t.Errorf("t=%g: score target %v, want %v", tt, st[j], want)
			}
			// The weighted loss ‖λ_t s + ε‖² vanishes at the target.
			if r := lam[0]*st[j] + eps[j]; math.Abs(r) > 1e-12 {
				t.Errorf("t=%g: λ s + ε = %v at the target", tt, r)
			}
		}
		if want := 2 * math.Sqrt(tt*(1-tt)) / sigma; math.Abs(lam[0]-want) > 1e-14 {
			t.Errorf("t=%g: λ %v, want 2σ_t/σ² = %v", tt, lam[0], want)
		}
	}
	// Endpoints: the pair itself, and no noise in the target.
	for _, tt := range []float64{0, 1} {
		xt, ut := at(tt)
		for j := range xt {
			want := x0[j]
			if tt == 1 {
				want = x1[j]
			}
			if xt[j] != want || ut[j] != x1[j]-x0[j] {
				t.Errorf("t=%g: x_t %v u %v, want %v and x1 − x0", tt, xt[j], ut[j], want)
			}
		}
	}
}

func TestBridgeMarginalVariance(t *testing.T) {
	// With x0 = x1 = 0 the bridge is N(0, σ²t(1 − t)): a 200,000-draw
	// variance within 4 standard errors (sd of a variance estimate ≈ v√(2/n)).
	rng := rand.New(rand.NewPCG(3, 4))
	const n, sigma, tt = 200000, 1.3, 0.3
	p := Path{Schedule: Rectified{}, Noise: sigma, Bridge: true}
	x0, x1 := make([]float64, n), make([]float64, n)
	eps, ts := make([]float64, n), make([]float64, n)
	for i := range eps {
		eps[i], ts[i] = rng.NormFloat64(), tt
	}
	xt, ut := make([]float64, n), make([]float64, n)
	p.SampleNoise(xt, ut, x0, x1, eps, ts, 1)
	var s2 float64
	for _, v := range xt {
		s2 += v * v
	}
	v := s2 / n
	want := sigma * sigma * tt * (1 - tt)
	if math.Abs(v-want) > 4*want*math.Sqrt(2.0/n) {
		t.Errorf("variance %v, want σ²t(1 − t) = %v", v, want)
	}
}
