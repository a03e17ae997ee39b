package models

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWorkersBitIdentical: Velocity and FMLossGrad give bit-identical
// results for every worker count, on batches that end in a partial block,
// and the blocked results still agree with the tape-checked single pass of
// VelocityDiv (which does not split rows).
func TestWorkersBitIdentical(t *testing.T) {
	const d = 2
	// 4·velRows+37 and 3·fmRows+5 rows: several full blocks and a ragged one.
	nv, nf := 4*velRows+37, 3*fmRows+5
	rng := rand.New(rand.NewPCG(21, 22))
	x := normals(rng, nv*d)
	xt, u := normals(rng, nf*d), normals(rng, nf*d)
	tt := make([]float64, nf)
	for i := range tt {
		tt[i] = rng.Float64()
	}
	base := newTest(t, DefaultConfig(d), 23)
	var v1, g1 []float64
	var l1 float64
	for _, w := range []int{1, 2, 3, 5} {
		m := base.Clone()
		m.SetWorkers(w)
		if m.Workers() != w {
			t.Fatalf("Workers() = %d after SetWorkers(%d)", m.Workers(), w)
		}
		v := make([]float64, nv*d)
		m.Velocity(v, x, 0.3)
		m.ZeroGrad()
		l := m.FMLossGrad(xt, tt, u)
		g := append([]float64(nil), m.Grad...)
		if w == 1 {
			v1, g1, l1 = v, g, l
			v2, div := make([]float64, nv*d), make([]float64, nv)
			m.VelocityDiv(v2, div, x, 0.3)
			for i := range v {
				if v[i] != v2[i] {
					t.Fatalf("Velocity[%d] = %g, VelocityDiv %g: the same operations must agree exactly", i, v[i], v2[i])
				}
			}
			continue
		}
		for i := range v {
			if math.Float64bits(v[i]) != math.Float64bits(v1[i]) {
				t.Fatalf("workers=%d: Velocity[%d] = %g, 1 worker %g", w, i, v[i], v1[i])
			}
		}
		if math.Float64bits(l) != math.Float64bits(l1) {
			t.Errorf("workers=%d: loss %g, 1 worker %g", w, l, l1)
		}
		for i := range g {
			if math.Float64bits(g[i]) != math.Float64bits(g1[i]) {
				t.Fatalf("workers=%d: Grad[%d] = %g, 1 worker %g", w, i, g[i], g1[i])
			}
		}
		m.SetWorkers(1) // stops the helpers; the MLP keeps working inline
		m.Velocity(v, x, 0.3)
		if v[0] != v1[0] {
			t.Errorf("after SetWorkers(1): Velocity[0] = %g, want %g", v[0], v1[0])
		}
	}
}

// TestWorkersAllocs: with helpers, the hot paths still allocate nothing.
func TestWorkersAllocs(t *testing.T) {
	m := newTest(t, DefaultConfig(2), 24)
	m.SetWorkers(2)
	rng := rand.New(rand.NewPCG(25, 26))
	n := 3 * velRows
	x, v := normals(rng, n*2), make([]float64, n*2)
	u, tt := normals(rng, n*2), make([]float64, n)
	for _, f := range []func(){
		func() { m.Velocity(v, x, 0.5) },
		func() { m.FMLossGrad(x, tt, u) },
	} {
		// Warm-up: the MLP sizes every worker's scratch in SetWorkers, but
		// linalg keeps its packing buffers in a sync.Pool, which has one
		// slot per P; a helper that first runs a product on the other P
		// allocates there once. Enough calls put a workspace on both Ps.
		for range 50 {
			f()
		}
		if a := testing.AllocsPerRun(10, f); a != 0 {
			t.Errorf("allocates %v times per call with 2 workers, want 0", a)
		}
	}
}

func TestSetWorkersPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("SetWorkers(0) did not panic")
		}
	}()
	newTest(t, DefaultConfig(2), 27).SetWorkers(0)
}
