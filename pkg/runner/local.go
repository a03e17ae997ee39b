package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/flowbench/flowbench/pkg/checkpoint"
	"github.com/flowbench/flowbench/pkg/cnf"
	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/metrics"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
	"github.com/flowbench/flowbench/pkg/oracle"
	"github.com/flowbench/flowbench/pkg/paths"
	"github.com/flowbench/flowbench/pkg/rectify"
	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/store"
	"github.com/flowbench/flowbench/pkg/train"
)

// LocalKinds are the method kinds Local can train: every kind of
// experiment's table (flow matching on the kind's Path, or maximum
// likelihood with pkg/cnf for a Likelihood kind).
var LocalKinds = experiment.MethodKinds()

// Local is the Executor that computes artifacts in this process with the
// project's packages: datasets, paths, couplings, models, optim, solvers,
// flow and metrics. Store files are named <key>.<role>.<ext>.
type Local struct{}

// Execute implements Executor.
// It panics if j's artifact has a kind that Plan does not produce.
func (Local) Execute(ctx context.Context, j *Job) (results.Run, error) {
	switch j.Artifact.Kind {
	case KindTestSet:
		return testSet(j)
	case KindTrain:
		return trainModel(ctx, j)
	case KindPairs:
		return pairs(j)
	case KindEval:
		return eval(j)
	case KindModelEval:
		return modelEval(j)
	case KindTransport:
		return transport(j)
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
			b, err := st.ReadVerified(r.Key, f)
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
	var x []float64
	if ho, ok := ds.(datasets.HeldOut); ok {
		// Data sets with their own test split (MNIST's test images).
		if x, err = ho.TestSample(j.Artifact.RNG("test"), c.N); err != nil {
			return results.Run{}, err
		}
	} else if e, ok := ds.(*datasets.Empirical); ok && IsFileRef(c.Dataset) {
		_, test, err := e.Split(uint64(c.Seed), c.N)
		if err != nil {
			return results.Run{}, err
		}
		x = test.Data
	} else {
		x = ds.Sample(j.Artifact.RNG("test"), c.N)
	}
	p, err := writeNPY(j.Store, j.Artifact.Key+".testset.npy", x, c.N, ds.Dim())
	if err != nil {
		return results.Run{}, err
	}
	return results.Run{Files: []results.File{{Role: "testset", Path: p}}}, nil
}

func modelConfig(m experiment.Model, d int) models.Config {
	c := models.Config{Dim: d, Hidden: m.Hidden, Act: m.Activation, Time: m.Time}
	if m.Time == "fourier" || m.Time == "sinusoidal" {
		c.Fourier = m.TimeFreqs
	}
	return c
}

// loadModel rebuilds the model of a train record, with its EMA weights
// when it has them (those are the evaluated weights).
func loadModel(st *store.Store, r results.Run) (*models.MLP, error) {
	var b []byte
	for _, f := range r.Files {
		if f.Role == "checkpoint" {
			var err error
			if b, err = st.ReadVerified(r.Key, f); err != nil {
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

// sharedSet is the fixed training set of a (data, seed), drawn once from
// Stream(DataConfig.TrainSetID(seed), "trainset") so that every method of
// that seed trains on the same points. Given to train.FM (or
// cnf.Train) as the target with train.Config.TrainSet = its size,
// it answers the one draw of the whole set those make, and nothing else.
type sharedSet struct {
	datasets.Dataset
	set []float64
}

func (s sharedSet) Sample(_ *rand.Rand, n int) []float64 {
	if n*s.Dim() != len(s.set) {
		panic(fmt.Sprintf("runner: the fixed training set has %d rows, %d asked for", len(s.set)/s.Dim(), n))
	}
	return slices.Clone(s.set)
}

// trainConfig is the pkg/train configuration of a spec's training block:
// the runner's progress callback every 100 steps and ctx as the stop hook.
func trainConfig(j *Job, tr experiment.Training) (train.Config, error) {
	oc, err := optim.Default(tr.Optimizer.Name, tr.Optimizer.LR)
	if err != nil {
		return train.Config{}, err
	}
	oc.Beta1, oc.Beta2, oc.WeightDecay = tr.Optimizer.Betas[0], tr.Optimizer.Betas[1], tr.Optimizer.WeightDecay
	lr, err := optim.NewSchedule(tr.Schedule.Name, tr.Optimizer.LR, 0, tr.Schedule.Warmup, tr.Steps)
	if err != nil {
		return train.Config{}, err
	}
	return train.Config{
		Steps: tr.Steps, Batch: tr.Batch, Optim: oc, Schedule: lr, Clip: tr.GradClip,
		EMADecay: tr.EMA, EMAWarmup: true, CurveEvery: tr.CurveEvery,
		Progress: func(p train.Progress) {
			if p.Step%100 == 0 || p.Step == p.Steps {
				j.Progress(p.Step, p.Steps)
			}
		},
	}, nil
}

// fmPath is the probability path of a flow-matching method (its kind's
// Path).
func fmPath(m experiment.Method) (paths.Path, error) {
	k := experiment.KindOf(m.Kind)
	if k.Path == nil {
		return paths.Path{}, fmt.Errorf("runner: method kind %q has no probability path", m.Kind)
	}
	return k.Path(m)
}

// fmCoupling is the coupling of a flow-matching method (its kind's Pairing
// or its coupling field, experiment.CouplingOf).
func fmCoupling(m experiment.Method) (couplings.Coupling, error) {
	return couplings.New(experiment.CouplingOf(m))
}

// Training-cost metrics of every training record (FM, reflow, distillation,
// CNF), so that reports can plot quality against training cost:
//
//	train_seconds  wall time of the optimisation loop
//	train_nfe      network forward passes on single data rows: the batch
//	               size times the number of forward evaluations of the
//	               network per step, summed over steps (pkg/train's and
//	               pkg/cnf's Result.NFE). FM: B per step. CNF: B × the ODE
//	               solve's field evaluations per step (+ the adjoint solve's
//	               with gradient adjoint). Backward (VJP) passes are not
//	               counted in either; CNF records them as
//	               train_nfe_backward.
//
// The CNF solves also push d tangent rows per point through the network
// with the exact divergence; train_nfe counts one evaluation of a point
// regardless, so the cost ratio to FM per NFE is larger than 1 there.

// trainModel trains one model: flow matching (MATH.md §2) with pkg/train
// for the first stage, rectify.Reflow for a reflow stage, rectify.Distill
// for a one-step distillation, and maximum likelihood (§1) with pkg/cnf for
// kind cnf.
// Every stream comes from the artifact: "init" (weights), "train"
// (everything pkg/train or pkg/cnf draw), plus the shared training set's
// own stream.
func trainModel(ctx context.Context, j *Job) (results.Run, error) {
	a := j.Artifact
	c := a.Config.(TrainConfig)
	target, err := dataset(c.Data.Target, c.Data.Dim)
	if err != nil {
		return results.Run{}, err
	}
	if e, ok := target.(*datasets.Empirical); ok && c.Data.TestSize > 0 {
		// A data file trains on its rows outside the seed's test split.
		if target, _, err = e.Split(uint64(c.Seed), c.Data.TestSize); err != nil {
			return results.Run{}, err
		}
	}
	d := target.Dim()
	mcfg := modelConfig(c.Model, d)
	m, err := models.NewMLP(mcfg, a.RNG("init"))
	if err != nil {
		return results.Run{}, err
	}
	tcfg, err := trainConfig(j, c.Training)
	if err != nil {
		return results.Run{}, err
	}
	if c.Stage == 0 && c.Data.TrainSize > 0 {
		set := target.Sample(Stream(c.Data.TrainSetID(c.Seed), "trainset"), c.Data.TrainSize)
		target = sharedSet{Dataset: target, set: set}
		tcfg.TrainSet = c.Data.TrainSize
	}
	var res *train.Result
	var extra []results.Metric
	var scoreFile []results.File // sf2m's score model
	switch {
	case c.Stage > 0:
		x0, x1, n, err := readPairs(j.Store, j.Inputs[0], d)
		if err != nil {
			return results.Run{}, err
		}
		sc := rectify.StageConfig{Arch: mcfg, X0: x0, X1: x1, N: n, Train: tcfg}
		if len(j.Inputs) > 1 { // warm start
			if sc.Warm, err = loadModel(j.Store, j.Inputs[1]); err != nil {
				return results.Run{}, err
			}
		}
		stage := rectify.Reflow
		if c.Distill {
			stage = rectify.Distill
		}
		// The stage draws its initialisation (used without warm start) and
		// its batches from the artifact's "train" stream.
		m, res, err = stage(ctx, sc, a.RNG("train"))
		if r, done, e := trainFailed(ctx, res, err); done {
			return r, e
		}
	case experiment.KindOf(c.Method.Kind).Likelihood:
		var cr *cnf.Result
		cr, err = cnf.Train(ctx, m, target, cnfConfig(c.Method), tcfg, a.RNG("train"))
		if cr != nil {
			res = &cr.Result
		}
		if r, done, e := trainFailed(ctx, res, err); done {
			return r, e
		}
		var warn []string
		extra, warn = cnfMetrics(cr, tcfg.Batch)
		res.Warnings = append(res.Warnings, warn...)
	default:
		src, err := source(c.Data.Source, d)
		if err != nil {
			return results.Run{}, err
		}
		path, err := fmPath(c.Method)
		if err != nil {
			return results.Run{}, err
		}
		coupling, err := fmCoupling(c.Method)
		if err != nil {
			return results.Run{}, err
		}
		if experiment.KindOf(c.Method.Kind).Score {
			// [SF]2M: a score model of the flow's architecture, drawn from
			// its own stream, trained beside the flow (train.SF2M) on the
			// kind's bridge path, whose σ is the SDE's diffusion; its
			// checkpoint is the record's "score" file, and sde_sigma the
			// diffusion its euler-maruyama evaluations use.
			sigma := path.Noise
			score, err := models.NewMLP(mcfg, a.RNG("init-score"))
			if err != nil {
				return results.Run{}, err
			}
			var sres *train.Result
			res, sres, err = train.SF2M(ctx, m, score, sigma, src, target, coupling, tcfg, a.RNG("train"))
			if r, done, e := trainFailed(ctx, res, err); done {
				return r, e
			}
			if why := diverged(sres.Curve, score.Params); why != "" {
				return results.Run{Status: StatusFailed, Error: "score training diverged: " + why,
					Curve: res.Curve, CurveEvery: res.CurveEvery, Warnings: res.Warnings}, nil
			}
			ck, err := sres.Checkpoint(mcfg)
			if err != nil {
				return results.Run{}, err
			}
			b, err := checkpoint.Encode(ck)
			if err != nil {
				return results.Run{}, err
			}
			name := a.Key + ".score.ckpt"
			if err := j.Store.WriteFile(name, b); err != nil {
				return results.Run{}, err
			}
			scoreFile = []results.File{{Role: "score", Path: j.Store.Rel(name)}}
			extra = []results.Metric{{Name: "pair_cost", Value: res.PairCost},
				{Name: "score_final_loss", Value: sres.Curve[len(sres.Curve)-1]},
				{Name: "sde_sigma", Value: sigma}}
			break
		}
		res, err = train.FM(ctx, m, train.Problem{Path: path, Source: src, Target: target, Coupling: coupling}, tcfg, a.RNG("train"))
		if r, done, e := trainFailed(ctx, res, err); done {
			return r, e
		}
		extra = []results.Metric{{Name: "pair_cost", Value: res.PairCost}}
	}
	if why := diverged(res.Curve, m.Params); why != "" {
		return results.Run{Status: StatusFailed, Error: "training diverged: " + why,
			Curve: res.Curve, CurveEvery: res.CurveEvery, Warnings: res.Warnings}, nil
	}
	ck, err := res.Checkpoint(mcfg)
	if err != nil {
		return results.Run{}, err
	}
	b, err := checkpoint.Encode(ck)
	if err != nil {
		return results.Run{}, err
	}
	name := a.Key + ".ckpt"
	if err := j.Store.WriteFile(name, b); err != nil {
		return results.Run{}, err
	}
	ms := []results.Metric{
		{Name: "final_loss", Value: res.Curve[len(res.Curve)-1]},
		{Name: "parameters", Value: float64(len(m.Params))},
		{Name: "train_seconds", Value: res.Seconds},
		{Name: "train_nfe", Value: float64(res.NFE)},
	}
	if c.Training.GradClip > 0 {
		ms = append(ms, results.Metric{Name: "clipped_steps", Value: float64(res.Clipped)})
	}
	return results.Run{
		Curve: res.Curve, CurveEvery: res.CurveEvery,
		Metrics:  append(ms, extra...),
		Warnings: res.Warnings,
		Files:    append([]results.File{{Role: "checkpoint", Path: j.Store.Rel(name)}}, scoreFile...),
	}, nil
}

// trainFailed sorts a training's error: cancellation is the machinery's
// (returned, not stored, resumed next run); anything else — a diverged
// loss, a failed coupling or solve — is deterministic, so it is a failed
// record with the partial loss curve.
func trainFailed(ctx context.Context, res *train.Result, err error) (results.Run, bool, error) {
	if err == nil {
		return results.Run{}, false, nil
	}
	if ctx.Err() != nil {
		return results.Run{}, true, ctx.Err()
	}
	r := results.Run{Status: StatusFailed, Error: "training failed: " + err.Error()}
	if res != nil {
		r.Curve, r.CurveEvery, r.Warnings = res.Curve, res.CurveEvery, res.Warnings
	}
	return r, true, nil
}

// readPairs reads a pairs record's n×2d file into x0 and x1 (n×d each).
func readPairs(st *store.Store, r results.Run, d int) (x0, x1 []float64, n int, err error) {
	xy, n, cols, err := readNPY(st, r, "pairs")
	if err != nil {
		return nil, nil, 0, err
	}
	if cols != 2*d {
		return nil, nil, 0, fmt.Errorf("runner: pairs have %d columns, want %d", cols, 2*d)
	}
	x0, x1 = make([]float64, n*d), make([]float64, n*d)
	for i := range n {
		copy(x0[i*d:(i+1)*d], xy[i*2*d:i*2*d+d])
		copy(x1[i*d:(i+1)*d], xy[i*2*d+d:(i+1)*2*d])
	}
	return x0, x1, n, nil
}

// pairs draws x0 from the source and solves the model's ODE to x1 (reflow,
// rectify.GeneratePairs). A failed solve or a non-finite endpoint is a
// failed record: it would fail the same way again.
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
	x0, x1, st, err := rectify.GeneratePairs(m, src, c.N, s, j.Artifact.RNG("x0"))
	if err != nil {
		return results.Run{Status: StatusFailed, Error: "pair generation failed: " + err.Error()}, nil
	}
	out := make([]float64, 0, 2*len(x0))
	for i := range c.N {
		out = append(append(out, x0[i*d:(i+1)*d]...), x1[i*d:(i+1)*d]...)
	}
	p, err := writeNPY(j.Store, j.Artifact.Key+".pairs.npy", out, c.N, 2*d)
	if err != nil {
		return results.Run{}, err
	}
	return results.Run{Metrics: []results.Metric{{Name: "nfe", Value: float64(st.NFE)}},
		Files: []results.File{{Role: "pairs", Path: p}}}, nil
}

// trajTimes is the number of points on which an adaptive solver's
// trajectories are recorded for the straightness and path-energy metrics
// and the trajectory figure.
const trajTimes = 33

// modelAndTest reads the inputs every evaluation starts from: the model
// (input 0) and the test set (input 1, n×d).
func modelAndTest(j *Job) (m *models.MLP, test []float64, n, d int, err error) {
	if m, err = loadModel(j.Store, j.Inputs[0]); err != nil {
		return nil, nil, 0, 0, err
	}
	test, n, d, err = readNPY(j.Store, j.Inputs[1], "testset")
	return m, test, n, d, err
}

// loadSDE reads the learned SDE of a train record: for an sf2m model (a
// "score" file in the record) the score model and the diffusion σ = the
// record's sde_sigma; for any other model nil and 0.
func loadSDE(st *store.Store, tr results.Run) (score *models.MLP, sigma float64, err error) {
	for _, f := range tr.Files {
		if f.Role == "score" {
			sr := tr
			sr.Files = []results.File{{Role: "checkpoint", Path: f.Path}}
			if score, err = loadModel(st, sr); err != nil {
				return nil, 0, err
			}
		}
	}
	if score == nil {
		return nil, 0, nil
	}
	sigma, ok := tr.Metric("sde_sigma")
	if !ok {
		return nil, 0, fmt.Errorf("runner: sf2m record %s has no sde_sigma", tr.Key[:12])
	}
	return score, sigma, nil
}

// sampleSDE draws the samples of an euler-maruyama evaluation in place of
// x: with a score model (loadSDE) the learned SDE dx = (v_θ + s_φ) dt + σ dW,
// steps Euler–Maruyama steps and the Brownian increments from noise (an
// evaluation's "sde" stream); without one, whose SDE has no diffusion,
// Euler's method (and a warning), noise unused.
func sampleSDE(m, score *models.MLP, sigma float64, x []float64, steps int, noise *rand.Rand) (solvers.Stats, []string, error) {
	d := m.Dim()
	n := len(x) / d
	em := &solvers.EulerMaruyama{Steps: steps}
	if score == nil {
		warn := []string{"euler-maruyama on a model without a score (not sf2m): no diffusion, the samples are Euler's"}
		st, err := em.Solve(flow.VelocitySystem(m, n), x, 0, 1, nil)
		return st, warn, err
	}
	em.G = sigma
	buf := make([]float64, len(x))
	drift := solvers.SystemFunc(func(t float64, y, dy []float64) {
		m.Velocity(dy, y, t)
		score.Velocity(buf, y, t)
		for i := range dy {
			dy[i] += buf[i]
		}
	})
	st, err := em.Solve(drift, x, 0, 1, noise)
	st.NFE *= 2 // two networks per step
	return st, nil, err
}

// eval samples the model with one solver and scores the samples against
// the test set (MATH.md §4).
func eval(j *Job) (results.Run, error) {
	c := j.Artifact.Config.(EvalConfig)
	m, test, nt, d, err := modelAndTest(j)
	if err != nil {
		return results.Run{}, err
	}
	src, err := source(c.Source, d)
	if err != nil {
		return results.Run{}, err
	}
	sde := c.Solver == solvers.NameEulerMaruyama
	solverName := c.Solver
	if sde {
		// The trajectory metrics (npe, straightness) of an SDE evaluation
		// are the probability-flow ODE's: Euler with the same steps.
		solverName = "euler"
	}
	s, err := solvers.ByName(solverName, c.Steps, c.RTol, c.ATol)
	if err != nil {
		return results.Run{}, err
	}
	var x0, x []float64
	var res solvers.Result
	var warn []string
	if sde {
		x0 = src.Sample(j.Artifact.RNG("x0"), c.Samples)
		x = slices.Clone(x0)
		var score *models.MLP
		var sigma float64
		if score, sigma, err = loadSDE(j.Store, j.Inputs[0]); err == nil {
			res.Stats, warn, err = sampleSDE(m, score, sigma, x, c.Steps, j.Artifact.RNG("sde"))
		}
	} else {
		x0, x, res, err = drawSamples(m, src, s, j.Artifact.RNG("x0"), c.Samples)
	}
	if err != nil {
		return results.Run{Status: StatusFailed, Error: "sampling failed: " + err.Error()}, nil
	}
	r := results.Run{Metrics: []results.Metric{{Name: "nfe", Value: float64(res.Stats.NFE)}}, Warnings: warn}
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
				w2sq, ok := j.Inputs[2].Metric("w2sq")
				if !ok {
					return results.Run{}, fmt.Errorf("runner: transport record %s has no w2sq", j.Inputs[2].Key[:12])
				}
				add("path_energy", ts.PathEnergy)
				add("npe", metrics.NPE(ts.PathEnergy, w2sq))
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

// transport computes the exact W2² (optimal assignment, MATH.md §4)
// between N source draws and the first N test rows: NPE's denominator.
func transport(j *Job) (results.Run, error) {
	c := j.Artifact.Config.(TransportConfig)
	test, nt, d, err := readNPY(j.Store, j.Inputs[0], "testset")
	if err != nil {
		return results.Run{}, err
	}
	if c.N > nt {
		return results.Run{}, fmt.Errorf("runner: transport of %d points from a test set of %d", c.N, nt)
	}
	src, err := source(c.Source, d)
	if err != nil {
		return results.Run{}, err
	}
	x0 := src.Sample(j.Artifact.RNG("x0"), c.N)
	w, err := metrics.W2Exact(x0, test[:c.N*d], d)
	if err != nil {
		return results.Run{}, err
	}
	return results.Run{Metrics: []results.Metric{{Name: "w2sq", Value: w.W2Sq}, {Name: "points", Value: float64(w.N)}}}, nil
}

// modelEval computes the solver-independent metrics: held-out NLL by the
// instantaneous change of variables (MATH.md §1) and the learning error
// against the exact marginal field (§3).
func modelEval(j *Job) (results.Run, error) {
	c := j.Artifact.Config.(ModelEvalConfig)
	m, test, _, d, err := modelAndTest(j)
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
		var field flow.DivField = m
		if c.NLL.Divergence == "hutchinson" {
			field = fixedProbes{MLP: m, seed: j.Artifact.RNG("hutchinson").Uint64(), probes: c.NLL.Probes, eps: new([]float64)}
		}
		t1 := c.NLLT1
		res, err := metrics.NLLSpan(s, field, test[:c.NLL.N*d], d, 0, t1)
		if t1 < 1 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("nll integrates the VP field on [0, %g] (t1 = TMax: training never saw later times, where s_t → 0) and scores x(0) under N(0, I), though the VP path's p_0 is N(a_0·x1, (1 − a_0²)I) with a_0 = α_1 > 0 (≈ 0.0066 for β_min = 0.1, β_max = 20)", t1))
		}
		if err != nil {
			return results.Run{Status: StatusFailed, Error: "likelihood solve failed: " + err.Error()}, nil
		}
		add("nll", res.Mean)
		add("nll_stderr", res.StdErr)
		add("nll_nfe", float64(res.Stats.NFE))
		if c.NLL.Divergence == "hutchinson" {
			r.Warnings = append(r.Warnings, fmt.Sprintf("nll uses Hutchinson's divergence estimate (%d Rademacher probe(s) per point, fixed along each solve): unbiased; its variance is part of nll_stderr", c.NLL.Probes))
		}
		ds, dsErr := dataset(c.Target, c.Dim)
		if q, ok := ds.(datasets.Quantized); ok && dsErr == nil {
			// Bits/dim of the dequantised 8-bit data (pkg/datasets doc):
			// −(ln p_X(x) + DataLogDet(x)) / (d ln 2) per point.
			per := make([]float64, res.N)
			for i := range per {
				per[i] = -(res.LogProb[i] + q.DataLogDet(test[i*d:(i+1)*d])) / (float64(d) * math.Ln2)
			}
			mean, se := meanSE(per)
			add("bpd", mean)
			add("bpd_stderr", se)
			add("bpd_logit", res.BPD)
		} else {
			add("bpd", res.BPD)
		}
		if dsErr == nil {
			if dens, ok := ds.(datasets.Density); ok {
				tr := res.WithTruth(dens, test[:c.NLL.N*d])
				add("nll_gap", tr.Gap)
				add("nll_true", tr.TrueNLL)
			}
		}
		if d == 2 {
			f, err := densityGrid(j, s, m, test, t1)
			if err != nil {
				return results.Run{Status: StatusFailed, Error: "density grid: " + err.Error()}, nil
			}
			r.Files = append(r.Files, f.file)
			r.Params = append(r.Params, results.Param{Key: "density_extent", Value: f.extent})
		}
	}
	if slices.Contains(c.Metrics, "learning_error") {
		if why := experiment.OracleUnknown(c.Method, c.Stage); why != "" {
			r.Warnings = append(r.Warnings, "learning_error skipped: "+why)
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
		path, err := fmPath(c.Method)
		if err != nil {
			return results.Run{}, err
		}
		sch := path.Schedule
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

// fixedProbes is a model whose VelocityDiv estimates the divergence with
// the same Hutchinson probes at every call (FFJORD fixes ε along each
// solve, so an adaptive solver sees a smooth system): P Rademacher probes
// per point, drawn once from PCG(seed, 0x4a7c4b5) for the batch size.
type fixedProbes struct {
	*models.MLP
	seed   uint64
	probes int
	eps    *[]float64
}

func (f fixedProbes) VelocityDiv(dst, div, x []float64, t float64) {
	if need := f.probes * len(div) * f.Dim(); len(*f.eps) != need {
		*f.eps = make([]float64, need)
		models.DrawProbes(rand.New(rand.NewPCG(f.seed, 0x4a7c4b5)), models.Rademacher, *f.eps)
	}
	f.MLP.VelocityDivProbes(dst, div, x, t, *f.eps)
}

// DivergenceEstimator names the estimator for metrics.NLLResult.
func (f fixedProbes) DivergenceEstimator() string {
	return fmt.Sprintf("hutchinson-rademacher-%d-fixed", f.probes)
}

// meanSE returns the mean of v and its standard error.
func meanSE(v []float64) (float64, float64) {
	n := float64(len(v))
	var s float64
	for _, x := range v {
		s += x
	}
	mean := s / n
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	if len(v) < 2 {
		return mean, math.NaN()
	}
	return mean, math.Sqrt(ss / (n - 1) / n)
}

// densityGridSize is the number of cells per side of the log-density heat
// map written for 2-D models with a likelihood (40² points: one likelihood
// solve of a batch of 1600).
const densityGridSize = 40

type densityFile struct {
	file   results.File
	extent string
}

// densityGrid evaluates the model's log p_1 by the instantaneous change of
// variables (MATH.md §1) at the centres of a densityGridSize² grid over the
// test set's bounding box widened by 10% on each side, and stores it as a
// .npy (row i = y index from ymin, column j = x index from xmin), the
// layout pkg/report draws.
func densityGrid(j *Job, s solvers.Solver, m *models.MLP, test []float64, t1 float64) (densityFile, error) {
	const d, g = 2, densityGridSize
	lo := [2]float64{math.Inf(1), math.Inf(1)}
	hi := [2]float64{math.Inf(-1), math.Inf(-1)}
	for i := 0; i+1 < len(test); i += d {
		for k := range 2 {
			lo[k], hi[k] = min(lo[k], test[i+k]), max(hi[k], test[i+k])
		}
	}
	for k := range 2 {
		pad := 0.1 * (hi[k] - lo[k])
		lo[k], hi[k] = lo[k]-pad, hi[k]+pad
	}
	pts := make([]float64, 0, g*g*d)
	for iy := range g {
		y := lo[1] + (float64(iy)+0.5)*(hi[1]-lo[1])/g
		for ix := range g {
			x := lo[0] + (float64(ix)+0.5)*(hi[0]-lo[0])/g
			pts = append(pts, x, y)
		}
	}
	logp, _, err := flow.LogLikelihoodSpan(s, m, pts, 0, t1, flow.StdNormalLogProb)
	if err != nil {
		return densityFile{}, err
	}
	p, err := writeNPY(j.Store, j.Artifact.Key+".density.npy", logp, g, g)
	if err != nil {
		return densityFile{}, err
	}
	ext := fmt.Sprintf("%s,%s,%s,%s", fmtf(lo[0]), fmtf(hi[0]), fmtf(lo[1]), fmtf(hi[1]))
	return densityFile{file: results.File{Role: "density", Path: p}, extent: ext}, nil
}

func fmtf(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
