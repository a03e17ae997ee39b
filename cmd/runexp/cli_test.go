package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/experiment"
)

var update = flag.Bool("update", false, "rewrite golden files (testdata/*.golden, experiments/SCHEMA.md)")

// TestValidateGolden runs `runexp validate` on the specs of testdata and
// compares exit status, stdout and stderr with the .golden files.
func TestValidateGolden(t *testing.T) {
	specs, _ := filepath.Glob("testdata/*.yaml")
	if len(specs) < 6 {
		t.Fatalf("found %d golden specs, want the 6 of testdata", len(specs))
	}
	for _, spec := range specs {
		t.Run(filepath.Base(spec), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(&out, &errb, []string{"validate", spec})
			got := fmt.Sprintf("exit %d\n-- stdout --\n%s-- stderr --\n%s", code, out.String(), errb.String())
			golden := strings.TrimSuffix(spec, ".yaml") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestInvalidSpecWritesNothing: a run with an invalid spec exits 2 before
// creating any file.
func TestInvalidSpecWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"-o", dir, "testdata/valid.yaml", "testdata/bad_solver.yaml"}); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("an invalid spec left an output directory")
	}
}

// TestSchemaDoc keeps experiments/SCHEMA.md identical to the schema the
// code accepts (regenerate with -update).
func TestSchemaDoc(t *testing.T) {
	got := experiment.SchemaMarkdown(registry())
	path := filepath.Join("..", "..", "experiments", "SCHEMA.md")
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatal("experiments/SCHEMA.md differs from the code's schema; run go test ./cmd/runexp -run TestSchemaDoc -update")
	}
}

// TestExperimentsValid: every shipped spec validates.
func TestExperimentsValid(t *testing.T) {
	specs, _ := filepath.Glob("../../experiments/*.yaml")
	if len(specs) == 0 {
		t.Fatal("no specs in experiments/")
	}
	for _, s := range specs {
		if _, err := experiment.Load(s, nil, registry()); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// TestDryRun: -dry-run prints the plan's counts per kind and a time
// estimate from a measured rate, and writes nothing.
func TestDryRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"-dry-run", "-o", dir, "testdata/tiny.spec"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"train ", "eval ", "to compute", "estimated time: ", "basis, timed now on this machine", "FM training", "evaluation (sampling"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("dry-run created %s (err %v)", dir, err)
	}
}
