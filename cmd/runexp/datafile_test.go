package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/experiment"
)

// TestDataFileSpec runs a spec whose target is a CSV ring end to end, then
// checks the artifact keys follow the file's bytes: the same bytes under
// another name plan nothing new, an edited file retrains.
func TestDataFileSpec(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"-o", dir, "-j", "1", "-q", "testdata/ring.spec"}); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	raw, err := os.ReadFile(filepath.Join(dir, "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), ",ring.csv,CFM,3,") || !strings.Contains(string(raw), ",sw2,") {
		t.Fatalf("runs.csv lacks the ring.csv rows:\n%s", raw)
	}
	todo := regexp.MustCompile(`[1-9][0-9]* to compute`)
	dry := func(args ...string) string {
		var o, e bytes.Buffer
		if code := run(&o, &e, append([]string{"-o", dir, "-dry-run"}, args...)); code != exitOK {
			t.Fatalf("dry run %v: exit %d\n%s", args, code, e.String())
		}
		return o.String()
	}
	if s := dry("-set", "data.target={file: ring-copy.csv}", "testdata/ring.spec"); todo.MatchString(s) {
		t.Errorf("the same bytes under another name plan new work:\n%s", s)
	}
	// An edited copy beside a copy of the spec: one changed row retrains.
	tmp := t.TempDir()
	b, _ := os.ReadFile("testdata/ring.csv")
	edited := strings.Replace(string(b), "\n2.", "\n2.5", 1)
	if edited == string(b) {
		t.Fatal("edit did not change the file")
	}
	spec, _ := os.ReadFile("testdata/ring.spec")
	os.WriteFile(filepath.Join(tmp, "ring.csv"), []byte(edited), 0o644)
	os.WriteFile(filepath.Join(tmp, "ring.spec"), spec, 0o644)
	if s := dry(filepath.Join(tmp, "ring.spec")); !strings.Contains(s, "train          1  (0 cached, 1 to compute") {
		t.Errorf("an edited file does not retrain:\n%s", s)
	}
	// report DIR plans the same keys from the results directory alone.
	var o2, e2 bytes.Buffer
	if code := run(&o2, &e2, []string{"report", dir}); code != exitOK || strings.Contains(o2.String(), "missing") {
		t.Errorf("report: exit %d %s %s", code, o2.String(), e2.String())
	}
}

// TestDataFileErrors: bad data exits 2 with one error naming the place,
// and writes nothing.
func TestDataFileErrors(t *testing.T) {
	tmp := t.TempDir()
	three := "a b c\n" + strings.Repeat("1 2 3\n", 300)
	os.WriteFile(filepath.Join(tmp, "three.txt.csv"), []byte(three), 0o644)
	spec, _ := os.ReadFile("testdata/ring.spec")
	os.WriteFile(filepath.Join(tmp, "ring.spec"), spec, 0o644)
	b, _ := os.ReadFile("testdata/ring.csv")
	os.WriteFile(filepath.Join(tmp, "ring.csv"), b, 0o644)
	os.WriteFile(filepath.Join(tmp, "ragged.csv"), []byte("1,2\n3,4\n5,6,7\n"), 0o644)
	os.WriteFile(filepath.Join(tmp, "inf.csv"), []byte("1 2\n3 inf\n"), 0o644)
	cases := []struct {
		set  []string
		want string
	}{
		{[]string{"data.target={file: " + filepath.Join(tmp, "nope.csv") + "}"}, "nope.csv: cannot read the data file: no such file"},
		{[]string{"data.target={file: bad-ring.csv}"}, "bad-ring.csv:6:2: \"abc\" is not a number"},
		{[]string{"data.target={file: " + filepath.Join(tmp, "ragged.csv") + "}"}, "ragged.csv:3:3: 3 fields, want 2"},
		{[]string{"data.target={file: " + filepath.Join(tmp, "inf.csv") + "}"}, "inf.csv:2:2: non-finite value"},
		{[]string{"data.source={file: " + filepath.Join(tmp, "three.txt.csv") + "}"}, "data.source: the source is 3-dimensional but the target is 2-dimensional"},
		{[]string{"data.test_size=380"}, "the data file has 400 rows, fewer than data.test_size + training.batch = 380 + 32"},
	}
	for _, c := range cases {
		out := filepath.Join(tmp, "out")
		args := []string{"-o", out, "-q"}
		for _, s := range c.set {
			args = append(args, "-set", s)
		}
		var o, e bytes.Buffer
		code := run(&o, &e, append(args, "testdata/ring.spec"))
		if code != exitUsage || !strings.Contains(e.String(), c.want) || strings.Count(strings.TrimSpace(e.String()), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line containing %q", c.set, code, e.String(), exitUsage, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", c.set, out)
		}
	}
}

// TestMixtureSpec: a 3-D mixture given in the spec has a true NLL and an
// oracle field; normal and gmm8 accept any data.dim; a non-diagonal
// covariance is refused with the reason.
func TestMixtureSpec(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	mix := "data.target={mixture: {weights: [0.25, 0.75], means: [[-2, 0, 1], [2, 1, 0]], stds: [0.5, 0.8]}}"
	var out, errb bytes.Buffer
	args := []string{"-o", dir, "-j", "1", "-q", "-set", mix, "-set", "evaluation.metrics=[sw2, nll, learning_error]", "-set", "evaluation.nll={solver: rk4, steps: 4, n: 20}", "-set", "methods[CFM].sigma=0", "testdata/ring.spec"}
	if code := run(&out, &errb, args); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "runs.csv"))
	for _, want := range []string{",nll_true,", ",learning_error,", ",mixture-"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("runs.csv has no %q", want)
		}
	}
	for _, set := range [][]string{{"data.target=normal", "data.dim=5"}, {"data.target=gmm8", "data.dim=7"}} {
		var o, e bytes.Buffer
		if code := run(&o, &e, []string{"validate", "-set", set[0], "-set", set[1], "testdata/ring.spec"}); code != exitOK {
			t.Errorf("%v: exit %d %s", set, code, e.String())
		}
	}
	var o, e bytes.Buffer
	bad := "data.target={mixture: {weights: [1], means: [[0, 0]], covs: [[[1, 0.5], [0.5, 1]]]}}"
	if code := run(&o, &e, []string{"validate", "-set", bad, "testdata/ring.spec"}); code != exitUsage || !strings.Contains(e.String(), "only diagonal covariances") {
		t.Errorf("non-diagonal covs: exit %d %q", code, e.String())
	}
}

// TestSampleReproduces: `runexp sample` with an evaluation's settings
// reproduces its stored samples bit for bit (Euler and Dopri5); other
// settings draw from their own stream, the same on every call.
func TestSampleReproduces(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	solversSet := "evaluation.solvers=[{name: euler, steps: [4]}, {name: dopri5, rtol: 1.0e-3, atol: 1.0e-3}]"
	if code := run(&out, &errb, []string{"-o", dir, "-j", "1", "-q", "-set", solversSet, "testdata/ring.spec"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	stored, _ := filepath.Glob(filepath.Join(dir, "store", "*.samples.npy"))
	if len(stored) != 2 {
		t.Fatalf("%d stored sample files, want 2", len(stored))
	}
	read := func(p string) []float64 {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		x, _, _, err := datasets.ReadNPY(f)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	draw := func(name string, args ...string) []float64 {
		p := filepath.Join(t.TempDir(), name)
		var o, e bytes.Buffer
		full := append([]string{"sample", dir, "-method", "CFM", "-seed", "3", "-o", p}, args...)
		if code := run(&o, &e, full); code != exitOK {
			t.Fatalf("%v: exit %d %s", full, code, e.String())
		}
		return read(p)
	}
	got := [][]float64{
		draw("e.npy", "-solver", "euler", "-steps", "4", "-n", "100"),
		draw("d.npy", "-solver", "dopri5", "-rtol", "1e-3", "-atol", "1e-3", "-n", "100"),
	}
	for _, g := range got {
		found := false
		for _, p := range stored {
			if s := read(p); slices.Equal(s, g) {
				found = true
			}
		}
		if !found {
			t.Errorf("sampled %d values equal no stored samples file", len(g))
		}
	}
	a := draw("a.npy", "-solver", "euler", "-steps", "4", "-n", "50")
	b := draw("b.npy", "-solver", "euler", "-steps", "4", "-n", "50")
	if !slices.Equal(a, b) || slices.Equal(a, got[0][:100]) {
		t.Error("settings without a stored evaluation: not reproducible, or the evaluation's stream reused")
	}
	var o, e bytes.Buffer
	if code := run(&o, &e, []string{"sample", dir, "-method", "OT", "-o", filepath.Join(t.TempDir(), "x.npy")}); code != exitUsage || !strings.Contains(e.String(), "method=CFM") {
		t.Errorf("unknown method: exit %d %q", code, e.String())
	}
}

// metricOf returns the value of a metric of the kind's rows in runs.csv
// (the first such row).
func metricOf(t *testing.T, dir, kind, metric string) float64 {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		if r[col["kind"]] == kind && r[col["metric"]] == metric {
			v, err := strconv.ParseFloat(r[col["value"]], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("%s: no %s %s row", dir, kind, metric)
	return 0
}

// TestHutchinsonNLL: the held-out NLL of one trained 3-D model with the
// Hutchinson estimator (fixed probes, RK4) agrees with the exact trace
// within a few of its standard errors, and reports a larger standard error.
func TestHutchinsonNLL(t *testing.T) {
	base := t.TempDir()
	mix := "data.target={mixture: {weights: [0.5, 0.5], means: [[-2, 0, 1], [2, 1, 0]], stds: [0.5, 0.8]}}"
	nll := func(dir string, extra ...string) (float64, float64) {
		args := append([]string{"-o", dir, "-j", "1", "-q", "-set", mix, "-set", "evaluation.metrics=[nll]", "-set", "evaluation.nll.solver=rk4", "-set", "evaluation.nll.steps=8", "-set", "evaluation.nll.n=100"}, extra...)
		var o, e bytes.Buffer
		if code := run(&o, &e, append(args, "testdata/ring.spec")); code != exitOK {
			t.Fatalf("exit %d %s", code, e.String())
		}
		return metricOf(t, dir, "modeleval", "nll"), metricOf(t, dir, "modeleval", "nll_stderr")
	}
	ex, exSE := nll(filepath.Join(base, "exact"))
	h, hSE := nll(filepath.Join(base, "hutch"), "-set", "evaluation.nll.divergence=hutchinson", "-set", "evaluation.nll.probes=4")
	if math.Abs(h-ex) > 4*hSE || hSE <= 0 {
		t.Errorf("Hutchinson NLL %.4f ± %.4f vs exact %.4f ± %.4f", h, hSE, ex, exSE)
	}
	t.Logf("exact %.4f ± %.4f, Hutchinson %.4f ± %.4f nats", ex, exSE, h, hSE)
	if h == ex {
		t.Error("Hutchinson NLL equals the exact one: estimator not used")
	}
}

// TestImagesSpec: the image mapping selects classes and a size; its label
// names them.
func TestImagesSpec(t *testing.T) {
	var o, e bytes.Buffer
	set := "data.target={images: mnist, size: 7, classes: [3, 1]}"
	if code := run(&o, &e, []string{"-dry-run", "-o", t.TempDir(), "-set", set, "-set", "evaluation.metrics=[sw2]", "testdata/ring.spec"}); code != exitOK {
		t.Fatalf("exit %d %s", code, e.String())
	}
	reg := registry()
	f, err := experiment.Load("testdata/ring.spec", []string{set}, reg)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Points[0].Spec.Data.Target; got != "images:mnist:7:1e-06:1,3" || reg.Label(got) != "mnist7-c1,3" {
		t.Errorf("reference %q label %q", got, reg.Label(got))
	}
	if code := run(&o, &e, []string{"validate", "-set", "data.target={images: mnist, size: 12}", "testdata/ring.spec"}); code != exitUsage {
		t.Errorf("size 12 accepted")
	}
}
