package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/flowbench/flowbench/pkg/metrics"
	"github.com/flowbench/flowbench/pkg/results"
)

// cell is the statistics of one table cell: one metric over the seeds of
// one (row, column) group.
type cell struct {
	vals  []float64
	seeds []string
	sum   metrics.Summary
}

// grid is a metric aggregated over seeds into rows × columns.
type grid struct {
	kind             results.Kind
	metric           string
	rowAxes, colAxes []string
	rows, cols       [][]string
	cells            map[string]*cell // cellKey(row, col)
	// nonFinite holds the NaN and ±Inf values left out of a cell's
	// statistics, shown beside them (alone when the cell has no other).
	nonFinite map[string][]float64
}

// cellText is a cell's statistics followed by the non-finite values left
// out of them ("0.5 (1); NaN ×1"), or those alone ("+Inf ×2").
func (g *grid) cellText(row, col []string, c *cell) string {
	s := ""
	if c != nil {
		s = formatStat(c.sum)
	}
	nf := g.nonFinite[cellKey(row, col)]
	if len(nf) == 0 {
		return s
	}
	var parts []string
	for _, name := range []string{"NaN", "+Inf", "-Inf"} {
		n := 0
		for _, v := range nf {
			if results.FormatFloat(v) == name {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%d", name, n))
		}
	}
	if s == "" {
		return strings.Join(parts, ", ")
	}
	return s + "; " + strings.Join(parts, ", ")
}

func cellKey(row, col []string) string { return tupleKey(row) + "\x01" + tupleKey(col) }

func (g *grid) at(row, col []string) *cell { return g.cells[cellKey(row, col)] }

// present keeps the axes that at least one run has a value for.
func present(runs []*results.Run, axes []string) []string {
	var out []string
	for _, a := range axes {
		for _, r := range runs {
			if _, ok := r.Get(a); ok {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// aggregate groups runs (all of one kind, all status ok) by rowAxes ×
// colAxes and summarises metric over the seeds of each group. Non-finite
// values are left out with a warning.
func (b *builder) aggregate(kind results.Kind, metric string, runs []*results.Run, rowAxes, colAxes []string) *grid {
	g := &grid{kind: kind, metric: metric, rowAxes: rowAxes, colAxes: colAxes, cells: map[string]*cell{}}
	var rows, cols [][]string
	for _, r := range runs {
		v, ok := r.Metric(metric)
		if !ok {
			continue
		}
		row, col := values(r, rowAxes), values(r, colAxes)
		subject := string(kind) + " " + label(append(slices.Clone(rowAxes), colAxes...), append(slices.Clone(row), col...))
		seed, _ := r.Get(SeedAxis)
		k := cellKey(row, col)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.warn.add(subject, fmt.Sprintf("seed %s has a non-finite value (%s), left out of the statistics", seed, results.FormatFloat(v)), metric)
			if g.nonFinite == nil {
				g.nonFinite = map[string][]float64{}
			}
			if g.cells[k] == nil && g.nonFinite[k] == nil {
				rows = append(rows, row)
				cols = append(cols, col)
			}
			g.nonFinite[k] = append(g.nonFinite[k], v)
			continue
		}
		c := g.cells[k]
		if c == nil {
			c = &cell{}
			g.cells[k] = c
			if g.nonFinite[k] == nil {
				rows = append(rows, row)
				cols = append(cols, col)
			}
		}
		if slices.Contains(c.seeds, seed) {
			b.warn.add(subject, fmt.Sprintf("two runs share seed %q: an axis is missing from Input.Axes, or the store holds duplicates", seed), metric)
		}
		c.vals = append(c.vals, v)
		c.seeds = append(c.seeds, seed)
	}
	g.rows, g.cols = b.order.uniqueTuples(rowAxes, rows), b.order.uniqueTuples(colAxes, cols)
	for _, row := range g.rows {
		for _, col := range g.cols {
			c := g.at(row, col)
			if c == nil {
				continue
			}
			c.sum = metrics.Summarize(c.vals)
			subject := string(kind) + " " + label(append(slices.Clone(rowAxes), colAxes...), append(slices.Clone(row), col...))
			for _, w := range c.sum.Warnings {
				b.warn.add(subject, w, metric)
			}
		}
	}
	return g
}

// best returns, per column, the rows ordered best first (by mean, in the
// metric's direction); nil for an unranked metric or a column of fewer than
// two rows.
func (g *grid) ranking(dir Direction, col []string) [][]string {
	if dir == Unranked {
		return nil
	}
	var rows [][]string
	for _, row := range g.rows {
		if c := g.at(row, col); c != nil {
			rows = append(rows, row)
		}
	}
	if len(rows) < 2 {
		return nil
	}
	slices.SortStableFunc(rows, func(a, b []string) int {
		ma, mb := g.at(a, col).sum.Mean, g.at(b, col).sum.Mean
		if dir == HigherIsBetter {
			ma, mb = -ma, -mb
		}
		switch {
		case ma < mb:
			return -1
		case ma > mb:
			return 1
		}
		return 0
	})
	return rows
}

// formatStat renders "mean ± half-width (n)": the half-width to two
// significant digits and the mean to the same decimal place; %.3g for both
// when that place would be absurd (very large or very small numbers). With
// one value (no interval) it is "mean (1)".
func formatStat(s metrics.Summary) string {
	n := strconv.Itoa(s.N)
	hw := s.HalfWidth
	if s.N < 2 || math.IsNaN(hw) || math.IsInf(hw, 0) {
		return fmt.Sprintf("%s (%s)", trimG(s.Mean, 4), n)
	}
	if hw == 0 {
		// Equal on every seed (a count, an NFE): no interval to give.
		return fmt.Sprintf("%s (%s)", exactG(s.Mean), n)
	}
	dec := 1 - int(math.Floor(math.Log10(hw)))
	if dec < 0 || dec > 8 || math.Abs(s.Mean) >= 1e6 {
		return fmt.Sprintf("%s ± %s (%s)", trimG(s.Mean, 3), trimG(hw, 2), n)
	}
	return fmt.Sprintf("%.*f ± %.*f (%s)", dec, s.Mean, dec, hw, n)
}

// exactG prints a value without spread: a whole number below 10¹² in
// full (a count such as 768000 parameters or NFE), anything else as %.4g.
func exactG(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e12 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return trimG(v, 4)
}

// trimG is %.{p}g without an exponent for ordinary magnitudes.
func trimG(v float64, p int) string { return strconv.FormatFloat(v, 'g', p, 64) }

// colLabel names a column (or a row, a legend entry, a panel) by its axis
// values: the bare values of the method, stage, solver, steps and data
// set ("OT-CFM", "euler 8", "moons"); any other axis as axis=value
// ("rtol=1e-05", "hidden=[32,32]"), so a swept setting says what it is.
// Absent values are left out.
func colLabel(axes, col []string, metric string) string {
	if len(axes) == 0 {
		return metric
	}
	var parts []string
	for i, v := range col {
		switch {
		case v == "":
		case slices.Contains(bareAxes, axes[i]):
			parts = append(parts, v)
		default:
			name := axes[i]
			if j := strings.LastIndexAny(name, ".]"); j >= 0 && j+1 < len(name) {
				name = name[j+1:]
			}
			parts = append(parts, name+"="+v)
		}
	}
	if len(parts) == 0 {
		return "–"
	}
	return strings.Join(parts, " ")
}

// bareAxes are the axes whose values name themselves.
var bareAxes = []string{"method", "stage", SolverAxis, StepsAxis, DatasetAxis}

// markdownTable renders a GitHub table with tablewriter: the first left
// columns aligned left, the rest right.
func markdownTable(header []string, rows [][]string, left int) string {
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
		if i < left {
			align[i] = tw.AlignLeft
		}
	}
	return markdownTableAligned(header, rows, align)
}

// markdownTableAligned renders a GitHub table with one alignment per
// column.
func markdownTableAligned(header []string, rows [][]string, align []tw.Align) string {
	var sb strings.Builder
	t := tablewriter.NewTable(&sb,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(escapeCells(header))
	for _, r := range rows {
		if err := t.Append(escapeCells(r)); err != nil {
			panic("report: tablewriter: " + err.Error())
		}
	}
	if err := t.Render(); err != nil {
		panic("report: tablewriter: " + err.Error())
	}
	return sb.String()
}

// escapeCells protects Markdown table syntax inside cells.
func escapeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		c = strings.ReplaceAll(c, "|", `\|`)
		c = strings.ReplaceAll(c, "\n", " ")
		if c == "" {
			c = "–"
		}
		out[i] = c
	}
	return out
}

// renderGrid writes g as a Markdown table. extra, when not nil, appends
// text to a cell (the NFE of the quality tables).
func (b *builder) renderGrid(g *grid, dir Direction, extra func(row, col []string) string) string {
	return b.renderGridHeader(g, dir, extra, nil)
}

// renderGridHeader is renderGrid with the column headers given by
// colHeader (nil: colLabel).
func (b *builder) renderGridHeader(g *grid, dir Direction, extra func(row, col []string) string, colHeader func(col []string) string) string {
	if colHeader == nil {
		colHeader = func(col []string) string { return colLabel(g.colAxes, col, g.metric) }
	}
	header := slices.Clone(g.rowAxes)
	for _, col := range g.cols {
		header = append(header, colHeader(col))
	}
	if len(header) == len(g.cols) { // no row axes: one unlabelled row
		header = append([]string{""}, header...)
	}
	verdicts := make([]*verdict, len(g.cols))
	for i, col := range g.cols {
		verdicts[i] = g.judge(dir, col)
	}
	var rows [][]string
	for _, row := range g.rows {
		line := slices.Clone(row)
		if len(g.rowAxes) == 0 {
			line = []string{"all"}
		}
		for ci, col := range g.cols {
			c := g.at(row, col)
			if c == nil {
				line = append(line, g.cellText(row, col, nil))
				continue
			}
			s := g.cellText(row, col, c)
			if extra != nil {
				s += extra(row, col)
			}
			line = append(line, verdicts[ci].mark(row, s))
		}
		rows = append(rows, line)
	}
	return markdownTable(header, rows, max(len(g.rowAxes), 1))
}

// welchLines compares, per column, the best and the second-best row.
func (b *builder) welchLines(g *grid, dir Direction) []string {
	label := func(axes, row []string) string {
		if l := label(axes, row); l != "" {
			return l
		}
		return "all"
	}
	var out []string
	for _, col := range g.cols {
		rank := g.ranking(dir, col)
		if rank == nil {
			continue
		}
		c1, c2 := g.at(rank[0], col), g.at(rank[1], col)
		where := colLabel(g.colAxes, col, g.metric)
		if c1.sum.N < 2 || c2.sum.N < 2 {
			out = append(out, fmt.Sprintf("%s: %s vs %s: not tested (fewer than 2 seeds)", where, label(g.rowAxes, rank[0]), label(g.rowAxes, rank[1])))
			continue
		}
		if c1.sum.Std == 0 && c2.sum.Std == 0 {
			out = append(out, fmt.Sprintf("%s: %s vs %s: not tested (no spread over seeds)", where, label(g.rowAxes, rank[0]), label(g.rowAxes, rank[1])))
			continue
		}
		t, df, p := metrics.WelchTest(c1.vals, c2.vals)
		out = append(out, fmt.Sprintf("%s: %s vs %s: t = %s, df = %s, p = %s", where,
			label(g.rowAxes, rank[0]), label(g.rowAxes, rank[1]), trimG(t, 3), trimG(df, 3), trimG(p, 2)))
	}
	return out
}

// renderMetricColumns writes one table whose columns are metrics: gs holds
// one grid per metric, each without column axes, over the same row axes.
// The rows are the union of the grids' rows; the best mean of each column
// is bold in its metric's direction.
func (b *builder) renderMetricColumns(rowAxes []string, gs []*grid) string {
	var all [][]string
	for _, g := range gs {
		all = append(all, g.rows...)
	}
	rows := b.order.uniqueTuples(rowAxes, all)
	header := slices.Clone(rowAxes)
	if len(header) == 0 {
		header = []string{""}
	}
	for _, g := range gs {
		header = append(header, g.metric)
	}
	verdicts := make([]*verdict, len(gs))
	for i, g := range gs {
		verdicts[i] = g.judge(b.in.Options.direction(g.metric), nil)
	}
	var lines [][]string
	for _, row := range rows {
		line := slices.Clone(row)
		if len(rowAxes) == 0 {
			line = []string{"all"}
		}
		for gi, g := range gs {
			c := g.at(row, nil)
			if c == nil {
				line = append(line, g.cellText(row, nil, nil))
				continue
			}
			line = append(line, verdicts[gi].mark(row, g.cellText(row, nil, c)))
		}
		lines = append(lines, line)
	}
	return markdownTable(header, lines, max(len(rowAxes), 1))
}
