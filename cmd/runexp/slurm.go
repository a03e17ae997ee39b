package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/runner"
	"github.com/flowbench/flowbench/pkg/store"
)

func init() {
	register(&Command{
		UsageLine: "runexp slurm [flags] SPEC [key.path=value...]",
		Short:     "run a spec's sweep as a Slurm job array of shards, then its report",
		Long: `Slurm writes two sbatch scripts into DIR/slurm/ and submits them: a job
array of N tasks, task I running "runexp run -shard I/N" on the spec into
the results directory DIR (which must be on a file system all nodes
share), and a report job that runs "runexp report DIR" once every task
has ended (--dependency=afterany). It prints the job ids and DIR.

The tasks are --requeue: a preempted, failed or requeued task resumes
from the store, and an artifact a dead task had claimed is taken over
once its claim is stale (at once on the same host). "runexp status DIR"
shows the progress. -dry-run prints the scripts and the sbatch commands
and submits nothing.

Examples:

	runexp slurm -shards 8 -cpus 4 -time 2:00:00 -partition cpu -o /shared/results/sweep experiments/sweep.yaml
	runexp slurm -dry-run -shards 3 experiments/quickstart.yaml
	runexp status /shared/results/sweep`,
		Flag: slurmFlags,
	})
}

// clusterOptions are the flags shared by the cluster launchers (slurm,
// k8s).
type clusterOptions struct {
	shards int
	cpus   int
	mem    string
	out    string
	sets   setFlags
}

func (c *clusterOptions) declare(fs *flag.FlagSet) {
	fs.IntVar(&c.shards, "shards", 4, "number of shards (array tasks)")
	fs.IntVar(&c.cpus, "cpus", 1, "CPUs per shard (each runs runexp -j CPUS)")
	fs.StringVar(&c.mem, "mem", "", "memory per shard, e.g. 4G (default: the scheduler's)")
	fs.StringVar(&c.out, "o", "", "results directory, on storage every shard sees (default results/<name>)")
	fs.Var(&c.sets, "set", "override a spec field, key.path=value (repeatable)")
}

// load validates the spec with its overrides and returns it with the
// results directory.
func (c *clusterOptions) load(stderr io.Writer, args []string) (*experiment.File, string, []string, error) {
	specs, more := splitOverrides(args)
	if len(specs) != 1 {
		return nil, "", nil, usageErrorf("runexp: want one SPEC, got %d", len(specs))
	}
	if c.shards < 1 {
		return nil, "", nil, usageErrorf("runexp: -shards %d: need at least 1", c.shards)
	}
	if c.cpus < 1 {
		return nil, "", nil, usageErrorf("runexp: -cpus %d: need at least 1", c.cpus)
	}
	sets := append(append([]string(nil), c.sets...), more...)
	files, ok := loadAll(stderr, specs, sets, registry())
	if !ok {
		return nil, "", nil, withStatus(exitUsage, nil)
	}
	return files[0], outputDir(c.out, files[0], 1), sets, nil
}

// slurmFlags declares the slurm command's flags and returns its action.
func slurmFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer, args []string) error {
	var c clusterOptions
	c.declare(fs)
	partition := fs.String("partition", "", "Slurm partition (default: the cluster's default)")
	limit := fs.String("time", "", "time limit per shard, e.g. 2:00:00 (default: the partition's)")
	dry := fs.Bool("dry-run", false, "print the scripts and the sbatch commands, submit nothing")
	return func(stdout, stderr io.Writer, args []string) error {
		f, dir, sets, err := c.load(stderr, args)
		if err != nil {
			return err
		}
		s, err := slurmScripts(f, dir, sets, c, *partition, *limit)
		if err != nil {
			return failed(err)
		}
		if *dry {
			fmt.Fprintf(stdout, "# %s\n%s\n# %s\n%s\n", s.arrayPath, s.array, s.reportPath, s.report)
			fmt.Fprintf(stdout, "# submit:\nsbatch --parsable %s\nsbatch --parsable --dependency=afterany:<array job id> %s\n", shellQuote(s.arrayPath), shellQuote(s.reportPath))
			fmt.Fprintf(stdout, "# %s\n", shardBalance(f, c.shards))
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(s.arrayPath), 0o755); err != nil {
			return failed(err)
		}
		if err := store.WriteFileAtomic(s.arrayPath, []byte(s.array)); err != nil {
			return failed(err)
		}
		if err := store.WriteFileAtomic(s.reportPath, []byte(s.report)); err != nil {
			return failed(err)
		}
		array, err := sbatch(s.arrayPath)
		if err != nil {
			return failed(err)
		}
		rep, err := sbatch("--dependency=afterany:"+array, s.reportPath)
		if err != nil {
			return failed(fmt.Errorf("%w (the array job %s is submitted: scancel %s, or run runexp report %s when it ends)", err, array, array, s.dir))
		}
		fmt.Fprintf(stdout, "array job %s: %d shards of %s\nreport job %s: runexp report, after the array ends\nresults: %s\n",
			array, c.shards, f.Path, rep, s.dir)
		fmt.Fprintf(stdout, "follow: runexp status %s; logs in %s\n", s.dir, filepath.Dir(s.arrayPath))
		return nil
	}
}

// shardBalance says how the estimated cost of the plan's training
// lineages is dealt to n shards.
func shardBalance(f *experiment.File, n int) string {
	ls := runner.NewPlan(f, registry()).Lineages()
	who, load := runner.Assign(ls, n)
	count := make([]int, n)
	total := 0.0
	for i, l := range ls {
		count[who[i]]++
		total += l.Cost
	}
	var parts []string
	for i := range n {
		share := 0.0
		if total > 0 {
			share = 100 * load[i] / total
		}
		parts = append(parts, fmt.Sprintf("%d: %d (%.0f%%)", i, count[i], share))
	}
	return fmt.Sprintf("%d training lineages; per shard, lineages (share of the estimated cost): %s", len(ls), strings.Join(parts, ", "))
}

// scripts are the sbatch scripts of one submission.
type scripts struct {
	dir                   string // absolute results directory
	arrayPath, reportPath string
	array, report         string
}

// slurmScripts writes the array and report scripts. Paths are made
// absolute: the tasks run wherever Slurm starts them.
func slurmScripts(f *experiment.File, dir string, sets []string, c clusterOptions, partition, limit string) (scripts, error) {
	var s scripts
	bin, err := os.Executable()
	if err != nil {
		return s, err
	}
	if s.dir, err = filepath.Abs(dir); err != nil {
		return s, err
	}
	spec, err := filepath.Abs(f.Path)
	if err != nil {
		return s, err
	}
	logs := filepath.Join(s.dir, "slurm")
	s.arrayPath, s.reportPath = filepath.Join(logs, "shards.sbatch"), filepath.Join(logs, "report.sbatch")
	head := func(b *strings.Builder, name string) {
		b.WriteString("#!/bin/bash\n")
		fmt.Fprintf(b, "#SBATCH --job-name=%s\n", name)
		if partition != "" {
			fmt.Fprintf(b, "#SBATCH --partition=%s\n", partition)
		}
		if limit != "" {
			fmt.Fprintf(b, "#SBATCH --time=%s\n", limit)
		}
	}
	var a strings.Builder
	head(&a, "flowbench-"+f.Name())
	fmt.Fprintf(&a, "#SBATCH --array=0-%d\n", c.shards-1)
	a.WriteString("#SBATCH --requeue\n")
	fmt.Fprintf(&a, "#SBATCH --cpus-per-task=%d\n", c.cpus)
	if c.mem != "" {
		fmt.Fprintf(&a, "#SBATCH --mem=%s\n", c.mem)
	}
	fmt.Fprintf(&a, "#SBATCH --output=%s\n", filepath.Join(logs, "shard-%a.out"))
	a.WriteString("#SBATCH --open-mode=append\n")
	fmt.Fprintf(&a, "# Shard $SLURM_ARRAY_TASK_ID of %d of %s. A requeued or rerun task resumes\n# from the store in %s; claims of a dead task are taken over.\n", c.shards, f.Path, s.dir)
	cmd := []string{shellQuote(bin), "run", "-shard", fmt.Sprintf(`"$SLURM_ARRAY_TASK_ID/%d"`, c.shards), "-j", `"${SLURM_CPUS_PER_TASK:-1}"`, "-o", shellQuote(s.dir)}
	for _, set := range sets {
		cmd = append(cmd, "-set", shellQuote(set))
	}
	cmd = append(cmd, shellQuote(spec))
	fmt.Fprintf(&a, "exec %s\n", strings.Join(cmd, " "))
	s.array = a.String()

	var r strings.Builder
	head(&r, "flowbench-"+f.Name()+"-report")
	fmt.Fprintf(&r, "#SBATCH --output=%s\n", filepath.Join(logs, "report.out"))
	r.WriteString("#SBATCH --open-mode=append\n")
	r.WriteString("# Submitted with --dependency=afterany:<array job>: runs once every shard has ended.\n")
	fmt.Fprintf(&r, "exec %s report %s\n", shellQuote(bin), shellQuote(s.dir))
	s.report = r.String()
	return s, nil
}

// sbatch submits a script with --parsable and returns the job id.
func sbatch(args ...string) (string, error) {
	cmd := exec.Command("sbatch", append([]string{"--parsable"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("sbatch %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(out.String()), ";") // "id;cluster" on federated clusters
	if id == "" {
		return "", fmt.Errorf("sbatch %s printed no job id", strings.Join(args, " "))
	}
	return id, nil
}

// shellQuote quotes a word for bash unless it needs nothing.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
