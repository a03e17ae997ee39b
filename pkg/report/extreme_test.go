package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/results"
)

// TestExtremeValuesNeverPanic: metric values of 1e16 and more with a
// single NFE point (gonum's tick search panicked with "illegal range"),
// NaN and ±Inf metrics and loss curves, a value at MaxFloat64: the report
// is written, non-finite values are shown as such and left out of the
// statistics with a counted warning.
func TestExtremeValuesNeverPanic(t *testing.T) {
	for _, v := range []float64{1e16, 3e300, math.MaxFloat64, -1e17, math.NaN(), math.Inf(1), 0} {
		dir := t.TempDir()
		var runs []results.Run
		for _, seed := range []string{"1", "2"} {
			tr := "train" + seed
			runs = append(runs,
				results.Run{Kind: "train", Key: tr, Status: "ok", Params: []results.Param{{Key: "method", Value: "ot"}, {Key: "dataset", Value: "moons"}, {Key: "seed", Value: seed}},
					Metrics: []results.Metric{{Name: "final_loss", Value: v}}, Curve: results.Floats{v, v, 1}, CurveEvery: 10},
				results.Run{Kind: "eval", Key: "eval" + seed, Parent: tr, Status: "ok",
					Params:  []results.Param{{Key: "method", Value: "ot"}, {Key: "dataset", Value: "moons"}, {Key: "seed", Value: seed}, {Key: "solver", Value: "euler"}, {Key: "steps", Value: "4"}},
					Metrics: []results.Metric{{Name: "nfe", Value: 4}, {Name: "sw2", Value: v}, {Name: "w2", Value: 0.5}}})
		}
		in := Input{Title: "x", Axes: []string{"method", "dataset", "seed", "solver", "steps"}, Runs: runs, StoreDir: dir,
			Options: Options{Figures: AllFigures()}}
		if err := Write(dir, in); err != nil {
			t.Fatalf("value %g: %v", v, err)
		}
		md, _ := os.ReadFile(filepath.Join(dir, ReportFile))
		if !results.Finite(v) {
			if !strings.Contains(string(md), "non-finite") {
				t.Errorf("value %g: no warning about the non-finite values", v)
			}
			if cell := results.FormatFloat(v) + " ×2"; !strings.Contains(string(md), cell) {
				t.Errorf("value %g: no table cell %q", v, cell)
			}
		}
		if strings.Contains(string(md), "not drawn") {
			t.Errorf("value %g: a figure was dropped: the axes should have been widened", v)
		}
		csv, _ := os.ReadFile(filepath.Join(dir, CSVFile))
		if !strings.Contains(string(csv), results.FormatFloat(v)) {
			t.Errorf("value %g: runs.csv does not show it as %s", v, results.FormatFloat(v))
		}
	}
}

func TestPublishedFileBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, _, err := ReadPublishedFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("/dev/zero: %v", err)
		}
	}
	big := filepath.Join(t.TempDir(), "big.csv")
	os.WriteFile(big, make([]byte, MaxPublishedBytes+1), 0o644)
	if _, _, err := ReadPublishedFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a big file: %v", err)
	}
}
