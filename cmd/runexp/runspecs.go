package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/report"
	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/runner"
	"github.com/flowbench/flowbench/pkg/store"
)

// setFlags collects repeated -set key.path=value flags.
type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, " ") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

// Files written into a results directory besides the store and the report.
const (
	specFile       = "spec.yaml"
	provenanceFile = "provenance.json"
	publishedFile  = "published.csv" // copy of the spec's report.published
)

// publishedPath is the file named by report.published, relative to the
// spec file's directory; "" when the spec names none.
func publishedPath(f *experiment.File) string {
	p := f.Points[0].Spec.Report.Published
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(f.Path), p)
}

// readPublished reads a published-results file (nil, nil, nil for "") and
// returns it with its bytes.
func readPublished(path string) (*report.Published, []byte, error) {
	if path == "" {
		return nil, nil, nil
	}
	return report.ReadPublishedFile(path)
}

func init() {
	register(&Command{
		UsageLine: "runexp run [flags] SPEC... [key.path=value...]",
		Short:     "train, evaluate and report each spec (the default command)",
		Long: `Run computes every artifact a spec plans (test sets, trainings, couplings,
evaluations), caching each in the results directory's store, and writes
report.md, runs.csv and the figures there. "run" may be left out:
"runexp SPEC" is "runexp run SPEC". Flags and -set may come before or
after the specs; an argument key.path=value after them is an override
like -set (Hydra style). A rerun computes only what is not yet stored.

Examples:

	runexp experiments/quickstart.yaml
	runexp -dry-run experiments/quickstart.yaml training.steps=100
	runexp experiments/quickstart.yaml -set 'evaluation.seeds=[1,2,3,4,5]' -j 2
	runexp -o /tmp/out experiments/quickstart.yaml experiments/sweep.yaml`,
		Flag: runFlags,
	})
}

// runFlags declares the run command's flags and returns its action.
func runFlags(fs *flag.FlagSet) func(stdout, stderr io.Writer, args []string) error {
	out := fs.String("o", "", "results directory (default results/<name>; with several specs, the parent of <name>/)")
	jobs := fs.Int("j", runtime.NumCPU(), "artifacts computed in parallel")
	var sets setFlags
	fs.Var(&sets, "set", "override a spec field, key.path=value (repeatable; a YAML list sweeps)")
	force := fs.Bool("force", false, "recompute artifacts already in the store")
	dry := fs.Bool("dry-run", false, "print the plan (counts, cached, time estimate) and exit")
	quiet := fs.Bool("q", false, "print nothing but errors")
	shardArg := fs.String("shard", "", "compute only shard `I/N` of the plan (0 ≤ I < N; training lineages balanced by estimated cost) and write no report (runexp report DIR once all are done)")
	leaseTTL := fs.Duration("lease-ttl", store.DefaultLeaseTTL, "a claim on an artifact without a heartbeat for this long is taken over by other writers of the directory")
	return func(stdout, stderr io.Writer, args []string) error {
		specs, more := splitOverrides(args)
		if len(specs) == 0 {
			printUsage(stderr)
			return withStatus(exitUsage, nil)
		}
		shard, err := parseShard(*shardArg)
		if err != nil {
			return usageErrorf("runexp: %v", err)
		}
		return runSpecs(stdout, stderr, runOptions{out: *out, jobs: *jobs, sets: append(sets, more...), force: *force, dry: *dry, quiet: *quiet, shard: shard, leaseTTL: *leaseTTL}, specs)
	}
}

// runOptions are the run command's flags.
type runOptions struct {
	out        string
	jobs       int
	sets       []string
	force, dry bool
	quiet      bool
	shard      shardSpec     // n == 0: the whole plan
	leaseTTL   time.Duration // of the claims on artifacts
}

// outputDir is the one place that decides where a spec's results go:
// results/<name> by default; -o itself for a single spec; -o/<name> for
// each of several.
func outputDir(out string, f *experiment.File, nspecs int) string {
	switch {
	case out == "":
		return filepath.Join("results", f.Name())
	case nspecs == 1:
		return out
	}
	return filepath.Join(out, f.Name())
}

// runSpecs runs the specs in order.
func runSpecs(stdout, stderr io.Writer, o runOptions, specs []string) error {
	if o.jobs < 1 {
		return usageErrorf("runexp: -j %d: need at least 1", o.jobs)
	}
	reg := registry()
	// Validate every spec before writing anything.
	files, ok := loadAll(stderr, specs, o.sets, reg)
	if !ok {
		return withStatus(exitUsage, nil)
	}
	dirs := map[string]string{}
	for _, f := range files {
		dir := outputDir(o.out, f, len(files))
		if prev, dup := dirs[dir]; dup {
			return usageErrorf("runexp: %s and %s would both write %s (give them different names)", prev, f.Path, dir)
		}
		dirs[dir] = f.Path
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var status error
	for _, f := range files {
		dir := outputDir(o.out, f, len(files))
		plan := runner.NewPlan(f, reg)
		if o.shard.n > 0 {
			var err error
			if plan, err = shardPlan(stdout, plan, o.shard, o.dry); err != nil {
				return usageErrorf("runexp: %v", err)
			}
		}
		if o.dry {
			printPlan(stdout, f, plan, dir, o.jobs)
			continue
		}
		err := runOne(ctx, stdout, stderr, o, f, plan, dir)
		var e *exitError
		if errors.As(err, &e) && e.Code == exitFailed && e.Err == nil {
			status = err // some artifacts failed: go on with the next spec
			continue
		}
		if err != nil {
			return err
		}
	}
	return status
}

// runOne runs one spec into dir and writes its report.
func runOne(ctx context.Context, stdout, stderr io.Writer, o runOptions, f *experiment.File, plan *runner.Plan, dir string) error {
	st, err := store.Open(dir)
	if err != nil {
		return failed(err)
	}
	prov := runner.CollectProvenance(f.Hash())
	prov.SpecPath = f.Path
	moved, err := keepHistory(dir, f.Effective(), time.Now())
	if err != nil {
		return failed(fmt.Errorf("keeping the previous report: %w", err))
	}
	if moved != "" {
		fmt.Fprintf(stderr, "runexp: %s: the spec differs from the one of the report in %s: the previous report.md, runs.csv, spec.yaml and figures moved to %s (the store is shared)\n", f.Path, dir, moved)
	}
	if err := store.WriteFileAtomic(filepath.Join(dir, specFile), f.Effective()); err != nil {
		return failed(err)
	}
	if err := store.WriteFileAtomic(filepath.Join(dir, provenanceFile), prov.JSON()); err != nil {
		return failed(err)
	}
	pub, raw, err := readPublished(publishedPath(f))
	if err != nil {
		return failed(err)
	}
	if pub != nil {
		// The report is rebuilt from the results directory alone.
		if err := store.WriteFileAtomic(filepath.Join(dir, publishedFile), raw); err != nil {
			return failed(err)
		}
	}
	var prog runner.Progress = &runner.Log{W: stdout}
	switch {
	case o.quiet:
		prog = runner.Quiet{}
	case isTerminal(stdout):
		prog = &runner.Bar{W: stdout}
	}
	if !o.quiet {
		fmt.Fprintf(stdout, "%s → %s\n", f.Path, dir)
	}
	leases, err := store.NewLeases(dir, o.leaseTTL)
	if err != nil {
		return failed(err)
	}
	opts := runner.Options{Jobs: o.jobs, Force: o.force, Progress: prog, Leases: leases,
		Notice: func(m string) { fmt.Fprintln(stderr, "runexp: damaged artifact:", m) }}
	if o.shard.n > 0 {
		opts.NoClaim = runner.Shared // shards recompute what they share rather than wait
	}
	recs, err := runner.Run(ctx, plan, st, newExecutor(), opts)
	if errors.Is(err, context.Canceled) {
		return withStatus(exitInterrupted, fmt.Errorf("runexp: interrupted; %d artifacts are stored, rerun the same command to resume", len(recs)))
	}
	if err != nil {
		return failed(err)
	}
	if o.shard.n > 0 {
		// A shard holds part of the records: `runexp report DIR` once
		// every shard is done.
		if code := shardDone(stdout, stderr, f, dir, o.shard, recs, o.quiet); code != exitOK {
			return withStatus(code, nil)
		}
		return nil
	}
	// The report shows the store's complete state: what a process sharing
	// the store computed meanwhile replaces this one's failures.
	recs = runner.Reconcile(plan, st, recs)
	if err := writeReport(dir, f, recs, prov, pub); err != nil {
		return failed(err)
	}
	bad, nonFinite := 0, 0
	for _, r := range recs {
		if r.Status != runner.StatusOK {
			bad++
		} else if len(r.NonFinite()) > 0 {
			nonFinite++
		}
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "runexp: %s: %d of %d artifacts failed or were skipped (see %s)\n", f.Path, bad, len(recs), filepath.Join(dir, "report.md"))
	}
	if nonFinite > 0 {
		fmt.Fprintf(stderr, "runexp: %s: %d artifacts have NaN or infinite metrics, left out of the statistics (see %s)\n", f.Path, nonFinite, filepath.Join(dir, "report.md"))
	}
	if bad+nonFinite > 0 {
		return withStatus(exitFailed, nil)
	}
	if !o.quiet {
		fmt.Fprintf(stdout, "report: %s\n", filepath.Join(dir, "report.md"))
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// loadAll loads every spec, printing every error; ok is false if any failed.
func loadAll(stderr io.Writer, paths []string, sets []string, reg experiment.Registry) ([]*experiment.File, bool) {
	var files []*experiment.File
	ok := true
	for _, p := range paths {
		f, err := experiment.Load(p, sets, reg)
		if errors.Is(err, fs.ErrNotExist) {
			err = specNotFound(p)
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			ok = false
			continue
		}
		if _, _, err := readPublished(publishedPath(f)); err != nil {
			fmt.Fprintf(stderr, "%s: report.published: %v\n", f.Path, err)
			ok = false
			continue
		}
		if err := checkResources(f, reg, machineMemory()); err != nil {
			fmt.Fprintln(stderr, err)
			ok = false
			continue
		}
		files = append(files, f)
	}
	return files, ok
}

// printPlan is the -dry-run output.
func printPlan(w io.Writer, f *experiment.File, p *runner.Plan, dir string, jobs int) {
	cached := map[string]bool{}
	if st, err := store.OpenExisting(dir); err == nil {
		cached = runner.Cached(p, st)
	}
	fmt.Fprintf(w, "%s → %s\n", f.Path, dir)
	fmt.Fprintf(w, "  grid points: %d", len(f.Points))
	if len(f.Axes) > 0 {
		var names []string
		for _, a := range f.Axes {
			names = append(names, fmt.Sprintf("%s (%d)", a.Path, len(a.Values)))
		}
		fmt.Fprintf(w, " over %s", strings.Join(names, " × "))
	}
	fmt.Fprintln(w)
	var total, todo float64
	for _, kind := range []results.Kind{runner.KindTestSet, runner.KindTransport, runner.KindTrain, runner.KindPairs, runner.KindEval, runner.KindModelEval} {
		n, c := 0, 0
		var cost float64
		for _, a := range p.Artifacts {
			if a.Kind != kind {
				continue
			}
			n++
			total += a.Cost
			if cached[a.Key] {
				c++
			} else {
				cost += a.Cost
				todo += a.Cost
			}
		}
		if n > 0 {
			fmt.Fprintf(w, "  %-10s %5d  (%d cached, %d to compute, ≈%s)\n", kind, n, c, n-c, flops(cost))
		}
	}
	dim := f.Points[0].Spec.Data.Dim
	if dim == 0 {
		dim = 2 // the toy data sets' own dimension
	}
	printEstimate(w, p, cached, jobs, dim)
}

func flops(f float64) string {
	switch {
	case f >= 1e12:
		return fmt.Sprintf("%.1f TFLOP", f/1e12)
	case f >= 1e9:
		return fmt.Sprintf("%.1f GFLOP", f/1e9)
	}
	return fmt.Sprintf("%.1f MFLOP", f/1e6)
}

func seconds(s float64) string {
	switch {
	case s >= 3600:
		return fmt.Sprintf("%.1f h", s/3600)
	case s >= 60:
		return fmt.Sprintf("%.1f min", s/60)
	}
	return fmt.Sprintf("%.0f s", s)
}

// historyDir is where earlier reports of a results directory are kept.
const historyDir = "history"

// keepHistory moves the previous report of dir (report.md, runs.csv,
// spec.yaml, provenance.json and figures/) to history/<time>-<spec hash>/
// when the effective spec about to be run differs from the one that made
// it, so no report is lost silently. The store stays: the new run reuses
// every artifact the two specs share. It returns the folder it moved them
// to, or "" when nothing moved.
func keepHistory(dir string, effective []byte, now time.Time) (string, error) {
	old, err := os.ReadFile(filepath.Join(dir, specFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if bytes.Equal(old, effective) {
		return "", nil
	}
	sum := sha256.Sum256(old)
	dest := filepath.Join(dir, historyDir, now.UTC().Format("20060102T150405Z")+"-"+hex.EncodeToString(sum[:])[:12])
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return "", err
	}
	for _, name := range []string{report.ReportFile, report.CSVFile, specFile, provenanceFile, report.FigureDir} {
		src := filepath.Join(dir, name)
		if _, err := os.Stat(src); err != nil {
			continue
		}
		if err := os.Rename(src, filepath.Join(dest, name)); err != nil {
			return "", err
		}
	}
	return dest, nil
}
