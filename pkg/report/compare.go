package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/flowbench/flowbench/pkg/metrics"
	"github.com/flowbench/flowbench/pkg/results"
)

// Verdicts of a published comparison.
const (
	// VerdictAgree: our interval and the published one overlap.
	VerdictAgree = "agree"
	// VerdictDisagree: the intervals are disjoint.
	VerdictDisagree = "disagree"
	// VerdictMissing: no successful run of ours matches the cell.
	VerdictMissing = "not run"
)

// Comparison is one published cell set beside one group of our runs (the
// seeds of one setting). A cell that several settings of ours match (two
// step counts, say) gives one Comparison per setting.
type Comparison struct {
	Cell PublishedCell
	// Setting names the axes of ours that the cell does not pin
	// ("solver=euler, steps=100"); empty when there are none.
	Setting string
	// Ours summarises our values over seeds; Ours.N = 0 when nothing
	// matched.
	Ours metrics.Summary
	// OursLo, OursHi and PubLo, PubHi are the two intervals compared.
	OursLo, OursHi, PubLo, PubHi float64
	Verdict                      string
}

// Compare sets every cell of pub beside our successful runs. A run matches
// a cell when its "method" param equals Cell.Method, its dataset param and
// every selector of Cell.Dataset (DatasetSelectors) equal the run's params,
// and it has the metric Cell.Metric; matching runs are grouped by kind and
// the remaining non-seed axes.
//
// The intervals are mean ± spread for both sides, spread being of the kind
// pub.Spread names: for "std", ours is the sample standard deviation over
// seeds (n − 1); for "ci95", the half-width of our 95% Student-t interval.
// With one seed ours is the point itself. The verdict is VerdictAgree when
// the closed intervals overlap, |m_ours − m_pub| ≤ s_ours + s_pub, else
// VerdictDisagree.
func Compare(pub *Published, runs []results.Run, axes []string) []Comparison {
	sorted := sortRuns(runs, axes)
	var out []Comparison
	for _, cell := range pub.Cells {
		ds, sel, err := DatasetSelectors(cell.Dataset)
		if err != nil {
			// ReadPublished has rejected such a file; a hand-built one
			// gets a row that says so.
			out = append(out, Comparison{Cell: cell, Setting: err.Error(), Verdict: VerdictMissing})
			continue
		}
		pinned := []string{MethodAxis, DatasetAxis, SeedAxis}
		for _, kv := range sel {
			pinned = append(pinned, kv.Key)
		}
		free := without(axes, pinned...)
		type group struct {
			kind    results.Kind
			setting []string
			vals    []float64
		}
		var groups []*group
		for i := range sorted {
			r := &sorted[i]
			if r.Status != results.StatusOK {
				continue
			}
			v, ok := r.Metric(cell.Metric)
			if !ok || !matches(r, cell.Method, ds, sel) {
				continue
			}
			set := values(r, free)
			gi := slices.IndexFunc(groups, func(g *group) bool { return g.kind == r.Kind && slices.Equal(g.setting, set) })
			if gi < 0 {
				groups = append(groups, &group{kind: r.Kind, setting: set})
				gi = len(groups) - 1
			}
			groups[gi].vals = append(groups[gi].vals, v)
		}
		pubLo, pubHi := cell.Mean-cell.Spread, cell.Mean+cell.Spread
		if len(groups) == 0 {
			out = append(out, Comparison{Cell: cell, PubLo: pubLo, PubHi: pubHi, OursLo: math.NaN(), OursHi: math.NaN(),
				Ours: metrics.Summary{Mean: math.NaN()}, Verdict: VerdictMissing})
			continue
		}
		for _, g := range groups {
			s := metrics.Summarize(g.vals)
			spread := s.Std
			if pub.Spread == "ci95" {
				spread = s.HalfWidth
			}
			if s.N < 2 || math.IsNaN(spread) {
				spread = 0
			}
			c := Comparison{Cell: cell, Setting: label(free, g.setting), Ours: s,
				OursLo: s.Mean - spread, OursHi: s.Mean + spread, PubLo: pubLo, PubHi: pubHi, Verdict: VerdictDisagree}
			if s.N == 0 {
				c.Verdict = VerdictMissing
			} else if c.OursLo <= c.PubHi && c.PubLo <= c.OursHi {
				c.Verdict = VerdictAgree
			}
			out = append(out, c)
		}
	}
	return out
}

// matches reports whether r belongs to a published cell.
func matches(r *results.Run, method, dataset string, sel []KV) bool {
	if m, _ := r.Get(MethodAxis); m != method {
		return false
	}
	if d, _ := r.Get(DatasetAxis); d != dataset {
		return false
	}
	for _, kv := range sel {
		if v, ok := r.Get(kv.Key); !ok || !sameValue(v, kv.Value) {
			return false
		}
	}
	return true
}

// sameValue compares two parameter values, numerically when both are
// numbers (so "1e-5" selects "0.00001").
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	return ea == nil && eb == nil && fa == fb
}

// formatSpread renders "mean ± spread", the spread to two significant
// digits and the mean to the same decimal place.
func formatSpread(mean, spread float64) string {
	if math.IsNaN(mean) {
		return ""
	}
	if spread <= 0 || math.IsNaN(spread) || math.IsInf(spread, 0) {
		return trimG(mean, 4)
	}
	dec := 1 - int(math.Floor(math.Log10(spread)))
	if dec < 0 || dec > 8 || math.Abs(mean) >= 1e6 {
		return trimG(mean, 3) + " ± " + trimG(spread, 2)
	}
	return fmt.Sprintf("%.*f ± %.*f", dec, mean, dec, spread)
}

// comparison renders the section "Comparison with the published results",
// or "" when the input has none.
func (b *builder) comparison() string {
	pub := b.in.Published
	if pub == nil {
		return ""
	}
	cmp := Compare(pub, b.in.Runs, b.in.Axes)
	spreadName := map[string]string{"std": "standard deviation", "ci95": "half-width of the 95% confidence interval"}[pub.Spread]
	var sb strings.Builder
	sb.WriteString("## Comparison with the published results\n\n")
	if pub.Source != "" {
		fmt.Fprintf(&sb, "Source: %s.\n\n", pub.Source)
	}
	fmt.Fprintf(&sb, "Each published cell beside our runs of the same method, dataset and metric. Both sides read mean ± %s; ours is over our seeds, with their number n. The verdict is **agree** when the two intervals overlap (|mean_ours − mean_published| ≤ spread_ours + spread_published), else **disagree**; **not run** means no successful run of ours matches the cell. Read a verdict together with the protocol differences stated in the description and the notes.\n\n", spreadName)
	agree, compared, missing := 0, 0, 0
	var rows [][]string
	hasSetting, hasNote := false, false
	for _, c := range cmp {
		hasSetting = hasSetting || c.Setting != ""
		hasNote = hasNote || c.Cell.Note != ""
	}
	for _, c := range cmp {
		ours := ""
		if c.Ours.N > 0 {
			spread := c.Ours.Std
			if pub.Spread == "ci95" {
				spread = c.Ours.HalfWidth
			}
			ours = fmt.Sprintf("%s (%d)", formatSpread(c.Ours.Mean, spread), c.Ours.N)
		}
		switch c.Verdict {
		case VerdictAgree:
			agree++
			compared++
		case VerdictDisagree:
			compared++
		default:
			missing++
		}
		row := []string{c.Cell.Method, c.Cell.Dataset, c.Cell.Metric}
		if hasSetting {
			row = append(row, c.Setting)
		}
		row = append(row, ours, formatSpread(c.Cell.Mean, c.Cell.Spread), c.Verdict)
		if hasNote {
			row = append(row, c.Cell.Note)
		}
		rows = append(rows, row)
	}
	header := []string{"method", "dataset", "metric"}
	if hasSetting {
		header = append(header, "setting")
	}
	header = append(header, "ours", "published", "verdict")
	if hasNote {
		header = append(header, "note")
	}
	fmt.Fprintf(&sb, "**%d of %d compared cells agree**", agree, compared)
	switch {
	case missing == 1:
		sb.WriteString("; 1 published cell has no matching run")
	case missing > 1:
		fmt.Fprintf(&sb, "; %d published cells have no matching run", missing)
	}
	sb.WriteString(".\n\n")
	align := make([]tw.Align, len(header))
	for i, h := range header {
		align[i] = tw.AlignLeft
		if h == "ours" || h == "published" {
			align[i] = tw.AlignRight
		}
	}
	sb.WriteString(markdownTableAligned(header, rows, align) + "\n")
	if len(pub.Notes) > 0 {
		sb.WriteString("Notes:\n\n")
		for _, n := range pub.Notes {
			sb.WriteString("- " + n + "\n")
		}
		sb.WriteString("\n")
	}
	return sb.String()
}
