package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The paper reproductions (experiments/paper-*.yaml) run here in small
// variants — a few training steps, one seed, small sample sets — so a
// change to the schema, the runner or the published files that breaks one
// of them fails a test, not the next person regenerating results/. The
// numbers of such short runs are meaningless; the tests check what must
// hold at any size: every published cell finds its runs, the metrics the
// claims rest on are recorded, and the quantities known in closed form
// come out exactly.

// csvRow is one row of runs.csv, by column name.
type csvRow map[string]string

// readRuns reads runs.csv of a results directory.
func readRuns(t *testing.T, dir string) []csvRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []csvRow
	for _, r := range rows[1:] {
		m := csvRow{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// value returns the metric of the rows matching every key of where, which
// must be exactly one.
func value(t *testing.T, rows []csvRow, metric string, where map[string]string) float64 {
	t.Helper()
	var got []float64
	for _, r := range rows {
		if r["metric"] != metric {
			continue
		}
		ok := true
		for k, v := range where {
			ok = ok && r[k] == v
		}
		if ok {
			v, err := strconv.ParseFloat(r["value"], 64)
			if err != nil {
				t.Fatalf("%s %v: %v", metric, where, err)
			}
			got = append(got, v)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d rows of %s with %v, want 1", len(got), metric, where)
	}
	return got[0]
}

// runPaper runs a paper spec with overrides into a temporary directory and
// returns the directory and report.md.
func runPaper(t *testing.T, name string, sets ...string) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	args := []string{"-q", "-j", "2", "-o", dir}
	for _, s := range sets {
		args = append(args, "-set", s)
	}
	args = append(args, filepath.Join("..", "..", "experiments", name+".yaml"))
	var out, errb bytes.Buffer
	if code := run(&out, &errb, args); code != exitOK {
		t.Fatalf("%s: exit %d\n%s%s", name, code, out.String(), errb.String())
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, string(md)
}

// agreeLine matches the comparison's summary line.
var agreeLine = regexp.MustCompile(`\*\*(\d+) of (\d+) compared cells agree\*\*(.*)`)

// checkComparison: every published cell of the file is compared with one
// setting of ours (the small variant has every grid point and method the
// published file names, so none is "not run").
func checkComparison(t *testing.T, md string, cells int) {
	t.Helper()
	m := agreeLine.FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("report.md has no comparison summary:\n%s", md)
	}
	if m[2] != strconv.Itoa(cells) || strings.Contains(m[3], "no matching run") {
		t.Errorf("comparison: %q, want %d compared cells and none missing", m[0], cells)
	}
}

func TestPaperTong2024(t *testing.T) {
	// Batch 64 keeps the per-step exact OT cheap; the W2 sets are 300 points.
	dir, md := runPaper(t, "paper-tong2024", "seeds=[1]", "training.steps=30", "training.batch=64",
		"data.train_size=500", "data.test_size=300", "evaluation.samples=300", "evaluation.trajectories=4",
		"report.figures=[]")
	// 3 methods × 4 tasks × {w2, npe}, as in Table 2 (FM has its own spec).
	checkComparison(t, md, 24)
	rows := readRuns(t, dir)
	for _, task := range []struct{ target, source string }{
		{"8gaussians-runner", "normal"}, {"8gaussians-dsb", "moons-dsb"}, {"moons-runner", "normal"}, {"scurve", "normal"},
		{"moons-dsb", "8gaussians-dsb"}, // the reverse of the second task, not compared
	} {
		// RF is a reflowed flow: both its stages are evaluated, the second
		// is the one compared with the published row.
		for _, m := range []string{"OT-CFM", "I-CFM", "RF/1-rectified", "RF/2-rectified"} {
			m, stage, _ := strings.Cut(m, "/")
			where := map[string]string{"kind": "eval", "dataset": task.target, "data.source": task.source, "method": m}
			if stage != "" {
				where["stage"] = stage
			}
			if w2 := value(t, rows, "w2", where); !(w2 > 0) {
				t.Errorf("%s %v: w2 = %v, want > 0", m, task, w2)
			}
			// 100 Euler steps: NFE 100 exactly.
			if nfe := value(t, rows, "nfe", where); nfe != 100 {
				t.Errorf("%s %v: nfe = %v, want 100", m, task, nfe)
			}
			// train_nfe: batch × steps network rows for flow matching.
			trainWhere := map[string]string{"kind": "train", "dataset": task.target, "data.source": task.source, "method": m}
			if stage != "" {
				trainWhere["stage"] = stage
			}
			if n := value(t, rows, "train_nfe", trainWhere); n != 64*30 {
				t.Errorf("%s %v: train_nfe = %v, want 64 × 30", m, task, n)
			}
		}
	}
	// Only the five tasks ran (the second task's sources only with their
	// partner).
	for _, r := range rows {
		if s := r["data.source"]; s == "moons-dsb" && r["dataset"] != "8gaussians-dsb" || s == "8gaussians-dsb" && r["dataset"] != "moons-dsb" {
			t.Fatalf("a task outside the spec ran: %v", r)
		}
	}
}

// TestPaperTong2024SB: the Schrödinger-bridge rows run end to end, the
// [SF]2M models with an SDE evaluation (euler-maruyama: two networks per
// step) next to their probability-flow ODE's.
func TestPaperTong2024SB(t *testing.T) {
	dir, _ := runPaper(t, "paper-tong2024-sb", "seeds=[1]", "training.steps=20", "training.batch=64",
		"data.train_size=300", "data.test_size=200", "evaluation.samples=200", "evaluation.trajectories=4",
		"report.figures=[]")
	rows := readRuns(t, dir)
	for _, m := range []string{"SB-CFM", "[SF]2M-Exact", "[SF]2M-I"} {
		for solver, nfe := range map[string]float64{"euler": 100, "euler-maruyama": 100} {
			if m != "SB-CFM" && solver == "euler-maruyama" {
				nfe = 200
			}
			where := map[string]string{"kind": "eval", "dataset": "scurve", "method": m, "solver": solver}
			if got := value(t, rows, "nfe", where); got != nfe {
				t.Errorf("%s %s: nfe = %v, want %v", m, solver, got, nfe)
			}
			if w2 := value(t, rows, "w2", where); !(w2 > 0) {
				t.Errorf("%s %s: w2 = %v, want > 0", m, solver, w2)
			}
		}
	}
}

func TestPaperTong2024FM(t *testing.T) {
	_, md := runPaper(t, "paper-tong2024-fm", "seeds=[1]", "training.steps=30", "training.batch=64",
		"data.train_size=500", "data.test_size=300", "evaluation.samples=300", "evaluation.trajectories=4",
		"report.figures=[]")
	checkComparison(t, md, 6) // 3 tasks × {w2, npe}
}

func TestPaperLipman2023(t *testing.T) {
	dir, _ := runPaper(t, "paper-lipman2023", "seeds=[1]", "training.steps=30", "training.batch=64",
		"data.test_size=200", "evaluation.samples=200", "evaluation.nll.n=50", "evaluation.trajectories=4",
		"evaluation.solvers[0].steps=[1,4]", "report.figures=[]")
	rows := readRuns(t, dir)
	for _, m := range []string{"FM-OT", "FM-VP"} {
		cb := map[string]string{"kind": "modeleval", "dataset": "checkerboard", "method": m}
		// Every checkerboard point has density 1/32 (MATH.md §5), so the
		// true NLL nll − nll_gap is ln 32 up to rounding.
		if tru := value(t, rows, "nll", cb) - value(t, rows, "nll_gap", cb); math.Abs(tru-math.Log(32)) > 1e-9 {
			t.Errorf("%s: true NLL %v, want ln 32 = %v", m, tru, math.Log(32))
		}
		for _, ds := range []string{"checkerboard", "8gaussians"} {
			// The claim's measures: Dopri5's NFE and straightness.
			where := map[string]string{"kind": "eval", "dataset": ds, "method": m, "solver": "dopri5"}
			if nfe := value(t, rows, "nfe", where); nfe < 6 || math.Mod(nfe, 1) != 0 {
				t.Errorf("%s %s: Dopri5 NFE %v, want a whole number ≥ 6 (one step's stages)", m, ds, nfe)
			}
			if s := value(t, rows, "straightness", where); !(s >= 0) {
				t.Errorf("%s %s: straightness %v, want ≥ 0", m, ds, s)
			}
		}
	}
}

func TestPaperLiu2023(t *testing.T) {
	dir, _ := runPaper(t, "paper-liu2023", "seeds=[1]", "training.steps=30", "training.batch=64",
		"data.test_size=200", "evaluation.samples=200", "methods[RF].reflow.pairs=200", "methods[RF].reflow.steps=8",
		"evaluation.solvers[0].steps=[1,2]", "evaluation.trajectories=4", "report.figures=[]")
	rows := readRuns(t, dir)
	for _, stage := range []string{"1-rectified", "2-rectified", "3-rectified", "distilled"} {
		where := map[string]string{"kind": "eval", "stage": stage, "solver": "dopri5"}
		if s := value(t, rows, "straightness", where); !(s >= 0) {
			t.Errorf("%s: straightness %v, want ≥ 0", stage, s)
		}
	}
	// The reflow pairs are 200 points solved with 8 RK4 steps: 32 NFE.
	for _, stage := range []string{"2-rectified", "3-rectified", "distilled"} {
		if nfe := value(t, rows, "nfe", map[string]string{"kind": "pairs", "stage": stage}); nfe != 32 {
			t.Errorf("pairs for %s: nfe %v, want 8 × 4", stage, nfe)
		}
	}
}

func TestPaperCNFvsFM(t *testing.T) {
	dir, md := runPaper(t, "paper-cnf-vs-fm", "seeds=[1]", "training.steps=[4,8]", "training.batch=16",
		"data.test_size=100", "evaluation.samples=100", "evaluation.nll.n=20", "evaluation.trajectories=4",
		"report.figures=[cost]")
	rows := readRuns(t, dir)
	for _, ds := range []string{"8gaussians", "checkerboard"} {
		for _, steps := range []string{"4", "8"} {
			n, _ := strconv.Atoi(steps)
			train := func(m string) map[string]string {
				return map[string]string{"kind": "train", "dataset": ds, "method": m, "training.steps": steps}
			}
			// Flow matching evaluates the field once per point per step.
			if v := value(t, rows, "train_nfe", train("FM-OT")); v != float64(16*n) {
				t.Errorf("FM-OT %s %s steps: train_nfe %v, want 16 × %d", ds, steps, v, n)
			}
			// The CNF solves the ODE in every step: 4 RK4 steps of 4 stages.
			if v := value(t, rows, "train_nfe", train("CNF")); v != float64(16*n*4*4) {
				t.Errorf("CNF %s %s steps: train_nfe %v, want 16 × %d × 16", ds, steps, v, n)
			}
		}
	}
	png := filepath.Join(dir, "figures", "cost_checkerboard.png")
	if _, err := os.Stat(png); err != nil {
		t.Errorf("no cost figure: %v", err)
	}
	if !strings.Contains(md, "The dashed line is the true NLL") {
		t.Error("the cost figure has no true-NLL line")
	}
}
