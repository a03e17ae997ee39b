package datasets

import (
	"math"
	"strings"
	"testing"
)

// directLogProb is the mixture density written straight from its definition
// (product of 1-D normal densities, no log-sum-exp), for moderate x only.
func directLogProb(m Mixture, x []float64) float64 {
	p := 0.0
	for k, w := range m.Weights {
		q := w
		for i, xi := range x {
			v := m.Vars[k][i]
			q *= math.Exp(-(xi-m.Means[k][i])*(xi-m.Means[k][i])/(2*v)) / math.Sqrt(2*math.Pi*v)
		}
		p += q
	}
	return math.Log(p)
}

func testMixture() Mixture {
	return Mixture{
		Weights: []float64{0.2, 0.5, 0.3},
		Means:   [][]float64{{-1, 0.5}, {1.5, -0.5}, {0, 2}},
		Vars:    [][]float64{{0.3, 0.8}, {1.2, 0.25}, {0.5, 0.5}},
	}
}

func TestMixtureLogProbDirect(t *testing.T) {
	m := testMixture()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	rng := newRNG(2)
	for i := 0; i < 200; i++ {
		x := []float64{4*rng.Float64() - 2, 4*rng.Float64() - 2}
		got, want := m.LogProb(x), directLogProb(m, x)
		if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) { // a few ulps of the log
			t.Fatalf("LogProb(%v) = %v, direct formula %v", x, got, want)
		}
	}
	// Far away the direct formula underflows to −Inf; log-sum-exp stays finite
	// and matches the dominant component's log density to rounding.
	x := []float64{1e3, -1e3}
	lp := m.LogProb(x)
	if math.IsInf(lp, 0) || math.IsNaN(lp) {
		t.Fatalf("LogProb far away = %v, want finite", lp)
	}
	best := math.Inf(-1)
	for k := range m.Weights {
		one := Mixture{Weights: []float64{1}, Means: [][]float64{m.Means[k]}, Vars: [][]float64{m.Vars[k]}}
		best = math.Max(best, math.Log(m.Weights[k])+one.LogProb(x))
	}
	if math.Abs(lp-best) > 1e-9*math.Abs(best) {
		t.Errorf("far LogProb %v, dominant component %v", lp, best)
	}
}

func TestMixtureIntegratesToOne(t *testing.T) {
	// Trapezoid rule on [−8, 8]² with h = 0.02: the integrand is smooth and
	// negligible at the boundary (> 9 std from every mean), so the rule is
	// spectrally accurate; 1e-8 covers the truncated tails.
	for _, c := range []struct {
		name string
		m    Mixture
	}{
		{"diag3", testMixture()},
		{"8gaussians", NewEightGaussians("8gaussians", FFJORD8GaussiansRadius, FFJORD8GaussiansStd).AsMixture()},
	} {
		const lo, hi, h = -8.0, 8.0, 0.02
		n := 800 // (hi − lo)/h
		sum := 0.0
		x := make([]float64, 2)
		for i := 0; i <= n; i++ {
			for j := 0; j <= n; j++ {
				x[0], x[1] = lo+float64(i)*h, lo+float64(j)*h
				w := 1.0
				if i == 0 || i == n {
					w *= 0.5
				}
				if j == 0 || j == n {
					w *= 0.5
				}
				sum += w * math.Exp(c.m.LogProb(x))
			}
		}
		if got := sum * h * h; math.Abs(got-1) > 1e-8 {
			t.Errorf("%s: ∫ q = %.12f, want 1", c.name, got)
		}
	}
}

func TestMixtureSampleMoments(t *testing.T) {
	// Mean Σ π_k m_k; per-coordinate variance Σ π_k (C_k + m_k²) − mean².
	m := testMixture()
	const n = 100000
	x := m.Sample(newRNG(9), n)
	for i := 0; i < 2; i++ {
		mean, sq := 0.0, 0.0
		for k, w := range m.Weights {
			mean += w * m.Means[k][i]
			sq += w * (m.Vars[k][i] + m.Means[k][i]*m.Means[k][i])
		}
		v := sq - mean*mean
		gm, gs := 0.0, 0.0
		for r := 0; r < n; r++ {
			gm += x[2*r+i]
			gs += x[2*r+i] * x[2*r+i]
		}
		gm /= n
		gv := gs/n - gm*gm
		if se := math.Sqrt(v / n); math.Abs(gm-mean) > 5*se {
			t.Errorf("coord %d: mean %v, want %v ± %v", i, gm, mean, 5*se)
		}
		// Variance of the sample variance ≤ E(x−μ)^4/n; bound it loosely by 3·(v + max spread)²/n.
		if math.Abs(gv-v) > 5*math.Sqrt(3/float64(n))*(v+1) {
			t.Errorf("coord %d: var %v, want %v", i, gv, v)
		}
	}
}

func TestNormalAndEightGaussiansAreMixtures(t *testing.T) {
	x := []float64{0.3, -1.2, 2.0}
	nrm := Normal{D: 3}
	m, ok := AsMixture(nrm)
	if !ok {
		t.Fatal("Normal is not a MixtureDataset")
	}
	// log N(x|0, I) = −½(3 ln 2π + |x|²)
	want := -0.5 * (3*math.Log(2*math.Pi) + 0.09 + 1.44 + 4)
	if math.Abs(nrm.LogProb(x)-want) > 1e-14 || math.Abs(m.LogProb(x)-want) > 1e-14 {
		t.Errorf("normal LogProb %v / mixture %v, want %v", nrm.LogProb(x), m.LogProb(x), want)
	}
	for _, c := range []struct {
		name        string
		radius, std float64
	}{
		{"8gaussians", 4 / 1.414, 0.5 / 1.414},    // FFJORD: (4c + 0.5N)/1.414
		{"8gaussians-r5", 5, math.Pow(0.1, 0.25)}, // torchcfm: covariance sqrt(0.1)·I
	} {
		ds, err := New(c.name, 2, Options{})
		if err != nil {
			t.Fatal(err)
		}
		g := ds.(*EightGaussians)
		if math.Abs(g.Std-c.std) > 1e-15 || math.Abs(g.Radius-c.radius) > 1e-15 {
			t.Errorf("%s: radius %v std %v, want %v %v", c.name, g.Radius, g.Std, c.radius, c.std)
		}
		mm := g.AsMixture()
		for k := 0; k < 8; k++ {
			a := float64(k) * math.Pi / 4
			if math.Hypot(mm.Means[k][0]-c.radius*math.Cos(a), mm.Means[k][1]-c.radius*math.Sin(a)) > 1e-14 {
				t.Errorf("%s: mean %d = %v", c.name, k, mm.Means[k])
			}
		}
		// Density at a centre: (1/8)·N(0|0, σ²I) plus 7 far components.
		p := g.LogProb(mm.Means[0])
		want := directLogProb(mm, mm.Means[0])
		if math.Abs(p-want) > 1e-13 {
			t.Errorf("%s: LogProb at centre %v, want %v", c.name, p, want)
		}
	}
}

func TestMixtureValidate(t *testing.T) {
	good := testMixture()
	cases := []struct {
		name string
		mod  func(m *Mixture)
		want string
	}{
		{"empty", func(m *Mixture) { *m = Mixture{} }, "no components"},
		{"count", func(m *Mixture) { m.Means = m.Means[:2] }, "must match"},
		{"negweight", func(m *Mixture) { m.Weights[0] = -0.2; m.Weights[1] = 0.9 }, "Weights[0]"},
		{"sum", func(m *Mixture) { m.Weights[0] = 0.3 }, "sum to"},
		{"dim", func(m *Mixture) { m.Means[1] = []float64{1} }, "component 1"},
		{"nanmean", func(m *Mixture) { m.Means[2][1] = math.NaN() }, "Means[2][1]"},
		{"negvar", func(m *Mixture) { m.Vars[1][0] = -1 }, "Vars[1][0]"},
	}
	for _, c := range cases {
		m := Mixture{Weights: append([]float64(nil), good.Weights...)}
		for k := range good.Means {
			m.Means = append(m.Means, append([]float64(nil), good.Means[k]...))
			m.Vars = append(m.Vars, append([]float64(nil), good.Vars[k]...))
		}
		c.mod(&m)
		err := m.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}

func TestLogProbAllocs(t *testing.T) {
	m := testMixture()
	x := []float64{0.1, 0.2}
	if a := testing.AllocsPerRun(100, func() { m.LogProb(x) }); a != 0 {
		t.Errorf("Mixture.LogProb allocates %v per call", a)
	}
}
