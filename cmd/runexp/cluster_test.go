package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/store"
)

// clusterSpec is a small sweep with several lineages per seed (OT,
// rectified with one reflow, OT-CFM) and a shared transport (npe), so
// that shards share test sets and transports.
const clusterSpec = `name: cluster
seeds: [1, 2]
data: {target: 8gaussians, test_size: 200}
model: {hidden: [16, 16]}
training: {steps: 60, batch: 32, curve_every: 20}
methods:
  - {label: OT, kind: ot}
  - {label: RF, kind: rectified, reflow: {iterations: 1, pairs: 200, steps: 4}}
  - {label: OT-CFM, kind: cfm, coupling: ot}
evaluation:
  samples: 200
  solvers: [{name: euler, steps: [1, 4]}]
  metrics: [sw2, npe, straightness]
  trajectories: 0
`

// buildRunexp returns the built command and the cluster spec written to a
// temporary directory, for tests that need several processes at once.
func buildRunexp(t *testing.T) (bin, spec string) {
	t.Helper()
	bin = runexpBinary(t)
	spec = filepath.Join(t.TempDir(), "cluster.yaml")
	if err := os.WriteFile(spec, []byte(clusterSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return bin, spec
}

// parallel runs the commands at once and returns their outputs.
func parallel(t *testing.T, cmds ...[]string) []string {
	t.Helper()
	outs := make([]string, len(cmds))
	errs := make([]error, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(cmds[i][1:], " "), err, outs[i])
		}
	}
	return outs
}

// runOK runs the command in this process and fails the test on a non-zero
// exit.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(&out, &errb, args); code != exitOK {
		t.Fatalf("runexp %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

// TestShardsMatchSingleRun: the spec run as one process, as 3 shard
// processes at once on one results directory, and as 3 shards into 3
// directories merged afterwards, gives the same runs.csv (wall times
// aside) and the same report.md (its timing lines aside).
func TestShardsMatchSingleRun(t *testing.T) {
	bin, spec := buildRunexp(t)
	tmp := t.TempDir()
	single := filepath.Join(tmp, "single")
	parallel(t, []string{bin, "-q", "-j", "1", "-o", single, spec}) // the binary of the shards: same provenance
	want := csvWithoutSeconds(t, filepath.Join(single, "runs.csv"))

	shared := filepath.Join(tmp, "shared")
	var cmds [][]string
	for i := range 3 {
		cmds = append(cmds, []string{bin, "-j", "1", "-shard", fmt.Sprintf("%d/3", i), "-o", shared, spec})
	}
	outs := parallel(t, cmds...)
	for i, out := range outs {
		if !strings.Contains(out, fmt.Sprintf("shard %d/3: ", i)) {
			t.Errorf("shard %d/3 output:\n%s", i, out)
		}
	}
	if _, err := os.Stat(filepath.Join(shared, "runs.csv")); err == nil {
		t.Fatal("a shard wrote runs.csv: only `runexp report` should")
	}
	runOK(t, "report", shared)
	if got := csvWithoutSeconds(t, filepath.Join(shared, "runs.csv")); got != want {
		t.Fatalf("3 shards on one store: runs.csv differs from a single run's\n--- single\n%s--- shards\n%s", want, got)
	}
	sameReport(t, single, shared)

	cmds = nil
	var srcs []string
	for i := range 3 {
		dir := filepath.Join(tmp, fmt.Sprintf("part%d", i))
		srcs = append(srcs, dir)
		cmds = append(cmds, []string{bin, "-q", "-j", "1", "-shard", fmt.Sprintf("%d/3", i), "-o", dir, spec})
	}
	parallel(t, cmds...)
	merged := filepath.Join(tmp, "merged")
	runOK(t, append([]string{"merge", merged}, srcs...)...)
	runOK(t, "report", merged)
	if got := csvWithoutSeconds(t, filepath.Join(merged, "runs.csv")); got != want {
		t.Fatalf("3 stores merged: runs.csv differs from a single run's\n--- single\n%s--- merged\n%s", want, got)
	}
	sameReport(t, single, merged)
	// Merging again, or merging the single run's store in, finds the same
	// artifacts: nothing to copy, no conflict.
	out := runOK(t, "merge", merged, single, srcs[0])
	if !strings.Contains(out, "merged 0 artifacts") {
		t.Fatalf("second merge copied something: %s", out)
	}

	t.Run("conflicts refused", func(t *testing.T) {
		// A record with another metric value, and a data file with another
		// byte, under the same keys as the good ones.
		bad := filepath.Join(tmp, "bad")
		if err := os.CopyFS(bad, os.DirFS(srcs[0])); err != nil {
			t.Fatal(err)
		}
		// A record with another sw2 value, resealed with its checksum: it
		// verifies, and conflicts with the good one.
		recs, _ := filepath.Glob(filepath.Join(bad, "store", "*.json"))
		var edited bool
		for _, path := range recs {
			raw, _ := os.ReadFile(path)
			var r results.Run
			if json.Unmarshal(raw, &r) != nil {
				continue
			}
			for i, m := range r.Metrics {
				if m.Name == "sw2" && !edited {
					r.Metrics[i].Value = m.Value * 1.5
					edited = true
				}
			}
			if edited {
				sum, err := store.RecordSum(r)
				if err != nil {
					t.Fatal(err)
				}
				r.RecordSHA256 = sum
				out, _ := json.MarshalIndent(r, "", "  ")
				os.WriteFile(path, append(out, '\n'), 0o644)
				break
			}
		}
		if !edited {
			t.Fatal("no sw2 record to edit")
		}
		dst := filepath.Join(tmp, "dst")
		var o, e bytes.Buffer
		if code := run(&o, &e, []string{"merge", dst, srcs[0], bad}); code != exitFailed || !strings.Contains(e.String(), "conflict: artifact") {
			t.Fatalf("merge of conflicting stores: exit %d, stderr:\n%s", code, e.String())
		}
		if _, err := os.Stat(filepath.Join(dst, "store")); err == nil {
			t.Fatal("a refused merge created the destination store")
		}
		npys, _ := filepath.Glob(filepath.Join(srcs[1], "store", "*.npy"))
		if len(npys) == 0 {
			t.Fatal("no .npy in the store")
		}
		bad2 := filepath.Join(tmp, "bad2")
		os.CopyFS(bad2, os.DirFS(srcs[1]))
		f := filepath.Join(bad2, "store", filepath.Base(npys[0]))
		b, _ := os.ReadFile(f)
		b[len(b)-1] ^= 1
		os.WriteFile(f, b, 0o644)
		e.Reset()
		if code := run(&o, &e, []string{"merge", merged, bad2}); code != exitFailed || !strings.Contains(e.String(), "sha256") {
			t.Fatalf("merge of a store with a flipped bit: exit %d, stderr:\n%s", code, e.String())
		}
		t.Logf("refused:\n%s", e.String())
	})
}

// sameReport compares two report.md files with the wall times left out
// (the only values allowed to differ): table columns headed *_seconds,
// the collapsible tables of *_seconds metrics, and the padding of table
// cells (column widths follow the widest cell, a time included).
func sameReport(t *testing.T, a, b string) {
	t.Helper()
	la, lb := reportWithoutSeconds(t, a), reportWithoutSeconds(t, b)
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			t.Fatalf("report.md differs (wall times aside) at line %d:\n%s\n%s", i, la[i], lb[i])
		}
	}
	if len(la) != len(lb) {
		t.Fatalf("report.md differs in length (wall times aside): %d vs %d lines", len(la), len(lb))
	}
}

func reportWithoutSeconds(t *testing.T, dir string) []string {
	raw, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out, details []string
	var drop []bool // columns of the current table
	for _, l := range strings.Split(string(raw), "\n") {
		switch {
		case details != nil:
			details = append(details, l)
			if strings.HasPrefix(l, "</details>") {
				if !strings.Contains(strings.Join(details, "\n"), "_seconds</code>") {
					out = append(out, details...)
				}
				details = nil
			}
			continue
		case strings.HasPrefix(l, "<details>"):
			details = []string{l}
			continue
		}
		if !strings.HasPrefix(l, "|") {
			drop = nil
			out = append(out, l)
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		if drop == nil {
			drop = make([]bool, len(cells))
			for i, c := range cells {
				drop[i] = strings.HasSuffix(strings.TrimSpace(c), "_seconds")
			}
		}
		var keep []string
		for i, c := range cells {
			if i < len(drop) && drop[i] {
				continue
			}
			c = strings.TrimSpace(c)
			if strings.Trim(c, ":-") == "" {
				c = strings.Trim(c, "-") + "-"
			}
			keep = append(keep, c)
		}
		out = append(out, "|"+strings.Join(keep, "|")+"|")
	}
	return out
}

// TestConcurrentRunsOneDir: two runexp processes started at once on one
// spec and one results directory compute every artifact once between
// them (the other reads it back), and leave the clean result.
func TestConcurrentRunsOneDir(t *testing.T) {
	bin, spec := buildRunexp(t)
	tmp := t.TempDir()
	single := filepath.Join(tmp, "single")
	parallel(t, []string{bin, "-q", "-j", "1", "-o", single, spec}) // the binary of the shards: same provenance
	dir := filepath.Join(tmp, "both")
	outs := parallel(t, []string{bin, "-j", "1", "-o", dir, spec}, []string{bin, "-j", "1", "-o", dir, spec})
	computedLine := regexp.MustCompile(`(?m)^\[\d+/\d+\] (.*): ok \(`)
	total := 0
	byLabel := map[string]int{}
	for i, out := range outs {
		ms := computedLine.FindAllStringSubmatch(out, -1)
		if len(ms) == 0 {
			t.Errorf("process %d computed nothing: the two runs did not overlap\n%s", i, out)
		}
		for _, m := range ms {
			byLabel[m[1]]++
		}
		total += len(ms)
	}
	n := len(records(t, single))
	if total != n {
		t.Fatalf("the two processes computed %d artifacts between them, the plan has %d\n%v", total, n, byLabel)
	}
	for _, d := range []string{dir} {
		if got, want := csvWithoutSeconds(t, filepath.Join(d, "runs.csv")), csvWithoutSeconds(t, filepath.Join(single, "runs.csv")); got != want {
			t.Fatalf("runs.csv of two concurrent processes differs from a single run's")
		}
	}
	sameReport(t, single, dir)
	if ents, _ := os.ReadDir(filepath.Join(dir, "leases")); len(ents) != 0 {
		t.Fatalf("%d lease files left after both processes finished", len(ents))
	}
	out := runOK(t, "status", dir)
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^all +%d +%d +0 +0 +0$`, n, n)).MatchString(out) {
		t.Fatalf("status after the runs:\n%s", out)
	}
	t.Logf("computed per process: %d and %d of %d", len(computedLine.FindAllString(outs[0], -1)), len(computedLine.FindAllString(outs[1], -1)), n)

	t.Run("status and takeover", func(t *testing.T) { statusAndTakeover(t, bin, spec, dir, n) })
}

// statusAndTakeover: with one artifact's record gone and its claim held
// by a live process, status counts it claimed and names the holder; once
// the holder is a dead process it counts missing (stale claim), and a run
// takes the claim over and recomputes it.
func statusAndTakeover(t *testing.T, bin, spec, dir string, n int) {
	var key string
	for name := range records(t, dir) {
		b, _ := os.ReadFile(filepath.Join(dir, "store", name))
		if bytes.Contains(b, []byte(`"kind": "eval"`)) {
			key = strings.TrimSuffix(name, ".json")
			break
		}
	}
	if key == "" {
		t.Fatal("no eval record")
	}
	if err := os.Remove(filepath.Join(dir, "store", key+".json")); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	lease := func(pid int) {
		b, _ := json.Marshal(store.LeaseInfo{Owner: fmt.Sprintf("%s:%d:1", host, pid), Host: host, PID: pid, Job: "slurm 7 task 2"})
		if err := os.WriteFile(filepath.Join(dir, store.LeaseDir, key), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lease(os.Getpid()) // alive
	out := runOK(t, "status", dir)
	if !regexp.MustCompile(`(?m)^eval +\d+ +\d+ +1 +0 +0$`).MatchString(out) || !strings.Contains(out, "(slurm 7 task 2): 1") {
		t.Fatalf("status with one live claim:\n%s", out)
	}
	dead := exec.Command(bin, "help")
	dead.Run()
	lease(dead.Process.Pid)
	out = runOK(t, "status", dir)
	if !regexp.MustCompile(`(?m)^eval +\d+ +\d+ +0 +0 +1$`).MatchString(out) || !strings.Contains(out, "1 stale claims") {
		t.Fatalf("status with one stale claim:\n%s", out)
	}
	runOK(t, "-q", "-j", "1", "-o", dir, spec)
	out = runOK(t, "status", dir)
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^all +%d +%d +0 +0 +0$`, n, n)).MatchString(out) {
		t.Fatalf("status after the run took the stale claim over:\n%s", out)
	}
}
