package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/plot"
)

// TestTickLabel: short labels, rounding noise of m × 10^k gone.
func TestTickLabel(t *testing.T) {
	for v, want := range map[float64]string{
		3 * math.Pow(10, -1): "0.3", // 0.30000000000000004
		2500:                 "2500",
		12345.678:            "12345.7",
		2e6:                  "2e6",
		1e5:                  "1e5",
		5e-4:                 "5e-4",
		1.5e-12:              "1.5e-12",
		-2e7:                 "-2e7",
		0:                    "0",
		0.001:                "0.001",
	} {
		if got := tickLabel(v); got != want {
			t.Errorf("tickLabel(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestTickCounts: over random ranges, log and linear, the labels lie in
// the range, are distinct, increase, and number minTickLabels to
// maxLogTickLabels (at least 2 over many decades, where whole powers
// are thinned).
func TestTickCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	for range 3000 {
		lo := math.Pow(10, -12+24*rng.Float64())
		ratio := math.Pow(10, -2+math.Pow(rng.Float64(), 2)*40) // 1e-2 to 1e38 decades-ish
		hi := lo * (1 + ratio)
		if rng.IntN(2) == 0 {
			hi = lo * (1.01 + 50*rng.Float64()) // narrow and middling ranges often
		}
		for _, m := range []struct {
			name string
			tk   plot.Ticker
			lo   float64
		}{{"log", logTicks{}, lo}, {"linear", linearTicks{}, -lo}} {
			if m.name == "linear" && math.IsInf(hi-m.lo, 0) {
				continue
			}
			var vals []float64
			var labels []string
			for _, tk := range m.tk.Ticks(m.lo, hi) {
				if tk.Value < m.lo || tk.Value > hi {
					t.Fatalf("%s Ticks(%g, %g): tick %g outside", m.name, m.lo, hi, tk.Value)
				}
				if tk.Label != "" {
					vals, labels = append(vals, tk.Value), append(labels, tk.Label)
				}
			}
			fewest := minTickLabels
			if m.name == "log" && hi/lo > 1e8 {
				fewest = 2
			}
			if len(labels) < fewest || len(labels) > maxLogTickLabels {
				t.Fatalf("%s Ticks(%g, %g): %d labels %q, want %d to %d", m.name, m.lo, hi, len(labels), labels, fewest, maxLogTickLabels)
			}
			if !slices.IsSorted(vals) || len(slices.Compact(slices.Clone(labels))) != len(labels) {
				t.Fatalf("%s Ticks(%g, %g): labels %q not increasing and distinct", m.name, m.lo, hi, labels)
			}
		}
	}
}

func TestLinearTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		labels []string
	}{
		{2.82, 3.42, []string{"3", "3.2", "3.4"}}, // the quickstart's nll axis
		{10200, 12800, []string{"10500", "11000", "11500", "12000", "12500"}},
		{-1, 1, []string{"-1", "0", "1"}},
		{0, 0.7, []string{"0", "0.2", "0.4", "0.6"}},
	} {
		var labels []string
		for _, tk := range (linearTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, c.labels) {
			t.Errorf("linear Ticks(%v, %v) labels %q, want %q", c.lo, c.hi, labels, c.labels)
		}
	}
}

// TestNoNegativeZeroLabel: a tick at −0 (a multiple of the step rounded
// just below zero, as on an MMD axis starting slightly below 0) reads "0".
func TestNoNegativeZeroLabel(t *testing.T) {
	if got := tickLabel(math.Copysign(0, -1)); got != "0" {
		t.Errorf("tickLabel(−0) = %q, want \"0\"", got)
	}
	for _, tk := range (linearTicks{}).Ticks(-0.15, 3.1) {
		if tk.Label == "-0" {
			t.Errorf("linearTicks(-0.15, 3.1) labels a tick %q", tk.Label)
		}
	}
}
