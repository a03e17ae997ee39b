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
	// seeds lists the seeds of the runs that raised the same message about
	// the same subject (the subject leaves the seed out).
	seeds []string
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

// addRun records a warning of one run; the same message from the runs of
// other seeds is counted on the same line.
func (w *warnList) addRun(subject, msg, seed string) {
	for _, x := range w.list {
		if x.subject == subject && x.msg == msg {
			if !slices.Contains(x.seeds, seed) {
				x.seeds = append(x.seeds, seed)
			}
			return
		}
	}
	w.list = append(w.list, &warning{subject: subject, msg: msg, seeds: []string{seed}})
}

func (w *warning) String() string {
	s := w.msg
	if len(w.metrics) > 0 {
		s += " (" + strings.Join(w.metrics, ", ") + ")"
	}
	switch n := len(w.seeds); {
	case n == 1 && w.seeds[0] != "":
		s += " (seed " + w.seeds[0] + ")"
	case n > 1:
		s += fmt.Sprintf(" (×%d: seeds %s)", n, strings.Join(w.seeds, ", "))
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
	in       *Input
	order    valueOrder
	runs     []results.Run // sorted
	warn     warnList
	summary  strings.Builder // the quality metric by evaluation setting
	training strings.Builder // the training metrics
	details  strings.Builder // one collapsible table per (metric, kind)
	// secondsLeft lists the kinds whose wall times are left to runs.csv.
	secondsLeft []results.Kind
	figures     []figureRef
}

func newBuilder(in *Input, runs []results.Run) *builder {
	b := &builder{in: in, order: valueOrder(in.Order), runs: runs}
	for i := range runs {
		seed, _ := runs[i].Get(SeedAxis)
		for _, w := range runs[i].Warnings {
			b.warn.addRun(runLabel(&runs[i], nonSeedAxes(in.Axes)), w, seed)
		}
	}
	b.failedSeeds()
	return b
}

// okRuns returns the successful runs of one kind, in report order.
func (b *builder) okRuns(kind results.Kind) []*results.Run {
	var out []*results.Run
	for i := range b.runs {
		if r := &b.runs[i]; r.Kind == kind && r.Status == results.StatusOK {
			out = append(out, r)
		}
	}
	return out
}

// kinds returns the kinds present, in pipeline order.
func (b *builder) kinds() []results.Kind {
	var out []results.Kind
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

// layout returns how the runs of one table are laid out (see
// Options.Columns): the axes splitting them into one table per value
// (the dataset, when the evaluation setting forms the columns), the row
// axes and the column axes, each kept only when some run has it.
func (b *builder) layout(runs []*results.Run) (split, rows, cols []string) {
	rest := nonSeedAxes(b.in.Axes)
	if c := b.in.Options.Columns; c != nil {
		cols = present(runs, c)
		return nil, present(runs, without(rest, cols...)), cols
	}
	if cols = present(runs, b.evalAxes()); len(cols) > 0 {
		split = present(runs, []string{DatasetAxis})
		return split, present(runs, without(rest, append(slices.Clone(cols), split...)...)), cols
	}
	cols = present(runs, []string{DatasetAxis})
	return nil, present(runs, without(rest, cols...)), cols
}

// evalAxes returns the axes of the evaluation setting among Input.Axes.
func (b *builder) evalAxes() []string {
	var out []string
	for _, a := range EvalAxes {
		if slices.Contains(b.in.Axes, a) {
			out = append(out, a)
		}
	}
	return out
}

// part is the runs of one table of a split (name is the split value, ""
// when there is no split).
type part struct {
	name string
	runs []*results.Run
}

// splitRuns splits runs by their dataset when split names it.
func (b *builder) splitRuns(runs []*results.Run, split []string) []part {
	if !slices.Contains(split, DatasetAxis) {
		return []part{{"", runs}}
	}
	var out []part
	for _, ds := range b.datasets(runs) {
		out = append(out, part{ds, filterDataset(runs, ds)})
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
		k := string(r.Kind) + "\x02" + tupleKey(vals)
		g := index[k]
		if g == nil {
			g = &group{subject: string(r.Kind) + " " + label(axes, vals)}
			index[k] = g
			groups = append(groups, g)
		}
		g.total++
		if r.Status == results.StatusFailed {
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

// tables fills the summary, training and detailed tables.
func (b *builder) tables() {
	b.summaryTables()
	b.trainingTables()
	b.detailTables()
}

// detailTables writes one collapsible block per (metric, kind). Wall times
// ("*_seconds") are tabulated for training runs only; the others' are in
// runs.csv.
func (b *builder) detailTables() {
	for _, m := range b.metricNames() {
		found := false
		for _, kind := range b.kinds() {
			var with []*results.Run
			for _, r := range b.okRuns(kind) {
				if _, ok := r.Metric(m); ok {
					with = append(with, r)
				}
			}
			if len(with) == 0 {
				continue
			}
			found = true
			if isSeconds(m) && kind != results.KindTrain {
				if !slices.Contains(b.secondsLeft, kind) {
					b.secondsLeft = append(b.secondsLeft, kind)
				}
				continue
			}
			split, rows, cols := b.layout(with)
			dir := b.in.Options.direction(m)
			fmt.Fprintf(&b.details, "<details>\n<summary><code>%s</code> — %s runs (%s)</summary>\n\n", m, kind, dir)
			for _, pt := range b.splitRuns(with, split) {
				if pt.name != "" {
					fmt.Fprintf(&b.details, "Dataset `%s`:\n\n", pt.name)
				}
				g := b.aggregate(kind, m, pt.runs, rows, cols)
				b.details.WriteString(b.renderGrid(g, dir, nil))
				b.details.WriteString("\n")
				if b.in.Options.Welch {
					if lines := b.welchLines(g, dir); len(lines) > 0 {
						b.details.WriteString("Welch's t test, best vs second best:\n\n")
						for _, l := range lines {
							b.details.WriteString("- " + l + "\n")
						}
						b.details.WriteString("\n")
					}
				}
			}
			b.details.WriteString("</details>\n\n")
		}
		if !found {
			b.warn.add("", fmt.Sprintf("metric %q is listed but no successful run has it", m), "")
		}
	}
}

// qualityMetric returns the metric of the summary tables, or "" when the
// evaluation runs have none.
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

// settingPhrase says what the columns of the summary are.
func settingPhrase(cols []string) string {
	if len(cols) > 0 && !slices.ContainsFunc(cols, func(a string) bool { return !slices.Contains(EvalAxes, a) }) {
		return "the solver with its step count, or its tolerances when it is adaptive"
	}
	return orAll(axesPhrase(cols))
}

func orAll(s string) string {
	if s == "(none)" {
		return "all runs"
	}
	return s
}

// trainingFirst are the training metrics that lead the training table, in
// this order; the others follow in order of first appearance.
var trainingFirst = []string{"final_loss", "train_seconds", "train_nfe", "parameters", "train_nll", "peak_tape_bytes"}

// trainingMetrics returns the metrics of the training table: those of the
// training runs (of Input.Metrics when set), trainingFirst first, without
// the runner's wall_seconds when train_seconds is there.
func (b *builder) trainingMetrics(trains []*results.Run) []string {
	var have []string
	for _, r := range trains {
		for _, m := range r.Metrics {
			if !slices.Contains(have, m.Name) && (b.in.Metrics == nil || slices.Contains(b.in.Metrics, m.Name)) {
				have = append(have, m.Name)
			}
		}
	}
	var out []string
	for _, m := range trainingFirst {
		if slices.Contains(have, m) {
			out = append(out, m)
		}
	}
	for _, m := range have {
		if slices.Contains(out, m) || m == "wall_seconds" && slices.Contains(have, "train_seconds") {
			continue
		}
		out = append(out, m)
	}
	return out
}

// trainingTables tabulates, per dataset, the training metrics (columns)
// of every trained model (rows: method × stage × …).
func (b *builder) trainingTables() {
	trains := b.okRuns(results.KindTrain)
	ms := b.trainingMetrics(trains)
	if len(ms) == 0 {
		return
	}
	split := present(trains, []string{DatasetAxis})
	rows := present(trains, without(nonSeedAxes(b.in.Axes), DatasetAxis))
	var dirs []string
	for _, m := range ms {
		dirs = append(dirs, fmt.Sprintf("`%s` %s", m, b.in.Options.direction(m)))
	}
	fmt.Fprintf(&b.training, "The trained models: rows %s, columns the training metrics (%s), one table per set of models that report the same metrics. Cells and marks as in the summary; a metric equal for every model is stated once under its table.\n\n",
		orAll(axesPhrase(rows)), strings.Join(dirs, ", "))
	for _, pt := range b.splitRuns(trains, split) {
		if pt.name != "" {
			fmt.Fprintf(&b.training, "### `%s`\n\n", pt.name)
		}
		// Group the metrics by the models that have them (the CNF's
		// likelihood metrics apart from the flow-matching ones); a
		// metric with one value for every model is stated in words.
		var groups [][]*grid
		var sigs []string
		var same []string
		for _, m := range ms {
			g := b.aggregate(results.KindTrain, m, pt.runs, rows, nil)
			if len(g.rows) == 0 {
				continue
			}
			if v, ok := constantGrid(g); ok && len(g.rows) > 1 {
				same = append(same, fmt.Sprintf("`%s` %s", m, exactG(v)))
				continue
			}
			var keys []string
			for _, r := range g.rows {
				keys = append(keys, tupleKey(r))
			}
			sig := strings.Join(keys, "\x01")
			i := slices.Index(sigs, sig)
			if i < 0 {
				sigs, groups = append(sigs, sig), append(groups, nil)
				i = len(sigs) - 1
			}
			groups[i] = append(groups[i], g)
		}
		for _, gs := range groups {
			b.training.WriteString(b.renderMetricColumns(rows, gs))
			b.training.WriteString("\n")
		}
		if len(same) > 0 {
			fmt.Fprintf(&b.training, "Equal for every model: %s.\n\n", strings.Join(same, ", "))
		}
	}
}

// constantGrid reports whether every cell of g holds one and the same
// value on every seed, and that value.
func constantGrid(g *grid) (float64, bool) {
	v, seen := 0.0, false
	for _, c := range g.cells {
		for _, x := range c.vals {
			if seen && x != v {
				return 0, false
			}
			v, seen = x, true
		}
	}
	return v, seen
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
	for _, t := range b.order.uniqueTuples([]string{DatasetAxis}, ts) {
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

// markdown assembles report.md: the results first (comparison, summary,
// training, figures, detailed tables), then what was run and how, the
// failures and warnings.
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

	counts := map[results.Kind][2]int{}
	failed := 0
	for i := range b.runs {
		c := counts[b.runs[i].Kind]
		c[0]++
		if b.runs[i].Status == results.StatusFailed {
			c[1]++
			failed++
		}
		counts[b.runs[i].Kind] = c
	}
	if failed > 0 {
		fmt.Fprintf(&sb, "**%d of %d runs failed**: they are left out of the statistics and listed under [Failed runs](#failed-runs).\n\n", failed, len(b.runs))
	}

	sb.WriteString(b.comparison())

	if b.summary.Len() > 0 {
		sb.WriteString("## Summary\n\n" + b.summary.String())
	}
	if b.training.Len() > 0 {
		sb.WriteString("## Training\n\n" + b.training.String())
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

	sb.WriteString("## Detailed results\n\n")
	sb.WriteString("One collapsible table per metric and kind of run. Each cell is mean ± half-width of the 95% confidence interval (Student's t, n − 1 degrees of freedom) over seeds, then the number of seeds n. Bold marks the best mean of each column for metrics with a direction. Failed runs are left out of the statistics.")
	if len(b.secondsLeft) > 0 {
		fmt.Fprintf(&sb, " Wall times of the %s runs are in `%s` only.", joinKinds(b.secondsLeft), CSVFile)
	}
	sb.WriteString("\n\n")
	if b.details.Len() == 0 {
		sb.WriteString("No successful run has a metric.\n\n")
	}
	sb.WriteString(b.details.String())

	sb.WriteString("## What was run\n\n")
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
		sb.WriteString("Provenance:\n\n" + kvTable(in.Provenance) + "\n")
	}
	if len(in.Dependencies) > 0 {
		sb.WriteString("<details>\n<summary>Dependency versions</summary>\n\n" + kvTable(in.Dependencies) + "\n</details>\n\n")
	}

	var failedRows [][]string
	for i := range b.runs {
		r := &b.runs[i]
		if r.Status != results.StatusFailed {
			continue
		}
		failedRows = append(failedRows, []string{string(r.Kind), label(in.Axes, values(r, in.Axes)), shortKey(r.Key), failedStep(r), r.Error})
	}
	if len(failedRows) > 0 {
		sb.WriteString("## Failed runs\n\n")
		sb.WriteString(markdownTable([]string{"kind", "params", "key", "step", "error"}, failedRows, 5) + "\n")
	}

	if len(b.warn.list) > 0 {
		sb.WriteString("## Warnings\n\n")
		for _, w := range b.warn.list {
			// One item per warning: a newline inside one (a label, an
			// error message) would end the list item.
			sb.WriteString("- " + strings.Join(strings.Fields(w.String()), " ") + "\n")
		}
		sb.WriteString("\n")
	}

	sb.WriteString("## Files\n\n")
	sb.WriteString("`" + CSVFile + "` holds every run in long form, one row per (run, metric): columns `kind, key, parent`, then every param key, then `metric, value, status, error`, then one column per wall time (metrics named `*_seconds`, repeated on each row of their run). Every column except the `*_seconds` ones is byte-identical across reruns and worker counts. Figures are under `" + FigureDir + "/`.\n")
	return []byte(sb.String())
}

// kvTable renders key/value pairs as a two-column table.
func kvTable(kvs []KV) string {
	rows := make([][]string, len(kvs))
	for i, kv := range kvs {
		rows[i] = []string{kv.Key, kv.Value}
	}
	return markdownTable([]string{"key", "value"}, rows, 2)
}

func codeList(xs []string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "`" + x + "`"
	}
	return strings.Join(out, ", ")
}

func joinKinds(ks []results.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
