package datasets

import (
	"math"
	"testing"
)

// The runner's data sets against their definitions (MATH.md §5, "The 2-D
// benchmark of Tong et al. (2024)").

func TestRunnerSetsMoments(t *testing.T) {
	const n = 40000
	// moons-dsb: base mean (1/2, 1/4) (outer arc (0, 2/π), inner (1, 1/2 − 2/π));
	// pooled mean 3/8 and pooled std computed here by quadrature, not
	// from DSBMoonsMoments.
	pm2 := uniformMean(func(th float64) float64 {
		c, s := math.Cos(th), math.Sin(th)
		return (c*c + s*s + (1-c)*(1-c) + (0.5-s)*(0.5-s)) / 4 // pooled over 2 arcs × 2 coordinates
	}, 0, math.Pi) + 0.1*0.1
	pstd := math.Sqrt(pm2 - 9.0/64)
	dsbX, dsbY := 7*(0.5-0.375)/pstd, 7*(0.25-0.375)/pstd
	// E|x|² after standardisation: 2 coordinates × pooled variance 49, plus
	// nothing from the mean (pooled mean 0) — the pooled second moment of
	// a standardised-times-7 sample is 49 per entry.
	cases := []struct {
		name        string
		mx, my, msq float64
	}{
		// ×2, then x − 1: base mean (1/2, 1/4) → (0, 1/2).
		{"moons-runner", 0, 0.5, moonsSq(2, 0.05, -1, 0)},
		// equal-weight modes on circles: mean 0, E|x|² = r² + 2σ².
		{"8gaussians-runner", 0, 0, 25 + 2},
		{"8gaussians-dsb", 0, 0, 144 + 2*1.5*1.5},
		{"moons-dsb", dsbX, dsbY, 2 * 49},
	}
	for _, c := range cases {
		ds, err := New(c.name, 0, Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := ds.Sample(newRNG(11), n)
		if len(x) != 2*n {
			t.Fatalf("%s: %d values, want %d", c.name, len(x), 2*n)
		}
		// 5 standard errors plus 1e-3·scale for the evenly spaced angles
		// against the continuum (as in TestToyMoments).
		mx, my, msq, seM, seSq := momentsSE(x)
		tolM, tolSq := 5*seM+1e-3, 5*seSq+1e-3*c.msq
		if math.Abs(mx-c.mx) > tolM || math.Abs(my-c.my) > tolM || math.Abs(msq-c.msq) > tolSq {
			t.Errorf("%s: mean (%.4f, %.4f) E|x|² %.4f, want (%.4f, %.4f) %.4f (tol %.2g, %.2g)", c.name, mx, my, msq, c.mx, c.my, c.msq, tolM, tolSq)
		}
	}
}

func TestDSBMoonsScale(t *testing.T) {
	// Noise-free with an even n: the base mean is exactly (1/2, 1/4), so
	// the pooled mean after standardising by 3/8 is 0 to rounding; the
	// pooled std is 7 up to the O(1/n) gap between evenly spaced θ and the
	// continuum (measured: well under 1e-3 at n = 20,000).
	zero := 0.0
	ds, err := New("moons-dsb", 0, Options{Noise: &zero})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	x := ds.Sample(newRNG(3), n)
	var s, s2 float64
	for _, v := range x {
		s += v
		s2 += v * v
	}
	m := s / float64(len(x))
	sd := math.Sqrt(s2/float64(len(x)) - m*m)
	if math.Abs(m) > 1e-12 || math.Abs(sd-7) > 7e-3 {
		t.Errorf("pooled mean %v std %v, want 0 and 7", m, sd)
	}
	// With noise 0.1 (the default) the pooled std of a large sample is 7.
	ds, _ = New("moons-dsb", 0, Options{})
	x = ds.Sample(newRNG(4), 100000)
	s, s2 = 0, 0
	for _, v := range x {
		s += v
		s2 += v * v
	}
	m = s / float64(len(x))
	sd = math.Sqrt(s2/float64(len(x)) - m*m)
	// Standard error of the pooled mean ≈ 7/√(2·10⁵) ≈ 0.016.
	if math.Abs(m) > 0.08 || math.Abs(sd-7) > 0.03 {
		t.Errorf("noise 0.1: pooled mean %v std %v, want 0 and 7", m, sd)
	}
}

func TestRunnerGaussiansRadiusAndStrata(t *testing.T) {
	zero := 0.0
	for _, c := range []struct {
		name   string
		radius float64
		n      int
		strat  bool
	}{
		{"8gaussians-runner", 5, 803, true},
		{"8gaussians-dsb", 12, 4000, false},
	} {
		ds, err := New(c.name, 0, Options{Noise: &zero})
		if err != nil {
			t.Fatal(err)
		}
		x := ds.Sample(newRNG(5), c.n)
		counts := make([]int, 8)
		for r := 0; r < c.n; r++ {
			if rr := math.Hypot(x[2*r], x[2*r+1]); math.Abs(rr-c.radius) > 1e-12 {
				t.Fatalf("%s: row %d at radius %v, want %v", c.name, r, rr, c.radius)
			}
			k := int(math.Round(math.Atan2(x[2*r+1], x[2*r])/(math.Pi/4)+8)) % 8
			counts[k]++
		}
		if c.strat {
			// ⌊803/8⌋ = 100 per mode, the first 803 mod 8 = 3 modes one more.
			for k, m := range counts {
				want := 100
				if k < 3 {
					want = 101
				}
				if m != want {
					t.Errorf("%s: mode %d has %d rows, want %d (%v)", c.name, k, m, want, counts)
				}
			}
		} else {
			// i.i.d. modes: each count ~ Binomial(4000, 1/8), sd ≈ 20.9.
			for k, m := range counts {
				if math.Abs(float64(m)-500) > 5*20.9 {
					t.Errorf("%s: mode %d has %d rows of 4000", c.name, k, m)
				}
			}
		}
		g, ok := AsMixture(ds)
		if !ok || g.Vars[0][0] != 0 {
			t.Errorf("%s: not a mixture with the overridden std", c.name)
		}
	}
	// Default stds: 1 and 1.5 per coordinate.
	for name, std := range map[string]float64{"8gaussians-runner": 1, "8gaussians-dsb": 1.5} {
		ds, _ := New(name, 0, Options{})
		g, _ := AsMixture(ds)
		for k := range g.Vars {
			if g.Vars[k][0] != std*std || g.Vars[k][1] != std*std {
				t.Errorf("%s: component %d variances %v, want %v", name, k, g.Vars[k], std*std)
			}
		}
	}
}

func TestRunnerSetsFirstRows(t *testing.T) {
	// A fixed seed's rows recomputed here step by step from the written
	// definitions, with the same draws in the same order: the arcs at
	// evenly spaced θ (outer ⌊n/2⌋ first), a Fisher–Yates shuffle from the
	// last row down, then noise on every entry in row-major order.
	moons := func(seed uint64, n int, noise float64) []float64 {
		rng := newRNG(seed)
		no, ni := n/2, n-n/2
		var x []float64
		for i := 0; i < no; i++ {
			th := math.Pi * float64(i) / float64(no-1)
			x = append(x, math.Cos(th), math.Sin(th))
		}
		for i := 0; i < ni; i++ {
			th := math.Pi * float64(i) / float64(ni-1)
			x = append(x, 1-math.Cos(th), 0.5-math.Sin(th))
		}
		for i := n - 1; i > 0; i-- {
			j := rng.IntN(i + 1)
			x[2*i], x[2*j] = x[2*j], x[2*i]
			x[2*i+1], x[2*j+1] = x[2*j+1], x[2*i+1]
		}
		for i := range x {
			x[i] += noise * rng.NormFloat64()
		}
		return x
	}
	const n = 12
	check := func(name string, want []float64) {
		t.Helper()
		ds, err := New(name, 0, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := ds.Sample(newRNG(2024), n)
		for i := 0; i < 8; i++ { // the first four rows
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Fatalf("%s: entry %d = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
	m := moons(2024, n, 0.05)
	for r := 0; r < n; r++ {
		m[2*r] = 2*m[2*r] - 1
		m[2*r+1] = 2 * m[2*r+1]
	}
	check("moons-runner", m)
	m = moons(2024, n, 0.1)
	// Pooled std by the closed form 1 + 5/8 − 1/π over 2, plus noise², minus (3/8)².
	sd := math.Sqrt((1+0.625-1/math.Pi)/2 + 0.01 - 0.140625)
	for i := range m {
		m[i] = 7 * (m[i] - 0.375) / sd
	}
	check("moons-dsb", m)
	// 8gaussians-runner: modes k = 0..7 at 45° steps, ⌊12/8⌋ = 1 row each
	// plus one more for modes 0..3, mode-major, (x, y) noise per row, then
	// the shuffle.
	rng := newRNG(2024)
	var g []float64
	for k := 0; k < 8; k++ {
		rows := 1
		if k < 4 {
			rows = 2
		}
		for r := 0; r < rows; r++ {
			a := float64(k) * math.Pi / 4
			g = append(g, 5*math.Cos(a)+rng.NormFloat64(), 5*math.Sin(a)+rng.NormFloat64())
		}
	}
	for i := n - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		g[2*i], g[2*j] = g[2*j], g[2*i]
		g[2*i+1], g[2*j+1] = g[2*j+1], g[2*i+1]
	}
	check("8gaussians-runner", g)
}
