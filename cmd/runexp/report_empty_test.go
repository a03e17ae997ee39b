package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportEmptyStore: `runexp report` on a results directory whose store
// holds none of the spec's artifacts says so, instead of failing inside
// the report writer.
func TestReportEmptyStore(t *testing.T) {
	dir := t.TempDir()
	spec, err := os.ReadFile(filepath.Join("..", "..", "experiments", "reflow-moons.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, specFile), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "store"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(&out, &errb, []string{"report", dir})
	if code != exitFailed || !strings.Contains(errb.String(), "holds none of the spec's") {
		t.Fatalf("exit %d, stderr %q; want exit %d naming the empty store", code, errb.String(), exitFailed)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.md")); err == nil {
		t.Fatal("report.md written from an empty store")
	}
}
