package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkHighd times the highd workload's step (go test -bench Highd
// -cpuprofile … profiles it).
func BenchmarkHighd(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			m, step := newHighd(1, w)
			defer m.SetWorkers(1)
			step()
			c0 := cpuSeconds()
			for b.Loop() {
				step()
			}
			// CPU seconds per step: on a loaded machine a steadier
			// figure than the wall-clock rate.
			b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e3, "cpu-ms/op")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "it/s")
			b.ReportMetric(2*highdMACs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestBenchHighd: `bench -only highd -torch` with a stand-in for python
// that prints a fixed highd line (5 it/s, 150 ms of CPU per step): our line
// has the anchor script's shape,
// the summary gives the step's GFLOP (2·highdMACs: 2.64 for the MNIST
// shape, the figure quoted in the package notes) against the Gemm peak, the
// stand-in is called with --only highd, and the table pairs the two rates.
func TestBenchHighd(t *testing.T) {
	// 128·(785·1024 + 2·1024² + 1024·784) forward, the same for dW, the
	// last three layers' again for dX.
	if got, want := highdMACs(), 128*(2*(785*1024+2*1024*1024+1024*784)+(2*1024*1024+1024*784)); got != float64(want) {
		t.Fatalf("highdMACs = %g, want %d", got, want)
	}
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	fake := filepath.Join(dir, "python")
	script := "#!/bin/sh\necho \"$@\" >> " + argsFile + "\n" +
		"echo 'highd-train D=784 w=1024x3 silu batch=128 threads=1 dtype=torch.float32: 5.0 it/s (200000.0 us/it) cpu 150000.0 us/it'\n"
	torchPy := filepath.Join(dir, "torch_anchor.py")
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(torchPy, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runBenchArgs(t, "-only", "highd", "-iters", "20", "-torch", "-python", fake, "-torch-script", torchPy)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	line := regexp.MustCompile(`(?m)^highd-train D=784 w=1024x3 silu batch=128 threads=1 dtype=float64: ([0-9.]+) it/s`)
	mm := line.FindStringSubmatch(out)
	if mm == nil {
		t.Fatalf("no highd line in\n%s", out)
	}
	ours, _ := strconv.ParseFloat(mm[1], 64)
	for _, want := range []string{"highd-train: 2.64 GFLOP/step; wall clock", "of Gemm's", "CPU time", "PyTorch CPU time 150.0 ms/step"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	row := regexp.MustCompile(`(?m)^\s*highd-train\s+([0-9.]+)\s+5\.0\s+([0-9.]+)x`).FindStringSubmatch(out)
	if row == nil {
		t.Fatalf("no table row pairing highd with torch's 5.0 it/s:\n%s", out)
	}
	if r, _ := strconv.ParseFloat(row[2], 64); math.Abs(r-ours/5) > 0.01+0.02*ours {
		t.Errorf("ratio %g, want %g/5", r, ours)
	}
	args, err := os.ReadFile(argsFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(args), "--only highd") {
		t.Errorf("torch script called with\n%s\nwant --only highd", args)
	}
	_, errs, code = runBenchArgs(t, "-only", "highd,bogus")
	if code != exitUsage || !strings.Contains(errs, "highd") {
		t.Errorf("bad -only: exit %d, stderr %q; want exit %d listing highd among the choices", code, errs, exitUsage)
	}
}
