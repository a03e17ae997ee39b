package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/oracle"
	"github.com/flowbench/flowbench/pkg/paths"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// TestNLLGaussianExactFlow: under the exact OT-linear flow from N(0, I) to
// N(m, σ²I) (closed-form field gaussFlow), the model log-likelihood is the
// analytic log N(x; m, σ²I) for every point, up to the ODE solver's error.
func TestNLLGaussianExactFlow(t *testing.T) {
	m := []float64{1, -2, 0.5}
	sigma := 0.6
	f := gaussFlow{m: m, sigma: sigma}
	rng := rand.New(rand.NewPCG(40, 1))
	n, d := 200, 3
	x1 := gaussSample(rng, n, m, sigma)
	dp, err := solvers.NewDopri5(1e-10, 1e-10)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := solvers.NewFixed(solvers.RK4, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s   solvers.Solver
		tol float64 // per-point |log p error|
	}{
		// tolerances 1e-10 → global error ~1e-8 over a unit interval
		{dp, 1e-7},
		// RK4 with h = 1/200: error ~ C h⁴ with C ~ 1 (smooth, O(1) rates)
		{rk, 1e-6},
	} {
		r, err := NLL(tc.s, f, x1, d)
		if err != nil {
			t.Fatal(err)
		}
		var want float64
		for i := 0; i < n; i++ {
			lq := logNormalIso(x1[i*d:(i+1)*d], m, sigma)
			if e := math.Abs(r.LogProb[i] - lq); e > tc.tol {
				t.Fatalf("%s point %d: log p %v, analytic %v", tc.s.Name(), i, r.LogProb[i], lq)
			}
			want -= lq / float64(n)
		}
		if math.Abs(r.Mean-want) > tc.tol {
			t.Errorf("%s: NLL %v, analytic %v", tc.s.Name(), r.Mean, want)
		}
		// bits per dimension is nats/(d ln 2) by definition (MATH.md conventions)
		if math.Abs(r.BPD-r.Mean/(3*math.Ln2)) > 1e-15 {
			t.Errorf("BPD %v for NLL %v", r.BPD, r.Mean)
		}
		if r.Divergence != "exact (closed form)" || r.Stats.NFE <= 0 || r.Solver != tc.s.Name() || r.N != n {
			t.Errorf("metadata: %+v", r)
		}
		// The truth from the datasets package's own Gaussian density.
		gmm := datasets.Isotropic([]float64{1}, [][]float64{m}, sigma)
		rt := r.WithTruth(gmm, x1)
		if !rt.HasTruth || math.Abs(rt.TrueNLL-want) > 1e-12 || math.Abs(rt.Gap) > tc.tol {
			t.Errorf("%s: truth %v (want %v), gap %v ± %v", tc.s.Name(), rt.TrueNLL, want, rt.Gap, rt.GapStdErr)
		}
		if math.Abs(TrueNLL(gmm, x1, d)-want) > 1e-12 {
			t.Errorf("TrueNLL %v, want %v", TrueNLL(gmm, x1, d), want)
		}
		t.Logf("%s: NLL %.6f ± %.4f nats (%.4f bpd), analytic %.6f, gap %.2g, NFE %d",
			tc.s.Name(), r.Mean, r.StdErr, r.BPD, want, rt.Gap, r.Stats.NFE)
	}
}

// TestNLLOracleMixture: the same check through the oracle field of a
// two-component mixture (MATH.md §3), whose ODE carries N(0, I) onto the
// mixture exactly; the model NLL equals −mean log q within the solver error.
func TestNLLOracleMixture(t *testing.T) {
	mix := datasets.Isotropic([]float64{0.3, 0.7}, [][]float64{{-2, 0}, {1.5, 1}}, 0.5)
	sched, err := paths.NewOT(0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := oracle.NewField(mix, sched)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(41, 1))
	x1 := mix.Sample(rng, 100)
	dp, _ := solvers.NewDopri5(1e-9, 1e-9)
	r, err := NLL(dp, f, x1, 2)
	if err != nil {
		t.Fatal(err)
	}
	r = r.WithTruth(mix, x1)
	// rtol = atol = 1e-9 → global error well below 1e-6 per point
	if math.Abs(r.Gap) > 1e-6 {
		t.Errorf("NLL %v, true %v, gap %v", r.Mean, r.TrueNLL, r.Gap)
	}
	if r.Divergence != DivergenceUnreported {
		t.Errorf("divergence %q, want %q", r.Divergence, DivergenceUnreported)
	}
}

// TestHutchinson: on a fixed non-symmetric 4×4 matrix the estimate is
// unbiased (within 4 standard errors of tr A) and the sample variance of one
// probe term matches the exact Rademacher variance Σ_{i≠j} A_ij(A_ij + A_ji).
func TestHutchinson(t *testing.T) {
	A := []float64{
		2, 1, 0, -1,
		0.5, -1, 3, 0,
		0, 2, 1, 1,
		-2, 0, 0.5, 4,
	}
	d := 4
	jvp := func(eps, out []float64) {
		for i := 0; i < d; i++ {
			var s float64
			for j := 0; j < d; j++ {
				s += A[i*d+j] * eps[j]
			}
			out[i] = s
		}
	}
	var tr, v float64
	for i := 0; i < d; i++ {
		tr += A[i*d+i]
		for j := 0; j < d; j++ {
			if i != j {
				v += A[i*d+j] * (A[i*d+j] + A[j*d+i])
			}
		}
	}
	P := 20000
	est, se := Hutchinson(jvp, d, P, rand.New(rand.NewPCG(42, 1)))
	if math.Abs(est-tr) > 4*se {
		t.Errorf("estimate %v ± %v, trace %v", est, se, tr)
	}
	// relative error of a sample variance from 2·10⁴ draws of a bounded
	// term: a few percent; 10% leaves room.
	if sv := se * se * float64(P); math.Abs(sv-v) > 0.1*v {
		t.Errorf("probe variance %v, exact %v", sv, v)
	}
	t.Logf("Hutchinson: %.4f ± %.4f (P=%d), trace %v, probe variance %.3f vs exact %.3f", est, se, P, tr, se*se*float64(P), v)
}

// grid returns K+1 equally spaced times on [0, 1].
func grid(K int) []float64 {
	ts := make([]float64, K+1)
	for k := range ts {
		ts[k] = float64(k) / float64(K)
	}
	return ts
}

func TestStraightnessClosedForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 1))
	n, d := 64, 2
	z0 := gaussSample(rng, n, []float64{0, 0}, 1)
	c := []float64{0.7, -1.2}
	cc := c[0]*c[0] + c[1]*c[1]
	var ez2 float64 // sample mean of |z0|²
	for _, v := range z0 {
		ez2 += v * v / float64(n)
	}
	traj := func(K int, at func(z, dst []float64, t float64)) ([]float64, [][]float64) {
		ts := grid(K)
		tr := make([][]float64, K+1)
		for k, tk := range ts {
			tr[k] = make([]float64, n*d)
			for i := 0; i < n; i++ {
				at(z0[i*d:(i+1)*d], tr[k][i*d:(i+1)*d], tk)
			}
		}
		return ts, tr
	}
	// Constant field: straight at constant speed, S = 0 exactly, energy |c|².
	ts, tr := traj(10, func(z, dst []float64, t float64) { dst[0], dst[1] = z[0]+t*c[0], z[1]+t*c[1] })
	st := TrajectoryMetrics(constField{c}, ts, tr, n, d)
	if st.Straightness > 1e-28 || math.Abs(st.PathEnergy-cc) > 1e-14 || st.NFE != 11 {
		t.Errorf("constant: %+v, want S = 0, energy %v", st, cc)
	}
	// Ramp v = 2t·c: straight lines, non-constant speed. The integrand
	// |c|²(1 − 2t)² is quadratic, so the trapezoid rule's error is exactly
	// h²·f''/12 with f'' = 8|c|²: S_h = |c|²(1/3 + 8h²/12); likewise the
	// energy 4t²|c|² gives 4|c|²/3 + 8|c|²h²/12.
	K := 8
	h := 1.0 / float64(K)
	ts, tr = traj(K, func(z, dst []float64, t float64) { dst[0], dst[1] = z[0]+t*t*c[0], z[1]+t*t*c[1] })
	st = TrajectoryMetrics(rampField{c}, ts, tr, n, d)
	if want := cc * (1.0/3 + 8*h*h/12); math.Abs(st.Straightness-want) > 1e-14 {
		t.Errorf("ramp: S %v, want %v", st.Straightness, want)
	}
	if want := cc * (4.0/3 + 8*h*h/12); math.Abs(st.PathEnergy-want) > 1e-14 {
		t.Errorf("ramp: energy %v, want %v", st.PathEnergy, want)
	}
	// Rotation by ω: S = E|z|²(ω² − 2(1 − cos ω)) (derivation below), energy ω²E|z|² exactly; the trapezoid error
	// must fall by 4 when h halves (second order).
	//   a = (e^{iω} − 1)z, b = iω e^{iωt} z, |a − b|² = |a|² + |b|² − 2Re(a b̄),
	//   ∫_0^1 Re(a b̄) dt = ω|z|² ∫ (sin ω(1−t) + sin ωt) dt = 2|z|²(1 − cos ω).
	omega := math.Pi / 2
	want := ez2 * (omega*omega - 2*(1-math.Cos(omega)))
	var prevErr float64
	for _, K := range []int{25, 50, 100} {
		ts, tr = traj(K, func(z, dst []float64, t float64) {
			s, co := math.Sincos(omega * t)
			dst[0], dst[1] = co*z[0]-s*z[1], s*z[0]+co*z[1]
		})
		st = TrajectoryMetrics(rotField{omega}, ts, tr, n, d)
		if math.Abs(st.PathEnergy-omega*omega*ez2) > 1e-13 {
			t.Errorf("rotation: energy %v, want %v", st.PathEnergy, omega*omega*ez2)
		}
		e := math.Abs(st.Straightness - want)
		if prevErr > 0 {
			// ratio 4 ± 5% for an O(h²) rule with smooth integrand
			if r := prevErr / e; math.Abs(r-4) > 0.2 {
				t.Errorf("rotation K=%d: error ratio %v, want ≈ 4", K, r)
			}
		}
		prevErr = e
		// trapezoid bound (h²/12)·max|f''|, f'' = 2ω³E|z|²(sin ω(1−t) + sin ωt) ≤ 2ω³E|z|²·2sin(ω/2)
		h := 1 / float64(K)
		if bound := h * h / 12 * 2 * omega * omega * omega * ez2 * 2 * math.Sin(omega/2); e > bound {
			t.Errorf("rotation K=%d: S %v, closed form %v, error above the trapezoid bound %v", K, st.Straightness, want, bound)
		}
	}
	// NPE: the translation flow v = c between N(0, I) and N(c, I) is the
	// optimal transport, energy |c|² = W2² → NPE 0; the ramp has energy
	// 4|c|²/3 (exact integral) → NPE 1/3.
	if v := NPE(cc, cc); v != 0 {
		t.Errorf("NPE optimal %v", v)
	}
	if v := NPE(4*cc/3, cc); math.Abs(v-1.0/3) > 1e-15 {
		t.Errorf("NPE ramp %v, want 1/3", v)
	}
	mustPanic(t, "NPE W2²=0", func() { NPE(1, 0) })
	mustPanic(t, "decreasing times", func() { Straightness(constField{c}, []float64{1, 0}, tr[:2], n, d) })
}

// TestLearningError: a field offset by a constant c from the reference has
// learning error exactly |c|² with zero spread; a field v = u + βx has
// learning error β²·E|x_t|², with x_t = (1 − t)x0 + t·x1 (rectified
// schedule), x0 ∼ N(0, I), x1 ∼ N(m, σ²I), t ∼ U[0, 1]:
// E|x_t|² = ∫_0^1 [d((1 − t)² + t²σ²) + t²|m|²] dt = d(1 + σ²)/3 + |m|²/3.
func TestLearningError(t *testing.T) {
	m := []float64{1, 2}
	sigma := 0.5
	base := gaussFlow{m: m, sigma: sigma}
	cfg := LearningErrorConfig{
		Schedule:   paths.Rectified{},
		Source:     datasets.Normal{D: 2},
		Target:     gaussDataset{m: m, s: sigma},
		Strata:     50,
		PerStratum: 200,
	}
	c := []float64{0.3, -0.4}
	r, err := LearningError(shiftField{base, c}, base, cfg, rand.New(rand.NewPCG(44, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// 0.25 = 0.3² + 0.4²; the only error is rounding of v − u.
	if math.Abs(r.Mean-0.25) > 1e-14 || r.StdErr > 1e-14 || r.NFE != 100 || len(r.Times) != 50 {
		t.Errorf("constant offset: %v ± %v (NFE %d), want 0.25 ± 0", r.Mean, r.StdErr, r.NFE)
	}
	beta := 0.2
	r, err = LearningError(scaleField{base, beta}, base, cfg, rand.New(rand.NewPCG(44, 2)))
	if err != nil {
		t.Fatal(err)
	}
	want := beta * beta * (2*(1+sigma*sigma)/3 + (m[0]*m[0]+m[1]*m[1])/3)
	if math.Abs(r.Mean-want) > 4*r.StdErr {
		t.Errorf("linear perturbation: %v ± %v, closed form %v", r.Mean, r.StdErr, want)
	}
	t.Logf("learning error of u + βx: %.5f ± %.5f, closed form %.5f", r.Mean, r.StdErr, want)
	bad := cfg
	bad.Strata = 0
	if _, err := LearningError(base, base, bad, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("Strata = 0: no error")
	}
}
