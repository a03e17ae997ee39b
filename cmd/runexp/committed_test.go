package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/runner"
)

// TestCommittedResultsKeys plans every committed report's effective spec
// (results/*/spec.yaml) and checks that each artifact key in its runs.csv
// is one this code plans. Keys seed every random stream, so a change to
// what enters a key (a new field of a config, a version bump) silently
// changes every number; the committed reports then no longer come out of
// the command that results/README.md gives for them. When this fails,
// either keep the key as it was or regenerate the reports it names.
func TestCommittedResultsKeys(t *testing.T) {
	specs, err := filepath.Glob("../../results/*/spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) == 0 {
		t.Fatal("no committed results found under ../../results")
	}
	// The published file is resolved beside the spec; the copy in a
	// results folder has another name, and keys do not depend on it.
	published := regexp.MustCompile(`(?m)^  published: .*\n`)
	reg := registry()
	for _, sp := range specs {
		dir := filepath.Dir(sp)
		src, err := os.ReadFile(sp)
		if err != nil {
			t.Fatal(err)
		}
		f, err := experiment.Parse(sp, published.ReplaceAll(src, nil), nil, reg)
		if err != nil {
			t.Errorf("%s: %v", sp, err)
			continue
		}
		p := runner.NewPlan(f, reg)
		fh, err := os.Open(filepath.Join(dir, "runs.csv"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatalf("%s/runs.csv: %v", dir, err)
		}
		col := -1
		for i, h := range rows[0] {
			if h == "key" {
				col = i
			}
		}
		if col < 0 {
			t.Fatalf("%s/runs.csv has no key column", dir)
		}
		missing := 0
		for _, r := range rows[1:] {
			if _, ok := p.Lookup(r[col]); !ok {
				if missing == 0 {
					t.Errorf("%s: runs.csv key %s… (%s) is not planned by this code: regenerate the report (results/README.md) or restore the key", dir, r[col][:12], r[0])
				}
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("%s: %d of %d rows have keys this code does not plan", dir, missing, len(rows)-1)
		}
	}
}
