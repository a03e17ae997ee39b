package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// benchLine parses a result line in bench/torch_anchor.py's form.
var benchLine = regexp.MustCompile(`^(cfm-train|cnf-train\(rk4 x(\d+)\)|sample\(euler x(\d+), n=2048\)) w=(\d+) d=(\d+) batch=(\d+) threads=(\d+) dtype=float64: ([0-9.]+) it/s \(([0-9.]+) us/it\)`)

func runBenchArgs(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(&out, &errb, append([]string{"bench"}, args...))
	return out.String(), errb.String(), code
}

// TestBenchLines: tiny runs of every workload print one parseable line each
// with the shapes asked for, a positive rate, and us/it = 1e6 / (it/s).
func TestBenchLines(t *testing.T) {
	for _, threads := range []string{"1", "2"} {
		out, errs, code := runBenchArgs(t, "-w", "8", "-d", "3", "-batch", "16", "-steps", "2", "-iters", "20", "-repeat", "3", "-threads", threads)
		if code != exitOK {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 {
			t.Fatalf("got %d lines, want 3 (cfm, cnf, sample):\n%s", len(lines), out)
		}
		for i, line := range lines {
			mm := benchLine.FindStringSubmatch(line)
			if mm == nil {
				t.Fatalf("line %d does not parse: %q", i, line)
			}
			if mm[4] != "8" || mm[5] != "3" || mm[6] != "16" || mm[7] != threads || (mm[2] != "" && mm[2] != "2") || (mm[3] != "" && mm[3] != "2") {
				t.Errorf("line %q: shapes differ from the flags", line)
			}
			rate, _ := strconv.ParseFloat(mm[8], 64)
			us, _ := strconv.ParseFloat(mm[9], 64)
			// Both are printed to 0.1: the product is 1e6 up to those roundings.
			if rate <= 0 || math.Abs(rate*us-1e6) > 0.05*(rate+us)+1e-9 {
				t.Errorf("line %q: %g it/s and %g us/it are not reciprocal", line, rate, us)
			}
			if !strings.Contains(line, "median of 3, range ") {
				t.Errorf("line %q does not report the median of 3 repeats", line)
			}
		}
	}
}

// TestBenchTorchTable: with a stand-in for python that prints fixed torch
// lines, bench passes the shapes through, pairs the lines up by workload and
// prints ratio = flowbench / torch.
func TestBenchTorchTable(t *testing.T) {
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	fake := filepath.Join(dir, "python")
	script := "#!/bin/sh\necho \"$@\" OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS OMP_NUM_THREADS=$OMP_NUM_THREADS OMP_WAIT_POLICY=$OMP_WAIT_POLICY >> " + argsFile + "\n" +
		"echo 'cfm-train w=8 d=2 batch=16 threads=1 dtype=torch.float32: 10.0 it/s (100000.0 us/it)'\n" +
		"echo 'sample(euler x2, n=2048) w=8 d=2 batch=16 threads=1 dtype=torch.float32: 4.0 it/s (250000.0 us/it)'\n"
	torchPy := filepath.Join(dir, "torch_anchor.py") // only needs to exist: the stand-in ignores it
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(torchPy, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runBenchArgs(t, "-w", "8", "-batch", "16", "-steps", "2", "-iters", "10", "-only", "cfm,sample",
		"-repeat", "2", "-torch", "-python", fake, "-torch-script", torchPy)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	args, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	// Two repeats: the script ran twice, with the same shapes.
	// The thread count also reaches OpenBLAS and OpenMP through the
	// environment, with OpenMP's passive waiting.
	want := torchPy + " --w 8 --d 2 --batch 16 --iters 10 --steps 2 --threads 1 --only cfm,sample OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE\n"
	if string(args) != want+want {
		t.Errorf("torch script called with\n%s\nwant twice\n%s", args, want)
	}
	ours := map[string]float64{}
	for _, line := range strings.Split(out, "\n") {
		if mm := benchLine.FindStringSubmatch(line); mm != nil {
			ours[mm[1]], _ = strconv.ParseFloat(mm[8], 64)
		}
	}
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasSuffix(f[len(f)-1], "x") {
			continue
		}
		name := strings.Join(f[:len(f)-3], " ")
		a, _ := strconv.ParseFloat(f[len(f)-3], 64)
		b, _ := strconv.ParseFloat(f[len(f)-2], 64)
		r, _ := strconv.ParseFloat(strings.TrimSuffix(f[len(f)-1], "x"), 64)
		torch := map[string]float64{"cfm-train": 10, "sample(euler x2, n=2048)": 4}[name]
		if torch == 0 || b != torch || a != ours[name] {
			t.Errorf("table row %q: want %s with flowbench %g and torch %g", line, name, ours[name], torch)
			continue
		}
		// The ratio is printed to 0.01 from the unrounded rates.
		if math.Abs(r-a/b) > 0.005+0.05/b {
			t.Errorf("table row %q: ratio %g, want %g", line, r, a/b)
		}
		rows++
	}
	if rows != 2 {
		t.Errorf("found %d table rows, want 2:\n%s", rows, out)
	}
}

// TestBenchTorchMissing: without the interpreter the comparison is skipped
// with a message naming it, and the Go figures are still printed.
func TestBenchTorchMissing(t *testing.T) {
	out, _, code := runBenchArgs(t, "-w", "4", "-batch", "4", "-iters", "2", "-only", "cfm", "-torch", "-python", filepath.Join(t.TempDir(), "no-python"))
	if code != exitOK || !strings.Contains(out, "skipping the PyTorch comparison") || !strings.Contains(out, "no-python") {
		t.Errorf("exit %d, output %q: want exit 0 and a skip message naming the interpreter", code, out)
	}
	if !benchLine.MatchString(strings.Split(out, "\n")[1]) {
		t.Errorf("the cfm line is missing:\n%s", out)
	}
}

func TestBenchBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-threads", "0"}, {"-only", "cfm,gan"}, {"-iters", "-1"}, {"extra"}} {
		if _, errs, code := runBenchArgs(t, args...); code != exitUsage || !strings.Contains(errs, "runexp bench") && !strings.Contains(errs, "flag") {
			t.Errorf("bench %v: exit %d, stderr %q; want exit %d and a message", args, code, errs, exitUsage)
		}
	}
}
