package cnf

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	ad "github.com/flowbench/flowbench/pkg/autodiff"
	"github.com/flowbench/flowbench/pkg/models"
)

func newModel(t testing.TB, cfg models.Config, seed uint64) *models.MLP {
	t.Helper()
	m, err := models.NewMLP(cfg, rand.New(rand.NewPCG(seed, 99)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func normals(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// fdJacobian returns J[r][i][j] = ∂v_i/∂x_j at point r by central
// differences of MLP.Velocity (step 1e-5: truncation O(h²) ≈ 1e-10 against
// rounding O(ε/h) ≈ 1e-11).
func fdJacobian(m *models.MLP, x []float64, t float64) [][][]float64 {
	d := m.Cfg.Dim
	n := len(x) / d
	const h = 1e-5
	vp, vm := make([]float64, len(x)), make([]float64, len(x))
	J := make([][][]float64, n)
	for r := range J {
		J[r] = make([][]float64, d)
		for i := range J[r] {
			J[r][i] = make([]float64, d)
		}
	}
	xp := append([]float64(nil), x...)
	for j := 0; j < d; j++ {
		for r := 0; r < n; r++ {
			xp[r*d+j] = x[r*d+j] + h
		}
		m.Velocity(vp, xp, t)
		for r := 0; r < n; r++ {
			xp[r*d+j] = x[r*d+j] - h
		}
		m.Velocity(vm, xp, t)
		for r := 0; r < n; r++ {
			xp[r*d+j] = x[r*d+j]
			for i := 0; i < d; i++ {
				J[r][i][j] = (vp[r*d+i] - vm[r*d+i]) / (2 * h)
			}
		}
	}
	return J
}

// TestBuildMatchesModel checks the tape evaluation (velocity, divergence,
// squared Jacobian norm) against pkg/models' own inference and against
// Jacobians by finite differences, for both time embeddings and both probe
// kinds: the layout net reads from the MLP must be the MLP's.
func TestBuildMatchesModel(t *testing.T) {
	cases := []struct {
		name   string
		cfg    models.Config
		probes string // "" exact, else the probe kind
		p      int
	}{
		{"concat-exact", models.Config{Dim: 3, Hidden: []int{7, 5}, Act: "tanh", Time: "concat"}, "", 0},
		{"fourier-exact", models.Config{Dim: 2, Hidden: []int{6, 6, 4}, Act: "silu", Time: "fourier", Fourier: 3}, "", 0},
		{"concat-rademacher", models.Config{Dim: 3, Hidden: []int{7}, Act: "softplus", Time: "concat"}, ProbeRademacher, 2},
		{"sinusoidal-exact", models.Config{Dim: 3, Hidden: []int{6, 5}, Act: "silu", Time: "sinusoidal", Fourier: 3}, "", 0},
		{"fourier-gaussian", models.Config{Dim: 4, Hidden: []int{5, 5}, Act: "selu", Time: "fourier", Fourier: 2}, ProbeGaussian, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newModel(t, c.cfg, 1)
			d, n, tt := c.cfg.Dim, 5, 0.37
			rng := rand.New(rand.NewPCG(2, 3))
			x := normals(rng, n*d)
			cfg := Default()
			cfg.Divergence = DivExact
			if c.probes != "" {
				cfg.Divergence, cfg.ProbeKind, cfg.Probes = DivHutchinson, c.probes, c.p
			}
			tr, err := NewTrainer(m, cfg, DefaultTraining(), rng)
			if err != nil {
				t.Fatal(err)
			}
			tr.drawProbes(n)
			tp := &tr.tp
			tp.Reset()
			tr.useProbes(n)
			v, div, sq := tr.nt.build(tp, nil, tp.Const(x, n, d), tt, true)

			want, wdiv := make([]float64, n*d), make([]float64, n)
			m.Velocity(want, x, tt)
			for i, w := range want {
				// 1e-12: both are the same float64 sums in another order.
				if !scalar.EqualWithinAbsOrRel(tp.Value(v)[i], w, 1e-12, 1e-12) {
					t.Fatalf("v[%d] = %v, MLP.Velocity %v", i, tp.Value(v)[i], w)
				}
			}
			if c.probes == "" {
				m.VelocityDiv(want, wdiv, x, tt)
				for r, w := range wdiv {
					if !scalar.EqualWithinAbsOrRel(tp.Value(div)[r], w, 1e-12, 1e-12) {
						t.Fatalf("div[%d] = %v, MLP.VelocityDiv %v", r, tp.Value(div)[r], w)
					}
				}
			}
			J := fdJacobian(m, x, tt)
			for r := 0; r < n; r++ {
				var tr0, fr float64
				if c.probes == "" {
					for i := 0; i < d; i++ {
						tr0 += J[r][i][i]
						for j := 0; j < d; j++ {
							fr += J[r][i][j] * J[r][i][j]
						}
					}
				} else {
					for p := 0; p < c.p; p++ {
						e := tr.probes[(p*n+r)*d : (p*n+r+1)*d]
						for i := 0; i < d; i++ {
							je := 0.0
							for j := 0; j < d; j++ {
								je += J[r][i][j] * e[j]
							}
							tr0 += e[i] * je
							fr += je * je
						}
					}
					tr0 /= float64(c.p)
					fr /= float64(c.p)
				}
				// 1e-7: the FD Jacobian's error (see fdJacobian) times the
				// O(1) sizes of J and ε.
				if got := tp.Value(div)[r]; !scalar.EqualWithinAbsOrRel(got, tr0, 1e-7, 1e-7) {
					t.Errorf("point %d: divergence %v, from FD Jacobian %v", r, got, tr0)
				}
				if got := tp.Value(sq)[r]; !scalar.EqualWithinAbsOrRel(got, fr, 1e-7, 1e-7) {
					t.Errorf("point %d: squared Jacobian norm %v, from FD Jacobian %v", r, got, fr)
				}
			}
			if c.probes == ProbeRademacher {
				for _, e := range tr.probes {
					if math.Abs(e) != 1 {
						t.Fatalf("Rademacher probe entry %v", e)
					}
				}
			}
		})
	}
}

// TestBuildGradientMatchesModel: the parameter gradient recorded by net.build
// equals pkg/models' BuildDiv's for the same scalar (Σ v + Σ div), checking
// the effective-bias rewrite of the time features.
func TestBuildGradientMatchesModel(t *testing.T) {
	cfg := models.Config{Dim: 2, Hidden: []int{6, 5}, Act: "tanh", Time: "fourier", Fourier: 2}
	m := newModel(t, cfg, 4)
	n, tt := 4, 0.61
	x := normals(rand.New(rand.NewPCG(5, 6)), n*2)
	c := Default()
	c.Divergence = DivExact
	tr, err := NewTrainer(m, c, DefaultTraining(), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float64, len(m.Params))
	tp := &tr.tp
	tp.Reset()
	tr.useProbes(n)
	v, div, _ := tr.nt.build(tp, got, tp.Const(x, n, 2), tt, false)
	tp.Backward(tp.Add(tp.Sum(v), tp.Sum(div)))

	var tp2 ad.Tape
	m.ZeroGrad()
	tcol := make([]float64, n)
	for i := range tcol {
		tcol[i] = tt
	}
	v2, div2 := m.BuildDiv(&tp2, tp2.Const(x, n, 2), tp2.Const(tcol, n, 1), nil)
	tp2.Backward(tp2.Add(tp2.Sum(v2), tp2.Sum(div2)))
	for i, w := range m.Grad {
		// 1e-11: the same derivative summed in a different order.
		if !scalar.EqualWithinAbsOrRel(got[i], w, 1e-11, 1e-11) {
			t.Fatalf("gradient[%d] = %v, models.BuildDiv gives %v", i, got[i], w)
		}
	}
}
