package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/experiment"
)

// TestArgumentOrder: flags, -set and key.path=value overrides give the
// same result wherever they stand relative to the spec.
func TestArgumentOrder(t *testing.T) {
	orders := [][]string{
		{"validate", "-set", "training.steps=7", "-set", "evaluation.samples=50", "testdata/valid.yaml"},
		{"validate", "testdata/valid.yaml", "-set", "training.steps=7", "-set", "evaluation.samples=50"},
		{"validate", "-set", "training.steps=7", "testdata/valid.yaml", "-set", "evaluation.samples=50"},
		{"validate", "testdata/valid.yaml", "training.steps=7", "evaluation.samples=50"},
		{"validate", "evaluation.samples=50", "testdata/valid.yaml", "-set=training.steps=7"},
	}
	var first string
	for i, args := range orders {
		var out, errb bytes.Buffer
		if code := run(&out, &errb, args); code != exitOK {
			t.Fatalf("%q: exit %d: %s", args, code, errb.String())
		}
		if i == 0 {
			first = out.String()
			continue
		}
		if out.String() != first {
			t.Errorf("%q printed %q, want %q as for %q", args, out.String(), first, orders[0])
		}
	}
	// The overrides reach the spec: a bad value after the spec is an
	// error, and nothing is called ok.
	for _, args := range [][]string{
		{"validate", "testdata/valid.yaml", "-set", "training.steps=-1"},
		{"validate", "testdata/valid.yaml", "training.steps=-1"},
	} {
		var out, errb bytes.Buffer
		if code := run(&out, &errb, args); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
		if strings.Contains(out.String(), "ok") || !strings.Contains(errb.String(), "training.steps") {
			t.Errorf("%q: stdout %q stderr %q", args, out.String(), errb.String())
		}
	}
	// The run command takes its flags after the spec too: -dry-run
	// after it plans and writes nothing.
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"testdata/tiny.spec", "-o", dir, "-dry-run", "training.steps=3"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "to compute") {
		t.Errorf("no plan printed: %s", out.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("-dry-run after the spec wrote the output directory")
	}
	// "--" ends the flags.
	out.Reset()
	errb.Reset()
	if code := run(&out, &errb, []string{"validate", "--", "-set"}); code != exitUsage || !strings.Contains(errb.String(), "-set: no such spec file") {
		t.Errorf("after --, -set must be a spec path: exit %d, %s", code, errb.String())
	}
}

// TestHelp: `runexp help`, `runexp help CMD` and `runexp CMD -h` print
// help for every command, with examples, open no file and exit 0.
func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"help"}); code != exitOK {
		t.Fatalf("help: exit %d: %s", code, errb.String())
	}
	for _, c := range allCommands() {
		if !strings.Contains(out.String(), "  "+c.Name()+" ") {
			t.Errorf("runexp help does not list %s:\n%s", c.Name(), out.String())
		}
		if c.Short == "" || !strings.Contains(c.Long, "Examples:") {
			t.Errorf("%s: no short help or no examples", c.Name())
		}
		var h, herr bytes.Buffer
		if code := run(&h, &herr, []string{"help", c.Name()}); code != exitOK || !strings.Contains(h.String(), "usage: "+c.UsageLine) || !strings.Contains(h.String(), "Examples:") {
			t.Errorf("help %s: exit %d\n%s%s", c.Name(), code, h.String(), herr.String())
		}
		var o, e bytes.Buffer
		if code := run(&o, &e, []string{c.Name(), "-h"}); code != exitOK || !strings.Contains(e.String(), "usage: ") {
			t.Errorf("%s -h: exit %d\nstdout %s\nstderr %s", c.Name(), code, o.String(), e.String())
		}
	}
}

// TestDidYouMean: a mistyped command, spec key, enum value or spec file
// gets the closest valid name.
func TestDidYouMean(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"valdate", "testdata/valid.yaml"}, `unknown command "valdate"; did you mean "validate"?`},
		{[]string{"help", "reprot"}, `did you mean "report"?`},
		{[]string{"validate", "testdata/valid.yaml", "trainig.steps=3"}, `did you mean "training"?`},
		{[]string{"validate", "testdata/valid.yaml", "training.stpes=3"}, `did you mean "steps"?`},
		{[]string{"validate", "testdata/valid.yaml", "-set", "evaluation.solvers[0].name=Euler"}, `did you mean "euler"?`},
		{[]string{"validate", "testdata/vaild.yaml"}, "did you mean testdata/valid.yaml?"},
	} {
		var out, errb bytes.Buffer
		if code := run(&out, &errb, c.args); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", c.args, code, exitUsage)
		}
		if !strings.Contains(errb.String(), c.want) {
			t.Errorf("%q: stderr %q lacks %q", c.args, errb.String(), c.want)
		}
	}
}

// TestMissingSpecNamesDirectory: a spec that does not exist is named with
// the directory it was looked for in.
func TestMissingSpecNamesDirectory(t *testing.T) {
	wd, _ := os.Getwd()
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"-dry-run", "nosuch.yaml"}); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), "nosuch.yaml: no such spec file (looked in "+wd+")") {
		t.Errorf("stderr %q", errb.String())
	}
}

// TestOutputDir: the one rule for where results go.
func TestOutputDir(t *testing.T) {
	f := loadSpec(t, "testdata/valid.yaml")
	for _, c := range []struct {
		out  string
		n    int
		want string
	}{
		{"", 1, filepath.Join("results", f.Name())},
		{"", 3, filepath.Join("results", f.Name())},
		{"/tmp/x", 1, "/tmp/x"},
		{"/tmp/x", 2, filepath.Join("/tmp/x", f.Name())},
	} {
		if got := outputDir(c.out, f, c.n); got != c.want {
			t.Errorf("outputDir(%q, %d) = %q, want %q", c.out, c.n, got, c.want)
		}
	}
}

func loadSpec(t *testing.T, path string) *experiment.File {
	t.Helper()
	f, err := experiment.Load(path, nil, registry())
	if err != nil {
		t.Fatal(err)
	}
	return f
}
