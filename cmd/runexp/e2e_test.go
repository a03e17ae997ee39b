package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// csvWithoutSeconds reads runs.csv and drops the columns ending in
// _seconds (wall times, the only values allowed to differ).
func csvWithoutSeconds(t *testing.T, path string) string {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(f)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var keep []int
	for i, h := range rows[0] {
		if !strings.HasSuffix(h, "_seconds") {
			keep = append(keep, i)
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for _, i := range keep {
			b.WriteString(r[i] + ",")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestEndToEnd runs a tiny spec with 1 and 2 workers: both succeed, give
// the same runs.csv (wall times aside), a rerun computes nothing, and
// `runexp report` rebuilds the same runs.csv from the store alone.
func TestEndToEnd(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	// The -j 2 run also names a published-results file: a report option,
	// so it changes no artifact.
	for _, c := range []struct{ dir, j, set string }{{a, "1", "report.title=tiny"}, {b, "2", "report.published=published.csv"}} {
		var out, errb bytes.Buffer
		if code := run(&out, &errb, []string{"-o", c.dir, "-j", c.j, "-set", c.set, "testdata/tiny.spec"}); code != exitOK {
			t.Fatalf("-j %s: exit %d\n%s\n%s", c.j, code, out.String(), errb.String())
		}
	}
	ca := csvWithoutSeconds(t, filepath.Join(a, "runs.csv"))
	if ca != csvWithoutSeconds(t, filepath.Join(b, "runs.csv")) {
		t.Fatal("runs.csv differs between -j 1 and -j 2")
	}
	for _, metric := range []string{",sw2,", ",mmd,", ",straightness,", ",nll,", ",learning_error,", ",final_loss,", ",train_nfe,", ",train_nll,", ",nfe_forward_per_step,", ",npe,", ",w2sq,"} {
		if !strings.Contains(ca, metric) {
			t.Errorf("runs.csv has no %s rows", metric)
		}
	}
	raw, err := os.ReadFile(filepath.Join(a, "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if head, _, _ := strings.Cut(string(raw), "\n"); !strings.Contains(head, "train_seconds") {
		t.Errorf("runs.csv has no train_seconds column: %s", head)
	}
	// The tiny spec asks for nll on 2-D data, so every model also gets a
	// log-density grid and the report a heat map.
	if !strings.Contains(ca, ",nll_true,") {
		t.Error("runs.csv has no nll_true rows (true NLL of the test set)")
	}
	dens, _ := filepath.Glob(filepath.Join(a, "figures", "density*.png"))
	if len(dens) == 0 {
		t.Error("no density heat map in figures/")
	}
	for _, f := range []string{"report.md", "spec.yaml", "provenance.json"} {
		if _, err := os.Stat(filepath.Join(a, f)); err != nil {
			t.Error(err)
		}
	}
	if got, err := os.ReadFile(filepath.Join(b, "published.csv")); err != nil || !strings.Contains(string(got), "OT,8gaussians,sw2") {
		t.Errorf("published.csv not copied into the results directory: %v", err)
	}
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"report", b}); code != exitOK {
		t.Fatalf("report with published cells: exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run(&out, &errb, []string{"-o", a, "-set", "report.title=tiny", "testdata/tiny.spec"}); code != exitOK || !strings.Contains(out.String(), " 0 to compute") {
		t.Fatalf("rerun: exit %d, output:\n%s%s", code, out.String(), errb.String())
	}
	os.Remove(filepath.Join(a, "runs.csv"))
	out.Reset()
	if code := run(&out, &errb, []string{"report", a}); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, errb.String())
	}
	if csvWithoutSeconds(t, filepath.Join(a, "runs.csv")) != ca {
		t.Fatal("runexp report rebuilt a different runs.csv")
	}
}
