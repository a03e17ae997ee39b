package datasets

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// moments returns the column means and the mean of |x|² of an n×2 sample.
func moments(x []float64) (mx, my, msq float64) {
	mx, my, msq, _, _ = momentsSE(x)
	return
}

// momentsSE also returns the standard errors of the larger column mean and
// of the mean of |x|² (sample std / √n).
func momentsSE(x []float64) (mx, my, msq, seM, seSq float64) {
	n := float64(len(x) / 2)
	var vx, vy, vsq float64
	for r := 0; r+1 < len(x); r += 2 {
		q := x[r]*x[r] + x[r+1]*x[r+1]
		mx += x[r]
		my += x[r+1]
		msq += q
		vx += x[r] * x[r]
		vy += x[r+1] * x[r+1]
		vsq += q * q
	}
	mx, my, msq = mx/n, my/n, msq/n
	vx, vy, vsq = vx/n-mx*mx, vy/n-my*my, vsq/n-msq*msq
	return mx, my, msq, math.Sqrt(math.Max(vx, vy) / n), math.Sqrt(vsq / n)
}

// uniformMean returns (1/(b−a)) ∫_a^b f by Legendre quadrature.
func uniformMean(f func(float64) float64, a, b float64) float64 {
	return quad.Fixed(f, a, b, 400, quad.Legendre{}, 0) / (b - a)
}

func TestToyMoments(t *testing.T) {
	const n = 40000
	// Swiss roll: t ~ U[1.5π, 4.5π]; x = (t cos t + ε)/5, y = (t sin t + ε)/5, ε ~ N(0, 1).
	a, b := 1.5*math.Pi, 4.5*math.Pi
	srMX := uniformMean(func(t float64) float64 { return t * math.Cos(t) }, a, b) / 5 // = 2/5 in closed form
	srMY := uniformMean(func(t float64) float64 { return t * math.Sin(t) }, a, b) / 5 // = 2/(15π)
	srSq := (uniformMean(func(t float64) float64 { return t * t }, a, b) + 2) / 25
	// S-curve: t ~ U[−1.5π, 1.5π]; x = 1.5(sin t + ε), y = 1.5(sign t (cos t − 1) + ε), ε ~ N(0, 0.05²).
	scSq := 2.25 * (uniformMean(func(t float64) float64 {
		return math.Sin(t)*math.Sin(t) + (math.Cos(t)-1)*(math.Cos(t)-1)
	}, -1.5*math.Pi, 1.5*math.Pi) + 2*0.05*0.05)
	// 2spirals: r = 3π√U has density 2r/(3π)² on [0, 3π]; base point
	// (−r cos r + U1/2, r sin r + U2/2)/3 and its negation (mean 0);
	// E|x|² = (E r² + E[r sin r − r cos r]/2 + 2·E[U²]/4)/9 + 2·0.1².
	R := 3 * math.Pi
	er2 := R * R / 2
	eMix := quad.Fixed(func(r float64) float64 { return (r*math.Sin(r) - r*math.Cos(r)) * 2 * r / (R * R) }, 0, R, 400, quad.Legendre{}, 0)
	spSq := (er2+eMix/2+0.5/3)/9 + 2*0.01
	// 8gaussians: all components equal weight on a circle: mean 0, E|x|² = r² + 2σ².
	g8 := FFJORD8GaussiansRadius*FFJORD8GaussiansRadius + 2*FFJORD8GaussiansStd*FFJORD8GaussiansStd
	g5 := 25 + 2*math.Sqrt(0.1) // σ² = 0.1^(1/2): torchcfm's covariance sqrt(0.1)·I
	cases := []struct {
		name        string
		mx, my, msq float64
		note        string
	}{
		// moons: outer arc mean (0, 2/π), inner arc (1, 1/2 − 2/π), equal halves:
		// base mean (1/2, 1/4); E|x|² by quadrature over θ (moonsSq).
		{"moons", 0, 0.3, moonsSq(2, 0.1, -1, -0.2), "×2 + (−1, −0.2)"},
		{"moons-tong", 0, -0.5, moonsSq(2, 0.05, -1, -1), "×2 − 1"},
		// circles: radii 3 and 1.5 (equal halves), noise 3·0.08 per coordinate.
		{"circles", 0, 0, (9+2.25)/2 + 2*0.24*0.24, ""},
		// rings: radii 3, 2.25, 1.5, 0.75 (quarters), noise 0.08.
		{"rings", 0, 0, (9+5.0625+2.25+0.5625)/4 + 2*0.08*0.08, ""},
		{"swissroll", srMX, srMY, srSq, ""},
		{"scurve", 0, 0, scSq, ""},
		// pinwheel: rotations keep |f|; E|x|² = 4(E f0² + E f1²) = 4(1 + 0.09 + 0.01); 5-fold symmetry ⇒ mean 0.
		{"pinwheel", 0, 0, 4.4, ""},
		{"2spirals", 0, 0, spSq, ""},
		// checkerboard: each coordinate is marginally U[−4, 4): mean 0, E x² = 16/3.
		{"checkerboard", 0, 0, 32.0 / 3, ""},
		{"8gaussians", 0, 0, g8, ""},
		{"8gaussians-r5", 0, 0, g5, ""},
	}
	for _, c := range cases {
		ds, err := New(c.name, 0, Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := ds.Sample(newRNG(7), n)
		if len(x) != 2*n {
			t.Fatalf("%s: got %d values, want %d", c.name, len(x), 2*n)
		}
		// Tolerance: 5 standard errors of the sample (the stratified sets
		// are less variable than i.i.d., so this is conservative) plus 1e-3
		// for the O(1/n) difference between evenly spaced angles and the
		// continuum integrals.
		mx, my, msq, seM, seSq := momentsSE(x)
		tolM, tolSq := 5*seM+1e-3, 5*seSq+1e-3
		t.Logf("%s: |Δmean| = %.2g (tol %.2g), |ΔE|x|²| = %.2g (tol %.2g)", c.name, math.Max(math.Abs(mx-c.mx), math.Abs(my-c.my)), tolM, math.Abs(msq-c.msq), tolSq)
		if math.Abs(mx-c.mx) > tolM || math.Abs(my-c.my) > tolM || math.Abs(msq-c.msq) > tolSq {
			t.Errorf("%s: mean (%.4f, %.4f) E|x|² %.4f, want (%.4f, %.4f) %.4f", c.name, mx, my, msq, c.mx, c.my, c.msq)
		}
	}
}

// moonsSq is E|x|² of make_moons(noise)·s + (bx, by) in the continuum limit:
// θ ~ U[0, π] on each arc; outer (cos θ, sin θ), inner (1 − cos θ, ½ − sin θ).
func moonsSq(s, noise, bx, by float64) float64 {
	f := func(th float64) float64 {
		ox, oy := s*math.Cos(th)+bx, s*math.Sin(th)+by
		ix, iy := s*(1-math.Cos(th))+bx, s*(0.5-math.Sin(th))+by
		return (ox*ox + oy*oy + ix*ix + iy*iy) / 2
	}
	return uniformMean(f, 0, math.Pi) + 2*s*s*noise*noise
}

func TestMakeMoonsExactHalves(t *testing.T) {
	// Noise-free make_moons with n = 2m: base mean is exactly (1/2, 1/4) by
	// the symmetry of the evenly spaced θ, and the arcs have m and m points.
	for _, n := range []int{2, 10, 101} {
		x := MakeMoons(newRNG(1), n, 0)
		outer := 0
		for r := 0; r < n; r++ {
			if math.Abs(math.Hypot(x[2*r], x[2*r+1])-1) < 1e-12 {
				outer++
			}
		}
		// Inner points lie on the unit circle only where 2cos θ + sin θ = 5/4,
		// which the evenly spaced θ of these n do not hit to 1e-12.
		if outer != n/2 {
			t.Errorf("n=%d: %d points on the unit circle, want %d", n, outer, n/2)
		}
		if n%2 == 0 {
			mx, my, _ := moments(x)
			if math.Abs(mx-0.5) > 1e-12 || math.Abs(my-0.25) > 1e-12 {
				t.Errorf("n=%d: noise-free mean (%v, %v), want (0.5, 0.25)", n, mx, my)
			}
		}
	}
}

func TestRingsCounts(t *testing.T) {
	// n = 4003: n/4 = 1000 per ring, the remainder (1003) on the innermost
	// (radius 0.75 after ×3). Noise 0.08 vs half-gap 0.375 (4.7σ): misassignment
	// probability ≈ 3e-6 per point.
	const n = 4003
	x := genRings(newRNG(3), n, 0.08)
	radii := []float64{3, 2.25, 1.5, 0.75}
	counts := make([]int, 4)
	for r := 0; r < n; r++ {
		rho := math.Hypot(x[2*r], x[2*r+1])
		best := 0
		for k := range radii {
			if math.Abs(rho-radii[k]) < math.Abs(rho-radii[best]) {
				best = k
			}
		}
		counts[best]++
	}
	want := []int{1000, 1000, 1000, 1003}
	for k := range want {
		if counts[k] != want[k] {
			t.Errorf("ring radius %v: %d points, want %d", radii[k], counts[k], want[k])
		}
	}
}

func TestCheckerboardSupport(t *testing.T) {
	const n = 80000
	ds, _ := New("checkerboard", 2, Options{})
	cb := ds.(*Checkerboard)
	x := ds.Sample(newRNG(11), n)
	counts := map[[2]int]int{}
	nll := 0.0
	for r := 0; r < n; r++ {
		p := x[2*r : 2*r+2]
		i, j := int(math.Floor(p[0]/2)), int(math.Floor(p[1]/2))
		counts[[2]int{i, j}]++
		lp := cb.LogProb(p)
		if math.IsInf(lp, -1) {
			t.Fatalf("point %v outside the support", p)
		}
		nll -= lp
	}
	if len(counts) != 8 {
		t.Fatalf("points fall in %d squares, want 8: %v", len(counts), counts)
	}
	for sq, c := range counts {
		if (sq[0]+sq[1])%2 != 0 || sq[0] < -2 || sq[0] > 1 || sq[1] < -2 || sq[1] > 1 {
			t.Errorf("square %v is not one of the 8 (i, j ∈ {−2..1}, i+j even)", sq)
		}
		// Binomial(n, 1/8): std = sqrt(n·(1/8)(7/8)) ≈ 93.5; allow 5σ.
		if math.Abs(float64(c)-n/8) > 5*93.6 {
			t.Errorf("square %v: %d points, want %d ± 468", sq, c, n/8)
		}
	}
	// Uniform density 1/32 ⇒ NLL = ln 32 exactly for every point on the support.
	if got := nll / n; math.Abs(got-math.Log(32)) > 1e-9 /* summation rounding of 8e4 terms */ {
		t.Errorf("checkerboard NLL %v, want ln 32 = %v", got, math.Log(32))
	}
	// Off-support points: the odd squares and outside [−4, 4)².
	for _, p := range [][]float64{{1, -1}, {-3, -1}, {4, 0}, {0, -4.01}, {3.9, 0.5}} {
		if lp := cb.LogProb(p); !math.IsInf(lp, -1) {
			t.Errorf("LogProb(%v) = %v, want −Inf (off the 8 squares)", p, lp)
		}
	}
	// Meta's variant: NLL ln(8/0.45²) ≈ 3.676 (MATH.md §5).
	fm, _ := New("checkerboard-fm", 0, Options{})
	if lp := fm.(Density).LogProb([]float64{0.5, 0.5}); math.Abs(-lp-math.Log(8/(0.45*0.45))) > 1e-12 {
		t.Errorf("checkerboard-fm NLL %v, want %v", -lp, math.Log(8/(0.45*0.45)))
	}
}

func TestPinwheelOrientation(t *testing.T) {
	// FFJORD's einsum("ti,tij->tj") with R = [[c, −s], [s, c]] maps f to
	// (f0 c + f1 s, −f0 s + f1 c): rotation by −θ. For arm 0 (class angle 0)
	// and f1 ≈ 0 the polar angle is −0.25·e^{f0} ∈ (−π, 0) for f0 ≈ 1, so
	// the arm near radius 2 (f0 = 1) sits at angle −0.25e ≈ −0.68 rad (mod 2π/5).
	x := genPinwheel(newRNG(5), 5000, 0)
	hits := 0
	for r := 0; r < 5000; r++ {
		rho := math.Hypot(x[2*r], x[2*r+1])
		if math.Abs(rho-2) > 0.1 {
			continue
		}
		ang := math.Atan2(x[2*r+1], x[2*r])
		// distance of ang to −0.25e modulo 2π/5 (five arms)
		d := math.Mod(ang+0.25*math.E, 2*math.Pi/5)
		if d < 0 {
			d += 2 * math.Pi / 5
		}
		d = math.Min(d, 2*math.Pi/5-d)
		if d < 0.15 { // tangential std 2·0.1/2 = 0.1 rad at radius 2, plus angle jitter from f0
			hits++
		}
	}
	// Each arm crosses radius 2 at one angle; the mirror image (+θ) would put
	// them at +0.68 mod 2π/5 = 0.68 − 1.257 → 0.58 rad away from the tested angle.
	if hits == 0 {
		t.Fatal("no point near radius 2")
	}
	total := 0
	for r := 0; r < 5000; r++ {
		if math.Abs(math.Hypot(x[2*r], x[2*r+1])-2) <= 0.1 {
			total++
		}
	}
	if float64(hits) < 0.8*float64(total) {
		t.Errorf("only %d of %d points at radius 2 lie on the arms at −0.25e (mod 2π/5)", hits, total)
	}
}

func TestDeterminism(t *testing.T) {
	m := Isotropic([]float64{0.3, 0.7}, [][]float64{{0, 1, 2}, {-1, 0, 1}}, 0.5)
	for _, name := range Names() {
		if name == "file" {
			continue // covered by TestEmpiricalSample
		}
		ds, err := New(name, 0, Options{Mixture: &m})
		if err != nil {
			t.Fatal(err)
		}
		a := ds.Sample(newRNG(42), 257)
		b := ds.Sample(newRNG(42), 257)
		c := ds.Sample(newRNG(43), 257)
		if !bytes.Equal(f64bytes(a), f64bytes(b)) {
			t.Errorf("%s: same seed, different bytes", name)
		}
		if bytes.Equal(f64bytes(a), f64bytes(c)) {
			t.Errorf("%s: different seeds, identical draws", name)
		}
		if len(a) != 257*ds.Dim() {
			t.Errorf("%s: %d values, want %d", name, len(a), 257*ds.Dim())
		}
		for _, n := range []int{0, 1, 3, 6} { // small and odd sizes: exactly n rows
			if got := len(ds.Sample(newRNG(1), n)); got != n*ds.Dim() {
				t.Errorf("%s: Sample(%d) has %d values, want %d", name, n, got, n*ds.Dim())
			}
		}
	}
}

func f64bytes(x []float64) []byte {
	b := make([]byte, 8*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}
