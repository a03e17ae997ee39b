package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/results"
)

// warning is one line of the report's warnings section; the same message
// about the same subject for several metrics is printed once.
type warning struct {
	subject, msg string
	metrics      []string
}

type warnList struct{ list []*warning }

func (w *warnList) add(subject, msg, metric string) {
	for _, x := range w.list {
		if x.subject == subject && x.msg == msg {
			if metric != "" && !slices.Contains(x.metrics, metric) {
				x.metrics = append(x.metrics, metric)
			}
			return
		}
	}
	x := &warning{subject: subject, msg: msg}
	if metric != "" {
		x.metrics = []string{metric}
	}
	w.list = append(w.list, x)
}

func (w *warning) String() string {
	s := w.msg
	if len(w.metrics) > 0 {
		s += " (" + strings.Join(w.metrics, ", ") + ")"
	}
	if w.subject == "" {
		return s
	}
	return "`" + strings.TrimSpace(w.subject) + "`: " + s
}

// figureRef is one figure embedded in the report.
type figureRef struct {
	title, caption string
	png, svg       string // paths relative to the report
}

// builder gathers the sections of report.md.
type builder struct {
	in      *Input
	runs    []results.Run // sorted
	warn    warnList
	results strings.Builder // metric tables
	quality strings.Builder // quality-against-NFE tables
	figures []figureRef
}

func newBuilder(in *Input, runs []results.Run) *builder {
	b := &builder{in: in, runs: runs}
	for i := range runs {
		for _, w := range runs[i].Warnings {
			b.warn.add(runLabel(&runs[i], in.Axes), w, "")
		}
	}
	b.failedSeeds()
	return b
}

// okRuns returns the successful runs of one kind, in report order.
func (b *builder) okRuns(kind string) []*results.Run {
	var out []*results.Run
	for i := range b.runs {
		if r := &b.runs[i]; r.Kind == kind && r.Status == "ok" {
			out = append(out, r)
		}
	}
	return out
}

// kinds returns the kinds present, in pipeline order.
func (b *builder) kinds() []string {
	var out []string
	for i := range b.runs {
		if !slices.Contains(out, b.runs[i].Kind) {
			out = append(out, b.runs[i].Kind)
		}
	}
	return out
}

// metricNames returns the metrics to tabulate: Input.Metrics, or every
// metric in order of first appearance.
func (b *builder) metricNames() []string {
	if b.in.Metrics != nil {
		return b.in.Metrics
	}
	var out []string
	for i := range b.runs {
		for _, m := range b.runs[i].Metrics {
			if !slices.Contains(out, m.Name) {
				out = append(out, m.Name)
			}
		}
	}
	return out
}

// columnAxes returns the axes forming table columns (see Options.Columns).
func (b *builder) columnAxes() []string {
	if b.in.Options.Columns != nil {
		return b.in.Options.Columns
	}
	if slices.Contains(b.in.Axes, DatasetAxis) {
		return []string{DatasetAxis}
	}
	var out []string
	for _, a := range []string{SolverAxis, StepsAxis} {
		if slices.Contains(b.in.Axes, a) {
			out = append(out, a)
		}
	}
	return out
}

// failedSeeds warns, per group of runs that differ only in seed, which
// seeds failed.
func (b *builder) failedSeeds() {
	axes := nonSeedAxes(b.in.Axes)
	type group struct {
		subject      string
		total        int
		failed       []string
		kind, labelS string
	}
	var groups []*group
	index := map[string]*group{}
	for i := range b.runs {
		r := &b.runs[i]
		vals := values(r, axes)
		k := r.Kind + "\x02" + tupleKey(vals)
		g := index[k]
		if g == nil {
			g = &group{subject: r.Kind + " " + label(axes, vals)}
			index[k] = g
			groups = append(groups, g)
		}
		g.total++
		if r.Status == "failed" {
			seed, ok := r.Get(SeedAxis)
			if !ok {
				seed = "?"
			}
			g.failed = append(g.failed, seed)
		}
	}
	for _, g := range groups {
		if len(g.failed) == 0 {
			continue
		}
		b.warn.add(g.subject, fmt.Sprintf("%d of %d seeds failed (seed %s); statistics use the other %d",
			len(g.failed), g.total, strings.Join(g.failed, ", "), g.total-len(g.failed)), "")
	}
}

// tables fills the metric tables and the quality-against-NFE tables.
func (b *builder) tables() {
	colAxes := b.columnAxes()
	for _, m := range b.metricNames() {
		found := false
		for _, kind := range b.kinds() {
			runs := b.okRuns(kind)
			var with []*results.Run
			for _, r := range runs {
				if _, ok := r.Metric(m); ok {
					with = append(with, r)
				}
			}
			if len(with) == 0 {
				continue
			}
			found = true
			cols := present(with, colAxes)
			rows := present(with, without(nonSeedAxes(b.in.Axes), cols...))
			g := b.aggregate(kind, m, with, rows, cols)
			dir := b.in.Options.direction(m)
			fmt.Fprintf(&b.results, "### `%s` — %s runs (%s)\n\n", m, kind, dir)
			b.results.WriteString(b.renderGrid(g, dir, nil))
			b.results.WriteString("\n")
			if b.in.Options.Welch {
				if lines := b.welchLines(g, dir); len(lines) > 0 {
					b.results.WriteString("Welch's t test, best vs second best:\n\n")
					for _, l := range lines {
						b.results.WriteString("- " + l + "\n")
					}
					b.results.WriteString("\n")
				}
			}
		}
		if !found {
			b.warn.add("", fmt.Sprintf("metric %q is listed but no successful run has it", m), "")
		}
	}
	b.qualityTables()
}

// qualityMetric returns the metric of the quality-against-NFE tables, or
// "" when the evaluation runs have none.
func (b *builder) qualityMetric(evals []*results.Run) string {
	cands := []string{"sw2", "w2", "mmd"}
	if q := b.in.Options.QualityMetric; q != "" {
		cands = []string{q}
	}
	for _, c := range cands {
		for _, r := range evals {
			if _, ok := r.Metric(c); ok {
				return c
			}
		}
	}
	return ""
}

// qualityTables tabulates, per dataset, the quality metric against the
// step count, each cell with its mean NFE.
func (b *builder) qualityTables() {
	if !slices.Contains(b.in.Axes, StepsAxis) {
		return
	}
	evals := b.okRuns("eval")
	q := b.qualityMetric(evals)
	if q == "" {
		return
	}
	dir := b.in.Options.direction(q)
	for _, ds := range b.datasets(evals) {
		runs := filterDataset(evals, ds)
		rows := present(runs, without(nonSeedAxes(b.in.Axes), DatasetAxis, StepsAxis))
		cols := []string{StepsAxis}
		g := b.aggregate("eval", q, runs, rows, cols)
		nfe := b.aggregate("eval", NFEMetric, runs, rows, cols)
		extra := func(row, col []string) string {
			if c := nfe.at(row, col); c != nil {
				return " · NFE " + trimG(c.sum.Mean, 4)
			}
			return ""
		}
		title := "all runs"
		if ds != "" {
			title = "dataset `" + ds + "`"
		}
		fmt.Fprintf(&b.quality, "### %s — `%s` (%s) by steps, with mean NFE\n\n", title, q, dir)
		b.quality.WriteString(b.renderGrid(g, dir, extra))
		b.quality.WriteString("\n")
	}
}

// datasets returns the dataset values of runs in order, or [""] when
// there is no dataset axis.
func (b *builder) datasets(runs []*results.Run) []string {
	if !slices.Contains(b.in.Axes, DatasetAxis) {
		return []string{""}
	}
	var ts [][]string
	for _, r := range runs {
		ts = append(ts, values(r, []string{DatasetAxis}))
	}
	var out []string
	for _, t := range uniqueTuples(ts) {
		out = append(out, t[0])
	}
	return out
}

// filterDataset keeps the runs of one dataset ("" keeps all).
func filterDataset(runs []*results.Run, ds string) []*results.Run {
	if ds == "" {
		return runs
	}
	var out []*results.Run
	for _, r := range runs {
		if v, _ := r.Get(DatasetAxis); v == ds {
			out = append(out, r)
		}
	}
	return out
}

// failedStep is the step a failed run reached: its "failed_step" metric
// when set, else the last step of its loss curve.
func failedStep(r *results.Run) string {
	if v, ok := r.Metric("failed_step"); ok {
		return formatFloat(v)
	}
	if len(r.Curve) > 0 && r.CurveEvery > 0 {
		return strconv.Itoa(len(r.Curve) * r.CurveEvery)
	}
	return ""
}

// markdown assembles report.md.
func (b *builder) markdown() []byte {
	in := b.in
	var sb strings.Builder
	title := in.Title
	if title == "" {
		title = "Report"
	}
	fmt.Fprintf(&sb, "# %s\n\n", title)
	if d := strings.TrimSpace(in.Description); d != "" {
		sb.WriteString(d + "\n\n")
	}

	sb.WriteString("## What was run\n\n")
	counts := map[string][2]int{}
	for i := range b.runs {
		c := counts[b.runs[i].Kind]
		c[0]++
		if b.runs[i].Status == "failed" {
			c[1]++
		}
		counts[b.runs[i].Kind] = c
	}
	var parts []string
	for _, k := range b.kinds() {
		parts = append(parts, fmt.Sprintf("%d %s (%d failed)", counts[k][0], k, counts[k][1]))
	}
	fmt.Fprintf(&sb, "Runs: %s. Swept axes, in spec order: %s; `%s` is the replicate axis the statistics aggregate over.\n\n",
		strings.Join(parts, ", "), codeList(in.Axes), SeedAxis)
	if spec := strings.TrimRight(in.SpecYAML, "\n"); spec != "" {
		sb.WriteString("<details>\n<summary>Effective spec (YAML)</summary>\n\n```yaml\n" + spec + "\n```\n\n</details>\n\n")
	}
	if len(in.Provenance) > 0 {
		var rows [][]string
		for _, kv := range in.Provenance {
			rows = append(rows, []string{kv.Key, kv.Value})
		}
		sb.WriteString("Provenance:\n\n" + markdownTable([]string{"key", "value"}, rows, 2) + "\n")
	}

	sb.WriteString(b.comparison())

	sb.WriteString("## Results\n\n")
	sb.WriteString("Each cell is mean ± half-width of the 95% confidence interval (Student's t, n − 1 degrees of freedom) over seeds, then the number of seeds n. Bold marks the best mean of each column for metrics with a direction. Failed runs are left out of the statistics (see below).\n\n")
	if b.results.Len() == 0 {
		sb.WriteString("No successful run has a metric.\n\n")
	}
	sb.WriteString(b.results.String())

	if b.quality.Len() > 0 {
		sb.WriteString("## Sample quality against NFE\n\n")
		sb.WriteString("Rows are methods × solvers, columns the step counts; each cell adds the mean number of function evaluations (NFE) of its runs.\n\n")
		sb.WriteString(b.quality.String())
	}

	if len(b.figures) > 0 {
		sb.WriteString("## Figures\n\n")
		for _, f := range b.figures {
			fmt.Fprintf(&sb, "### %s\n\n![%s](%s)\n\n%s", f.title, f.title, f.png, f.caption)
			if f.svg != "" {
				fmt.Fprintf(&sb, " ([SVG](%s))", f.svg)
			}
			sb.WriteString("\n\n")
		}
	}

	var failed [][]string
	for i := range b.runs {
		r := &b.runs[i]
		if r.Status != "failed" {
			continue
		}
		failed = append(failed, []string{r.Kind, label(in.Axes, values(r, in.Axes)), shortKey(r.Key), failedStep(r), r.Error})
	}
	if len(failed) > 0 {
		sb.WriteString("## Failed runs\n\n")
		sb.WriteString(markdownTable([]string{"kind", "params", "key", "step", "error"}, failed, 5) + "\n")
	}

	if len(b.warn.list) > 0 {
		sb.WriteString("## Warnings\n\n")
		for _, w := range b.warn.list {
			sb.WriteString("- " + w.String() + "\n")
		}
		sb.WriteString("\n")
	}

	sb.WriteString("## Files\n\n")
	sb.WriteString("`" + CSVFile + "` holds every run in long form, one row per (run, metric): columns `kind, key, parent`, then every param key, then `metric, value, status, error`, then one column per wall time (metrics named `*_seconds`, repeated on each row of their run). Every column except the `*_seconds` ones is byte-identical across reruns and worker counts. Figures are under `" + FigureDir + "/`.\n")
	return []byte(sb.String())
}

func codeList(xs []string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "`" + x + "`"
	}
	return strings.Join(out, ", ")
}
