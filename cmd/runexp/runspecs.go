package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/report"
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
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	p, err := report.ReadPublished(path)
	return p, raw, err
}

// runSpecs is `runexp [flags] SPEC...`.
func runSpecs(stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("runexp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "results directory (default results/<name>; with several specs, the parent of <name>/)")
	jobs := fs.Int("j", runtime.NumCPU(), "artifacts computed in parallel")
	var sets setFlags
	fs.Var(&sets, "set", "override a spec field, key.path=value (repeatable; a YAML list sweeps)")
	force := fs.Bool("force", false, "recompute artifacts already in the store")
	dry := fs.Bool("dry-run", false, "print the plan (counts, cached, cost estimate) and exit")
	quiet := fs.Bool("q", false, "print nothing but errors")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: runexp [flags] SPEC...\n       runexp validate [-set k=v] SPEC...\n       runexp report DIR\n")
		for _, name := range sortedSubcommands() {
			if name != "validate" && name != "report" {
				fmt.Fprintf(stderr, "       runexp %s ...\n", name)
			}
		}
		fmt.Fprintf(stderr, "\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	if *jobs < 1 {
		fmt.Fprintf(stderr, "runexp: -j %d: need at least 1\n", *jobs)
		return exitUsage
	}
	reg := registry()
	// Validate every spec before writing anything.
	files, ok := loadAll(stderr, fs.Args(), sets, reg)
	if !ok {
		return exitUsage
	}
	dirs := map[string]string{}
	for _, f := range files {
		dir := filepath.Join("results", f.Name())
		switch {
		case *out != "" && len(files) == 1:
			dir = *out
		case *out != "":
			dir = filepath.Join(*out, f.Name())
		}
		if prev, dup := dirs[dir]; dup {
			fmt.Fprintf(stderr, "runexp: %s and %s would both write %s (give them different names)\n", prev, f.Path, dir)
			return exitUsage
		}
		dirs[dir] = f.Path
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	status := exitOK
	for _, f := range files {
		dir := filepath.Join("results", f.Name())
		if *out != "" {
			dir = *out
			if len(files) > 1 {
				dir = filepath.Join(*out, f.Name())
			}
		}
		plan := runner.NewPlan(f, reg)
		if *dry {
			printPlan(stdout, f, plan, dir, *jobs)
			continue
		}
		st, err := store.Open(dir)
		if err != nil {
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		}
		prov := runner.CollectProvenance(f.Hash())
		if err := store.WriteFileAtomic(filepath.Join(dir, specFile), f.Effective()); err != nil {
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		}
		if err := store.WriteFileAtomic(filepath.Join(dir, provenanceFile), prov.JSON()); err != nil {
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		}
		pub, raw, err := readPublished(publishedPath(f))
		if err != nil {
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		}
		if pub != nil {
			// The report is rebuilt from the results directory alone.
			if err := store.WriteFileAtomic(filepath.Join(dir, publishedFile), raw); err != nil {
				fmt.Fprintln(stderr, "runexp:", err)
				return exitFailed
			}
		}
		var prog runner.Progress = &runner.Log{W: stdout}
		switch {
		case *quiet:
			prog = runner.Quiet{}
		case isTerminal(stdout):
			prog = &runner.Bar{W: stdout}
		}
		if !*quiet {
			fmt.Fprintf(stdout, "%s → %s\n", f.Path, dir)
		}
		recs, err := runner.Run(ctx, plan, st, newExecutor(), runner.Options{Jobs: *jobs, Force: *force, Progress: prog})
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "runexp: interrupted; %d artifacts are stored, rerun the same command to resume\n", len(recs))
			return exitInterrupted
		}
		if err != nil {
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		}
		if err := writeReport(dir, f, recs, prov, pub); err != nil {
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		}
		bad := 0
		for _, r := range recs {
			if r.Status != runner.StatusOK {
				bad++
			}
		}
		if bad > 0 {
			fmt.Fprintf(stderr, "runexp: %s: %d of %d artifacts failed or were skipped (see %s)\n", f.Path, bad, len(recs), filepath.Join(dir, "report.md"))
			status = exitFailed
		} else if !*quiet {
			fmt.Fprintf(stdout, "report: %s\n", filepath.Join(dir, "report.md"))
		}
	}
	return status
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
	for _, kind := range []string{runner.KindTestSet, runner.KindTransport, runner.KindTrain, runner.KindPairs, runner.KindEval, runner.KindModelEval} {
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
	// The plan counts matrix-product FLOPs; the rate they run at is measured
	// here and now. Work the cost model leaves out (minibatch OT couplings,
	// exact W2 assignments, sorting for SW2) comes on top.
	rate := measuredRate()
	fmt.Fprintf(w, "  to compute: ≈%s; at the %.1f GFLOP/s of a flow-matching step measured now, roughly %s on one core, %s with -j %d (couplings and W2 assignments come on top)\n",
		flops(todo), rate/1e9, seconds(todo/rate), seconds(todo/rate/float64(min(jobs, runtime.NumCPU()))), jobs)
}

// measuredRate times flow-matching steps of the default 2-D model (batch
// 256) on this machine and returns the FLOP rate, counted as the plan
// counts them (3 network passes of 2·MACs per point and step).
func measuredRate() float64 {
	const batch, d = 256, 2
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := models.NewMLP(models.DefaultConfig(d), rng)
	if err != nil {
		panic("runexp: default model: " + err.Error())
	}
	xt, u, t := make([]float64, batch*d), make([]float64, batch*d), make([]float64, batch)
	for i := range xt {
		xt[i], u[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	for i := range t {
		t[i] = rng.Float64()
	}
	macs := 0
	in := d + 1
	for _, h := range m.Cfg.Hidden {
		macs += in * h
		in = h
	}
	macs += in * d
	perStep := 3 * 2 * float64(macs) * batch
	m.FMLossGrad(xt, t, u) // warm-up
	steps := 0
	start := time.Now()
	for time.Since(start) < 50*time.Millisecond {
		m.ZeroGrad()
		m.FMLossGrad(xt, t, u)
		steps++
	}
	return perStep * float64(steps) / time.Since(start).Seconds()
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
