package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/flowbench/flowbench/internal/linalg"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
)

// The highd workload: one flow-matching training step at the MNIST shape,
// as the anchor script's highd: D = 784, MLP D+1 → 1024 → 1024 → 1024 → D
// with SiLU, batch 128, Adam (lr 1e-4), data rows drawn from a fixed
// 4096×D uniform table (timing only).
const (
	highdD, highdW, highdB, highdRows = 784, 1024, 128, 4096
	highdLR                           = 1e-4
)

func init() {
	benchExtra["highd"] = benchWorkload{
		label:   "highd-train",
		shape:   fmt.Sprintf("D=%d w=%dx3 silu batch=%d", highdD, highdW, highdB),
		count:   func(o *benchOpts) int { return max(1, o.iters/20) },
		measure: measureHighd,
		summary: summaryHighd,
	}
}

// highdMACs is the multiply-adds of one highd step: the forward pass
// (B·Σ in·out), the weight gradients (the same) and the input gradients
// of every layer but the first (the data need none).
func highdMACs() float64 {
	dims := []int{highdD + 1, highdW, highdW, highdW, highdD}
	fwd, dx := 0.0, 0.0
	for i := 0; i+1 < len(dims); i++ {
		mac := float64(highdB * dims[i] * dims[i+1])
		fwd += mac
		if i > 0 {
			dx += mac
		}
	}
	return 2*fwd + dx
}

// newHighd returns the highd model (with the given workers), its
// optimiser and a step function drawing from rng.
func newHighd(seed uint64, workers int) (m *models.MLP, step func()) {
	cfg := models.Config{Dim: highdD, Hidden: []int{highdW, highdW, highdW}, Act: "silu", Time: "concat"}
	m, err := models.NewMLP(cfg, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		panic(err)
	}
	m.SetWorkers(workers)
	rng := rand.New(rand.NewPCG(seed, 2))
	ocfg, _ := optim.Default(optim.NameAdam, highdLR)
	opt, err := optim.New(ocfg, m.NumParams())
	if err != nil {
		panic(err)
	}
	opt.SetWorkers(workers)
	d, n := highdD, highdB
	data := make([]float64, highdRows*d)
	for i := range data {
		data[i] = rng.Float64()
	}
	xt, u, t := make([]float64, n*d), make([]float64, n*d), make([]float64, n)
	step = func() {
		for r := 0; r < n; r++ {
			x1 := data[rng.IntN(highdRows)*d:][:d]
			tr := rng.Float64()
			t[r] = tr
			for j, v := range x1 {
				x0 := rng.NormFloat64()
				xt[r*d+j] = tr*v + (1-tr)*x0
				u[r*d+j] = v - x0
			}
		}
		m.ZeroGrad()
		m.FMLossGrad(xt, t, u)
		opt.Step(m.Params, m.Grad, highdLR)
	}
	return m, step
}

// measureHighd runs min(50, count) warm-up steps and count timed ones and
// returns steps per wall-clock second. It also records the process CPU
// time per step and, after the run, times a Gemm of the same size as the
// peak: on a machine shared with other work these CPU-time figures are far
// steadier than the wall-clock rate.
func measureHighd(o *benchOpts) float64 {
	m, step := newHighd(o.seed, o.threads)
	defer m.SetWorkers(1)
	cnt := o.count("highd")
	for i := 0; i < min(50, cnt); i++ {
		step()
	}
	c0 := cpuSeconds()
	start := time.Now()
	for i := 0; i < cnt; i++ {
		step()
	}
	wall := time.Since(start).Seconds()
	if o.stats == nil {
		o.stats = map[string][]float64{}
	}
	o.stats["highd-cpu"] = append(o.stats["highd-cpu"], (cpuSeconds()-c0)/float64(cnt))
	o.stats["highd-wall"] = append(o.stats["highd-wall"], wall/float64(cnt))
	gw, gc := gemmPeak()
	o.stats["gemm-wall"] = append(o.stats["gemm-wall"], gw)
	o.stats["gemm-cpu"] = append(o.stats["gemm-cpu"], gc)
	return float64(cnt) / wall
}

// gemmPeak times linalg.Gemm on 1024×1024 by 1024×1024 (β = 0, one
// goroutine) for about 0.3 s and returns its GFLOP per wall-clock second
// and per CPU second.
func gemmPeak() (wall, cpu float64) {
	const s = 1024
	rng := rand.New(rand.NewPCG(7, 7))
	a, b, c := make([]float64, s*s), make([]float64, s*s), make([]float64, s*s)
	for i := range a {
		a[i], b[i] = rng.Float64(), rng.Float64()
	}
	linalg.Gemm(false, false, s, s, s, a, s, b, s, 0, c, s)
	runs := 0
	c0 := cpuSeconds()
	start := time.Now()
	for time.Since(start) < 300*time.Millisecond {
		linalg.Gemm(false, false, s, s, s, a, s, b, s, 0, c, s)
		runs++
	}
	flop := 2 * s * s * s * float64(runs) / 1e9
	return flop / time.Since(start).Seconds(), flop / (cpuSeconds() - c0)
}

// summaryHighd prints the step's arithmetic rate against the Gemm peak and,
// with -torch, the CPU time per step of both (medians over the repeats).
func summaryHighd(o *benchOpts, w io.Writer) {
	flop := 2 * highdMACs() / 1e9
	cpu, wall := median(o.stats["highd-cpu"]), median(o.stats["highd-wall"])
	gc, gw := median(o.stats["gemm-cpu"]), median(o.stats["gemm-wall"])
	fmt.Fprintf(w, "highd-train: %.2f GFLOP/step; wall clock %.1f GFLOP/s = %.0f%% of Gemm's %.1f (1024³, one goroutine, timed after each run)\n",
		flop, flop/wall, 100*flop/wall/gw, gw)
	fmt.Fprintf(w, "highd-train: CPU time %.1f ms/step (%.1f steps per CPU second), %.1f GFLOP per CPU second = %.0f%% of Gemm's %.1f\n",
		1e3*cpu, 1/cpu, flop/cpu, 100*flop/cpu/gc, gc)
	if tc := o.stats["torch-cpu:highd"]; len(tc) > 0 {
		t := median(tc)
		fmt.Fprintf(w, "highd-train: PyTorch CPU time %.1f ms/step (%.1f steps per CPU second; its process, all threads): flowbench/torch %.2fx per CPU second\n",
			1e3*t, 1/t, t/cpu)
	}
}
