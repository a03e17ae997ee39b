package main

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowbench/flowbench/pkg/store"
)

// faultSpec is a tiny plan with every kind of store file: a test set
// (.testset.npy), trainings (.ckpt), reflow pairs (.pairs.npy),
// evaluations (.samples.npy) and their records (.json). It runs in well
// under a second.
const faultSpec = `name: fault
seeds: [1]
data: {target: 8gaussians, test_size: 100}
model: {hidden: [8, 8]}
training: {steps: 60, batch: 16, curve_every: 20}
methods:
  - {label: OT, kind: ot}
  - {label: RF, kind: rectified, reflow: {iterations: 1, pairs: 50, steps: 2}}
evaluation:
  samples: 100
  solvers: [{name: euler, steps: [2, 4]}]
  metrics: [sw2, w2]
`

func writeSpec(t *testing.T, dir, src string) string {
	t.Helper()
	p := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runQuiet is `runexp -q -j J -o DIR SPEC` in this process.
func runQuiet(t *testing.T, spec, dir string, jobs string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(&out, &errb, []string{"-q", "-j", jobs, "-o", dir, spec})
	return code, errb.String()
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, fi.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCorruptEachKindOfStoreFile damages one file of each kind in a copy
// of a finished results directory (a flipped byte of a test set, of reflow
// pairs, of samples and of a checkpoint; an edited and a truncated record;
// a deleted data file), reruns: the damage is named on stderr, the
// artifact is moved to quarantine/ and recomputed with its dependents,
// and runs.csv is identical to the clean run's; runexp verify finds the
// store intact afterwards.
func TestCorruptEachKindOfStoreFile(t *testing.T) {
	tmp := t.TempDir()
	spec := writeSpec(t, tmp, faultSpec)
	clean := filepath.Join(tmp, "clean")
	if code, errs := runQuiet(t, spec, clean, "2"); code != exitOK {
		t.Fatalf("clean run: exit %d: %s", code, errs)
	}
	want := csvWithoutSeconds(t, filepath.Join(clean, "runs.csv"))
	find := func(dir, suffix, contains string) string {
		ents, _ := os.ReadDir(filepath.Join(dir, store.Dir))
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), suffix) {
				continue
			}
			p := filepath.Join(dir, store.Dir, e.Name())
			if b, _ := os.ReadFile(p); contains == "" || bytes.Contains(b, []byte(contains)) {
				return p
			}
		}
		t.Fatalf("no *%s file holding %q in %s", suffix, contains, dir)
		return ""
	}
	flip := func(p string) {
		b, _ := os.ReadFile(p)
		b[len(b)-3] ^= 0x10
		os.WriteFile(p, b, 0o644)
	}
	cases := []struct {
		name   string
		damage func(dir string) string // returns the damaged file's name
	}{
		{"test set byte", func(d string) string { p := find(d, ".testset.npy", ""); flip(p); return p }},
		{"pairs byte", func(d string) string { p := find(d, ".pairs.npy", ""); flip(p); return p }},
		{"samples byte", func(d string) string { p := find(d, ".samples.npy", ""); flip(p); return p }},
		{"checkpoint byte", func(d string) string { p := find(d, ".ckpt", ""); flip(p); return p }},
		{"record metric", func(d string) string {
			p := find(d, ".json", `"name": "sw2"`)
			b, _ := os.ReadFile(p)
			i := bytes.Index(b, []byte(`"name": "sw2",`))
			j := i + bytes.Index(b[i:], []byte(`"value": `)) + len(`"value": `) + 2
			b[j] = "1234567890"[(b[j]-'0'+1)%10]
			os.WriteFile(p, b, 0o644)
			return p
		}},
		{"truncated record", func(d string) string {
			p := find(d, ".json", `"kind": "train"`)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/3], 0o644)
			return p
		}},
		{"deleted checkpoint", func(d string) string { p := find(d, ".ckpt", ""); os.Remove(p); return p }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "r")
			copyDir(t, clean, dir)
			damaged := filepath.Base(c.damage(dir))
			var vout, verr bytes.Buffer
			if code := run(&vout, &verr, []string{"verify", dir}); code != exitFailed || !strings.Contains(vout.String(), damaged) {
				t.Errorf("verify before the rerun: exit %d, output %q; want 1 naming %s", code, vout.String(), damaged)
			}
			code, errs := runQuiet(t, spec, dir, "2")
			if code != exitOK {
				t.Fatalf("rerun: exit %d: %s", code, errs)
			}
			if !strings.Contains(errs, "damaged artifact") || !strings.Contains(errs, damaged) || strings.Count(errs, "damaged artifact") != 1 {
				t.Errorf("stderr does not name the damage once: %q", errs)
			}
			if q, _ := filepath.Glob(filepath.Join(dir, store.QuarantineDir, "*", damaged)); len(q) != 1 && !strings.HasPrefix(c.name, "deleted") {
				t.Errorf("%s is not in the quarantine", damaged)
			}
			if got := csvWithoutSeconds(t, filepath.Join(dir, "runs.csv")); got != want {
				t.Errorf("runs.csv after healing differs from the clean run's")
			}
			vout.Reset()
			if code := run(&vout, &verr, []string{"verify", dir}); code != exitOK {
				t.Errorf("verify after the rerun: exit %d: %s", code, vout.String())
			}
		})
	}
}

// TestKillAtRandomPoints SIGKILLs the real binary at several random
// moments of one results directory (delays from a fixed PCG stream, so
// the test is repeatable up to the machine's speed), resumes after each,
// and ends with the runs.csv of a clean run.
func TestKillAtRandomPoints(t *testing.T) {
	bin := runexpBinary(t)
	tmp := t.TempDir()
	spec := writeSpec(t, tmp, strings.Replace(faultSpec, "steps: 60,", "steps: 800,", 1))
	dir, clean := filepath.Join(tmp, "killed"), filepath.Join(tmp, "clean")
	rng := rand.New(rand.NewPCG(16, 9))
	killed := 0
	for range 4 {
		cmd := exec.Command(bin, "-q", "-j", "2", "-o", dir, spec)
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+rng.IntN(300)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killed++
		}
	}
	if code, errs := runQuiet(t, spec, dir, "2"); code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	if code, errs := runQuiet(t, spec, clean, "1"); code != exitOK {
		t.Fatalf("clean run: exit %d: %s", code, errs)
	}
	if csvWithoutSeconds(t, filepath.Join(dir, "runs.csv")) != csvWithoutSeconds(t, filepath.Join(clean, "runs.csv")) {
		t.Fatal("runs.csv after kills and resume differs from a clean run's")
	}
	var vout, verr bytes.Buffer
	if code := run(&vout, &verr, []string{"verify", dir}); code != exitOK {
		t.Errorf("verify after kills: exit %d: %s", code, vout.String())
	}
	t.Logf("%d of 4 starts were killed mid-run", killed)
}

// TestConcurrentProcesses runs two processes of the real binary on the
// same results directory at once: both succeed (neither deletes the
// other's temporary files nor reports the other's work as failed), and
// the runs.csv left behind is a clean run's.
func TestConcurrentProcesses(t *testing.T) {
	bin := runexpBinary(t)
	tmp := t.TempDir()
	spec := writeSpec(t, tmp, strings.Replace(faultSpec, "steps: 60,", "steps: 300,", 1))
	dir, clean := filepath.Join(tmp, "shared"), filepath.Join(tmp, "clean")
	var cmds []*exec.Cmd
	var errs [2]bytes.Buffer
	for i := range 2 {
		cmd := exec.Command(bin, "-q", "-j", "2", "-o", dir, spec)
		cmd.Stderr = &errs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i, err, errs[i].String())
		}
	}
	if code, e := runQuiet(t, spec, clean, "2"); code != exitOK {
		t.Fatalf("clean run: exit %d: %s", code, e)
	}
	if csvWithoutSeconds(t, filepath.Join(dir, "runs.csv")) != csvWithoutSeconds(t, filepath.Join(clean, "runs.csv")) {
		t.Fatal("runs.csv of two concurrent processes differs from a clean run's")
	}
}

// TestDiskFull runs into a 64 KiB tmpfs (the run needs about 150) (root only): the run fails with
// exit status 1 and "no space left", leaves only intact artifacts (verify
// passes), and the same store on a roomy disk resumes to a clean run's
// runs.csv.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: mounting a small tmpfs needs root (run the suite as root to test a full disk)")
	}
	tmp := t.TempDir()
	mnt := filepath.Join(tmp, "disk")
	os.MkdirAll(mnt, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("skipped: cannot mount a tmpfs here (%v: %s)", err, bytes.TrimSpace(out))
	}
	defer exec.Command("umount", mnt).Run()
	spec := writeSpec(t, tmp, faultSpec)
	dir := filepath.Join(mnt, "r")
	code, errs := runQuiet(t, spec, dir, "1")
	if code != exitFailed || !strings.Contains(errs, "no space left") {
		t.Fatalf("run on a full disk: exit %d, stderr %q; want 1 and \"no space left\"", code, errs)
	}
	var vout, verr bytes.Buffer
	if c := run(&vout, &verr, []string{"verify", dir}); c != exitOK {
		t.Errorf("verify after disk full: exit %d: %s", c, vout.String())
	}
	roomy := filepath.Join(tmp, "roomy")
	copyDir(t, dir, roomy)
	if code, errs := runQuiet(t, spec, roomy, "1"); code != exitOK {
		t.Fatalf("resume on a roomy disk: exit %d: %s", code, errs)
	}
	clean := filepath.Join(tmp, "clean")
	if code, errs := runQuiet(t, spec, clean, "1"); code != exitOK {
		t.Fatalf("clean run: exit %d: %s", code, errs)
	}
	if csvWithoutSeconds(t, filepath.Join(roomy, "runs.csv")) != csvWithoutSeconds(t, filepath.Join(clean, "runs.csv")) {
		t.Fatal("runs.csv after disk full + resume differs from a clean run's")
	}
}
