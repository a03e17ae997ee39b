package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSlurmSubmits runs `runexp slurm` against a stand-in sbatch that
// records its arguments and the script it was given: the job array is
// submitted first, with N tasks, --requeue and the shard command; the
// report job depends (afterany) on the array's id; both ids and the
// results path are printed. The real Slurm is exercised by
// .ci/slurm-e2e.sh.
func TestSlurmSubmits(t *testing.T) {
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	os.Mkdir(bin, 0o755)
	log := filepath.Join(tmp, "sbatch.log")
	fake := `#!/bin/sh
n=$(cat "` + log + `.n" 2>/dev/null || echo 41)
n=$((n + 1)); echo $n > "` + log + `.n"
echo "call $n: $*" >> "` + log + `"
for a; do last=$a; done
cat "$last" >> "` + log + `"
echo "$n;cluster"
`
	if err := os.WriteFile(filepath.Join(bin, "sbatch"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out := filepath.Join(tmp, "res")
	got := runOK(t, "slurm", "-shards", "3", "-cpus", "2", "-mem", "2G", "-partition", "short", "-time", "1:00:00", "-o", out, "testdata/tiny.spec", "training.steps=20")
	for _, want := range []string{"array job 42: 3 shards", "report job 43:", "results: " + out} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	calls := string(b)
	first, second, ok := strings.Cut(calls, "call 43: ")
	if !ok {
		t.Fatalf("sbatch was not called twice:\n%s", calls)
	}
	for _, want := range []string{"call 42: --parsable " + filepath.Join(out, "slurm", "shards.sbatch"),
		"#SBATCH --array=0-2\n", "#SBATCH --requeue\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --mem=2G\n",
		"#SBATCH --partition=short\n", "#SBATCH --time=1:00:00\n",
		` run -shard "$SLURM_ARRAY_TASK_ID/3" -j "${SLURM_CPUS_PER_TASK:-1}" -o ` + out + " -set training.steps=20 "} {
		if !strings.Contains(first, want) {
			t.Errorf("array submission lacks %q:\n%s", want, first)
		}
	}
	if !strings.HasPrefix(second, "--parsable --dependency=afterany:42 "+filepath.Join(out, "slurm", "report.sbatch")) ||
		!strings.Contains(second, " report "+out+"\n") {
		t.Errorf("report submission:\n%s", second)
	}
	// -dry-run prints the same scripts and submits nothing.
	os.Remove(log)
	dry := runOK(t, "slurm", "-dry-run", "-shards", "3", "-o", filepath.Join(tmp, "dry"), "testdata/tiny.spec")
	if _, err := os.Stat(log); err == nil {
		t.Fatal("-dry-run called sbatch")
	}
	if !strings.Contains(dry, "#SBATCH --array=0-2") || !strings.Contains(dry, "--dependency=afterany:<array job id>") {
		t.Fatalf("-dry-run output:\n%s", dry)
	}
	if _, err := os.Stat(filepath.Join(tmp, "dry")); err == nil {
		t.Fatal("-dry-run wrote the results directory")
	}
}
