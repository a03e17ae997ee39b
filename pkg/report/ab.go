package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/metrics"
)

// ABCell is one metric of one cell (the runs of one kind that share every
// parameter but the seed) in two sets of results, old and new.
type ABCell struct {
	Kind   string
	Params string // "k=v, …" without the seed
	Metric string
	// Old and New are the values by seed.
	Old, New map[string]float64
	// OldSum and NewSum summarise them over seeds.
	OldSum, NewSum metrics.Summary
	// Delta is (new − old)/|old| in percent (NaN when old is 0).
	Delta float64
	// P is the two-sided p-value of the difference: a paired t test over
	// the shared seeds when there are two or more, Welch's test otherwise
	// (NaN when neither can be computed). Test names which.
	P    float64
	Test string
}

// Significant reports whether the difference is significant at Alpha.
func (c *ABCell) Significant() bool { return !math.IsNaN(c.P) && c.P < Alpha }

// ABResult is CompareRuns's answer: the cells found in both inputs, and
// those found in only one.
type ABResult struct {
	Cells            []*ABCell
	OnlyOld, OnlyNew []string // "kind params metric"
}

// csvRow is one metric row of runs.csv.
type csvRow struct {
	kind, cell, seed, metric string
	value                    float64
}

// readRunsCSV reads the ok metric rows of a runs.csv, naming each row's
// cell by its kind and its parameters other than the seed and ignore.
func readRunsCSV(r io.Reader, ignore []string) ([]csvRow, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("empty file")
	}
	h := recs[0]
	col := func(name string) int { return slices.Index(h, name) }
	iKind, iMetric, iValue, iStatus := col("kind"), col("metric"), col("value"), col("status")
	if iKind != 0 || iMetric < 0 || iValue < 0 || iStatus < 0 {
		return nil, fmt.Errorf("not a runs.csv (header %q)", strings.Join(h, ","))
	}
	var out []csvRow
	for _, rec := range recs[1:] {
		if rec[iStatus] != "ok" || rec[iMetric] == "" {
			continue
		}
		v, err := strconv.ParseFloat(rec[iValue], 64)
		if err != nil {
			return nil, fmt.Errorf("value %q: %v", rec[iValue], err)
		}
		var parts []string
		seed := ""
		for i := 3; i < iMetric; i++ {
			switch {
			case h[i] == SeedAxis:
				seed = rec[i]
			case rec[i] == "" || slices.Contains(ignore, h[i]):
			default:
				parts = append(parts, h[i]+"="+rec[i])
			}
		}
		out = append(out, csvRow{kind: rec[iKind], cell: strings.Join(parts, ", "), seed: seed, metric: rec[iMetric], value: v})
	}
	return out, nil
}

// CompareRuns matches the cells of two runs.csv files (old, new) by kind,
// parameters other than the seed (and the ignored ones, such as
// descriptive parameters that do not define a cell) and metric, and
// compares each metric: old → new, the change in percent and the p-value.
// Cells are in the order of the old file; the metrics of a cell by name.
func CompareRuns(old, new io.Reader, ignore []string) (*ABResult, error) {
	a, err := readRunsCSV(old, ignore)
	if err != nil {
		return nil, fmt.Errorf("old: %w", err)
	}
	b, err := readRunsCSV(new, ignore)
	if err != nil {
		return nil, fmt.Errorf("new: %w", err)
	}
	type key struct{ kind, cell, metric string }
	collect := func(rows []csvRow) ([]key, map[key]map[string]float64) {
		var order []key
		m := map[key]map[string]float64{}
		for _, r := range rows {
			k := key{r.kind, r.cell, r.metric}
			if m[k] == nil {
				m[k] = map[string]float64{}
				order = append(order, k)
			}
			m[k][r.seed] = r.value
		}
		return order, m
	}
	ao, am := collect(a)
	bo, bm := collect(b)
	res := &ABResult{}
	name := func(k key) string { return strings.TrimSpace(k.kind + " " + k.cell + " " + k.metric) }
	for _, k := range ao {
		nv, ok := bm[k]
		if !ok {
			res.OnlyOld = append(res.OnlyOld, name(k))
			continue
		}
		c := &ABCell{Kind: k.kind, Params: k.cell, Metric: k.metric, Old: am[k], New: nv}
		var ov, nvs, po, pn []float64
		for _, s := range sortedSeeds(c.Old) {
			ov = append(ov, c.Old[s])
			if v, ok := c.New[s]; ok {
				po, pn = append(po, c.Old[s]), append(pn, v)
			}
		}
		for _, s := range sortedSeeds(c.New) {
			nvs = append(nvs, c.New[s])
		}
		c.OldSum, c.NewSum = metrics.Summarize(ov), metrics.Summarize(nvs)
		c.Delta = math.NaN()
		if c.OldSum.Mean != 0 {
			c.Delta = 100 * (c.NewSum.Mean - c.OldSum.Mean) / math.Abs(c.OldSum.Mean)
		}
		if len(po) >= 2 {
			c.P, c.Test = metrics.PairedP(pn, po), "paired t"
		} else {
			_, _, c.P = metrics.WelchTest(nvs, ov)
			c.Test = "Welch"
			if c.OldSum.N >= 1 && c.NewSum.N >= 1 && c.OldSum.Std == 0 && c.NewSum.Std == 0 {
				// Deterministic values (counts, NFE): equal or not.
				c.P = 1
				if c.OldSum.Mean != c.NewSum.Mean {
					c.P = 0
				}
				c.Test = "exact"
			}
		}
		res.Cells = append(res.Cells, c)
	}
	for _, k := range bo {
		if _, ok := am[k]; !ok {
			res.OnlyNew = append(res.OnlyNew, name(k))
		}
	}
	slices.SortStableFunc(res.Cells, func(x, y *ABCell) int { return strings.Compare(x.Metric, y.Metric) })
	return res, nil
}

// sortedSeeds returns the seeds of m in numeric order where they are
// numbers.
func sortedSeeds(m map[string]float64) []string {
	var out []string
	for s := range m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b string) int {
		x, ex := strconv.ParseFloat(a, 64)
		y, ey := strconv.ParseFloat(b, 64)
		if ex == nil && ey == nil && x != y {
			if x < y {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// FormatAB writes res in the manner of benchstat: per metric a table of
// cells, old and new (mean ± 95% half-width), the change in percent and
// the p-value, or "~" when the change is not significant at Alpha.
func FormatAB(w io.Writer, res *ABResult) {
	stat := func(s metrics.Summary) string {
		if s.N < 2 || math.IsNaN(s.HalfWidth) {
			return fmt.Sprintf("%s (n=%d)", trimG(s.Mean, 4), s.N)
		}
		return fmt.Sprintf("%s ± %s (n=%d)", trimG(s.Mean, 4), trimG(s.HalfWidth, 2), s.N)
	}
	metric := ""
	var rows [][]string
	flush := func() {
		if len(rows) == 0 {
			return
		}
		widths := make([]int, len(rows[0]))
		for _, r := range rows {
			for i, c := range r {
				widths[i] = max(widths[i], len([]rune(c)))
			}
		}
		for _, r := range rows {
			var sb strings.Builder
			for i, c := range r {
				pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
				if i == 0 {
					sb.WriteString(c + pad)
				} else {
					sb.WriteString("  " + pad + c)
				}
			}
			fmt.Fprintln(w, strings.TrimRight(sb.String(), " "))
		}
		fmt.Fprintln(w)
		rows = nil
	}
	for _, c := range res.Cells {
		if c.Metric != metric {
			flush()
			metric = c.Metric
			rows = append(rows, []string{c.Metric + " (" + MetricDirection(c.Metric).String() + ")", "old", "new", "delta", "p"})
		}
		delta, p := "~", fmt.Sprintf("p=%s %s", trimG(c.P, 2), c.Test)
		if math.IsNaN(c.P) {
			p = "untested"
		}
		if c.Significant() {
			delta = fmt.Sprintf("%+.2f%%", c.Delta)
			if math.IsNaN(c.Delta) {
				delta = "changed"
			}
		}
		cell := strings.TrimSpace(c.Kind + " " + c.Params)
		rows = append(rows, []string{cell, stat(c.OldSum), stat(c.NewSum), delta, p})
	}
	flush()
	if len(res.OnlyOld)+len(res.OnlyNew) > 0 {
		fmt.Fprintf(w, "Not compared: %d cells only in old, %d only in new", len(res.OnlyOld), len(res.OnlyNew))
		for i, s := range res.OnlyOld {
			if i == 3 {
				fmt.Fprintf(w, ", …")
				break
			}
			fmt.Fprintf(w, "; old: %s", s)
		}
		for i, s := range res.OnlyNew {
			if i == 3 {
				fmt.Fprintf(w, ", …")
				break
			}
			fmt.Fprintf(w, "; new: %s", s)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "delta: change of the mean, (new − old)/|old|, shown where p < %g; \"~\": not significant. p: paired t test over shared seeds (Welch's where fewer than two are shared; exact for values without spread), not corrected for the number of comparisons.\n", Alpha)
}
