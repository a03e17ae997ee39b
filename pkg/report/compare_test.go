package report

import (
	"image"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/results"
)

// cmpRun is one synthetic evaluation run of the comparison tests.
func cmpRun(method, dataset, source, steps, seed string, metric string, v float64) results.Run {
	return results.Run{
		Kind: "eval", Key: method + dataset + source + steps + seed + metric, Status: "ok",
		Params: []results.Param{{Key: "dataset", Value: dataset}, {Key: "method", Value: method},
			{Key: "data.source", Value: source}, {Key: "seed", Value: seed},
			{Key: "solver", Value: "euler"}, {Key: "steps", Value: steps}},
		Metrics: []results.Metric{{Name: metric, Value: v}},
	}
}

var cmpAxes = []string{"dataset", "method", "data.source", "seed", "solver", "steps"}

// cmpRuns: OT-CFM on moons-tong from two sources, three seeds each, with
// values chosen so the sample mean and standard deviation are exact:
// {m − s, m, m + s} has mean m and sample std s (n − 1 = 2: (s² + 0 + s²)/2).
func cmpRuns() []results.Run {
	var runs []results.Run
	add := func(method, source, steps string, metric string, m, s float64) {
		for i, v := range []float64{m - s, m, m + s} {
			runs = append(runs, cmpRun(method, "moons-tong", source, steps, strconv.Itoa(i+1), metric, v))
		}
	}
	add("OT-CFM", "normal", "100", "w2", 0.30, 0.02)
	add("OT-CFM", "8gaussians-r5", "100", "w2", 0.90, 0.02)
	add("I-CFM", "normal", "100", "w2", 0.20, 0.01)
	add("I-CFM", "normal", "10", "w2", 0.40, 0.01)
	return runs
}

func TestCompareVerdicts(t *testing.T) {
	pub := &Published{Spread: "std", Cells: []PublishedCell{
		// |0.30 − 0.35| = 0.05 ≤ 0.02 + 0.04: overlap.
		{Method: "OT-CFM", Dataset: "moons-tong;data.source=normal", Metric: "w2", Mean: 0.35, Spread: 0.04},
		// |0.90 − 0.60| = 0.30 > 0.02 + 0.03: disjoint.
		{Method: "OT-CFM", Dataset: "moons-tong;data.source=8gaussians-r5", Metric: "w2", Mean: 0.60, Spread: 0.03},
		// Just inside: |0.20 − 0.2395| = 0.0395 ≤ 0.01 + 0.03 (margin 5e-4).
		{Method: "I-CFM", Dataset: "moons-tong;data.source=normal;steps=100", Metric: "w2", Mean: 0.2395, Spread: 0.03},
		// Just outside: |0.20 − 0.2405| = 0.0405 > 0.04 (margin 5e-4).
		{Method: "I-CFM", Dataset: "moons-tong;data.source=normal;steps=1e2", Metric: "w2", Mean: 0.2405, Spread: 0.03},
		// No steps selector: both step counts of ours, one row each.
		{Method: "I-CFM", Dataset: "moons-tong;data.source=normal", Metric: "w2", Mean: 0.41, Spread: 0.01},
		// A method we did not run, and a metric we did not measure.
		{Method: "RF", Dataset: "moons-tong", Metric: "w2", Mean: 0.3, Spread: 0.1},
		{Method: "OT-CFM", Dataset: "moons-tong;data.source=normal", Metric: "npe", Mean: 0.1, Spread: 0.01},
	}}
	got := Compare(pub, cmpRuns(), cmpAxes)
	want := []struct {
		method, setting, verdict string
		mean, std                float64
		n                        int
	}{
		{"OT-CFM", "solver=euler, steps=100", VerdictAgree, 0.30, 0.02, 3},
		{"OT-CFM", "solver=euler, steps=100", VerdictDisagree, 0.90, 0.02, 3},
		{"I-CFM", "solver=euler", VerdictAgree, 0.20, 0.01, 3},
		{"I-CFM", "solver=euler", VerdictDisagree, 0.20, 0.01, 3},
		{"I-CFM", "solver=euler, steps=10", VerdictAgree, 0.40, 0.01, 3},
		{"I-CFM", "solver=euler, steps=100", VerdictDisagree, 0.20, 0.01, 3},
		{"RF", "", VerdictMissing, math.NaN(), 0, 0},
		{"OT-CFM", "", VerdictMissing, math.NaN(), 0, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d comparisons, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Cell.Method != w.method || g.Setting != w.setting || g.Verdict != w.verdict || g.Ours.N != w.n {
			t.Errorf("row %d: got %s %q %s n=%d, want %s %q %s n=%d", i, g.Cell.Method, g.Setting, g.Verdict, g.Ours.N, w.method, w.setting, w.verdict, w.n)
		}
		if w.n == 0 {
			continue
		}
		// Tolerance: three float64 sums of numbers near 1.
		if math.Abs(g.Ours.Mean-w.mean) > 1e-12 || math.Abs(g.Ours.Std-w.std) > 1e-12 {
			t.Errorf("row %d: mean ± std %v ± %v, want %v ± %v", i, g.Ours.Mean, g.Ours.Std, w.mean, w.std)
		}
		if math.Abs(g.OursHi-g.OursLo-2*w.std) > 1e-12 {
			t.Errorf("row %d: our interval [%v, %v] is not mean ± std", i, g.OursLo, g.OursHi)
		}
	}
}

// TestCompareCI95 checks that a ci95 file is compared with our 95%
// interval: for n = 3, h = t_{0.975,2} · s / √3 with t_{0.975,2} = 4.3027
// in closed form.
func TestCompareCI95(t *testing.T) {
	h := tQuantile975(t, 2) * 0.02 / math.Sqrt(3)
	// Ours 0.30 ± h; a published 0.30 + h + 0.01 ± 0.0099 misses it by 1e-4,
	// 0.30 + h + 0.01 ± 0.0101 overlaps by 1e-4. With the std (0.02)
	// instead of h both would overlap, so the test tells the two apart.
	for _, c := range []struct {
		spread float64
		want   string
	}{{0.0099, VerdictDisagree}, {0.0101, VerdictAgree}} {
		pub := &Published{Spread: "ci95", Cells: []PublishedCell{{Method: "OT-CFM", Dataset: "moons-tong;data.source=normal", Metric: "w2", Mean: 0.30 + h + 0.01, Spread: c.spread}}}
		got := Compare(pub, cmpRuns(), cmpAxes)
		if len(got) != 1 || got[0].Verdict != c.want {
			t.Fatalf("spread %v: got %+v, want verdict %s", c.spread, got, c.want)
		}
		if math.Abs(got[0].OursHi-got[0].Ours.Mean-h) > 1e-12 {
			t.Errorf("our half-width %v, want %v", got[0].OursHi-got[0].Ours.Mean, h)
		}
	}
}

// TestCompareSingleSeed: with one seed our interval is the point.
func TestCompareSingleSeed(t *testing.T) {
	runs := []results.Run{cmpRun("RF", "scurve", "normal", "100", "1", "w2", 0.5)}
	for _, c := range []struct {
		mean float64
		want string
	}{{0.45, VerdictAgree}, {0.44, VerdictDisagree}} { // |0.5 − 0.45| = 0.05 ≤ 0.051 < |0.5 − 0.44|
		pub := &Published{Spread: "std", Cells: []PublishedCell{{Method: "RF", Dataset: "scurve", Metric: "w2", Mean: c.mean, Spread: 0.051}}}
		got := Compare(pub, runs, cmpAxes)
		if len(got) != 1 || got[0].Verdict != c.want || got[0].OursLo != 0.5 || got[0].OursHi != 0.5 {
			t.Errorf("published %v ± 0.051: got %+v, want %s with the point interval [0.5, 0.5]", c.mean, got, c.want)
		}
	}
}

func TestPublishedNotesAndSelectors(t *testing.T) {
	src := `# source: Somebody et al. 2024, Table 2
# spread: std
# note: we ran 3 seeds, not 5.
# note[OT-CFM,moons-tong;data.source=normal,w2]: fewer training steps.
# an ordinary comment
method,dataset,metric,mean,spread
OT-CFM,moons-tong;data.source=normal,w2,0.35,0.04
OT-CFM,8gaussians-r5,w2,0.3,0.04
`
	p, err := parsePublished(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "Somebody et al. 2024, Table 2" || len(p.Notes) != 1 || p.Notes[0] != "we ran 3 seeds, not 5." {
		t.Errorf("source %q, notes %q", p.Source, p.Notes)
	}
	if p.Cells[0].Note != "fewer training steps." || p.Cells[1].Note != "" {
		t.Errorf("cell notes %q, %q", p.Cells[0].Note, p.Cells[1].Note)
	}
	ds, sel, err := DatasetSelectors(" moons-tong ; data.source = normal;steps=100")
	if err != nil || ds != "moons-tong" || len(sel) != 2 || sel[0] != (KV{"data.source", "normal"}) || sel[1] != (KV{"steps", "100"}) {
		t.Errorf("DatasetSelectors: %q %v %v", ds, sel, err)
	}
	for _, c := range []struct{ name, src, want string }{
		{"note for no cell", "# note[RF,moons,w2]: x\nmethod,dataset,metric,mean,spread\nOT-CFM,moons,w2,1,0\n", `line 1: note for "RF,moons,w2"`},
		{"note without key", "# note[RF]: x\nmethod,dataset,metric,mean,spread\n", "line 1: a cell note is"},
		{"selector without =", "method,dataset,metric,mean,spread\nRF,moons;steps,w2,1,0\n", `line 2: dataset "moons;steps": selector "steps" is not key=value`},
		{"selector twice", "method,dataset,metric,mean,spread\nRF,moons;steps=1;steps=2,w2,1,0\n", `key "steps" given twice`},
		{"empty dataset", "method,dataset,metric,mean,spread\nRF,;steps=1,w2,1,0\n", "empty dataset name"},
	} {
		if _, err := parsePublished(strings.NewReader(c.src)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// TestComparisonSection renders the section into report.md.
func TestComparisonSection(t *testing.T) {
	dir := t.TempDir()
	pub := &Published{Source: "Table 2", Spread: "std", Notes: []string{"3 seeds, not 5."}, Cells: []PublishedCell{
		{Method: "OT-CFM", Dataset: "moons-tong;data.source=normal", Metric: "w2", Mean: 0.35, Spread: 0.04},
		{Method: "OT-CFM", Dataset: "moons-tong;data.source=8gaussians-r5", Metric: "w2", Mean: 0.60, Spread: 0.03, Note: "a reason"},
		{Method: "RF", Dataset: "moons-tong", Metric: "w2", Mean: 0.3, Spread: 0.1},
	}}
	in := Input{Axes: cmpAxes, Runs: cmpRuns(), Published: pub, Options: Options{Figures: []Figure{}}}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	// Compare with the table padding collapsed.
	md := regexp.MustCompile(` +`).ReplaceAllString(readFile(t, filepath.Join(dir, ReportFile)), " ")
	for _, want := range []string{
		"## Comparison with the published results",
		"Source: Table 2.",
		"**1 of 2 compared cells agree**; 1 published cell has no matching run.",
		// 0.30 ± 0.02 (3) beside 0.35 ± 0.04: the std to two digits.
		"| OT-CFM | moons-tong;data.source=normal | w2 | solver=euler, steps=100 | 0.300 ± 0.020 (3) | 0.350 ± 0.040 | agree |",
		"| 0.900 ± 0.020 (3) | 0.600 ± 0.030 | disagree | a reason |",
		"| RF | moons-tong | w2 | – | – | 0.30 ± 0.10 | not run |",
		"- 3 seeds, not 5.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "## Comparison") > strings.Index(md, "## Detailed results") {
		t.Error("the comparison should come before the results tables")
	}
	in.Published = nil
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(readFile(t, filepath.Join(dir, ReportFile)), "Comparison with") {
		t.Error("a report without Published has a comparison section")
	}
}

// costRuns: per method and seed, a training with its cost and a model
// evaluation with nll and nll_gap, and a sampling evaluation with sw2.
func costRuns() []results.Run {
	var runs []results.Run
	for mi, m := range []string{"FM", "CNF"} {
		for s := 1; s <= 3; s++ {
			seed := strconv.Itoa(s)
			key := m + seed
			p := []results.Param{{Key: "dataset", Value: "checkerboard"}, {Key: "method", Value: m}, {Key: "seed", Value: seed}}
			runs = append(runs,
				results.Run{Kind: "train", Key: key, Status: "ok", Params: p, Metrics: []results.Metric{
					{Name: TrainSecondsMetric, Value: float64(1+10*mi) * float64(s)}, {Name: TrainNFEMetric, Value: 1e6 * float64(1+30*mi)}}},
				// True NLL ln 32 (MATH.md §5): nll − nll_gap.
				results.Run{Kind: "modeleval", Key: key + "m", Parent: key, Status: "ok", Params: p, Metrics: []results.Metric{
					{Name: "nll", Value: 3.6 + 0.1*float64(s)}, {Name: "nll_gap", Value: 3.6 + 0.1*float64(s) - math.Log(32)}}},
				results.Run{Kind: "eval", Key: key + "e", Parent: key, Status: "ok",
					Params:  append(p, results.Param{Key: "solver", Value: "dopri5"}),
					Metrics: []results.Metric{{Name: "sw2", Value: 0.1 * float64(s)}}},
			)
		}
	}
	return runs
}

func TestCostFigure(t *testing.T) {
	runs := costRuns()
	var evals []*results.Run
	for i := range runs {
		evals = append(evals, &runs[i])
	}
	if v, ok := meanTrueNLL(evals); !ok || math.Abs(v-math.Log(32)) > 1e-12 {
		t.Errorf("true NLL %v %v, want ln 32 = %v", v, ok, math.Log(32))
	}
	dir := t.TempDir()
	axes := []string{"dataset", "method", "seed", "solver"}
	if err := Write(dir, Input{Axes: axes, Runs: runs, Options: Options{Figures: []Figure{FigureCost}, SVG: true}}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, FigureDir, "cost_checkerboard.png"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Two quality rows (nll, sw2) × two cost columns (train_seconds,
	// train_nfe): panels of 4.4 × 4.2 in at 96 dpi (over 400 px each way)
	// plus a legend strip.
	if cfg.Height != int(math.Round(2*4.2*96)) || cfg.Width <= int(math.Round(2*4.4*96)) {
		t.Errorf("cost figure %d × %d px, want %d high and wider than %d", cfg.Width, cfg.Height, int(math.Round(2*4.2*96)), int(math.Round(2*4.4*96)))
	}
	// Both axes of every panel labelled with units; train_nfe, 1e6 to
	// 3.1e7 on a log axis, labelled at 1, 2, 3, 5 × 10^k (7 labels, not
	// the 12 integer marks), written short.
	svg := readFile(t, filepath.Join(dir, FigureDir, "cost_checkerboard.svg"))
	for label, n := range map[string]int{
		"nll (nats)": 2, "sw2 (data units)": 2, "train_seconds (s)": 2, "train_nfe (network evaluations in training)": 2,
		"1e6": 2, "2e6": 2, "3e6": 2, "5e6": 2, "1e7": 2, "3e7": 2, "4e6": 0, "1e+06": 0,
	} {
		if got := strings.Count(svg, ">"+label+"<"); got != n {
			t.Errorf("cost figure: %q drawn %d times, want %d", label, got, n)
		}
	}
	md := readFile(t, filepath.Join(dir, ReportFile))
	if !strings.Contains(md, "Model quality (nll, sw2) against training cost (train_seconds, train_nfe") || !strings.Contains(md, "true NLL") {
		t.Errorf("report.md lacks the cost figure's caption:\n%s", md)
	}
	// 2 methods × 61 solver settings: over 120 legend entries of the 9 pt
	// legend font (over 10 px each at 96 dpi) do not fit beside two rows
	// of 4.2 in (806 px); the panels grow.
	many := costRuns()
	for i := range many {
		if many[i].Kind == "eval" {
			for k := range 60 {
				r := many[i]
				r.Key += strconv.Itoa(k)
				r.Params = append(slices.Clone(r.Params[:len(r.Params)-1]), results.Param{Key: "solver", Value: "euler" + strconv.Itoa(k)})
				many = append(many, r)
			}
		}
	}
	dirMany := t.TempDir()
	if err := Write(dirMany, Input{Axes: axes, Runs: many, Options: Options{Figures: []Figure{FigureCost}}}); err != nil {
		t.Fatal(err)
	}
	f, err = os.Open(filepath.Join(dirMany, FigureDir, "cost_checkerboard.png"))
	if err != nil {
		t.Fatal(err)
	}
	cfgMany, _, err := image.DecodeConfig(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if px := 120 * 10; cfgMany.Height < px {
		t.Errorf("cost figure with over 120 legend entries is %d px high, want at least %d", cfgMany.Height, px)
	}
	// Without cost metrics there is nothing to draw.
	for i := range runs {
		if runs[i].Kind == "train" {
			runs[i].Metrics = nil
		}
	}
	dir2 := t.TempDir()
	if err := Write(dir2, Input{Axes: axes, Runs: runs, Options: Options{Figures: []Figure{FigureCost}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir2, FigureDir, "cost_checkerboard.png")); !os.IsNotExist(err) {
		t.Errorf("a cost figure was drawn without training costs (stat: %v)", err)
	}
}
