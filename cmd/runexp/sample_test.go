package main

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/checkpoint"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/runner"
)

// TestSampleSDE: `runexp sample -solver euler-maruyama` reproduces the
// stored samples of an sf2m model's SDE evaluation byte for byte (the
// evaluation's source and noise streams, the score model of the train
// record), and so do an ODE method's Euler and euler-maruyama evaluations
// (the latter Euler's method, with the evaluation's warning). Settings
// without an evaluation draw from their own streams, the same on every
// call; solvers that cannot sample are refused with the reason and the
// valid choices.
func TestSampleSDE(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"-o", dir, "-j", "1", "-q", "testdata/sf2m.spec"}); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	rows := readRuns(t, dir)
	keyOf := func(kind, method, solver string) string {
		t.Helper()
		for _, r := range rows {
			if r["kind"] == kind && r["method"] == method && (solver == "" || r["solver"] == solver) && r["status"] == "ok" {
				return r["key"]
			}
		}
		t.Fatalf("no %s record of %s %s in runs.csv", kind, method, solver)
		return ""
	}
	// The sf2m model has a score model beside its flow.
	if _, err := os.Stat(filepath.Join(dir, "store", keyOf("train", "[SF]2M-I", "")+".score.ckpt")); err != nil {
		t.Fatalf("sf2m train record without a score checkpoint: %v", err)
	}
	sample := func(method string, args ...string) ([]byte, string) {
		t.Helper()
		p := filepath.Join(t.TempDir(), "s.npy")
		var o, e bytes.Buffer
		full := append([]string{"sample", dir, "-method", method, "-o", p}, args...)
		if code := run(&o, &e, full); code != exitOK {
			t.Fatalf("%v: exit %d %s", full, code, e.String())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b, o.String()
	}
	stored := func(key string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "store", key+".samples.npy"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		method, solver, steps string
		nfe, warn             string
	}{
		{"[SF]2M-I", "euler-maruyama", "6", "12 field evaluations", ""}, // flow and score per step
		{"[SF]2M-I", "euler", "4", "4 field evaluations", ""},
		{"CFM", "euler", "4", "4 field evaluations", ""},
		{"CFM", "euler-maruyama", "6", "6 field evaluations", "no diffusion, the samples are Euler's"},
	} {
		key := keyOf("eval", c.method, c.solver)
		got, msg := sample(c.method, "-solver", c.solver, "-steps", c.steps, "-n", "300")
		if !bytes.Equal(got, stored(key)) {
			t.Errorf("%s %s: `runexp sample` output differs from the evaluation's samples file", c.method, c.solver)
		}
		if !strings.Contains(msg, "stored evaluation "+key[:12]) || !strings.Contains(msg, c.nfe) {
			t.Errorf("%s %s: output %q, want evaluation %s and %q", c.method, c.solver, msg, key[:12], c.nfe)
		}
		if c.warn != "" && !strings.Contains(msg, c.warn) {
			t.Errorf("%s %s: output %q lacks the warning %q", c.method, c.solver, msg, c.warn)
		}
	}
	// The stored samples are the SDE's: recomputed here from the two
	// checkpoints, x0 from the evaluation's "x0" stream, and
	// x += h·(v + s) + σ√h·z with σ = the spec's 0.5 and z from its "sde"
	// stream; without the noise term they differ.
	evalKey, trainKey := keyOf("eval", "[SF]2M-I", "euler-maruyama"), keyOf("train", "[SF]2M-I", "")
	want := readNPYBytes(t, stored(evalKey))
	flow := loadMLP(t, filepath.Join(dir, "store", trainKey+".ckpt"))
	score := loadMLP(t, filepath.Join(dir, "store", trainKey+".score.ckpt"))
	em := func(sigma float64) []float64 {
		y := datasets.Normal{D: 2}.Sample(runner.Stream(evalKey, "x0"), 300)
		noise := runner.Stream(evalKey, "sde")
		v, sc := make([]float64, len(y)), make([]float64, len(y))
		const steps = 6
		h := 1.0 / steps
		for k := range steps {
			tk := float64(k) * h
			flow.Velocity(v, y, tk)
			score.Velocity(sc, y, tk)
			for i := range y {
				y[i] += h * (v[i] + sc[i])
				if sigma > 0 {
					y[i] += sigma * math.Sqrt(h) * noise.NormFloat64()
				}
			}
		}
		return y
	}
	if got := em(0.5); !near(got, want, 1e-12) {
		t.Error("the stored euler-maruyama samples are not x += h(v + s) + σ√h z from the evaluation's streams")
	}
	if near(em(0), want, 1e-3) {
		t.Error("the stored euler-maruyama samples have no diffusion")
	}
	// Without a stored evaluation: own streams, named, reproducible.
	a, msg := sample("[SF]2M-I", "-solver", "euler-maruyama", "-steps", "5", "-n", "40")
	b, _ := sample("[SF]2M-I", "-solver", "euler-maruyama", "-steps", "5", "-n", "40")
	if !bytes.Equal(a, b) || !strings.Contains(msg, "sample/euler-maruyama/5/40/sde") {
		t.Errorf("no evaluation: not reproducible, or the noise stream is not named: %q", msg)
	}
	x := readNPYBytes(t, a)
	if len(x) != 40*2 || slices.ContainsFunc(x, func(v float64) bool { return v != v }) {
		t.Errorf("no evaluation: %d values (want 80), or NaN", len(x))
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"-solver", "milstein"}, []string{`unknown solver "milstein"`, "euler-maruyama", "dopri5"}},
		{[]string{"-solver", "euler-maruyama", "-steps", "0"}, []string{"euler-maruyama needs steps ≥ 1"}},
	} {
		var o, e bytes.Buffer
		full := append([]string{"sample", dir, "-method", "[SF]2M-I", "-o", filepath.Join(t.TempDir(), "x.npy")}, c.args...)
		if code := run(&o, &e, full); code == exitOK {
			t.Errorf("%v: accepted", c.args)
		}
		for _, w := range c.want {
			if !strings.Contains(e.String(), w) {
				t.Errorf("%v: error %q lacks %q", c.args, e.String(), w)
			}
		}
	}
}

// near reports whether a and b have the same length and agree to tol
// (relative to 1 + |b|).
func near(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !(math.Abs(a[i]-b[i]) <= tol*(1+math.Abs(b[i]))) {
			return false
		}
	}
	return true
}

// loadMLP reads a model checkpoint of the store (its averaged parameters
// when it has them, as the runner does).
func loadMLP(t *testing.T, path string) *models.MLP {
	t.Helper()
	ck, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg models.Config
	if err := json.Unmarshal(ck.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	m, err := models.NewMLP(cfg, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	copy(m.Params, ck.Params)
	if ck.EMA != nil {
		copy(m.Params, ck.EMA)
	}
	return m
}

func readNPYBytes(t *testing.T, b []byte) []float64 {
	t.Helper()
	x, _, _, err := datasets.ReadNPY(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return x
}
