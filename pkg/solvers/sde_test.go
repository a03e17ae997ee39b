package solvers

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Euler–Maruyama's weak order on the Ornstein–Uhlenbeck process
// dY = −θY dt + g dW, Y_0 = y0, whose moments are known in closed form:
// E Y_T = y0 e^{−θT}, E Y_T² = y0² e^{−2θT} + g²(1 − e^{−2θT})/(2θ).
// For this linear SDE the scheme's own moments follow exactly from
// m_{k+1} = (1 − θh)m_k, v_{k+1} = (1 − θh)²v_k + g²h. The test checks
// (1) that simulated paths reproduce the scheme's moments to Monte Carlo
// accuracy (the implementation), and (2) that those moments approach the
// OU moments at order 1: the weak error halves when h halves.
func TestEulerMaruyamaWeakOrderOU(t *testing.T) {
	const theta, g, y0, T, N = 1.5, 0.8, 1.0, 1.0, 100000
	e2 := math.Exp(-2 * theta * T)
	wantM2 := y0*y0*e2 + g*g*(1-e2)/(2*theta)
	wantM1 := y0 * math.Exp(-theta*T)
	sys := SystemFunc(func(_ float64, y, dy []float64) {
		for i, v := range y {
			dy[i] = -theta * v
		}
	})
	exact := func(steps int) (m1, m2 float64) {
		h := T / float64(steps)
		a := 1 - theta*h
		m, v := y0, 0.0
		for k := 0; k < steps; k++ {
			m, v = a*m, a*a*v+g*g*h
		}
		return m, m*m + v
	}
	for _, steps := range []int{4, 16} {
		em := &EulerMaruyama{Steps: steps, G: g}
		y := make([]float64, N)
		for i := range y {
			y[i] = y0
		}
		if _, err := em.Solve(sys, y, 0, T, rand.New(rand.NewPCG(uint64(steps), 7))); err != nil {
			t.Fatal(err)
		}
		var m1, m2 float64
		for _, v := range y {
			m1 += v
			m2 += v * v
		}
		m1, m2 = m1/N, m2/N
		em1, em2 := exact(steps)
		ev := em2 - em1*em1
		// 5 standard errors: var Y = v, var Y² = 2v² + 4m²v for a Gaussian.
		if math.Abs(m1-em1) > 5*math.Sqrt(ev/N) || math.Abs(m2-em2) > 5*math.Sqrt((2*ev*ev+4*em1*em1*ev)/N) {
			t.Errorf("steps=%d: sample moments (%.5f, %.5f), the scheme's (%.5f, %.5f)", steps, m1, m2, em1, em2)
		}
	}
	prev1, prev2 := 0.0, 0.0
	for _, steps := range []int{32, 64, 128, 256, 512} {
		m1, m2 := exact(steps)
		e1, e2 := math.Abs(m1-wantM1), math.Abs(m2-wantM2)
		if prev1 != 0 {
			r1, r2 := prev1/e1, prev2/e2
			// Order 1: ratio 2 + O(h); for h ≤ 1/64 within 2 ± 0.1 (2.03 and
			// 2.14 at 32/16 steps, from the recursion).
			if math.Abs(r1-2) > 0.1 || math.Abs(r2-2) > 0.1 {
				t.Errorf("steps=%d: weak error ratios %.3f (E Y) and %.3f (E Y²), want ≈ 2", steps, r1, r2)
			}
		}
		prev1, prev2 = e1, e2
	}
}

func TestEulerMaruyamaDeterministicAndSeeded(t *testing.T) {
	// g = 0 is Euler's method: y' = y from 1 over [0, 1] in n steps gives (1 + 1/n)^n.
	em := &EulerMaruyama{Steps: 10, G: 0}
	y := []float64{1}
	em.Solve(SystemFunc(func(_ float64, y, dy []float64) { dy[0] = y[0] }), y, 0, 1, nil)
	if want := math.Pow(1.1, 10); math.Abs(y[0]-want) > 1e-14 {
		t.Errorf("g = 0: %v, want Euler's %v", y[0], want)
	}
	// The same stream gives the same path; pure diffusion Y_T = g·√h·ΣZ_k.
	run := func() []float64 {
		em := &EulerMaruyama{Steps: 5, G: 0.3}
		y := []float64{0, 0}
		em.Solve(SystemFunc(func(_ float64, _, dy []float64) { clear(dy) }), y, 0, 1, rand.New(rand.NewPCG(1, 2)))
		return y
	}
	a, b := run(), run()
	rng := rand.New(rand.NewPCG(1, 2))
	want := []float64{0, 0}
	for k := 0; k < 5; k++ {
		for i := range want {
			want[i] += 0.3 * math.Sqrt(0.2) * rng.NormFloat64()
		}
	}
	for i := range a {
		if a[i] != b[i] || math.Abs(a[i]-want[i]) > 1e-15 {
			t.Errorf("coord %d: runs %v and %v, recomputed %v", i, a[i], b[i], want[i])
		}
	}
	if err := (&EulerMaruyama{Steps: 0}).Validate(); err == nil {
		t.Error("0 steps accepted")
	}
	if _, err := (&EulerMaruyama{Steps: 2, G: 1}).Solve(SystemFunc(func(float64, []float64, []float64) {}), []float64{0}, 1, 0, nil); err == nil {
		t.Error("backward integration accepted")
	}
}
