package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/flowbench/flowbench/pkg/checkpoint"
	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/metrics"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
	"github.com/flowbench/flowbench/pkg/oracle"
	"github.com/flowbench/flowbench/pkg/paths"
	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/store"
)

// LocalKinds are the method kinds Local can train: the flow-matching
// family. (CNF maximum-likelihood training is not among them.)
var LocalKinds = []string{"ot", "vp", "rectified", "cosine"}

// Local is the Executor that computes artifacts in this process with the
// project's packages: datasets, paths, couplings, models, optim, solvers,
// flow and metrics. Store files are named <key>.<role>.<ext>.
type Local struct{}

// Execute implements Executor.
func (Local) Execute(ctx context.Context, j *Job) (results.Run, error) {
	switch j.Artifact.Kind {
	case KindTestSet:
		return testSet(j)
	case KindTrain:
		return train(ctx, j)
	case KindPairs:
		return pairs(j)
	case KindEval:
		return eval(j)
	case KindModelEval:
		return modelEval(j)
	}
	panic("runner: unknown artifact kind " + j.Artifact.Kind)
}

func dataset(name string, dim int) (datasets.Dataset, error) {
	return datasets.New(name, dim, datasets.Options{})
}

// source returns the t = 0 distribution in dimension d.
func source(name string, d int) (datasets.Dataset, error) {
	if name == "normal" {
		return datasets.Normal{D: d}, nil
	}
	return dataset(name, d)
}

func writeNPY(st *store.Store, name string, data []float64, rows, cols int) (string, error) {
	err := st.Create(name, func(w io.Writer) error { return datasets.WriteNPY(w, data, rows, cols) })
	return st.Rel(name), err
}

func readNPY(st *store.Store, r results.Run, role string) (data []float64, rows, cols int, err error) {
	for _, f := range r.Files {
		if f.Role == role {
			b, err := st.ReadFile(f.Path[len(store.Dir)+1:])
			if err != nil {
				return nil, 0, 0, err
			}
			return datasets.ReadNPY(bytes.NewReader(b))
		}
	}
	return nil, 0, 0, fmt.Errorf("runner: record %s has no %s file", r.Key[:12], role)
}

func testSet(j *Job) (results.Run, error) {
	c := j.Artifact.Config.(TestSetConfig)
	ds, err := dataset(c.Dataset, c.Dim)
	if err != nil {
		return results.Run{}, err
	}
	x := ds.Sample(j.Artifact.RNG("test"), c.N)
	p, err := writeNPY(j.Store, j.Artifact.Key+".testset.npy", x, c.N, ds.Dim())
	if err != nil {
		return results.Run{}, err
	}
	return results.Run{Files: []results.File{{Role: "testset", Path: p}}}, nil
}

func modelConfig(m experiment.Model, d int) models.Config {
	c := models.Config{Dim: d, Hidden: m.Hidden, Act: m.Activation, Time: m.Time}
	if m.Time == "fourier" {
		c.Fourier = m.TimeFreqs
	}
	return c
}

func schedule(m experiment.Method) (paths.Schedule, error) {
	p := paths.DefaultParams()
	p.SigmaMin, p.BetaMin, p.BetaMax = m.SigmaMin, m.BetaMin, m.BetaMax
	if m.Kind == "vp" {
		p.Eps = m.Eps
	}
	return paths.ByName(m.Kind, p)
}

// loadModel rebuilds the model of a train record, with its EMA weights
// when it has them (those are the evaluated weights).
func loadModel(st *store.Store, r results.Run) (*models.MLP, error) {
	var b []byte
	for _, f := range r.Files {
		if f.Role == "checkpoint" {
			var err error
			if b, err = st.ReadFile(f.Path[len(store.Dir)+1:]); err != nil {
				return nil, err
			}
		}
	}
	if b == nil {
		return nil, fmt.Errorf("runner: train record %s has no checkpoint", r.Key[:12])
	}
	ck, err := checkpoint.Decode(b)
	if err != nil {
		return nil, err
	}
	var cfg models.Config
	if err := json.Unmarshal(ck.Config, &cfg); err != nil {
		return nil, err
	}
	m, err := models.NewMLP(cfg, Stream(r.Key, "unused-init"))
	if err != nil {
		return nil, err
	}
	if len(ck.Params) != len(m.Params) {
		return nil, fmt.Errorf("runner: checkpoint of %s has %d parameters, the model %d", r.Key[:12], len(ck.Params), len(m.Params))
	}
	copy(m.Params, ck.Params)
	if ck.EMA != nil {
		copy(m.Params, ck.EMA)
	}
	return m, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// train runs flow-matching training (MATH.md §2): for each step draw a
// batch (x0, x1) — from the source and the data, or from reflow pairs —
// couple it, draw t on [0, TMax), regress v_t(x_t) onto u_t.
func train(ctx context.Context, j *Job) (results.Run, error) {
	a := j.Artifact
	c := a.Config.(TrainConfig)
	target, err := dataset(c.Data.Target, c.Data.Dim)
	if err != nil {
		return results.Run{}, err
	}
	d := target.Dim()
	src, err := source(c.Data.Source, d)
	if err != nil {
		return results.Run{}, err
	}
	mcfg := modelConfig(c.Model, d)
	m, err := models.NewMLP(mcfg, a.RNG("init"))
	if err != nil {
		return results.Run{}, err
	}
	var pairX []float64
	nPairs := 0
	if c.Stage > 0 {
		var cols int
		pairX, nPairs, cols, err = readNPY(j.Store, j.Inputs[0], "pairs")
		if err != nil {
			return results.Run{}, err
		}
		if cols != 2*d {
			return results.Run{}, fmt.Errorf("runner: pairs have %d columns, want %d", cols, 2*d)
		}
		if len(j.Inputs) > 1 { // warm start
			prev, err := loadModel(j.Store, j.Inputs[1])
			if err != nil {
				return results.Run{}, err
			}
			copy(m.Params, prev.Params)
		}
	}
	sch, err := schedule(c.Method)
	if err != nil {
		return results.Run{}, err
	}
	path := paths.Path{Schedule: sch}
	cname := c.Method.Coupling
	if cname == "" {
		cname = "independent" // kinds without a coupling field (vp) pair independently
	}
	coupling, err := couplings.New(cname, couplings.Params{Eps: c.Method.SinkhornEps, Relative: true})
	if err != nil {
		return results.Run{}, err
	}
	tr := c.Training
	ocfg, err := optim.Default(tr.Optimizer.Name, tr.Optimizer.LR)
	if err != nil {
		return results.Run{}, err
	}
	ocfg.Beta1, ocfg.Beta2, ocfg.WeightDecay = tr.Optimizer.Betas[0], tr.Optimizer.Betas[1], tr.Optimizer.WeightDecay
	opt, err := optim.New(ocfg, len(m.Params))
	if err != nil {
		return results.Run{}, err
	}
	lr, err := optim.NewSchedule(tr.Schedule.Name, tr.Optimizer.LR, 0, tr.Schedule.Warmup, tr.Steps)
	if err != nil {
		return results.Run{}, err
	}
	var ema *optim.EMA
	if tr.EMA > 0 {
		if ema, err = optim.NewEMA(m.Params, tr.EMA, true); err != nil {
			return results.Run{}, err
		}
	}
	var trainSet []float64
	if c.Data.TrainSize > 0 && c.Stage == 0 {
		trainSet = target.Sample(Stream(c.Data.TrainSetID(c.Seed), "trainset"), c.Data.TrainSize)
	}
	rng := a.RNG("batches")
	B := tr.Batch
	x0, x1 := make([]float64, B*d), make([]float64, B*d)
	xt, ut, t := make([]float64, B*d), make([]float64, B*d), make([]float64, B)
	var curve []float64
	window, wn := 0.0, 0
	for k := range tr.Steps {
		if k%100 == 0 {
			if err := ctx.Err(); err != nil {
				return results.Run{}, err
			}
			j.Progress(k, tr.Steps)
		}
		switch {
		case pairX != nil:
			for i := range B {
				r := rng.IntN(nPairs)
				copy(x0[i*d:(i+1)*d], pairX[r*2*d:r*2*d+d])
				copy(x1[i*d:(i+1)*d], pairX[r*2*d+d:(r+1)*2*d])
			}
		default:
			copy(x0, src.Sample(rng, B))
			if trainSet != nil {
				for i := range B {
					r := rng.IntN(c.Data.TrainSize)
					copy(x1[i*d:(i+1)*d], trainSet[r*d:(r+1)*d])
				}
			} else {
				copy(x1, target.Sample(rng, B))
			}
			if err := coupling.Pair(x0, x1, B, d, rng); err != nil {
				return results.Run{}, err
			}
		}
		if c.Distill {
			clear(t) // one-step model: v_0(x0) regresses x1 − x0
		} else {
			path.SampleT(rng, t)
		}
		path.Sample(xt, ut, x0, x1, t, d)
		m.ZeroGrad()
		loss := m.FMLossGrad(xt, t, ut)
		if !finite(loss) {
			return results.Run{Curve: curve, CurveEvery: tr.CurveEvery, Status: StatusFailed,
				Error: fmt.Sprintf("training diverged: loss is %v at step %d", loss, k)}, nil
		}
		if tr.GradClip > 0 {
			optim.ClipNorm(m.Grad, tr.GradClip)
		}
		opt.Step(m.Params, m.Grad, lr.At(k))
		if ema != nil {
			ema.Update(m.Params)
		}
		window += loss
		wn++
		if wn == tr.CurveEvery || k == tr.Steps-1 {
			curve = append(curve, window/float64(wn))
			window, wn = 0, 0
		}
	}
	j.Progress(tr.Steps, tr.Steps)
	cfgJSON, _ := json.Marshal(mcfg)
	ck := &checkpoint.Checkpoint{Config: cfgJSON, Step: tr.Steps, Params: m.Params}
	if ema != nil {
		ck.EMA, ck.EMAUpdates = ema.Params(), ema.Updates()
	}
	b, err := checkpoint.Encode(ck)
	if err != nil {
		return results.Run{}, err
	}
	name := a.Key + ".ckpt"
	if err := j.Store.WriteFile(name, b); err != nil {
		return results.Run{}, err
	}
	return results.Run{
		Curve: curve, CurveEvery: tr.CurveEvery,
		Metrics: []results.Metric{{Name: "final_loss", Value: curve[len(curve)-1]}, {Name: "parameters", Value: float64(len(m.Params))}},
		Files:   []results.File{{Role: "checkpoint", Path: j.Store.Rel(name)}},
	}, nil
}

// pairs draws x0 from the source and solves the model's ODE to x1 (reflow).
func pairs(j *Job) (results.Run, error) {
	c := j.Artifact.Config.(PairsConfig)
	m, err := loadModel(j.Store, j.Inputs[0])
	if err != nil {
		return results.Run{}, err
	}
	d := m.Dim()
	src, err := source(c.Source, d)
	if err != nil {
		return results.Run{}, err
	}
	s, err := solvers.ByName(c.Solver, c.Steps, c.RTol, c.ATol)
	if err != nil {
		return results.Run{}, err
	}
	x0 := src.Sample(j.Artifact.RNG("x0"), c.N)
	x1 := slices.Clone(x0)
	res, err := flow.Sample(s, m, x1, 0, 1, nil)
	if err != nil {
		return results.Run{}, err
	}
	out := make([]float64, 0, 2*len(x0))
	for i := range c.N {
		out = append(append(out, x0[i*d:(i+1)*d]...), x1[i*d:(i+1)*d]...)
	}
	p, err := writeNPY(j.Store, j.Artifact.Key+".pairs.npy", out, c.N, 2*d)
	if err != nil {
		return results.Run{}, err
	}
	return results.Run{Metrics: []results.Metric{{Name: "nfe", Value: float64(res.Stats.NFE)}},
		Files: []results.File{{Role: "pairs", Path: p}}}, nil
}

// trajTimes is the number of points on which an adaptive solver's
// trajectories are recorded for the straightness and path-energy metrics
// and the trajectory figure.
const trajTimes = 33

// eval samples the model with one solver and scores the samples against
// the test set (MATH.md §4).
func eval(j *Job) (results.Run, error) {
	c := j.Artifact.Config.(EvalConfig)
	m, err := loadModel(j.Store, j.Inputs[0])
	if err != nil {
		return results.Run{}, err
	}
	test, nt, d, err := readNPY(j.Store, j.Inputs[1], "testset")
	if err != nil {
		return results.Run{}, err
	}
	src, err := source(c.Source, d)
	if err != nil {
		return results.Run{}, err
	}
	s, err := solvers.ByName(c.Solver, c.Steps, c.RTol, c.ATol)
	if err != nil {
		return results.Run{}, err
	}
	x0 := src.Sample(j.Artifact.RNG("x0"), c.Samples)
	x := slices.Clone(x0)
	res, err := flow.Sample(s, m, x, 0, 1, nil)
	if err != nil {
		return results.Run{Status: StatusFailed, Error: "sampling failed: " + err.Error()}, nil
	}
	r := results.Run{Metrics: []results.Metric{{Name: "nfe", Value: float64(res.Stats.NFE)}}}
	add := func(name string, v float64) { r.Metrics = append(r.Metrics, results.Metric{Name: name, Value: v}) }
	n := c.Samples
	for _, name := range c.Metrics {
		switch name {
		case "sw2":
			add("sw2", metrics.SlicedW2(x, test, d, c.SW2Projections, j.Artifact.RNG("sw2")))
		case "w2":
			k := min(n, nt)
			w, err := metrics.W2(x[:k*d], test[:k*d], d)
			if err != nil {
				return results.Run{}, err
			}
			add("w2", w)
		case "mmd":
			sum := 0.0
			for _, v := range metrics.MMD(x, test, d, c.MMDBandwidths) {
				sum += v
			}
			add("mmd", sum)
		}
	}
	needTraj := c.Trajectories > 0 || slices.Contains(c.Metrics, "straightness") || slices.Contains(c.Metrics, "npe")
	if needTraj {
		// A fixed-step solver's trajectory is its own grid; an adaptive
		// one is read off its dense output on trajTimes points.
		k := trajTimes - 1
		if c.Steps > 0 {
			k = c.Steps
		}
		times := make([]float64, k+1)
		for i := range times {
			times[i] = float64(i) / float64(k)
		}
		y := slices.Clone(x0)
		tr, err := flow.Sample(s, m, y, 0, 1, times)
		if err != nil {
			return results.Run{Status: StatusFailed, Error: "trajectory solve failed: " + err.Error()}, nil
		}
		if slices.Contains(c.Metrics, "straightness") || slices.Contains(c.Metrics, "npe") {
			ts := metrics.TrajectoryMetrics(m, tr.Times, tr.Traj, n, d)
			if slices.Contains(c.Metrics, "straightness") {
				add("straightness", ts.Straightness)
			}
			if slices.Contains(c.Metrics, "npe") {
				k := min(n, nt)
				w, err := metrics.W2(x0[:k*d], test[:k*d], d)
				if err != nil {
					return results.Run{}, err
				}
				add("npe", metrics.NPE(ts.PathEnergy, w*w))
			}
		}
		if c.Trajectories > 0 {
			var rows []float64
			for _, st := range tr.Traj {
				rows = append(rows, st[:c.Trajectories*d]...)
			}
			p, err := writeNPY(j.Store, j.Artifact.Key+".trajectories.npy", rows, len(times)*c.Trajectories, d)
			if err != nil {
				return results.Run{}, err
			}
			r.Files = append(r.Files, results.File{Role: "trajectories", Path: p})
			r.Params = append(r.Params, results.Param{Key: "trajectory_times", Value: fmt.Sprint(len(times))})
		}
	}
	p, err := writeNPY(j.Store, j.Artifact.Key+".samples.npy", x, n, d)
	if err != nil {
		return results.Run{}, err
	}
	r.Files = append([]results.File{{Role: "samples", Path: p}}, r.Files...)
	return r, nil
}

// modelEval computes the solver-independent metrics: held-out NLL by the
// instantaneous change of variables (MATH.md §1) and the learning error
// against the exact marginal field (§3).
func modelEval(j *Job) (results.Run, error) {
	c := j.Artifact.Config.(ModelEvalConfig)
	m, err := loadModel(j.Store, j.Inputs[0])
	if err != nil {
		return results.Run{}, err
	}
	test, _, d, err := readNPY(j.Store, j.Inputs[1], "testset")
	if err != nil {
		return results.Run{}, err
	}
	var r results.Run
	add := func(name string, v float64) { r.Metrics = append(r.Metrics, results.Metric{Name: name, Value: v}) }
	if slices.Contains(c.Metrics, "nll") {
		s, err := solvers.ByName(c.NLL.Solver, c.NLL.Steps, c.NLL.RTol, c.NLL.ATol)
		if err != nil {
			return results.Run{}, err
		}
		m.SetExact()
		res, err := metrics.NLL(s, m, test[:c.NLL.N*d], d)
		if err != nil {
			return results.Run{Status: StatusFailed, Error: "likelihood solve failed: " + err.Error()}, nil
		}
		add("nll", res.Mean)
		add("nll_stderr", res.StdErr)
		add("bpd", res.BPD)
		add("nll_nfe", float64(res.Stats.NFE))
		if ds, err := dataset(c.Target, c.Dim); err == nil {
			if dens, ok := ds.(datasets.Density); ok {
				add("nll_gap", res.WithTruth(dens, test[:c.NLL.N*d]).Gap)
			}
		}
	}
	if slices.Contains(c.Metrics, "learning_error") {
		if c.Stage > 0 || c.Method.Coupling != "independent" && c.Method.Coupling != "" {
			r.Warnings = append(r.Warnings, "learning_error skipped: the exact marginal field is known for the first training with the independent coupling only")
			return r, nil
		}
		target, err := dataset(c.Target, c.Dim)
		if err != nil {
			return results.Run{}, err
		}
		mix, ok := datasets.AsMixture(target)
		if !ok {
			return results.Run{}, fmt.Errorf("runner: %s is not a Gaussian mixture", c.Target)
		}
		sch, err := schedule(c.Method)
		if err != nil {
			return results.Run{}, err
		}
		or, err := oracle.NewField(mix, sch)
		if err != nil {
			return results.Run{}, err
		}
		// 32 strata × 64 points: a standard error of a few percent on the toys.
		le, err := metrics.LearningError(m, or, metrics.LearningErrorConfig{Schedule: sch, Source: datasets.Normal{D: d}, Target: target, Strata: 32, PerStratum: 64}, j.Artifact.RNG("learning_error"))
		if err != nil {
			return results.Run{}, err
		}
		add("learning_error", le.Mean)
		add("learning_error_stderr", le.StdErr)
	}
	return r, nil
}
