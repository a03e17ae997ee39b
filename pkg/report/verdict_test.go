package report

import (
	"math"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/metrics"
)

// column builds a grid of one column whose rows hold the given values over
// seeds 1, 2, ….
func column(rows map[string][]float64, order ...string) *grid {
	g := &grid{metric: "w2", rowAxes: []string{"method"}, cols: [][]string{nil}, cells: map[string]*cell{}}
	for _, name := range order {
		vals := rows[name]
		c := &cell{vals: vals, sum: metrics.Summarize(vals)}
		for i := range vals {
			c.seeds = append(c.seeds, string(rune('1'+i)))
		}
		g.rows = append(g.rows, []string{name})
		g.cells[cellKey([]string{name}, nil)] = c
	}
	return g
}

// TestOverlappingBestHasNoSoleWinner: when the best two rows cannot be
// told apart, the second is marked as a tie and the column has no sole
// winner; when every other row is clearly worse, the best stands alone.
func TestOverlappingBestHasNoSoleWinner(t *testing.T) {
	// Means A 1.0333, B 1.05, C 4. A − B over seeds: −0.1, +0.2, −0.15,
	// no evidence either way; C − A = 2, 2.8, 4.1: t = 4.848, ν = 2,
	// p = 1 − t/sqrt(2 + t²) = 0.0400 (the closed form for ν = 2); Holm
	// over the column's two comparisons makes it 2·p = 0.0800, so C too
	// is "not significantly worse" at n = 3.
	g := column(map[string][]float64{"A": {1.0, 1.2, 0.9}, "B": {1.1, 1.0, 1.05}, "C": {3, 4, 5}}, "A", "B", "C")
	v := g.judge(LowerIsBetter, nil)
	if v == nil || v.best[0] != "A" {
		t.Fatalf("verdict %+v, want best A", v)
	}
	if v.sole() || !v.tie["B"] {
		t.Errorf("B overlaps A: tie %v sole %v, want a tie and no sole winner", v.tie, v.sole())
	}
	if got := v.mark([]string{"B"}, "x"); got != "x"+tieMark {
		t.Errorf("B marked %q", got)
	}
	if got := v.mark([]string{"A"}, "x"); got != "**x**" {
		t.Errorf("A marked %q", got)
	}
	d := []float64{2, 2.8, 4.1}
	tt := mean(d) / (stddev(d) / math.Sqrt(3))
	pC := 1 - tt/math.Sqrt(2+tt*tt)
	if math.Abs(pC-0.0400092) > 1e-6 || !v.tie["C"] {
		t.Errorf("C: closed-form p %v (want 0.0400092), tie %v", pC, v.tie["C"])
	}
	if math.Abs(v.p["C"]-pC) > 1e-12 || math.Abs(v.adj["C"]-math.Min(1, 2*pC)) > 1e-12 {
		t.Errorf("C: p %v adj %v, want %v and %v", v.p["C"], v.adj["C"], pC, 2*pC)
	}

	// A clear winner: every other row is worse by the same amount on every
	// seed (p = 0), so A stands alone and nothing is a tie.
	g = column(map[string][]float64{"A": {1, 2, 3}, "B": {2, 3, 4}, "C": {1.5, 2.5, 3.5}}, "B", "A", "C")
	v = g.judge(LowerIsBetter, nil)
	if v == nil || v.best[0] != "A" || !v.sole() {
		t.Fatalf("clear winner: %+v", v)
	}
	if v.mark([]string{"C"}, "x") != "x" {
		t.Errorf("C marked as a tie")
	}
}

// TestHolmDecidesTies: two rows each worse than the best at raw p < 0.05
// but not after Holm's correction. With two seeds (ν = 1) the paired t
// test's p-value has the closed form 1 − (2/π)·atan t, and differences
// (1 + 1/k, 1 − 1/k) give t = k: p = 0.0318 for k = 20 and 0.0398 for
// k = 16; Holm: 2·0.0318 = 0.0636, then max(0.0636, 0.0398) = 0.0636.
func TestHolmDecidesTies(t *testing.T) {
	g := column(map[string][]float64{
		"A": {1, 1},
		"B": {1 + 1 + 1.0/20, 1 + 1 - 1.0/20},
		"C": {1 + 1 + 1.0/16, 1 + 1 - 1.0/16},
	}, "A", "B", "C")
	v := g.judge(LowerIsBetter, nil)
	pB := 1 - 2/math.Pi*math.Atan(20)
	pC := 1 - 2/math.Pi*math.Atan(16)
	if math.Abs(v.p["B"]-pB) > 1e-9 || math.Abs(v.p["C"]-pC) > 1e-9 {
		t.Fatalf("raw p: %v, want B %v C %v", v.p, pB, pC)
	}
	if pB >= Alpha || pC >= Alpha {
		t.Fatalf("the construction needs raw p below α: %v %v", pB, pC)
	}
	if math.Abs(v.adj["B"]-2*pB) > 1e-9 || math.Abs(v.adj["C"]-2*pB) > 1e-9 {
		t.Errorf("adjusted p: %v, want both %v", v.adj, 2*pB)
	}
	if !v.tie["B"] || !v.tie["C"] || v.sole() {
		t.Errorf("after Holm neither is significantly worse: %v", v.tie)
	}
}

// TestUnrankedMetricsAreNeverMarked: a metric without a direction (the
// standard error of the NLL, the data's true NLL) has no verdict.
func TestUnrankedMetricsAreNeverMarked(t *testing.T) {
	for _, m := range []string{"nll_stderr", "nll_true", "train_nfe", "parameters"} {
		if d := MetricDirection(m); d != Unranked {
			t.Errorf("%s: %v, want unranked", m, d)
		}
	}
	for _, m := range []string{"nll", "w2", "sw2", "nfe", "train_seconds"} {
		if d := MetricDirection(m); d == Unranked {
			t.Errorf("%s is unranked", m)
		}
	}
	g := column(map[string][]float64{"A": {1, 2, 3}, "B": {2, 3, 4}}, "A", "B")
	if v := g.judge(Unranked, nil); v != nil {
		t.Errorf("unranked column judged: %+v", v)
	}
	if w := significanceWords(g, LowerIsBetter, func(r []string) string { return r[0] }); !strings.Contains(w, "Significantly best (1 of 1 columns): w2: A") {
		t.Errorf("words: %q", w)
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func stddev(x []float64) float64 {
	m, ss := mean(x), 0.0
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}

// TestWarningsCountedOverSeeds: the same warning from the runs of several
// seeds is one line with its count and seeds.
func TestWarningsCountedOverSeeds(t *testing.T) {
	var w warnList
	for _, seed := range []string{"1", "2", "3", "2"} {
		w.addRun("train method=VP", "times drawn from [0, 0.999)", seed)
	}
	w.addRun("train method=CNF", "selu has kinks", "1")
	if len(w.list) != 2 {
		t.Fatalf("%d lines, want 2", len(w.list))
	}
	if got, want := w.list[0].String(), "`train method=VP`: times drawn from [0, 0.999) (×3: seeds 1, 2, 3)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := w.list[1].String(), "`train method=CNF`: selu has kinks (seed 1)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFigureLabels: swept settings name their axis, the core axes stay
// bare; units and non-negative domains are known for the quality metrics.
func TestFigureLabels(t *testing.T) {
	if got := colLabel([]string{"method", "model.hidden", "steps"}, []string{"OT-CFM", "[32,32]", "300"}, ""); got != "OT-CFM hidden=[32,32] 300" {
		t.Errorf("label %q", got)
	}
	if got := metricAxisLabel("w2"); got != "w2 (data units)" {
		t.Errorf("w2 axis %q", got)
	}
	if got := metricAxisLabel("nll"); got != "nll (nats)" {
		t.Errorf("nll axis %q", got)
	}
	if !nonNegative("sw2") || !nonNegative("straightness") || nonNegative("nll") {
		t.Error("domains: sw2 and straightness are non-negative, nll is not")
	}
}
