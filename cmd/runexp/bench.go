package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flowbench/flowbench/pkg/autodiff"
	"github.com/flowbench/flowbench/pkg/cnf"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
)

func init() {
	register(&Command{
		UsageLine: "runexp bench [flags]",
		Short:     "time the training and sampling workloads (optionally against PyTorch)",
		Long: `Bench times the flow-matching step, the CNF likelihood step and Euler
sampling on this machine and prints one line per workload; -torch runs
the PyTorch script with the same shapes alongside.

Examples:

	runexp bench
	runexp bench -only cfm -w 128 -repeat 3
	runexp bench -torch -threads 2`,
		Main: runBench,
	})
}

// benchOpts are the flags of `runexp bench`, named as bench/torch_anchor.py's.
type benchOpts struct {
	w, d, batch, steps, iters, threads, repeat int
	only                                       []string
	seed                                       uint64
	torch, torchF64                            bool
	python, script                             string
	stats                                      map[string][]float64 // extra per-run figures of benchExtra workloads
}

// benchWorkloads lists the workloads in bench/torch_anchor.py's order.
var benchWorkloads = []string{"cfm", "cnf", "sample"}

// benchWorkload is a workload defined in its own file (bench_*.go), which
// registers it in benchExtra from an init. Such workloads run only when
// -only names them, as in the anchor script.
type benchWorkload struct {
	label   string                          // its name in the anchor script's result line
	shape   string                          // what follows the label there, before "threads="
	count   func(o *benchOpts) int          // timed runs
	measure func(o *benchOpts) float64      // runs per wall-clock second
	summary func(o *benchOpts, w io.Writer) // optional lines printed last
}

var benchExtra = map[string]benchWorkload{}

// sampleN is the sample workload's batch, fixed as in bench/torch_anchor.py.
const sampleN = 2048

// runBench is `runexp bench`: time the workloads of benchWorkloads, which
// bench/torch_anchor.py also runs (flow-matching step, CNF maximum-likelihood
// step, Euler sampling), on the float64 models of pkg/models, print one line
// per workload in the script's form, and with -torch run the script in the
// same session and print both side by side.
func runBench(stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("runexp bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchOpts
	fs.IntVar(&o.w, "w", 64, "hidden width (three hidden layers, SELU)")
	fs.IntVar(&o.d, "d", 2, "data dimension")
	fs.IntVar(&o.batch, "batch", 256, "training batch (cfm, cnf); sample always draws 2048 points")
	fs.IntVar(&o.steps, "steps", 8, "solver steps (RK4 for cnf, Euler for sample)")
	fs.IntVar(&o.iters, "iters", 2000, "timed cfm steps; cnf runs iters/20 and sample iters/10, each after min(50, count) warm-up runs")
	fs.IntVar(&o.threads, "threads", 1, "workers: row blocks of cfm and sample (MLP.SetWorkers), the tape's matrix products for cnf (Tape.SetWorkers)")
	only := fs.String("only", strings.Join(benchWorkloads, ","), "comma-separated workloads: cfm, cnf, sample")
	fs.IntVar(&o.repeat, "repeat", 1, "repeat each measurement and report the median wall-clock rate")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the weights and the data")
	fs.BoolVar(&o.torch, "torch", false, "also run the PyTorch script with the same shapes and print a side-by-side table")
	fs.BoolVar(&o.torchF64, "torch-f64", false, "run the PyTorch script in float64 (--f64) instead of its float32 default")
	fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python interpreter with torch, for -torch")
	fs.StringVar(&o.script, "torch-script", "bench/torch_anchor.py", "path of the PyTorch anchor script (bench/torch_anchor.py of the repository), for -torch")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if err := o.setOnly(*only); err != nil {
		fmt.Fprintln(stderr, "runexp bench:", err)
		return exitUsage
	}
	if err := o.validate(); err != nil {
		fmt.Fprintln(stderr, "runexp bench:", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "runexp bench: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}

	torchOK := o.torch
	if torchOK {
		if err := o.torchAvailable(); err != nil {
			fmt.Fprintf(stdout, "torch: skipping the PyTorch comparison: %v\n", err)
			torchOK = false
		}
	}
	ours := map[string][]float64{}
	theirs := map[string][]float64{}
	var torchErr error
	// The Go and the PyTorch measurements alternate within each repeat, so
	// the load of the machine affects both alike.
	for r := 0; r < o.repeat; r++ {
		for _, name := range o.only {
			ours[name] = append(ours[name], o.measure(name))
		}
		if torchOK && torchErr == nil {
			var got map[string]float64
			got, torchErr = o.runTorch()
			for k, v := range got {
				theirs[k] = append(theirs[k], v)
			}
		}
	}
	for _, name := range o.only {
		rates := ours[name]
		med := median(rates)
		shape := fmt.Sprintf("w=%d d=%d batch=%d", o.w, o.d, o.batch)
		if w, ok := benchExtra[name]; ok {
			shape = w.shape
		}
		fmt.Fprintf(stdout, "%s %s threads=%d dtype=float64: %.1f it/s (%.1f us/it)", o.label(name), shape, o.threads, med, 1e6/med)
		if len(rates) > 1 {
			fmt.Fprintf(stdout, " median of %d, range %.1f–%.1f", len(rates), slices.Min(rates), slices.Max(rates))
		}
		fmt.Fprintln(stdout)
	}
	o.extraSummaries(stdout)
	if torchErr != nil {
		fmt.Fprintf(stdout, "torch: skipping the PyTorch comparison: %v\n", torchErr)
	}
	if !torchOK || torchErr != nil {
		return exitOK
	}
	dtype := "float32"
	if o.torchF64 {
		dtype = "float64"
	}
	fmt.Fprintf(stdout, "\nflowbench float64 vs PyTorch %s, threads=%d, median of %d\n", dtype, o.threads, o.repeat)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "workload\tflowbench it/s\ttorch it/s\tratio\t\n")
	for _, name := range o.only {
		a, b := median(ours[name]), median(theirs[name])
		ratio := "-"
		if b > 0 {
			ratio = fmt.Sprintf("%.2fx", a/b)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%s\t\n", o.label(name), a, b, ratio)
	}
	tw.Flush()
	return exitOK
}

// extraSummaries prints the summary lines of the benchExtra workloads run.
func (o *benchOpts) extraSummaries(stdout io.Writer) {
	for _, name := range o.only {
		if w, ok := benchExtra[name]; ok && w.summary != nil {
			w.summary(o, stdout)
		}
	}
}

func (o *benchOpts) setOnly(s string) error {
	o.only = nil
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if _, extra := benchExtra[f]; !slices.Contains(benchWorkloads, f) && !extra {
			return fmt.Errorf("-only names %q, want a comma-separated subset of %s", f, strings.Join(append(slices.Clone(benchWorkloads), slices.Sorted(maps.Keys(benchExtra))...), ", "))
		}
		if !slices.Contains(o.only, f) {
			o.only = append(o.only, f)
		}
	}
	return nil
}

func (o *benchOpts) validate() error {
	for _, c := range []struct {
		name string
		v    int
	}{{"-w", o.w}, {"-d", o.d}, {"-batch", o.batch}, {"-steps", o.steps}, {"-iters", o.iters}, {"-threads", o.threads}, {"-repeat", o.repeat}} {
		if c.v < 1 {
			return fmt.Errorf("%s = %d, want ≥ 1", c.name, c.v)
		}
	}
	return nil
}

// label is the workload's name in bench/torch_anchor.py's output.
func (o *benchOpts) label(name string) string {
	if w, ok := benchExtra[name]; ok {
		return w.label
	}
	switch name {
	case "cfm":
		return "cfm-train"
	case "cnf":
		return fmt.Sprintf("cnf-train(rk4 x%d)", o.steps)
	}
	return fmt.Sprintf("sample(euler x%d, n=%d)", o.steps, sampleN)
}

// count is the number of timed runs of a workload, as in bench/torch_anchor.py.
func (o *benchOpts) count(name string) int {
	if w, ok := benchExtra[name]; ok {
		return w.count(o)
	}
	switch name {
	case "cnf":
		return max(1, o.iters/20)
	case "sample":
		return max(1, o.iters/10)
	}
	return o.iters
}

// moons fills x (n×d) with bench/torch_anchor.py's two-moons-like target: a point
// on one of two half circles, plus N(0, 0.05²) noise, and N(0, 0.1²) in the
// dimensions past 2.
func moons(rng *rand.Rand, x []float64, d int) {
	for r := 0; r < len(x)/d; r++ {
		th := math.Pi * rng.Float64()
		s, c := math.Sincos(th)
		px, py := 1-c, 0.5-s
		if rng.Float64() < 0.5 {
			px, py = c, s
		}
		row := x[r*d : (r+1)*d]
		row[0] = px + 0.05*rng.NormFloat64()
		if d > 1 {
			row[1] = py + 0.05*rng.NormFloat64()
		}
		for j := 2; j < d; j++ {
			row[j] = 0.1 * rng.NormFloat64()
		}
	}
}

// measure runs one workload: min(50, count) warm-up runs, then count timed
// ones, and returns runs per wall-clock second.
func (o *benchOpts) measure(name string) float64 {
	if w, ok := benchExtra[name]; ok {
		return w.measure(o)
	}
	cfg := models.Config{Dim: o.d, Hidden: []int{o.w, o.w, o.w}, Act: autodiff.SELU.String(), Time: "concat"}
	m, err := models.NewMLP(cfg, rand.New(rand.NewPCG(o.seed, 1)))
	if err != nil {
		panic(err) // the flags were validated: a config error is a bug here
	}
	m.SetWorkers(o.threads)
	defer m.SetWorkers(1) // stop the helpers
	rng := rand.New(rand.NewPCG(o.seed, 2))
	ocfg, _ := optim.Default(optim.NameAdam, 1e-3)
	opt, err := optim.New(ocfg, m.NumParams())
	if err != nil {
		panic(err)
	}
	var step func()
	d, n := o.d, o.batch
	switch name {
	case "cfm":
		x1, xt, u, t := make([]float64, n*d), make([]float64, n*d), make([]float64, n*d), make([]float64, n)
		step = func() {
			moons(rng, x1, d)
			for r := 0; r < n; r++ {
				t[r] = rng.Float64()
			}
			for i := range xt {
				x0, tr := rng.NormFloat64(), t[i/d]
				xt[i] = tr*x1[i] + (1-tr)*x0
				u[i] = x1[i] - x0
			}
			m.ZeroGrad()
			m.FMLossGrad(xt, t, u)
			opt.Step(m.Params, m.Grad, 1e-3)
		}
	case "cnf":
		// The code the harness trains CNFs with: cnf.Trainer's step (RK4
		// solve recorded on its tape, exact divergence, backprop, Adam).
		ccfg := cnf.Default()
		ccfg.Steps, ccfg.Divergence = o.steps, cnf.DivExact
		tcfg := cnf.DefaultTraining()
		tcfg.Batch, tcfg.Steps = n, min(50, o.count(name))+o.count(name)
		tr, err := cnf.NewTrainer(m, ccfg, tcfg, rand.New(rand.NewPCG(o.seed, 3)))
		if err != nil {
			panic(err) // the flags were validated: a config error is a bug here
		}
		tr.SetWorkers(o.threads)
		defer tr.SetWorkers(1)
		x1 := make([]float64, n*d)
		step = func() {
			moons(rng, x1, d)
			if _, err := tr.Step(x1); err != nil {
				panic(err) // a diverged step: the timing would be meaningless
			}
		}
	case "sample":
		x, v := make([]float64, sampleN*d), make([]float64, sampleN*d)
		h := 1 / float64(o.steps)
		step = func() {
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			for k := 0; k < o.steps; k++ {
				m.Velocity(v, x, float64(k)*h)
				for i := range x {
					x[i] += h * v[i]
				}
			}
		}
	}
	cnt := o.count(name)
	for i := 0; i < min(50, cnt); i++ {
		step()
	}
	start := time.Now()
	for i := 0; i < cnt; i++ {
		step()
	}
	return float64(cnt) / time.Since(start).Seconds()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (o *benchOpts) torchAvailable() error {
	if _, err := exec.LookPath(o.python); err != nil {
		return fmt.Errorf("no Python interpreter at %s (-python): %w", o.python, err)
	}
	if _, err := os.Stat(o.script); err != nil {
		return fmt.Errorf("no torch script at %s (-torch-script): %w", o.script, err)
	}
	return nil
}

// torchLine matches a result line of bench/torch_anchor.py
// (highd's shape reads "D=784 w=1024x3 silu batch=128", otcfm's
// "batch=512").
// The CPU time per iteration, when the line ends in "cpu C us/it", is kept
// in o.stats["torch-cpu:"+workload] (seconds).
var torchLine = regexp.MustCompile(`^(\S+(?: \S+)*?) (?:(?:w=\d+ d=\d+|D=\d+ w=\d+x\d+ \S+) )?batch=\d+ threads=\d+ dtype=\S+: ([0-9.eE+-]+) it/s(?: \([^)]*\) cpu ([0-9.eE+-]+) us/it)?`)

// runTorch runs bench/torch_anchor.py once with the same shapes and returns its
// rate per workload (keyed like o.only).
func (o *benchOpts) runTorch() (map[string]float64, error) {
	args := []string{o.script, "--w", strconv.Itoa(o.w), "--d", strconv.Itoa(o.d), "--batch", strconv.Itoa(o.batch),
		"--iters", strconv.Itoa(o.iters), "--steps", strconv.Itoa(o.steps), "--threads", strconv.Itoa(o.threads),
		"--only", strings.Join(o.only, ",")}
	if o.torchF64 {
		args = append(args, "--f64")
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(o.python, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	// torch.set_num_threads does not reach OpenBLAS's own thread pool, which
	// otherwise uses every core: without these, torch "at 1 thread" runs its
	// matrix products on all of them. OpenMP's default spin-waiting makes
	// torch at 2 threads 5–8× slower than at 1 on a machine whose cores other
	// work also uses (measured: 1.5 against 12 it/s for highd); passive
	// waiting keeps it at its best there.
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS="+strconv.Itoa(o.threads), "OMP_NUM_THREADS="+strconv.Itoa(o.threads),
		"OMP_WAIT_POLICY=PASSIVE")
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if strings.Contains(msg, "No module named 'torch'") {
			return nil, fmt.Errorf("%s cannot import torch (install python3-torch)", o.python)
		}
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		return nil, fmt.Errorf("%s %s: %v: %s", o.python, o.script, err, msg)
	}
	got := map[string]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		mm := torchLine.FindStringSubmatch(sc.Text())
		if mm == nil {
			continue
		}
		rate, err := strconv.ParseFloat(mm[2], 64)
		if err != nil {
			continue
		}
		for _, name := range o.only {
			if o.label(name) == mm[1] {
				got[name] = rate
				if cpu, err := strconv.ParseFloat(mm[3], 64); err == nil {
					if o.stats == nil {
						o.stats = map[string][]float64{}
					}
					o.stats["torch-cpu:"+name] = append(o.stats["torch-cpu:"+name], cpu/1e6)
				}
			}
		}
	}
	for _, name := range o.only {
		if _, ok := got[name]; !ok {
			return nil, fmt.Errorf("%s printed no %q line", o.script, o.label(name))
		}
	}
	return got, nil
}
