package metrics

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

// tDensity is Student's t density, written from its definition.
func tDensity(s, nu float64) float64 {
	lg1, _ := math.Lgamma((nu + 1) / 2)
	lg2, _ := math.Lgamma(nu / 2)
	return math.Exp(lg1-lg2-0.5*math.Log(nu*math.Pi)) * math.Pow(1+s*s/nu, -(nu+1)/2)
}

// pByQuadrature is the two-sided p-value 1 − 2∫_0^{|t|} f_ν, by 200-point
// Gauss–Legendre quadrature: independent of gonum's incomplete beta.
func pByQuadrature(t, nu float64) float64 {
	return 1 - 2*quad.Fixed(func(s float64) float64 { return tDensity(s, nu) }, 0, math.Abs(t), 200, quad.Legendre{}, 0)
}

func TestTQuantileTable(t *testing.T) {
	// Standard table values of t_{0.975, ν}.
	for _, c := range []struct{ nu, want float64 }{{1, 12.706205}, {4, 2.776445}, {9, 2.262157}, {29, 2.045230}} {
		if got := TQuantile(0.975, c.nu); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("t_{0.975,%v} = %v, table %v", c.nu, got, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	// {1, …, 5}: mean 3, std sqrt(2.5), half-width 2.776445·sqrt(2.5)/sqrt(5)
	// = 2.776445/sqrt(2) = 1.963243 (hand computation with the table value).
	s := Summarize([]float64{1, 2, math.NaN(), 3, 4, 5})
	if s.N != 5 || s.Excluded != 1 || len(s.Warnings) != 1 {
		t.Fatalf("counts: %+v", s)
	}
	if s.Mean != 3 || math.Abs(s.Std-math.Sqrt(2.5)) > 1e-15 {
		t.Errorf("mean %v std %v", s.Mean, s.Std)
	}
	if math.Abs(s.HalfWidth-1.963243) > 1e-6 || math.Abs(s.CI95Lo-(3-s.HalfWidth)) > 1e-15 || math.Abs(s.CI95Hi-(3+s.HalfWidth)) > 1e-15 {
		t.Errorf("interval %+v", s)
	}
	one := Summarize([]float64{7})
	if one.N != 1 || one.Mean != 7 || !math.IsNaN(one.HalfWidth) || !math.IsNaN(one.Std) || len(one.Warnings) != 1 {
		t.Errorf("n=1: %+v", one)
	}
	none := Summarize([]float64{math.NaN()})
	if none.N != 0 || !math.IsNaN(none.Mean) || len(none.Warnings) != 2 {
		t.Errorf("all NaN: %+v", none)
	}
}

func TestWelchTest(t *testing.T) {
	// Wikipedia, "Welch's t-test", example 1 (15 vs 15 values): published
	// t = −2.46, ν ≈ 25.0, p = 0.021 (rounded as shown).
	a := []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4}
	b := []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}
	tt, df, p := WelchTest(a, b)
	if math.Abs(tt-(-2.46)) > 0.005 || math.Abs(df-25.0) > 0.05 || math.Abs(p-0.021) > 0.0005 {
		t.Errorf("Welch example: t %v df %v p %v, published −2.46, 25.0, 0.021", tt, df, p)
	}
	// Non-integer ν: the p-value against quadrature of the t density.
	if q := pByQuadrature(tt, df); math.Abs(p-q) > 1e-10 {
		t.Errorf("p %v, quadrature %v", p, q)
	}
	// Hand case with ν = 2 (equal sizes 2 and equal variances 2: ν = 2(n − 1)):
	// a = {0, 2}, b = {3, 5}: t = (1 − 4)/sqrt(2/2 + 2/2) = −3/sqrt 2, and for
	// ν = 2 the CDF is ½ + t/(2 sqrt(2 + t²)), so p = 1 − |t|/sqrt(2 + t²).
	tt, df, p = WelchTest([]float64{0, 2}, []float64{3, 5})
	wantT := -3 / math.Sqrt2
	if math.Abs(tt-wantT) > 1e-15 || math.Abs(df-2) > 1e-15 || math.Abs(p-(1-math.Abs(wantT)/math.Sqrt(2+wantT*wantT))) > 1e-12 {
		t.Errorf("ν=2 case: t %v df %v p %v", tt, df, p)
	}
	if tt, _, _ := WelchTest([]float64{1}, []float64{2, 3}); !math.IsNaN(tt) {
		t.Error("n=1: want NaN")
	}
}

func TestPairedTTest(t *testing.T) {
	// differences {1, 2, 6}: mean 3, sd sqrt(7), t = 3/(sqrt 7/sqrt 3),
	// ν = 2, p = 1 − |t|/sqrt(2 + t²) (closed-form ν = 2 CDF).
	tt, df, p := PairedTTest([]float64{2, 4, 9, math.NaN()}, []float64{1, 2, 3, 0})
	wantT := 3 * math.Sqrt(3) / math.Sqrt(7)
	if math.Abs(tt-wantT) > 1e-14 || df != 2 || math.Abs(p-(1-wantT/math.Sqrt(2+wantT*wantT))) > 1e-12 {
		t.Errorf("t %v df %v p %v, want %v, 2", tt, df, p, wantT)
	}
	// ν = 1 (two pairs): Cauchy CDF ½ + atan(t)/π, p = 1 − 2atan(|t|)/π.
	// differences {1, 3}: mean 2, sd sqrt 2, t = 2/(sqrt2/sqrt2) = 2.
	tt, df, p = PairedTTest([]float64{1, 3}, []float64{0, 0})
	if math.Abs(tt-2) > 1e-15 || df != 1 || math.Abs(p-(1-2*math.Atan(2)/math.Pi)) > 1e-12 {
		t.Errorf("ν=1: t %v df %v p %v", tt, df, p)
	}
	mustPanic(t, "unequal lengths", func() { PairedTTest([]float64{1}, []float64{1, 2}) })
}
