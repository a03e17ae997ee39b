package report

import (
	"bytes"
	"encoding/csv"
	"flag"
	"image"
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/results"
)

var update = flag.Bool("update", false, "rewrite testdata/report.golden.md")

// writeFixture writes the synthetic store and its report into a fresh
// directory and returns the directory and the runs.
func writeFixture(t *testing.T, salt float64, edit func(*Input)) (string, []results.Run) {
	t.Helper()
	dir := t.TempDir()
	runs := fixture(t, dir, salt)
	in := fxInput(dir, runs)
	if edit != nil {
		edit(&in)
	}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	return dir, runs
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tQuantile975 is the 0.975 quantile of Student's t with nu degrees of
// freedom, in the closed forms that exist for nu = 1 (Cauchy: tan(π(p−½)))
// and nu = 2 ((2p−1)/√(2p(1−p))).
func tQuantile975(t *testing.T, nu int) float64 {
	const p = 0.975
	switch nu {
	case 1:
		return math.Tan(math.Pi * (p - 0.5))
	case 2:
		return (2*p - 1) / math.Sqrt(2*p*(1-p))
	}
	t.Fatalf("no closed form for nu = %d", nu)
	return 0
}

// expectedSW2 collects, straight from the runs, the sw2 values of every
// successful evaluation, keyed by method/solver/steps/dataset.
func expectedSW2(runs []results.Run) map[string][]float64 {
	out := map[string][]float64{}
	for i := range runs {
		r := &runs[i]
		v, ok := r.Metric("sw2")
		if r.Kind != "eval" || r.Status != results.StatusOK || !ok {
			continue
		}
		m, _ := r.Get("method")
		s, _ := r.Get("solver")
		k, _ := r.Get("steps")
		d, _ := r.Get("dataset")
		out[m+"/"+s+"/"+k+"/"+d] = append(out[m+"/"+s+"/"+k+"/"+d], v)
	}
	return out
}

var cellRE = regexp.MustCompile(`^(\*\*)?(-?[0-9.]+) ± ([0-9.]+) \(([0-9]+)\)(\*\*)?$`)

// decimalsTol is half a unit in the last printed decimal place.
func decimalsTol(s string) float64 {
	_, frac, _ := strings.Cut(s, ".")
	return 0.5 * math.Pow(10, -float64(len(frac)))
}

// sw2Tables are the places of the fixture's sw2 tables of one dataset:
// the summary and the detailed block.
func sw2Tables(ds string) [][]string {
	return [][]string{
		{"## Summary", "#### `" + ds + "`"},
		{"<summary><code>sw2</code> — eval runs", "Dataset `" + ds + "`:"},
	}
}

// settingKey turns a row (method) and a column label ("euler 8") of an
// evaluation table into the key of expectedSW2.
func settingKey(method, col, ds string) string {
	solver, steps, _ := strings.Cut(col, " ")
	return method + "/" + solver + "/" + steps + "/" + ds
}

func TestTableCells(t *testing.T) {
	dir, runs := writeFixture(t, 0, nil)
	md := readFile(t, filepath.Join(dir, ReportFile))
	exp := expectedSW2(runs)
	checked := 0
	for _, ds := range fxDatasets {
		for _, where := range sw2Tables(ds) {
			header, rows := mdTable(t, md, where[0], where[1:]...)
			// Columns: the evaluation setting in spec order (Input.Order:
			// euler before rk4), steps numerically; rows the methods in
			// spec order (ot before cfm).
			if want := []string{"method", "euler 2", "euler 8", "rk4 2", "rk4 8"}; !slices.Equal(header, want) {
				t.Fatalf("%s %s: header %q, want %q", where[0], ds, header, want)
			}
			if len(rows) != 2 || rows[0][0] != "ot" || rows[1][0] != "cfm" {
				t.Fatalf("%s %s: rows %q, want the methods ot, cfm", where[0], ds, rows)
			}
			for _, row := range rows {
				for ci, col := range header[1:] {
					cellText := row[1+ci]
					m := cellRE.FindStringSubmatch(cellText)
					if m == nil {
						t.Fatalf("cell %q does not read mean ± hw (n)", cellText)
					}
					vals := exp[settingKey(row[0], col, ds)]
					n := len(vals)
					mean := 0.0
					for _, v := range vals {
						mean += v
					}
					mean /= float64(n)
					ss := 0.0
					for _, v := range vals {
						ss += (v - mean) * (v - mean)
					}
					hw := tQuantile975(t, n-1) * math.Sqrt(ss/float64(n-1)) / math.Sqrt(float64(n))
					gotMean, _ := strconv.ParseFloat(m[2], 64)
					gotHW, _ := strconv.ParseFloat(m[3], 64)
					gotN, _ := strconv.Atoi(m[4])
					if gotN != n {
						t.Errorf("%s %s %s: n = %d, want %d", row[0], col, ds, gotN, n)
					}
					// The printed numbers are rounded: allow half a unit in the
					// last printed place (plus float slack).
					if math.Abs(gotMean-mean) > decimalsTol(m[2])+1e-12 {
						t.Errorf("%s %s %s: mean %s, want %.6g", row[0], col, ds, m[2], mean)
					}
					if math.Abs(gotHW-hw) > decimalsTol(m[3])+1e-12 {
						t.Errorf("%s %s %s: half-width %s, want %.6g", row[0], col, ds, m[3], hw)
					}
					checked++
				}
			}
		}
	}
	// 2 datasets × 2 tables × 2 methods × 4 settings.
	if checked != 32 {
		t.Fatalf("checked %d cells, want 32", checked)
	}
}

func TestBestMarking(t *testing.T) {
	cases := []struct {
		name     string
		override bool
		dir      Direction // the direction in effect
	}{
		{"default direction of sw2 (lower)", false, LowerIsBetter},
		{"override to higher", true, HigherIsBetter},
		{"override to unranked", true, Unranked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, runs := writeFixture(t, 0, func(in *Input) {
				in.Options.Figures = []Figure{}
				if c.override {
					in.Options.Directions = map[string]Direction{"sw2": c.dir}
				}
			})
			md := readFile(t, filepath.Join(dir, ReportFile))
			exp := expectedSW2(runs)
			mean := func(key string) float64 {
				vals := exp[key]
				s := 0.0
				for _, v := range vals {
					s += v
				}
				return s / float64(len(vals))
			}
			for _, ds := range fxDatasets {
				for _, where := range sw2Tables(ds) {
					header, rows := mdTable(t, md, where[0], where[1:]...)
					for ci, col := range header[1:] {
						best := math.Inf(1)
						if c.dir == HigherIsBetter {
							best = math.Inf(-1)
						}
						for _, row := range rows {
							if v := mean(settingKey(row[0], col, ds)); c.dir == HigherIsBetter && v > best || c.dir != HigherIsBetter && v < best {
								best = v
							}
						}
						bold := 0
						for _, row := range rows {
							isBold := strings.HasPrefix(row[1+ci], "**")
							want := c.dir != Unranked && mean(settingKey(row[0], col, ds)) == best
							if isBold != want {
								t.Errorf("%s %s, %s %s: bold %v, want %v", where[0], ds, row[0], col, isBold, want)
							}
							if isBold {
								bold++
							}
						}
						if c.dir != Unranked && bold != 1 {
							t.Errorf("%s %s %s: %d bold cells, want 1 (the fixture has no ties)", where[0], ds, col, bold)
						}
					}
				}
			}
		})
	}
}

// readCSV parses runs.csv into its header and rows.
func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(readFile(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0], recs[1:]
}

func TestCSVLayout(t *testing.T) {
	dir, runs := writeFixture(t, 0, func(in *Input) { in.Options.Figures = []Figure{} })
	header, rows := readCSV(t, filepath.Join(dir, CSVFile))
	want := []string{"kind", "key", "parent", "method", "dataset", "seed", "solver", "steps",
		ParamTrajectoryTimes, ParamDensityExtent, "metric", "value", "status", "error", "train_seconds", "eval_seconds"}
	if !slices.Equal(header, want) {
		t.Fatalf("header\n%q\nwant\n%q", header, want)
	}
	col := func(name string) int { return slices.Index(header, name) }

	// The expected row order, built from the loops in sorted order:
	// kinds train then eval, values ascending (numbers numerically),
	// metrics by name, a failed run as one row without metric.
	byKey := map[string]*results.Run{}
	for i := range runs {
		byKey[runs[i].Key] = &runs[i]
	}
	type rowID struct{ key, metric string }
	var expect []rowID
	methods, dss := slices.Sorted(slices.Values(fxMethods)), slices.Sorted(slices.Values(fxDatasets))
	for _, m := range methods {
		for _, ds := range dss {
			for _, s := range fxSeeds {
				k := "train-" + m + "-" + ds + "-" + s
				if m+"/"+ds+"/"+s == fxFailed {
					expect = append(expect, rowID{k, ""})
				} else {
					expect = append(expect, rowID{k, "loss_final"})
				}
			}
		}
	}
	for _, m := range methods {
		for _, ds := range dss {
			for _, s := range fxSeeds {
				for _, sol := range fxSolvers {
					for _, st := range fxSteps {
						k := "eval-train-" + m + "-" + ds + "-" + s + "-" + sol + "-" + strconv.Itoa(st)
						if m+"/"+ds+"/"+s == fxFailed {
							expect = append(expect, rowID{k, ""})
							continue
						}
						for _, metric := range []string{"nfe", "sw2", "w2"} {
							expect = append(expect, rowID{k, metric})
						}
					}
				}
			}
		}
	}
	if len(rows) != len(expect) {
		t.Fatalf("%d rows, want %d", len(rows), len(expect))
	}
	for i, row := range rows {
		if row[col("key")] != expect[i].key || row[col("metric")] != expect[i].metric {
			t.Fatalf("row %d is (%s, %s), want (%s, %s)", i, row[col("key")], row[col("metric")], expect[i].key, expect[i].metric)
		}
		r := byKey[row[col("key")]]
		if row[col("status")] != string(r.Status) || row[col("error")] != r.Error || row[col("kind")] != string(r.Kind) || row[col("parent")] != r.Parent {
			t.Errorf("row %d: kind/parent/status/error %q, run has %q %q %q %q", i, row[:3], r.Kind, r.Parent, r.Status, r.Error)
		}
		for _, p := range r.Params {
			if row[col(p.Key)] != p.Value {
				t.Errorf("row %d: %s = %q, want %q", i, p.Key, row[col(p.Key)], p.Value)
			}
		}
		if m := expect[i].metric; m != "" {
			v, _ := r.Metric(m)
			got, err := strconv.ParseFloat(row[col("value")], 64)
			if err != nil || math.Float64bits(got) != math.Float64bits(v) {
				t.Errorf("row %d: value %q does not read back to %v", i, row[col("value")], v)
			}
		} else if row[col("value")] != "" {
			t.Errorf("row %d: failed run has value %q", i, row[col("value")])
		}
		for _, sec := range []string{"train_seconds", "eval_seconds"} {
			v, ok := r.Metric(sec)
			got := row[col(sec)]
			if ok != (got != "") || ok && got != strconv.FormatFloat(v, 'g', -1, 64) {
				t.Errorf("row %d: %s = %q, run has %v (present %v)", i, sec, got, v, ok)
			}
		}
	}
}

// listFiles returns every file under dir (relative paths, sorted) with its
// bytes.
func listFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func shuffled(runs []results.Run, seed uint64) []results.Run {
	out := slices.Clone(runs)
	rng := rand.New(rand.NewPCG(seed, 99))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestDeterminism(t *testing.T) {
	dir, runs := writeFixture(t, 0, nil)
	first := listFiles(t, dir)

	// The same records again, shuffled, into the same directory: every
	// file, figures included, byte for byte.
	in := fxInput(dir, shuffled(runs, 1))
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	second := listFiles(t, dir)
	if len(first) != len(second) {
		t.Fatalf("%d files, then %d", len(first), len(second))
	}
	for name, b := range first {
		if !bytes.Equal(b, second[name]) {
			t.Errorf("%s differs between two writes of the same records", name)
		}
	}
}

func TestRerunDiffersOnlyInSeconds(t *testing.T) {
	dirA, _ := writeFixture(t, 0, nil)
	// A rerun: other wall times (salt), other order (another worker count).
	dirB := t.TempDir()
	runsB := fixture(t, dirB, 1.75)
	if err := Write(dirB, fxInput(dirB, shuffled(runsB, 2))); err != nil {
		t.Fatal(err)
	}
	if a, b := readFile(t, filepath.Join(dirA, ReportFile)), readFile(t, filepath.Join(dirB, ReportFile)); a != b {
		t.Errorf("report.md differs between reruns")
	}
	hA, rA := readCSV(t, filepath.Join(dirA, CSVFile))
	hB, rB := readCSV(t, filepath.Join(dirB, CSVFile))
	if !slices.Equal(hA, hB) || len(rA) != len(rB) {
		t.Fatalf("runs.csv shape differs: %d×%d vs %d×%d", len(rA), len(hA), len(rB), len(hB))
	}
	secondsDiffer := false
	for i := range rA {
		for j, h := range hA {
			if strings.HasSuffix(h, "_seconds") {
				secondsDiffer = secondsDiffer || rA[i][j] != rB[i][j]
				continue
			}
			if rA[i][j] != rB[i][j] {
				t.Errorf("row %d column %s: %q vs %q", i, h, rA[i][j], rB[i][j])
			}
		}
	}
	if !secondsDiffer {
		t.Error("the wall times differ between the stores but no *_seconds column does")
	}
}

func TestFailedRunsAndWarnings(t *testing.T) {
	dir, _ := writeFixture(t, 0, func(in *Input) { in.Options.Figures = []Figure{} })
	md := readFile(t, filepath.Join(dir, ReportFile))
	header, rows := mdTable(t, md, "## Failed runs")
	if !slices.Equal(header, []string{"kind", "params", "key", "step", "error"}) {
		t.Fatalf("failed-runs header %q", header)
	}
	// One training run and its 2 solvers × 2 step counts of evaluations.
	if len(rows) != 5 {
		t.Fatalf("%d failed runs listed, want 5", len(rows))
	}
	// The failed training run recorded 4 curve points every 10 steps.
	if rows[0][0] != "train" || rows[0][3] != "40" || rows[0][4] != "loss became NaN" ||
		rows[0][1] != "method=cfm, dataset=8gaussians, seed=3" {
		t.Errorf("failed train row %q", rows[0])
	}
	for _, r := range rows[1:] {
		if r[0] != "eval" || r[4] != "parent train-cfm-8gaussians-3 failed" {
			t.Errorf("failed eval row %q", r)
		}
	}
	for _, w := range []string{
		"- `train method=cfm, dataset=8gaussians`: 1 of 3 seeds failed (seed 3); statistics use the other 2",
		"- `eval method=cfm, dataset=8gaussians, solver=rk4, steps=8`: 1 of 3 seeds failed (seed 3)",
		"- `eval method=ot, dataset=moons, solver=euler, steps=2`: 3 samples beyond |x| > 10 (seed 2)",
	} {
		if !strings.Contains(md, w) {
			t.Errorf("report lacks warning %q", w)
		}
	}
}

func TestSingleSeedAndNoDatasetAxis(t *testing.T) {
	dir := t.TempDir()
	var runs []results.Run
	for _, st := range []string{"4", "16"} {
		runs = append(runs, results.Run{Kind: "eval", Key: "e" + st, Status: "ok",
			Params:  []results.Param{prm("method", "ot"), prm("seed", "1"), prm("solver", "rk4"), prm("steps", st)},
			Metrics: []results.Metric{met("sw2", 0.25), met("nfe", 4)}})
	}
	in := Input{Title: "one seed", Axes: []string{"method", "seed", "solver", "steps"}, Runs: runs,
		Options: Options{Figures: []Figure{}}}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	md := readFile(t, filepath.Join(dir, ReportFile))
	// Without a dataset axis the columns are the evaluation setting.
	header, rows := mdTable(t, md, "<summary><code>sw2</code> — eval runs")
	if !slices.Equal(header, []string{"method", "rk4 4", "rk4 16"}) {
		t.Fatalf("header %q", header)
	}
	// One row per column: nothing to compare, so nothing is bold.
	if len(rows) != 1 || rows[0][1] != "0.25 (1)" || rows[0][2] != "0.25 (1)" {
		t.Errorf("single-seed cells %q: want the mean and n = 1 without an interval", rows)
	}
	if !strings.Contains(md, "`eval method=ot, solver=rk4, steps=4`: n = 1: no standard deviation or confidence interval (sw2, nfe)") {
		t.Errorf("report lacks the one-seed warning:\n%s", md)
	}
}

func TestFigures(t *testing.T) {
	dir, _ := writeFixture(t, 0, nil)
	md := readFile(t, filepath.Join(dir, ReportFile))
	var pngs []string
	for _, kind := range []string{"samples", "trajectories", "nfe", "loss", "density"} {
		for _, ds := range fxDatasets {
			pngs = append(pngs, FigureDir+"/"+kind+"_"+ds+".png")
		}
	}
	for _, rel := range pngs {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || format != "png" {
			t.Errorf("%s: not a PNG (%v, %q)", rel, err, format)
			continue
		}
		// At least 1 inch at 96 dpi each way; at most the few hundred KB
		// a committed figure may weigh.
		if cfg.Width < 96 || cfg.Height < 96 || len(b) > 400<<10 {
			t.Errorf("%s: %d×%d px, %d bytes", rel, cfg.Width, cfg.Height, len(b))
		}
		if !strings.Contains(md, "]("+rel+")") {
			t.Errorf("report.md does not embed %s", rel)
		}
		// The NFE figure has one panel per metric (sw2 only in the
		// fixture) of at least 400 × 400 px, plus its legend strip.
		if strings.Contains(rel, "/nfe_") && (cfg.Width < 400 || cfg.Height < 400) {
			t.Errorf("%s: %d×%d px, want panels of at least 400 px", rel, cfg.Width, cfg.Height)
		}
	}
	// A figure that fails to draw is only a warning: none may here.
	if strings.Contains(md, "not drawn") {
		t.Errorf("a figure failed to draw:\n%s", md[strings.Index(md, "not drawn")-200:])
	}
	for _, rel := range []string{"figures/nfe_moons.svg", "figures/loss_moons.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s: missing or not SVG (%v)", rel, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "figures/samples_moons.svg")); err == nil {
		t.Error("scatter figures must stay PNG only")
	}
}

func TestFigureSelectionAndMissingFiles(t *testing.T) {
	dir := t.TempDir()
	runs := fixture(t, dir, 0)
	missing := "eval/ot_moons_euler_2_samples.npy"
	if err := os.Remove(filepath.Join(dir, missing)); err != nil {
		t.Fatal(err)
	}
	in := fxInput(dir, runs)
	in.Options.Figures = []Figure{FigureSamples}
	if err := Write(dir, in); err != nil {
		t.Fatalf("a missing data file must not stop the report: %v", err)
	}
	md := readFile(t, filepath.Join(dir, ReportFile))
	if !strings.Contains(md, "figure skipped") || !strings.Contains(md, missing) {
		t.Error("the missing samples file is not reported as a warning")
	}
	ents, _ := os.ReadDir(filepath.Join(dir, FigureDir))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"samples_8gaussians.png", "samples_moons.png"}; !slices.Equal(names, want) {
		t.Errorf("figures %q, want only %q", names, want)
	}
}

func TestGolden(t *testing.T) {
	dir, _ := writeFixture(t, 0, nil)
	got := readFile(t, filepath.Join(dir, ReportFile))
	golden := filepath.Join("testdata", "report.golden.md")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readFile(t, golden)
	if got != want {
		t.Errorf("report.md differs from %s (rerun with -update after checking the change):\n%s", golden, firstDiff(got, want))
	}
}

// firstDiff shows the first differing line.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + x + "\nwant: " + y
		}
	}
	return ""
}

func TestInputErrors(t *testing.T) {
	ok := results.Run{Kind: "eval", Key: "k", Status: "ok"}
	cases := []struct {
		name string
		in   Input
		want string
	}{
		{"no axes", Input{Runs: []results.Run{ok}}, "Input.Axes is empty"},
		{"repeated axis", Input{Axes: []string{"seed", "seed"}}, `axis "seed" listed twice`},
		{"column not an axis", Input{Axes: []string{"method", "seed"}, Options: Options{Columns: []string{"dataset"}}}, `Options.Columns names "dataset"`},
		{"seed as column", Input{Axes: []string{"method", "seed"}, Options: Options{Columns: []string{"seed"}}}, `Options.Columns names "seed"`},
		{"bad status", Input{Axes: []string{"seed"}, Runs: []results.Run{{Kind: "eval", Key: "x", Status: "done"}}}, `status "done" (want ok or failed)`},
		{"no kind", Input{Axes: []string{"seed"}, Runs: []results.Run{{Key: "x", Status: "ok"}}}, "has no kind"},
		{"order of a non-axis", Input{Axes: []string{"method", "seed"}, Order: map[string][]string{"solver": {"rk4"}}}, `Input.Order names "solver", which is not an axis`},
		{"order with a repeat", Input{Axes: []string{"method", "seed"}, Order: map[string][]string{"method": {"ot", "vp", "ot"}}}, `Input.Order["method"] lists "ot" twice`},
		{"unknown figure", Input{Axes: []string{"seed"}, Options: Options{Figures: []Figure{"histogram"}}}, `unknown figure "histogram" (valid: samples, trajectories, nfe, loss, density, cost, mosaic)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Write(t.TempDir(), c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestMalformedFilesBecomeWarnings(t *testing.T) {
	dir := t.TempDir()
	one := writeNPY(t, dir, "one_col.npy", []float64{1, 2, 3}, 3, 1)
	empty := writeNPY(t, dir, "empty.npy", nil, 0, 2)
	traj := writeNPY(t, dir, "traj.npy", make([]float64, 5*2), 5, 2)
	grid := writeNPY(t, dir, "grid.npy", make([]float64, 4), 2, 2)
	run := func(key, method string, files []results.File, extra ...results.Param) results.Run {
		return results.Run{Kind: "eval", Key: key, Status: "ok", Files: files,
			Params:  append([]results.Param{prm("method", method), prm("seed", "1"), prm("steps", "4")}, extra...),
			Metrics: []results.Metric{met("sw2", 1), met("nfe", 4)}}
	}
	runs := []results.Run{
		run("a", "m1", []results.File{{Role: RoleSamples, Path: one}}),
		run("b", "m2", []results.File{{Role: RoleSamples, Path: empty}}),
		// 5 rows cannot hold K = 2 time points.
		run("c", "m3", []results.File{{Role: RoleTrajectories, Path: traj}}, prm(ParamTrajectoryTimes, "2")),
		run("d", "m4", []results.File{{Role: RoleDensity, Path: grid}}, prm(ParamDensityExtent, "1,-1,0,1")),
		run("e", "m5", []results.File{{Role: RoleSamples, Path: "nowhere.npy"}}),
	}
	in := Input{Axes: []string{"method", "seed", "steps"}, Runs: runs}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	md := readFile(t, filepath.Join(dir, ReportFile))
	for _, w := range []string{
		"`eval method=m1, seed=1, steps=4`: figure skipped: one_col.npy is 3×1",
		"`eval method=m2, seed=1, steps=4`: figure skipped: empty.npy is 0×2",
		"`eval method=m3, seed=1, steps=4`: trajectory figure skipped: param trajectory_times = \"2\" must be an integer K ≥ 2 dividing the 5 rows",
		"`eval method=m4, seed=1, steps=4`: density figure skipped: param density_extent = \"1,-1,0,1\": want xmin < xmax",
		"`eval method=m5, seed=1, steps=4`: figure skipped: open ",
	} {
		if !strings.Contains(md, w) {
			t.Errorf("report lacks warning %q", w)
		}
	}
	for _, h := range []string{"### Samples", "### Trajectories", "### Log-density"} {
		if strings.Contains(md, h) {
			t.Errorf("no %s figure can be drawn from these files, yet the report has one", h)
		}
	}
	// The NFE figure has one point per method: a degenerate range, drawn
	// on linear axes.
	if !strings.Contains(md, "![Quality against NFE](figures/nfe_all.png)") {
		t.Error("the NFE figure of single points is missing")
	}
}

func TestAbsentMetricAndDuplicateSeed(t *testing.T) {
	dir := t.TempDir()
	r := results.Run{Kind: "eval", Key: "a", Status: "ok",
		Params:  []results.Param{prm("method", "ot"), prm("seed", "1"), prm("solver", "rk4")},
		Metrics: []results.Metric{met("sw2", 0.5)}}
	// The same seed again under another key: "solver" was left out of the
	// axes, so two distinct runs fall into one cell.
	dup := r
	dup.Key = "b"
	dup.Params = []results.Param{prm("method", "ot"), prm("seed", "1"), prm("solver", "euler")}
	in := Input{Axes: []string{"method", "seed"}, Metrics: []string{"sw2", "mmd"}, Runs: []results.Run{r, dup},
		Options: Options{Figures: []Figure{}}}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	md := readFile(t, filepath.Join(dir, ReportFile))
	for _, w := range []string{
		"- metric \"mmd\" is listed but no successful run has it",
		"- `eval method=ot`: two runs share seed \"1\": an axis is missing from Input.Axes, or the store holds duplicates (sw2)",
	} {
		if !strings.Contains(md, w) {
			t.Errorf("report lacks warning %q", w)
		}
	}
}

// adaptiveRuns: methods zeta and alpha, seeds 1 and 2, evaluated with
// Euler at 2 and 10 steps, RK4 at 4 steps and adaptive Dopri5 (an rtol,
// no step count). sw2 = base(method) + 1/NFE + jitter(seed); Dopri5's NFE
// differs by seed (40 and 44: mean 42).
func adaptiveRuns() []results.Run {
	base := map[string]float64{"zeta": 0.1, "alpha": 0.2}
	jitter := map[string]float64{"1": 0, "2": 0.01}
	dopriNFE := map[string]float64{"1": 40, "2": 44}
	var runs []results.Run
	for _, m := range []string{"zeta", "alpha"} {
		for _, seed := range []string{"1", "2"} {
			add := func(setting []results.Param, nfe float64) {
				ps := append([]results.Param{prm("method", m), prm("seed", seed)}, setting...)
				key := m + seed
				for _, p := range setting {
					key += "-" + p.Value
				}
				runs = append(runs, results.Run{Kind: "eval", Key: key, Status: "ok", Params: ps,
					Metrics: []results.Metric{met("sw2", base[m]+1/nfe+jitter[seed]), met("nfe", nfe)},
					Files:   []results.File{{Role: RoleSamples, Path: key + ".npy"}}})
			}
			add([]results.Param{prm("solver", "euler"), prm("steps", "2")}, 2)
			add([]results.Param{prm("solver", "euler"), prm("steps", "10")}, 10)
			add([]results.Param{prm("solver", "rk4"), prm("steps", "4")}, 16)
			add([]results.Param{prm("solver", "dopri5"), prm("rtol", "1e-05")}, dopriNFE[seed])
		}
	}
	return runs
}

func TestAdaptiveSolverIsAColumn(t *testing.T) {
	runs := adaptiveRuns()
	in := Input{Axes: []string{"method", "seed", "solver", "steps", "rtol"}, Runs: shuffled(runs, 3),
		Order:   map[string][]string{"method": {"zeta", "alpha"}, "solver": {"euler", "rk4", "dopri5"}},
		Options: Options{Figures: []Figure{}}}
	dir := t.TempDir()
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	md := readFile(t, filepath.Join(dir, ReportFile))
	// The evaluation setting is the columns, the adaptive solver one more
	// of them (solvers in the given order, steps numerically: 2 before
	// 10); the methods alone are the rows.
	wantHeader := []string{"method", "euler 2", "euler 10", "rk4 4", "dopri5 rtol=1e-05"}
	for _, where := range []string{"## Summary", "<summary><code>sw2</code> — eval runs", "<summary><code>nfe</code> — eval runs"} {
		header, rows := mdTable(t, md, where)
		if !slices.Equal(header, wantHeader) {
			t.Errorf("%s: header %q, want %q", where, header, wantHeader)
		}
		if len(rows) != 2 || rows[0][0] != "zeta" || rows[1][0] != "alpha" {
			t.Errorf("%s: rows %q, want zeta then alpha", where, rows)
		}
	}
	_, rows := mdTable(t, md, "## Summary")
	// Only the adaptive column states its NFE: the mean of 40 and 44.
	for _, row := range rows {
		for i, c := range row[1:] {
			adaptive := wantHeader[1+i] == "dopri5 rtol=1e-05"
			if has := strings.HasSuffix(strings.TrimSuffix(strings.TrimSuffix(c, tieMark), "**"), " · NFE 42"); has != adaptive {
				t.Errorf("summary %s, %s: cell %q (want NFE 42: %v)", row[0], wantHeader[1+i], c, adaptive)
			}
		}
	}
	// zeta's sw2 is below alpha's everywhere (base 0.1 vs 0.2, same 1/NFE
	// and jitter), so zeta is bold in every column.
	for i := range rows[0][1:] {
		if !strings.HasPrefix(rows[0][1+i], "**") || strings.HasPrefix(rows[1][1+i], "**") {
			t.Errorf("column %s: zeta %q, alpha %q: want zeta bold only", wantHeader[1+i], rows[0][1+i], rows[1][1+i])
		}
	}

	// The sample grid has the same layout: one row per method, one column
	// per setting, the adaptive solver last.
	b := newBuilder(&in, valueOrder(in.Order).sortRuns(in.Runs, in.Axes))
	fw := &figureWriter{b: b, npy: map[string]npyData{}}
	ps := fw.panels("", RoleSamples)
	if !slices.Equal(ps.rowAxes, []string{"method"}) || !slices.Equal(ps.colAxes, []string{"solver", "steps", "rtol"}) {
		t.Fatalf("panel axes rows %q, columns %q", ps.rowAxes, ps.colAxes)
	}
	var cols []string
	for _, c := range ps.cols {
		cols = append(cols, colLabel(ps.colAxes, c, ""))
	}
	if !slices.Equal(cols, wantHeader[1:]) || len(ps.rows) != 2 || ps.rows[0][0] != "zeta" {
		t.Errorf("panels: rows %q, columns %q", ps.rows, cols)
	}
	for _, row := range ps.rows {
		for _, col := range ps.cols {
			if ps.at(row, col) == nil {
				t.Errorf("panel %v %v is empty", row, col)
			}
		}
	}
}

func TestOrderFallsBack(t *testing.T) {
	// Without Input.Order the methods sort as strings and the solvers too;
	// steps stay numeric. With a partial order the listed values lead.
	cases := []struct {
		name          string
		order         map[string][]string
		rows, columns []string
	}{
		{"no order", nil, []string{"alpha", "zeta"}, []string{"dopri5 rtol=1e-05", "euler 2", "euler 10", "rk4 4"}},
		{"partial order", map[string][]string{"solver": {"rk4"}}, []string{"alpha", "zeta"}, []string{"rk4 4", "dopri5 rtol=1e-05", "euler 2", "euler 10"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Axes: []string{"method", "seed", "solver", "steps", "rtol"}, Runs: adaptiveRuns(), Order: c.order,
				Options: Options{Figures: []Figure{}}}
			dir := t.TempDir()
			if err := Write(dir, in); err != nil {
				t.Fatal(err)
			}
			header, rows := mdTable(t, readFile(t, filepath.Join(dir, ReportFile)), "## Summary")
			var got []string
			for _, r := range rows {
				got = append(got, r[0])
			}
			if !slices.Equal(got, c.rows) || !slices.Equal(header[1:], c.columns) {
				t.Errorf("rows %q, columns %q; want %q, %q", got, header[1:], c.rows, c.columns)
			}
		})
	}
}
