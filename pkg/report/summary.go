package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/flowbench/flowbench/pkg/metrics"
	"github.com/flowbench/flowbench/pkg/results"
)

// summaryMetrics returns the metrics of the summary tables (without
// NFEMetric) and whether NFE is asked for in the headers.
func (b *builder) summaryMetrics(evals []*results.Run) (qs []string, nfe bool) {
	has := func(m string) bool {
		return slices.ContainsFunc(evals, func(r *results.Run) bool { _, ok := r.Metric(m); return ok })
	}
	for _, m := range b.in.Options.Summary {
		if m == NFEMetric {
			nfe = true
			continue
		}
		if has(m) {
			qs = append(qs, m)
		} else {
			b.warn.add("", fmt.Sprintf("summary metric %q: no evaluation run has it", m), "")
		}
	}
	if len(qs) == 0 {
		if q := b.qualityMetric(evals); q != "" {
			qs = []string{q}
		}
	}
	return qs, nfe
}

// summaryTables tabulates, per dataset and summary metric, the metric of
// every row (method × stage × …) under every evaluation setting, one
// table per solver so that a table fits a page: the columns are the step
// counts (or the tolerances of an adaptive solver, whose cells add their
// mean NFE). Each table is followed by what is significant in it, and
// each dataset by its findings at matched NFE.
func (b *builder) summaryTables() {
	evals := b.okRuns(results.KindEval)
	qs, showNFE := b.summaryMetrics(evals)
	if len(qs) == 0 {
		return
	}
	minN := math.MaxInt
	for qi, q := range qs {
		var with []*results.Run
		for _, r := range evals {
			if _, ok := r.Metric(q); ok {
				with = append(with, r)
			}
		}
		dir := b.in.Options.direction(q)
		split, rows, cols := b.layout(with)
		if qi == 0 {
			fmt.Fprintf(&b.summary, "Rows are %s; columns the evaluation setting (%s), one table per solver. A cell is mean ± half-width of the 95%% confidence interval (Student's t) over seeds, then the number of seeds n. %s The other metrics are under [Detailed results](#detailed-results).\n\n",
				orAll(axesPhrase(rows)), settingPhrase(cols), marksLegend)
		}
		fmt.Fprintf(&b.summary, "### `%s` (%s)\n\n", q, dir)
		rowLabel := func(row []string) string {
			if l := strings.Join(slices.DeleteFunc(slices.Clone(row), func(s string) bool { return s == "" }), " "); l != "" {
				return l
			}
			return "all"
		}
		for _, pt := range b.splitRuns(with, split) {
			g := b.aggregate(results.KindEval, q, pt.runs, rows, cols)
			nfe := b.aggregate(results.KindEval, NFEMetric, pt.runs, rows, cols)
			for _, c := range g.cells {
				minN = min(minN, c.sum.N)
			}
			if pt.name != "" {
				fmt.Fprintf(&b.summary, "#### `%s`\n\n", pt.name)
			}
			for _, sub := range splitBySolver(g) {
				extra := func(row, col []string) string {
					if colValue(sub, col, StepsAxis) != "" {
						return ""
					}
					if c := nfe.at(row, col); c != nil {
						return " · NFE " + trimG(c.sum.Mean, 3)
					}
					return ""
				}
				var header func(col []string) string
				if showNFE {
					header = func(col []string) string {
						l := colLabel(sub.colAxes, col, q)
						if n, ok := columnNFE(nfe, col); ok && colValue(sub, col, StepsAxis) != "" {
							l += " (NFE " + trimG(n, 3) + ")"
						}
						return l
					}
				}
				b.summary.WriteString(b.renderGridHeader(sub, dir, extra, header))
				b.summary.WriteString("\n")
				if w := significanceWords(sub, dir, rowLabel); w != "" {
					b.summary.WriteString(w + "\n\n")
				}
			}
			if f := findings(g, nfe, dir, rowLabel); f != "" {
				title := "Findings"
				if pt.name != "" {
					title += " on `" + pt.name + "`"
				}
				fmt.Fprintf(&b.summary, "**%s** (`%s`, the best row at each number of function evaluations; paired t over seeds, Holm-corrected, α = %g): %s\n\n", title, q, Alpha, f)
			}
		}
	}
	if minN < 3 {
		msg := fmt.Sprintf("some summary cells have n = %d seeds: the 95%% interval then uses t = %s and a paired test has little power (the signed-rank test cannot reach p < 0.05 below n = 6); use at least 3 seeds, more to tell close methods apart", minN, trimG(tCrit975(minN), 3))
		fmt.Fprintf(&b.summary, "**Few seeds**: %s.\n\n", msg)
		b.warn.add("", msg, "")
	}
}

// tCrit975 is t_{0.975, n−1}, NaN for n < 2.
func tCrit975(n int) float64 {
	if n < 2 {
		return math.NaN()
	}
	return metrics.TQuantile(0.975, float64(n-1))
}

// colValue is the value of axis in a column of g ("" when g has no such
// column axis).
func colValue(g *grid, col []string, axis string) string {
	if i := slices.Index(g.colAxes, axis); i >= 0 {
		return col[i]
	}
	return ""
}

// columnNFE is the mean NFE of a column when every row of it has the same
// one (a fixed-step solver).
func columnNFE(nfe *grid, col []string) (float64, bool) {
	v, ok := math.NaN(), false
	for _, row := range nfe.rows {
		c := nfe.at(row, col)
		if c == nil {
			continue
		}
		if ok && c.sum.Mean != v {
			return 0, false
		}
		v, ok = c.sum.Mean, true
	}
	return v, ok
}

// splitBySolver splits a grid whose columns include the solver into one
// grid per solver, in column order; other grids are returned whole. The
// solver stays a column axis (its value names the table).
func splitBySolver(g *grid) []*grid {
	si := slices.Index(g.colAxes, SolverAxis)
	if si < 0 {
		return []*grid{g}
	}
	var out []*grid
	index := map[string]*grid{}
	for _, col := range g.cols {
		s := col[si]
		sub := index[s]
		if sub == nil {
			sub = &grid{kind: g.kind, metric: g.metric, rowAxes: g.rowAxes, colAxes: g.colAxes, rows: g.rows, cells: g.cells}
			index[s] = sub
			out = append(out, sub)
		}
		sub.cols = append(sub.cols, col)
	}
	return out
}

// findings is the auto-generated paragraph of one dataset: at each number
// of function evaluations reached by a fixed-step setting, the row with
// the best mean (each row at its best setting of that NFE), whether it is
// significantly better than the others (judge over the rows' best cells)
// and which it cannot be told apart from; then the same for each adaptive
// setting.
func findings(g, nfe *grid, dir Direction, rowLabel func([]string) string) string {
	if dir == Unranked {
		return ""
	}
	type budget struct {
		nfe  float64
		cols [][]string
	}
	var budgets []*budget
	var adaptive [][]string
	for _, col := range g.cols {
		n, ok := columnNFE(nfe, col)
		if !ok || colValue(g, col, StepsAxis) == "" {
			adaptive = append(adaptive, col)
			continue
		}
		i := slices.IndexFunc(budgets, func(b *budget) bool { return b.nfe == n })
		if i < 0 {
			budgets = append(budgets, &budget{nfe: n})
			i = len(budgets) - 1
		}
		budgets[i].cols = append(budgets[i].cols, col)
	}
	slices.SortStableFunc(budgets, func(a, b *budget) int {
		switch {
		case a.nfe < b.nfe:
			return -1
		case a.nfe > b.nfe:
			return 1
		}
		return 0
	})
	better := func(a, b float64) bool {
		if dir == HigherIsBetter {
			return a > b
		}
		return a < b
	}
	// sentence judges one set of columns: each row at its best column.
	sentence := func(what string, cols [][]string) string {
		pick := &grid{metric: g.metric, rowAxes: g.rowAxes, cols: [][]string{nil}, cells: map[string]*cell{}}
		where := map[string][]string{}
		for _, row := range g.rows {
			var best *cell
			var bestCol []string
			for _, col := range cols {
				if c := g.at(row, col); c != nil && (best == nil || better(c.sum.Mean, best.sum.Mean)) {
					best, bestCol = c, col
				}
			}
			if best != nil {
				pick.rows = append(pick.rows, row)
				pick.cells[cellKey(row, nil)] = best
				where[tupleKey(row)] = bestCol
			}
		}
		v := pick.judge(dir, nil)
		if v == nil {
			return ""
		}
		name := func(row []string) string {
			l := rowLabel(row)
			if len(cols) > 1 {
				l += " (" + colLabel(g.colAxes, where[tupleKey(row)], g.metric) + ")"
			}
			return l
		}
		s := fmt.Sprintf("%s: %s, %s", what, name(v.best), formatStat(pick.cells[cellKey(v.best, nil)].sum))
		if v.sole() {
			worst := 0.0
			for _, a := range v.adj {
				worst = math.Max(worst, a)
			}
			return s + fmt.Sprintf(", significantly best (adjusted p ≤ %s)", trimG(worst, 2))
		}
		var ties []string
		for _, row := range pick.rows {
			if k := tupleKey(row); v.tie[k] {
				p := "untested"
				if !math.IsNaN(v.adj[k]) {
					p = "p = " + trimG(v.adj[k], 2)
				}
				ties = append(ties, fmt.Sprintf("%s (%s)", name(row), p))
			}
		}
		return s + ", not distinguishable from " + strings.Join(ties, ", ")
	}
	var parts []string
	for _, bu := range budgets {
		if s := sentence("NFE "+trimG(bu.nfe, 3), bu.cols); s != "" {
			parts = append(parts, s)
		}
	}
	for _, col := range adaptive {
		if s := sentence(colLabel(g.colAxes, col, g.metric), [][]string{col}); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ". ") + "."
}
