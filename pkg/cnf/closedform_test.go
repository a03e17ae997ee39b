package cnf

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/flowbench/flowbench/pkg/models"
)

// TestCNFGaussian: a ReLU network made exactly linear, v_t(x) = a·x + c (all
// pre-activations positive), has the flow x1 = e^a (x0 + c/a) − c/a, so
// log p_1(x1) = log N(x0; 0, I) − a·d in closed form (the divergence a·d
// enters with a minus sign). The Trainer's RK4 with 8 steps of h = 1/8 and
// a = 0.5 has local error ~(ah)^5/120 ≈ 8e-9 per step, so 1e-6 is a safe
// tolerance.
func TestCNFGaussian(t *testing.T) {
	const a, d = 0.5, 2
	c := []float64{0.3, -0.7}
	m := newModel(t, models.Config{Dim: d, Hidden: []int{d}, Act: "relu", Time: "concat"}, 1)
	clear(m.Params)
	l0, l1 := newNet(m).layers[0], newNet(m).layers[1]
	for i := 0; i < d; i++ {
		m.Params[l0.w+i*d+i] = 1 // W1 = [I; 0]
		m.Params[l0.b+i] = 100   // keeps the ReLU in its linear part
		m.Params[l1.w+i*d+i] = a // W2 = a·I
		m.Params[l1.b+i] = c[i] - 100*a
	}
	cfg := Default()
	cfg.Steps, cfg.Divergence = 8, DivExact
	tr, err := NewTrainer(m, cfg, DefaultTraining(), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	x1 := []float64{0.2, 1.1, -1.5, 0.4, 3, -2}
	logp := make([]float64, 3)
	if _, err := tr.LogProb(logp, x1); err != nil {
		t.Fatal(err)
	}
	for r := 0; r < 3; r++ {
		want := -a*d - 0.5*d*math.Log(2*math.Pi)
		for i := 0; i < d; i++ {
			x0 := (x1[r*d+i]+c[i]/a)*math.Exp(-a) - c[i]/a
			want -= 0.5 * x0 * x0
		}
		if !scalar.EqualWithinAbs(logp[r], want, 1e-6) {
			t.Errorf("row %d: log p_1 = %.10g, closed form %.10g", r, logp[r], want)
		}
	}
}

// TestWorkersBitIdentical: the CNF loss and its gradient are bit-identical
// whether the Trainer's tape runs its products on 1 or 2 workers.
func TestWorkersBitIdentical(t *testing.T) {
	x1 := normals(rand.New(rand.NewPCG(29, 30)), 50*2) // 50 points: products above the split threshold
	var loss0 float64
	var g0 []float64
	for _, w := range []int{1, 2} {
		m := newModel(t, models.DefaultConfig(2), 28)
		cfg := Default()
		cfg.Steps, cfg.Divergence = 2, DivExact
		tr, err := NewTrainer(m, cfg, DefaultTraining(), rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		tr.SetWorkers(w)
		info, err := tr.LossGrad(x1)
		tr.SetWorkers(1)
		if err != nil {
			t.Fatal(err)
		}
		if w == 1 {
			loss0, g0 = info.Loss, append([]float64(nil), m.Grad...)
			continue
		}
		if math.Float64bits(info.Loss) != math.Float64bits(loss0) {
			t.Errorf("workers=%d: CNF loss %g, 1 worker %g", w, info.Loss, loss0)
		}
		for i := range g0 {
			if math.Float64bits(m.Grad[i]) != math.Float64bits(g0[i]) {
				t.Fatalf("workers=%d: Grad[%d] = %g, 1 worker %g", w, i, m.Grad[i], g0[i])
			}
		}
	}
}
