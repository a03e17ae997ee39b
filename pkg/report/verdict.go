package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/flowbench/flowbench/pkg/metrics"
)

// Alpha is the family-wise significance level of the report's marks.
const Alpha = 0.05

// tieMark follows a cell that is not significantly worse than its
// column's best.
const tieMark = " ≈"

// verdict is the judgement of one column of a grid: which row has the best
// mean, and which others cannot be told apart from it.
type verdict struct {
	best []string
	// p and adj hold, per other row (tupleKey), the two-sided p-value of
	// the comparison with the best and its Holm-adjusted value (NaN when
	// the pair could not be tested).
	p, adj map[string]float64
	// test names the test of each other row: "paired t" over the shared
	// seeds, or "Welch" when the rows share fewer than two seeds.
	test map[string]string
	// tie is true for the rows not significantly worse than the best
	// (adjusted p ≥ Alpha, or untestable).
	tie map[string]bool
}

// sole reports whether the best row is significantly better than every
// other row of the column.
func (v *verdict) sole() bool {
	for _, t := range v.tie {
		if t {
			return false
		}
	}
	return true
}

// judge compares the best row of a column with each other row: a paired
// t test over the seeds the two share (every method of a spec runs the
// same seeds), Welch's test when they share fewer than two, and Holm's
// correction over the column's comparisons. It returns nil for an unranked
// metric, a column of fewer than two rows or of equal means, and a column
// whose best row has fewer than two values (nothing can be tested).
func (g *grid) judge(dir Direction, col []string) *verdict {
	rank := g.ranking(dir, col)
	if rank == nil {
		return nil
	}
	bestC := g.at(rank[0], col)
	if bestC.sum.Mean == g.at(rank[len(rank)-1], col).sum.Mean || bestC.sum.N < 2 {
		return nil
	}
	v := &verdict{best: rank[0], p: map[string]float64{}, adj: map[string]float64{}, test: map[string]string{}, tie: map[string]bool{}}
	var keys []string
	var ps []float64
	for _, row := range rank[1:] {
		c := g.at(row, col)
		k := tupleKey(row)
		p, test := comparePair(bestC, c, dir)
		keys, ps = append(keys, k), append(ps, p)
		v.p[k], v.test[k] = p, test
	}
	for i, a := range metrics.Holm(ps) {
		v.adj[keys[i]] = a
		v.tie[keys[i]] = math.IsNaN(a) || a >= Alpha
	}
	return v
}

// comparePair is the p-value of best against other and the test that gave
// it: paired over their shared seeds when there are two or more, Welch's
// otherwise. A paired difference in favour of other counts as no
// evidence (p = 1): the question is whether other is worse.
func comparePair(best, other *cell, dir Direction) (float64, string) {
	var a, b []float64
	for i, s := range best.seeds {
		if j := slices.Index(other.seeds, s); j >= 0 {
			a, b = append(a, best.vals[i]), append(b, other.vals[j])
		}
	}
	if len(a) >= 2 {
		var mean float64
		for i := range a {
			mean += a[i] - b[i]
		}
		if dir == HigherIsBetter {
			mean = -mean
		}
		if mean > 0 {
			return 1, "paired t"
		}
		return metrics.PairedP(a, b), "paired t"
	}
	_, _, p := metrics.WelchTest(best.vals, other.vals)
	return p, "Welch"
}

// mark decorates a formatted cell: bold for the best mean of its column,
// the tie mark for a row not significantly worse than it.
func (v *verdict) mark(row []string, s string) string {
	if v == nil {
		return s
	}
	if slices.Equal(row, v.best) {
		return "**" + s + "**"
	}
	if v.tie[tupleKey(row)] {
		return s + tieMark
	}
	return s
}

// marksLegend explains the marks, for the text under a table.
const marksLegend = "**Bold** is the best mean of its column; " + "≈" + " marks an entry not significantly worse than it: a two-sided paired t test over the seeds the two share (Welch's test where they share fewer than two), with Holm's correction over the column's comparisons, at family-wise α = 0.05. A bold entry without any ≈ in its column is significantly better than every other entry; columns of equal means, unranked metrics and cells of one seed are not marked."

// significanceWords says in words, for one grid, which columns have a
// significant sole winner and which do not.
func significanceWords(g *grid, dir Direction, rowLabel func([]string) string) string {
	var sole, tied []string
	for _, col := range g.cols {
		v := g.judge(dir, col)
		if v == nil {
			continue
		}
		where := colLabel(g.colAxes, col, g.metric)
		if v.sole() {
			worst := 0.0
			for _, a := range v.adj {
				worst = math.Max(worst, a)
			}
			sole = append(sole, fmt.Sprintf("%s: %s (adjusted p ≤ %s)", where, rowLabel(v.best), trimG(worst, 2)))
			continue
		}
		var with []string
		for _, row := range g.rows {
			if v.tie[tupleKey(row)] {
				with = append(with, rowLabel(row))
			}
		}
		tied = append(tied, fmt.Sprintf("%s: %s ≈ %s", where, rowLabel(v.best), strings.Join(with, ", ")))
	}
	if len(sole)+len(tied) == 0 {
		return ""
	}
	var sb strings.Builder
	if len(sole) > 0 {
		fmt.Fprintf(&sb, "Significantly best (%d of %d columns): %s. ", len(sole), len(sole)+len(tied), strings.Join(sole, "; "))
	} else {
		fmt.Fprintf(&sb, "No column has a significantly best entry. ")
	}
	if len(tied) > 0 {
		fmt.Fprintf(&sb, "Not distinguishable from the best: %s.", strings.Join(tied, "; "))
	}
	return strings.TrimSpace(sb.String())
}
