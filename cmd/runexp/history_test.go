package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestKeepHistory: a changed effective spec moves the previous report,
// runs.csv, spec.yaml and figures to history/<time>-<hash>/ and leaves the
// store; an unchanged one moves nothing.
func TestKeepHistory(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("spec.yaml", "name: a\n")
	write("report.md", "# old\n")
	write("runs.csv", "kind\n")
	write("figures/x.png", "png")
	write("store/k.json", "{}")
	if got, err := keepHistory(dir, []byte("name: a\n"), time.Now()); err != nil || got != "" {
		t.Fatalf("same spec: moved to %q (%v)", got, err)
	}
	now := time.Date(2026, 12, 7, 18, 30, 5, 0, time.UTC)
	got, err := keepHistory(dir, []byte("name: a\nseeds: [1, 2, 3]\n"), now)
	if err != nil {
		t.Fatal(err)
	}
	// sha256("name: a\n") = 1e7e5f3c45fc… (sha256sum); the folder names
	// the old spec.
	if want := filepath.Join(dir, "history", "20261207T183005Z-1e7e5f3c45fc"); got != want {
		t.Fatalf("moved to %q, want %s", got, want)
	}
	for _, name := range []string{"spec.yaml", "report.md", "runs.csv", "figures/x.png"} {
		if _, err := os.Stat(filepath.Join(got, name)); err != nil {
			t.Errorf("%s not in history: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s still in the results directory", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "store", "k.json")); err != nil {
		t.Error("the store moved")
	}
}
