package report

import (
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/flowbench/flowbench/pkg/metrics"
)

func TestFormatStat(t *testing.T) {
	// The rule: half-width to 2 significant digits, the mean to the same
	// decimal place; %.3g/%.2g for magnitudes that would need more than 8
	// decimals or none; "mean (n)" without an interval.
	cases := []struct {
		mean, hw float64
		n        int
		want     string
	}{
		{0.123456, 0.0056, 3, "0.1235 ± 0.0056 (3)"}, // hw 5.6e-3: 4 decimals
		{0.123456, 0.056, 3, "0.123 ± 0.056 (3)"},    // 5.6e-2: 3 decimals
		{12.3456, 1.7, 5, "12.3 ± 1.7 (5)"},          // 1.7: 1 decimal
		{123.456, 17.2, 5, "123 ± 17 (5)"},           // 17: 0 decimals
		{1234.5, 170, 4, "1.23e+03 ± 1.7e+02 (4)"},   // 170 would need −1 decimals
		{3e-9, 2e-10, 3, "3e-09 ± 2e-10 (3)"},        // 2e-10 would need 11 decimals
		{8, 0, 3, "8 (3)"},                           // no spread
		{768000, 0, 2, "768000 (2)"},                 // a count without spread, in full
		{0.123456, 0, 2, "0.1235 (2)"},               // no spread, not whole: %.4g
		{0.123456, math.NaN(), 1, "0.1235 (1)"},      // one seed
		{-0.5, 0.25, 2, "-0.50 ± 0.25 (2)"},          // negative mean
	}
	for _, c := range cases {
		got := formatStat(metrics.Summary{N: c.n, Mean: c.mean, HalfWidth: c.hw})
		if got != c.want {
			t.Errorf("formatStat(mean %v, hw %v, n %d) = %q, want %q", c.mean, c.hw, c.n, got, c.want)
		}
	}
}

func TestMetricDirection(t *testing.T) {
	cases := []struct {
		name string
		want Direction
	}{
		{"sw2", LowerIsBetter}, {"w2", LowerIsBetter}, {"mmd", LowerIsBetter},
		{"nll", LowerIsBetter}, {"nll_bpd", LowerIsBetter}, {"straightness", LowerIsBetter},
		{"nfe", LowerIsBetter}, {"loss_final", LowerIsBetter}, {"eval_seconds", LowerIsBetter},
		{"loglik", HigherIsBetter}, {"w2x", Unranked}, {"accuracy", Unranked},
	}
	for _, c := range cases {
		if got := MetricDirection(c.name); got != c.want {
			t.Errorf("MetricDirection(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCompareValue(t *testing.T) {
	// Numbers sort numerically, strings lexically, absent values first.
	in := []string{"10", "2", "", "rk4", "euler", "1e-3", "16"}
	slices.SortFunc(in, compareValue)
	want := []string{"", "1e-3", "2", "10", "16", "euler", "rk4"}
	if !slices.Equal(in, want) {
		t.Errorf("sorted %q, want %q", in, want)
	}
}

func TestLogTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		labels []string
	}{
		// 1.2 decades: every integer mark would be 11 labels, 1, 2, 3, 5
		// per decade are 6.
		{2, 32, []string{"2", "3", "5", "10", "20", "30"}},
		// NFE 1 to 200: 1, 2, 3, 5 would be 10 labels, 1, 2, 5 are 8.
		{1, 200, []string{"1", "2", "5", "10", "20", "50", "100", "200"}},
		// Within one decade with one 1-2-5 mark: every integer mark.
		{0.45, 0.75, []string{"0.5", "0.6", "0.7"}},
		// Within a factor of 1.5, holding one integer mark (0.4): linear
		// steps of 0.05, three labels.
		{0.31, 0.48, []string{"0.35", "0.4", "0.45"}},
		// train_nfe of the quickstart's trainings, 640000 to 1.06e6: one
		// 1-2-5 mark (1e6), five integer marks, written short.
		{6.4e5, 1.06e6, []string{"7e5", "8e5", "9e5", "1e6"}},
		// 15 decades: 16 powers of ten, so every second one.
		{1e-7, 1e8, []string{"1e-6", "1e-4", "0.01", "1", "100", "10000", "1e6", "1e8"}},
	}
	// A range reaching zero (gonum pads a single value by ±1) is not a
	// log range: linear ticks, and no endless loop over decades.
	if ticks := (logTicks{}).Ticks(0, 2); len(ticks) < 2 {
		t.Errorf("Ticks(0, 2) gave %d ticks", len(ticks))
	}
	for _, c := range cases {
		var labels []string
		for _, tk := range (logTicks{}).Ticks(c.lo, c.hi) {
			if tk.Value < c.lo || tk.Value > c.hi {
				t.Errorf("tick %v outside [%v, %v]", tk.Value, c.lo, c.hi)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if !slices.Equal(labels, c.labels) {
			t.Errorf("Ticks(%v, %v) labels %q, want %q", c.lo, c.hi, labels, c.labels)
		}
	}
}

func TestValueOrderCompare(t *testing.T) {
	o := valueOrder{"method": {"OT-CFM", "VP", "RF"}}
	cases := []struct {
		axis, a, b string
		want       int // sign
	}{
		{"method", "OT-CFM", "VP", -1}, // listed: list order, not "OT-CFM" < "VP" by chance
		{"method", "RF", "VP", 1},      // listed: RF after VP although "RF" < "VP"
		{"method", "RF", "CNF", -1},    // listed before unlisted
		{"method", "CNF", "DDPM", -1},  // both unlisted: as strings
		{"method", "", "OT-CFM", -1},   // absent first
		{"steps", "2", "10", -1},       // no list: numerically
		{"steps", "10", "10", 0},
	}
	for _, c := range cases {
		got := o.compare(c.axis, c.a, c.b)
		if got < 0 && c.want >= 0 || got > 0 && c.want <= 0 || got == 0 && c.want != 0 {
			t.Errorf("compare(%s, %q, %q) = %d, want sign %d", c.axis, c.a, c.b, got, c.want)
		}
	}
}

func TestPanelSplit(t *testing.T) {
	cols := func(spec ...any) [][]string { // solver, count, solver, count, …
		var out [][]string
		for i := 0; i < len(spec); i += 2 {
			for k := range spec[i+1].(int) {
				out = append(out, []string{spec[i].(string), strconv.Itoa(k + 1)})
			}
		}
		return out
	}
	cases := []struct {
		name  string
		cols  [][]string
		sizes []int
	}{
		// The quickstart: euler ×6, midpoint ×4, rk4 ×2, dopri5 ×1 (13
		// columns): euler alone, the other solvers together (4+2+1 = 7).
		{"quickstart", cols("euler", 6, "midpoint", 4, "rk4", 2, "dopri5", 1), []int{6, 7}},
		{"fits", cols("euler", 4, "rk4", 3), []int{7}},
		// One solver with 9 step counts is cut 7 + 2; the next solver
		// joins the remainder.
		{"long solver", cols("euler", 9, "rk4", 2), []int{7, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := &panelSet{colAxes: []string{SolverAxis, StepsAxis}, cols: c.cols}
			var all [][]string
			var got []int
			for _, p := range ps.split(maxGridCols) {
				got = append(got, len(p.cols))
				all = append(all, p.cols...)
			}
			if !slices.Equal(got, c.sizes) {
				t.Errorf("grid widths %v, want %v", got, c.sizes)
			}
			if !slices.EqualFunc(all, c.cols, slices.Equal) {
				t.Errorf("columns %q, want %q in order", all, c.cols)
			}
		})
	}
}
