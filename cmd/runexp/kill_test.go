package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowbench/flowbench/pkg/store"
)

// killSpec trains two methods for two seeds long enough (2000 steps each,
// on the order of a second) that a SIGKILL sent as soon as the first
// records are stored lands mid-way through the plan.
const killSpec = `name: kill
seeds: [1, 2]
data: {target: 8gaussians, test_size: 200}
model: {hidden: [16, 16]}
training: {steps: 2000, batch: 32, curve_every: 200}
methods:
  - {label: OT, kind: ot}
  - {label: RF, kind: rectified, reflow: {iterations: 1, pairs: 200, steps: 4}}
evaluation:
  samples: 200
  solvers: [{name: euler, steps: [2, 8]}]
  metrics: [sw2, straightness]
  trajectories: 0
`

// records lists the record files (<key>.json) of a store with their
// modification times.
func records(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	ents, err := os.ReadDir(filepath.Join(dir, store.Dir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".") {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = info.ModTime()
		}
	}
	return out
}

// TestKillResume builds the real binary, SIGKILLs it once its first
// records are stored, and reruns it: nothing stored before the kill is
// recomputed (its record file is untouched), the rerun completes the plan,
// and runs.csv equals a clean run's (wall times aside).
func TestKillResume(t *testing.T) {
	bin := runexpBinary(t)
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "kill.yaml")
	if err := os.WriteFile(spec, []byte(killSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	killed, clean := filepath.Join(tmp, "killed"), filepath.Join(tmp, "clean")

	cmd := exec.Command(bin, "-q", "-j", "2", "-o", killed, spec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Poll until a training record exists (the test sets come first and
	// take no time), then kill without warning.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for !hasTrain(t, killed, records(t, killed)) {
		select {
		case err := <-exited:
			t.Fatalf("runexp exited (%v) before storing a training: %s", err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("runexp finished before the kill (err %v, stderr %s): make killSpec longer", err, stderr.String())
	}
	before := records(t, killed) // what the kill left
	if _, err := os.Stat(filepath.Join(killed, "runs.csv")); err == nil {
		t.Fatal("runs.csv exists after a kill mid-way: the kill came too late")
	}

	var out, errb bytes.Buffer
	if code := run(&out, &errb, []string{"-q", "-j", "2", "-o", killed, spec}); code != exitOK {
		t.Fatalf("rerun after kill: exit %d: %s", code, errb.String())
	}
	after := records(t, killed)
	for name, mt := range before {
		if !after[name].Equal(mt) {
			t.Errorf("%s was stored before the kill and rewritten by the rerun", name)
		}
	}
	if len(after) <= len(before) {
		t.Errorf("the rerun stored nothing new: %d records before, %d after", len(before), len(after))
	}
	if code := run(&out, &errb, []string{"-q", "-j", "1", "-o", clean, spec}); code != exitOK {
		t.Fatalf("clean run: exit %d: %s", code, errb.String())
	}
	if csvWithoutSeconds(t, filepath.Join(killed, "runs.csv")) != csvWithoutSeconds(t, filepath.Join(clean, "runs.csv")) {
		t.Fatal("runs.csv after kill + resume differs from a clean run's")
	}
	t.Logf("killed with %d records stored; the rerun added %d", len(before), len(after)-len(before))
}

// hasTrain reports whether any listed record is a training.
func hasTrain(t *testing.T, dir string, recs map[string]time.Time) bool {
	for name := range recs {
		b, err := os.ReadFile(filepath.Join(dir, store.Dir, name))
		if err != nil {
			continue // renamed into place as we listed: try again
		}
		if bytes.Contains(b, []byte(`"kind":"train"`)) || bytes.Contains(b, []byte(`"kind": "train"`)) {
			return true
		}
	}
	return false
}
