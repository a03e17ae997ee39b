package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/metrics"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/runner"
)

// The time estimate of -dry-run: every kind of artifact is costed by work
// timed on this machine just before (so the load of the machine counts):
//
//   - a flow-matching training: its steps × one timed step of the spec's
//     model at its batch (forward and backward), × trainOverhead for the
//     optimiser, the path and the data; plus, for a minibatch OT or
//     Sinkhorn coupling, one timed coupling of a batch per step;
//   - a CNF training, reflow pairs, sampling and NLL: the plan's FLOP
//     count at the FLOP rate of the timed step, × a factor per kind
//     (cnfOverhead, adaptiveOverhead, nllOverhead);
//   - the sample metrics of an evaluation (W2, SW2, MMD) and the exact
//     transport: timed once on data of the spec's size (W2 on at most
//     1,000 points, scaled by n²).
//
// The factors compare the plan's counts with artifact wall times
// (runs.csv's wall_seconds) of the committed reports and of quickstart
// runs timed right after a dry run: the FLOP count leaves out the adaptive
// solver's rejected steps and error norms, and the NLL's divergence of
// every state (NLL took 20–30× its counted FLOPs at the FM rate). The CNF
// factor: its trainings took 2.2× (paper-cnf-vs-fm) and 2.8× (quickstart)
// their counted FLOPs at the FM rate, timed on an idle machine on
// 2026-12-07 (per-point solver steps and the divergence's extra passes).
const (
	trainOverhead    = 1.2
	cnfOverhead      = 2.5
	adaptiveOverhead = 3.0
	nllOverhead      = 25.0
)

// estimate is the time estimate of the artifacts still to compute.
type estimate struct {
	byClass map[string]float64 // seconds of one core per class
	count   map[string]int
	longest float64 // the longest single artifact
	basis   []string
}

// estimator caches the timings an estimate is built from.
type estimator struct {
	stepSec  map[string]float64 // "hidden|batch|d" → seconds per FM step
	rate     map[string]float64 // "hidden|d" → FLOP/s
	coupling map[string]float64 // "name|batch|d" → seconds per coupling
	metric   map[string]float64 // "metric|n|dataset|d" → seconds
}

func newEstimator() *estimator {
	return &estimator{stepSec: map[string]float64{}, rate: map[string]float64{}, coupling: map[string]float64{}, metric: map[string]float64{}}
}

// timeIt runs f (after one warm-up call) until 150 ms have passed and at
// least two calls were timed, and returns the mean seconds per call: the
// throughput, which includes the share of the processor other work takes
// (a median of short calls would measure them between interruptions).
func timeIt(f func()) float64 {
	f()
	n := 0
	start := time.Now()
	for n < 2 || time.Since(start) < 150*time.Millisecond {
		f()
		n++
	}
	return time.Since(start).Seconds() / float64(n)
}

// fmStep times one forward and backward flow-matching pass of an MLP of the
// given hidden widths on a batch, and returns seconds per step and the
// FLOP rate counted as the plan counts (3 passes of 2·MACs per point).
func (e *estimator) fmStep(hidden []int, batch, d int) (float64, float64) {
	if len(hidden) == 0 {
		hidden = models.DefaultConfig(d).Hidden
	}
	k := fmt.Sprintf("hidden=%v batch=%d d=%d", hidden, batch, d)
	if s, ok := e.stepSec[k]; ok {
		return s, e.rate[k]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cfg := models.DefaultConfig(d)
	cfg.Hidden = hidden
	m, err := models.NewMLP(cfg, rng)
	if err != nil {
		panic("runexp: estimate model: " + err.Error())
	}
	xt, u, t := make([]float64, batch*d), make([]float64, batch*d), make([]float64, batch)
	for i := range xt {
		xt[i], u[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	for i := range t {
		t[i] = rng.Float64()
	}
	macs, in := 0, d+1
	for _, h := range cfg.Hidden {
		macs += in * h
		in = h
	}
	macs += in * d
	sec := timeIt(func() { m.ZeroGrad(); m.FMLossGrad(xt, t, u) })
	e.stepSec[k], e.rate[k] = sec, 3*2*float64(macs)*float64(batch)/sec
	return sec, e.rate[k]
}

// couplingSec times one minibatch coupling of a batch drawn from the
// training's source and target data sets (the Sinkhorn's sweeps and the
// assignment's work depend on the geometry; normal draws where a data set
// cannot be built here).
func (e *estimator) couplingSec(name string, params couplings.Params, batch, d int, source, target string) float64 {
	if name == "" || name == couplings.NameIndependent {
		return 0
	}
	k := fmt.Sprintf("%s eps=%g relative=%v batch=%d d=%d %s→%s", name, params.Eps, params.Relative, batch, d, source, target)
	if name == couplings.NameExactOT {
		k = fmt.Sprintf("%s batch=%d d=%d %s→%s", name, batch, d, source, target)
	}
	if s, ok := e.coupling[k]; ok {
		return s
	}
	c, err := couplings.New(name, params)
	if err != nil {
		return 0
	}
	rng := rand.New(rand.NewPCG(3, 4))
	draw := func(ds string, scale float64) []float64 {
		// Image sets are not loaded for a timing: normal draws stand in.
		if !datasets.IsImage(ds) {
			if set, err := datasets.New(ds, d, datasets.Options{}); err == nil {
				return set.Sample(rng, batch)
			}
		}
		x := make([]float64, batch*d)
		for i := range x {
			x[i] = scale * rng.NormFloat64()
		}
		return x
	}
	x0, x1 := draw(source, 1), draw(target, 2)
	e.coupling[k] = timeIt(func() {
		a, b := slices.Clone(x0), slices.Clone(x1)
		c.Pair(a, b, batch, d, rng)
	})
	return e.coupling[k]
}

// metricSec times one sample metric on n points of the data set against n
// others; W2 (and the exact transport) on at most 1,000 points, scaled by
// (n/1000)², the growth measured between the committed reports.
func (e *estimator) metricSec(name string, n int, dataset string, d int, c runner.EvalConfig) float64 {
	k := fmt.Sprintf("%s n=%d %s d=%d", name, n, dataset, d)
	if s, ok := e.metric[k]; ok {
		return s
	}
	ds, err := datasets.New(dataset, d, datasets.Options{})
	if err != nil {
		return 0
	}
	rng := rand.New(rand.NewPCG(5, 6))
	m := n
	if name == "w2" && n > 1000 {
		m = 1000
	}
	x, y := ds.Sample(rng, m), ds.Sample(rng, m)
	var sec float64
	switch name {
	case "w2":
		sec = timeIt(func() { metrics.W2(x, y, d) }) * math.Pow(float64(n)/float64(m), 2)
	case "sw2":
		sec = timeIt(func() { metrics.SlicedW2(x, y, d, max(c.SW2Projections, 1), rng) })
	case "mmd":
		bw := c.MMDBandwidths
		if len(bw) == 0 {
			bw = []float64{metrics.MedianHeuristic(x, y, d)}
		}
		sec = timeIt(func() { metrics.MMD(x, y, d, bw) })
	}
	e.metric[k] = sec
	return sec
}

// artifactSec is the estimated seconds of one artifact on one core.
func (e *estimator) artifactSec(a *runner.Artifact, fallbackDim int) (string, float64) {
	dim := func(d int) int {
		if d > 0 {
			return d
		}
		return fallbackDim
	}
	switch c := a.Config.(type) {
	case runner.TrainConfig:
		d := dim(c.Data.Dim)
		step, rate := e.fmStep(c.Model.Hidden, c.Training.Batch, d)
		if experiment.KindOf(c.Method.Kind).Likelihood {
			return "CNF training", a.Cost / rate * cnfOverhead
		}
		name, params := experiment.CouplingOf(c.Method)
		coupling := e.couplingSec(name, params, c.Training.Batch, d, c.Data.Source, c.Data.Target)
		cls := "FM training"
		if experiment.KindOf(c.Method.Kind).Score {
			// [SF]2M trains a score model of the same size beside the flow.
			cls, step = "flow + score training", 2*step
		}
		if coupling > 0 {
			cls += " with " + name + " coupling"
		}
		return cls, float64(c.Training.Steps) * (step*trainOverhead + coupling)
	case runner.PairsConfig:
		_, rate := e.fmStep(nil, 256, dim(c.Dim))
		return "reflow pairs", a.Cost / rate
	case runner.EvalConfig:
		d := dim(0)
		_, rate := e.fmStep(nil, 256, d)
		sec := a.Cost / rate
		if c.Steps == 0 {
			sec *= adaptiveOverhead
		}
		for _, m := range c.Metrics {
			sec += e.metricSec(m, c.Samples, e.dataset(a), d, c)
		}
		return "evaluation (sampling + W2, SW2, MMD)", sec
	case runner.ModelEvalConfig:
		_, rate := e.fmStep(nil, 256, dim(c.Dim))
		return "NLL and model metrics", a.Cost / rate * nllOverhead
	case runner.TransportConfig:
		return "exact transport (W2 assignment)", e.metricSec("w2", c.N, e.dataset(a), dim(c.Dim), runner.EvalConfig{})
	}
	return string(a.Kind), 0
}

// dataset is the data set param of an artifact.
func (e *estimator) dataset(a *runner.Artifact) string {
	for _, p := range a.Params {
		if p.Key == "dataset" {
			return p.Value
		}
	}
	return "8gaussians"
}

// busyCores is how many cores other processes keep busy now: the non-idle
// share of all cores over a 300 ms window of /proc/stat (Linux), during
// which this process sleeps. The 1-minute load average, used before, lags
// by a minute: a dry run started right after another run counted that
// finished run's load and halved its parallelism. False where /proc/stat
// cannot be read.
func busyCores() (float64, bool) {
	read := func() (busy, total float64, ok bool) {
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			return 0, 0, false
		}
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "cpu" {
			return 0, 0, false
		}
		for i, x := range f[1:] {
			v, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return 0, 0, false
			}
			total += v
			if i != 3 && i != 4 { // idle, iowait
				busy += v
			}
		}
		return busy, total, true
	}
	b0, t0, ok0 := read()
	time.Sleep(300 * time.Millisecond)
	b1, t1, ok1 := read()
	if !ok0 || !ok1 || t1 <= t0 {
		return 0, false
	}
	return float64(runtime.NumCPU()) * (b1 - b0) / (t1 - t0), true
}

// printEstimate prints the time estimate of the artifacts not cached, and
// its basis.
func printEstimate(w io.Writer, p *runner.Plan, cached map[string]bool, jobs, dim int) {
	e := newEstimator()
	byClass := map[string]float64{}
	count := map[string]int{}
	var classes []string
	total, longest := 0.0, 0.0
	for _, a := range p.Artifacts {
		if cached[a.Key] {
			continue
		}
		cls, sec := e.artifactSec(a, dim)
		if _, ok := byClass[cls]; !ok {
			classes = append(classes, cls)
		}
		byClass[cls] += sec
		count[cls]++
		total += sec
		longest = max(longest, sec)
	}
	// Other work on the machine takes cores the workers would use: the
	// timings above include its share of one core, the parallelism has to
	// leave out the cores it keeps busy (busyCores).
	par := float64(min(jobs, runtime.NumCPU()))
	loadNote := ""
	if busy, ok := busyCores(); ok {
		free := max(1, float64(runtime.NumCPU())-busy)
		if free < par {
			par = free
		}
		loadNote = fmt.Sprintf("; other processes keep %.1f of %d cores busy now, leaving %.1f for -j %d", busy, runtime.NumCPU(), par, jobs)
	}
	wall := max(total/par, longest)
	fmt.Fprintf(w, "  estimated time: %s with -j %d (%s of one core%s)\n", seconds(wall), jobs, seconds(total), loadNote)
	for _, cls := range classes {
		fmt.Fprintf(w, "    %-44s %4d  %s\n", cls, count[cls], seconds(byClass[cls]))
	}
	var basis []string
	for k, s := range e.stepSec {
		basis = append(basis, fmt.Sprintf("FM step %s: %.3g ms (%.1f GFLOP/s)", k, 1e3*s, e.rate[k]/1e9))
	}
	for k, s := range e.coupling {
		basis = append(basis, fmt.Sprintf("coupling %s: %.3g ms", k, 1e3*s))
	}
	for k, s := range e.metric {
		if s > 0 {
			basis = append(basis, fmt.Sprintf("%s: %.3g ms", k, 1e3*s))
		}
	}
	slices.Sort(basis)
	fmt.Fprintf(w, "  basis, timed now on this machine:\n    %s\n  training ×%.1f for the optimiser and data, CNF FLOPs ×%.1f, adaptive sampling ×%.1f, NLL ×%.1f (set from measured artifact wall times); wall time = max(total / min(-j, cores), longest artifact)\n",
		strings.Join(basis, "\n    "), trainOverhead, cnfOverhead, adaptiveOverhead, nllOverhead)
}
