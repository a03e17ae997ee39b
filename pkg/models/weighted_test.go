package models

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// TestFMLossGradWeighted: the weighted loss (1/n) Σ_r w_r |v(t_r, x_r) − u_r|²
// against the same sum written row by row with Velocity, and its gradient
// against finite differences of that independent sum. Unit weights give
// FMLossGrad's value bit for bit.
func TestFMLossGradWeighted(t *testing.T) {
	for ci, cfg := range testCfgs {
		m := newTest(t, cfg, uint64(30+ci))
		rng := rand.New(rand.NewPCG(31, uint64(ci)))
		n, d := 9, cfg.Dim
		xt, u := normals(rng, n*d), normals(rng, n*d)
		tt, w := make([]float64, n), make([]float64, n)
		for i := range tt {
			tt[i], w[i] = rng.Float64(), 3*rng.Float64()
		}
		w[2] = 0
		direct := func(mm *MLP) float64 {
			s, v := 0.0, make([]float64, d)
			for r := 0; r < n; r++ {
				mm.Velocity(v, xt[r*d:(r+1)*d], tt[r])
				for j := range v {
					e := v[j] - u[r*d+j]
					s += w[r] * e * e
				}
			}
			return s / float64(n)
		}
		m.ZeroGrad()
		loss := m.FMLossGradWeighted(xt, tt, u, w)
		if want := direct(m); !near(loss, want, 1e-12) {
			t.Errorf("cfg %d: weighted loss %g, row by row %g", ci, loss, want)
		}
		f := func(p []float64) float64 {
			c := m.Clone()
			copy(c.Params, p)
			return direct(c)
		}
		want := fd.Gradient(nil, f, append([]float64(nil), m.Params...), fdSet)
		for i := range want {
			if !near(m.Grad[i], want[i], 1e-6) {
				t.Errorf("cfg %d: dL/dθ[%d] = %g, FD %g", ci, i, m.Grad[i], want[i])
			}
		}
		ones := make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		m.ZeroGrad()
		a := m.FMLossGradWeighted(xt, tt, u, ones)
		m.ZeroGrad()
		if b := m.FMLossGrad(xt, tt, u); a != b {
			t.Errorf("cfg %d: unit weights %v, unweighted %v", ci, a, b)
		}
	}
}
