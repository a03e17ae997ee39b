package runner

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// Artifact kinds (results.Kind).
const (
	KindTestSet   = results.KindTestSet
	KindTrain     = results.KindTrain
	KindPairs     = results.KindPairs
	KindEval      = results.KindEval
	KindModelEval = results.KindModelEval
	KindTransport = results.KindTransport
)

// Versions of the computation behind each kind. A version enters the key of
// every artifact of its kind, so bumping it invalidates the cached artifacts
// of that kind (and, through the keys, everything downstream). Bump it when
// a kind's computation changes in a way its configuration does not show; the
// commit that bumps it says why.
var kindVersion = map[results.Kind]int{KindTestSet: 1, KindTrain: 4, KindPairs: 1, KindEval: 3, KindModelEval: 3, KindTransport: 1}

// Artifact is one node of the plan: a computation, its configuration, its
// inputs and its content key.
type Artifact struct {
	Kind results.Kind
	// Key is the hex sha256 of the canonical form of the kind, its version,
	// Config and the keys of Inputs.
	Key string
	// Config holds everything besides the inputs that determines the
	// artifact: a TestSetConfig, TrainConfig, PairsConfig, EvalConfig or
	// ModelEvalConfig.
	Config any
	// Inputs are the artifacts this one reads, in a kind-specific order
	// (documented on each Config type).
	Inputs []*Artifact
	// Params identify the artifact in results, in the documented order.
	Params []results.Param
	// Label is a short human description for progress lines.
	Label string
	// Cost is a rough estimate of the floating-point operations.
	Cost float64

	index      int
	dependents []*Artifact
}

// RNG returns the random stream of this artifact for one purpose: a PCG
// seeded from sha256(key + "/" + purpose). The key includes the spec seed,
// so streams differ across seeds and never depend on scheduling.
func (a *Artifact) RNG(purpose string) *rand.Rand { return Stream(a.Key, purpose) }

// Stream returns the PCG stream seeded from sha256(id + "/" + purpose).
func Stream(id, purpose string) *rand.Rand {
	h := sha256.Sum256([]byte(id + "/" + purpose))
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(h[0:8]), binary.LittleEndian.Uint64(h[8:16])))
}

// TestSetConfig determines a held-out set. No inputs.
type TestSetConfig struct {
	Dataset string `yaml:"dataset"`
	Dim     int    `yaml:"dim"`
	N       int    `yaml:"n"`
	Seed    int    `yaml:"seed"`
}

// DataConfig is the training data of a run.
type DataConfig struct {
	Target    string `yaml:"target"`
	Source    string `yaml:"source"`
	Dim       int    `yaml:"dim"`
	TrainSize int    `yaml:"train_size"`
	// TestSize is set for data files only: their test rows (Empirical.Split
	// with the seed) are held out of training.
	TestSize int `yaml:"test_size,omitempty"`
}

// TrainSetID identifies the fixed training set of a (data, seed), shared
// by every method trained on it: its points come from Stream(TrainSetID, ...).
func (d DataConfig) TrainSetID(seed int) string {
	return experiment.Key(struct {
		Data DataConfig `yaml:"data"`
		Seed int        `yaml:"seed"`
	}{d, seed})
}

// TrainConfig determines a training run. Inputs: none for the first stage;
// for a reflow stage or a distillation, [pairs] or, with warm start,
// [pairs, previous model].
type TrainConfig struct {
	Data     DataConfig          `yaml:"data"`
	Model    experiment.Model    `yaml:"model"`
	Training experiment.Training `yaml:"training"`
	// Method has its label cleared and its reflow fields moved into the
	// plan's structure (Stage, Distill, inputs).
	Method  experiment.Method `yaml:"method"`
	Seed    int               `yaml:"seed"`
	Stage   int               `yaml:"stage"`   // 0 = first training, k = after k reflows
	Distill bool              `yaml:"distill"` // one-step distillation on the inputs' pairs
}

// PairsConfig determines a set of reflow pairs. Inputs: [model].
type PairsConfig struct {
	N      int     `yaml:"n"`
	Solver string  `yaml:"solver"`
	Steps  int     `yaml:"steps"`
	RTol   float64 `yaml:"rtol"`
	ATol   float64 `yaml:"atol"`
	Source string  `yaml:"source"`
	Dim    int     `yaml:"dim"`
}

// TransportConfig determines the exact W2² between N source draws and the
// first N rows of a test set (MATH.md §4), the denominator of NPE (Tong et
// al. 2024), computed once per (data set, seed) and shared by every
// evaluation. Inputs: [testset].
type TransportConfig struct {
	Source string `yaml:"source"`
	Dim    int    `yaml:"dim"`
	N      int    `yaml:"n"`
}

// EvalConfig determines one sampling evaluation. Inputs: [model, testset],
// plus [transport] when the metrics include npe.
type EvalConfig struct {
	Solver         string    `yaml:"solver"`
	Steps          int       `yaml:"steps"` // 0 for adaptive solvers
	RTol           float64   `yaml:"rtol"`  // 0 for fixed-step solvers
	ATol           float64   `yaml:"atol"`
	Samples        int       `yaml:"samples"`
	Source         string    `yaml:"source"`
	Metrics        []string  `yaml:"metrics"` // sample metrics only
	SW2Projections int       `yaml:"sw2_projections"`
	MMDBandwidths  []float64 `yaml:"mmd_bandwidths"`
	Trajectories   int       `yaml:"trajectories"`
}

// ModelEvalConfig determines the solver-independent metrics of a model.
// Inputs: [model, testset].
type ModelEvalConfig struct {
	Metrics []string           `yaml:"metrics"` // of experiment.ModelMetrics
	NLL     experiment.NLLEval `yaml:"nll"`
	// NLLT1 is the end of the likelihood integration: 1, or TMax = 1 − ε
	// for the VP path, whose field was trained on [0, TMax) only (MATH.md
	// §2); 0 when nll is not asked for.
	NLLT1  float64 `yaml:"nll_t1"`
	Target string  `yaml:"target"`
	Dim    int     `yaml:"dim"`
	// Method and Stage are set only when learning_error is asked for (the
	// oracle field depends on the path).
	Method experiment.Method `yaml:"method"`
	Stage  int               `yaml:"stage"`
}

// Plan is the deduplicated DAG of artifacts of one spec, in a deterministic
// topological order (every artifact after its inputs).
type Plan struct {
	File      *experiment.File
	Artifacts []*Artifact
	byKey     map[string]*Artifact
}

func (p *Plan) add(kind results.Kind, cfg any, inputs []*Artifact, params []results.Param, label string, cost float64) *Artifact {
	keys := make([]string, len(inputs))
	for i, in := range inputs {
		keys[i] = in.Key
	}
	key := experiment.Key(struct {
		Kind    results.Kind `yaml:"kind"`
		Version int          `yaml:"version"`
		Config  any          `yaml:"config"`
		Inputs  []string     `yaml:"inputs"`
	}{kind, kindVersion[kind], cfg, keys})
	if a, ok := p.byKey[key]; ok {
		return a
	}
	a := &Artifact{Kind: kind, Key: key, Config: cfg, Inputs: inputs, Params: params, Label: label, Cost: cost, index: len(p.Artifacts)}
	for _, in := range inputs {
		in.dependents = append(in.dependents, a)
	}
	p.byKey[key] = a
	p.Artifacts = append(p.Artifacts, a)
	return a
}

// Lookup returns the artifact of a key.
func (p *Plan) Lookup(key string) (*Artifact, bool) {
	a, ok := p.byKey[key]
	return a, ok
}

// Count returns the number of artifacts of a kind.
func (p *Plan) Count(kind results.Kind) int {
	n := 0
	for _, a := range p.Artifacts {
		if a.Kind == kind {
			n++
		}
	}
	return n
}

// NewPlan builds the plan of a spec file. Order: grid points in sweep
// order; within a point, methods in spec order; within a method, seeds in
// spec order; within a seed: test set, the training stages, then for each
// model (stage) its model evaluation and its sampling evaluations
// (solvers in spec order, step counts in spec order).
//
// Params, in order: dataset, method, the spec-wide axes (file order,
// data.target excepted: it is "dataset"), the method's own axes, seed,
// then stage (rectified methods), then solver and steps (or rtol for
// adaptive solvers) for evaluations.
func NewPlan(f *experiment.File, reg experiment.Registry) *Plan {
	p := &Plan{File: f, byKey: map[string]*Artifact{}}
	for _, pt := range f.Points {
		s := pt.Spec
		for mi, m := range s.Methods {
			for _, seed := range s.Seeds {
				base := []results.Param{{Key: "dataset", Value: dataLabel(reg, s.Data.Target)}, {Key: "method", Value: m.Label}}
				for ai, ax := range f.Axes {
					switch {
					case ax.Method < 0 && ax.Path != "data.target":
						base = append(base, results.Param{Key: ax.Param, Value: pt.Values[ai]})
					case ax.Method == mi:
						base = append(base, results.Param{Key: ax.Param, Value: pt.Values[ai]})
					}
				}
				base = append(base, results.Param{Key: "seed", Value: strconv.Itoa(seed)})
				p.addMethod(s, m, seed, base, reg)
			}
		}
	}
	return p
}

func with(ps []results.Param, more ...results.Param) []results.Param {
	return append(slices.Clip(ps), more...)
}

// methodConfigs are the configurations of the artifacts of one (point,
// method, seed): everything their keys hash besides their inputs. Building
// them (keyConfigs) is kept apart from building the DAG (addMethod), which
// only wires them together and adds the params, labels and cost estimates.
type methodConfigs struct {
	test  TestSetConfig
	train TrainConfig // the first training; reflow stages set Stage and Distill
	pairs PairsConfig
	// transport is nil unless the metrics include npe.
	transport *TransportConfig
	// modelEval is nil without model metrics; modelEvalAt fills in the
	// stage where learning_error needs it.
	modelEval *ModelEvalConfig
	// evals are the sampling evaluations of every model, in spec order
	// (solvers, then step counts).
	evals []evalConfig
}

// evalConfig is one sampling evaluation and whether its solver is adaptive
// (it is then labelled by rtol, otherwise by steps).
type evalConfig struct {
	EvalConfig
	adaptive bool
}

// modelEvalAt is the model evaluation of the model of a stage (0 = first
// training, k = after k reflows).
func (c methodConfigs) modelEvalAt(stage int) ModelEvalConfig {
	mc := *c.modelEval
	if slices.Contains(mc.Metrics, "learning_error") {
		mc.Method, mc.Stage = c.train.Method, stage
	}
	return mc
}

// keyConfigs builds the configurations of one (point, method, seed): only
// the settings a computation uses enter its key (the method's by
// experiment.KeyMethod, a solver's steps or tolerances by
// experiment.SolverKey, the metrics' options when the metric is asked for).
//
// targetDim is the target's dimension (data.dim or the data set's own): it
// decides the likelihood's divergence under divergence: auto.
func keyConfigs(s experiment.Spec, m experiment.Method, seed int, adaptive func(string) bool, targetDim int) methodConfigs {
	dim := s.Data.Dim
	var c methodConfigs
	c.test = TestSetConfig{Dataset: s.Data.Target, Dim: dim, N: s.Data.TestSize, Seed: seed}
	data := DataConfig{Target: s.Data.Target, Source: s.Data.Source, Dim: dim, TrainSize: s.Data.TrainSize}
	if IsFileRef(s.Data.Target) {
		data.TestSize = s.Data.TestSize
	}
	c.train = TrainConfig{Data: data, Model: s.Model, Training: s.Training, Method: experiment.KeyMethod(m, adaptive), Seed: seed}
	r := m.Reflow
	c.pairs = PairsConfig{N: r.Pairs, Solver: r.Solver, Steps: r.Steps, RTol: r.RTol, ATol: r.ATol, Source: s.Data.Source, Dim: dim}
	experiment.SolverKey(adaptive(r.Solver), &c.pairs.Steps, &c.pairs.RTol, &c.pairs.ATol)

	e := s.Evaluation
	var modelMetrics, sampleMetrics []string
	for _, name := range e.Metrics {
		if experiment.IsModelMetric(name) {
			modelMetrics = append(modelMetrics, name)
		} else {
			sampleMetrics = append(sampleMetrics, name)
		}
	}
	if slices.Contains(sampleMetrics, "npe") {
		c.transport = &TransportConfig{Source: s.Data.Source, Dim: dim, N: min(e.Samples, s.Data.TestSize)}
	}
	if len(modelMetrics) > 0 {
		mc := ModelEvalConfig{Metrics: modelMetrics, Target: s.Data.Target, Dim: dim}
		if slices.Contains(modelMetrics, "nll") {
			mc.NLL = e.NLL
			experiment.SolverKey(adaptive(mc.NLL.Solver), &mc.NLL.Steps, &mc.NLL.RTol, &mc.NLL.ATol)
			if d := mc.NLL.Divergence; d == "" || d == "exact" || (d == "auto" && targetDim <= experiment.ExactTraceMaxDim) {
				mc.NLL.Divergence, mc.NLL.Probes = "", 0 // exact: the keys of before the option
			} else {
				mc.NLL.Divergence = "hutchinson"
			}
		}
		if mc.NLL.N > 0 {
			mc.NLLT1 = experiment.TrainEnd(m)
		}
		c.modelEval = &mc
	}
	if len(sampleMetrics) == 0 {
		return c
	}
	for _, sv := range e.Solvers {
		ec := EvalConfig{Solver: sv.Name, Samples: e.Samples, Source: s.Data.Source, Metrics: sampleMetrics, Trajectories: e.Trajectories}
		if slices.Contains(sampleMetrics, "sw2") {
			ec.SW2Projections = e.SW2Projections
		}
		if slices.Contains(sampleMetrics, "mmd") {
			ec.MMDBandwidths = e.MMDBandwidths
		}
		if adaptive(sv.Name) {
			ec.RTol, ec.ATol = sv.RTol, sv.ATol
			c.evals = append(c.evals, evalConfig{ec, true})
			continue
		}
		for _, n := range sv.Steps {
			ec.Steps = n
			c.evals = append(c.evals, evalConfig{ec, false})
		}
	}
	return c
}

// addMethod adds the artifacts of one (point, method, seed): the test set,
// the training chain (first training, then for a reflow kind the pairs
// and training of every stage), the transport for npe, and for every model
// its model evaluation and sampling evaluations.
func (p *Plan) addMethod(s experiment.Spec, m experiment.Method, seed int, base []results.Param, reg experiment.Registry) {
	adaptive := func(name string) bool { return reg.Adaptive != nil && reg.Adaptive(name) }
	if m.TrainSteps > 0 {
		// A per-method step budget is the same training as a spec whose
		// training.steps says so: it enters the keys only through Training.
		s.Training.Steps, m.TrainSteps = m.TrainSteps, 0
	}
	cfg := keyConfigs(s, m, seed, adaptive, dataDim(reg, s))
	dim := s.Data.Dim
	label := dataLabel(reg, s.Data.Target)
	test := p.add(KindTestSet, cfg.test, nil,
		[]results.Param{{Key: "dataset", Value: label}, {Key: "seed", Value: strconv.Itoa(seed)}},
		fmt.Sprintf("test set %s seed=%d", label, seed), 0)

	reflow := m.Reflow
	cost := trainCost(s, m)
	// Progress lines tell sweep points apart by their axis values.
	short := m.Label
	for _, bp := range base {
		if bp.Key != "dataset" && bp.Key != "method" && bp.Key != "seed" {
			short += " " + bp.Key + "=" + bp.Value
		}
	}
	short += fmt.Sprintf(" seed=%d", seed)
	firstStage := ""
	if reflow.Iterations > 0 || m.Distill {
		firstStage = "1-rectified "
	}
	type model struct {
		a     *Artifact
		stage string
	}
	first := p.add(KindTrain, cfg.train, nil, p.stageParams(base, m, "1-rectified"), "train "+firstStage+short, cost)
	models := []model{{first, "1-rectified"}}
	prev := first
	if experiment.KindOf(m.Kind).Reflow {
		for k := 1; k <= reflow.Iterations+btoi(m.Distill); k++ {
			distill := k == reflow.Iterations+1
			stage := fmt.Sprintf("%d-rectified", k+1)
			if distill {
				stage = "distilled"
			}
			pairs := p.add(KindPairs, cfg.pairs, []*Artifact{prev}, p.stageParams(base, m, stage),
				fmt.Sprintf("pairs %s %s", stage, short), evalCost(s, float64(reflow.Pairs), max(reflow.Steps, 1)*4))
			in := []*Artifact{pairs}
			if reflow.WarmStart {
				in = append(in, prev)
			}
			c := cfg.train
			c.Stage, c.Distill = k, distill
			t := p.add(KindTrain, c, in, p.stageParams(base, m, stage), fmt.Sprintf("train %s %s", stage, short), cost)
			models = append(models, model{t, stage})
			prev = t
		}
	}

	var transport *Artifact
	if tc := cfg.transport; tc != nil {
		// Labelled by the dataset, the data axes of the sweep (a source
		// axis makes several transports per target and seed) and the seed.
		tp := []results.Param{{Key: "dataset", Value: label}}
		for _, b := range base {
			if strings.HasPrefix(b.Key, "data.") {
				tp = append(tp, b)
			}
		}
		tp = append(tp, results.Param{Key: "seed", Value: strconv.Itoa(seed)})
		transport = p.add(KindTransport, *tc, []*Artifact{test}, tp,
			fmt.Sprintf("W2 source-target %s seed=%d", label, seed), float64(tc.N)*float64(tc.N)*float64(dimOf(dim)))
	}
	evalInputs := func(model *Artifact) []*Artifact {
		if transport != nil {
			return []*Artifact{model, test, transport}
		}
		return []*Artifact{model, test}
	}
	samples := float64(s.Evaluation.Samples)
	for _, md := range models {
		params := p.stageParams(base, m, md.stage)
		short := short
		if len(models) > 1 {
			short = md.stage + " " + short // reflow stages apart
		}
		if cfg.modelEval != nil {
			mc := cfg.modelEvalAt(stageOf(md.stage))
			p.add(KindModelEval, mc,
				[]*Artifact{md.a, test}, params, "score "+md.stage+" "+short, evalCost(s, float64(mc.NLL.N), 100*(dimOf(dim)+1)))
		}
		for _, ec := range cfg.evals {
			solver := results.Param{Key: "solver", Value: ec.Solver}
			if ec.adaptive {
				p.add(KindEval, ec.EvalConfig, evalInputs(md.a),
					with(params, solver, results.Param{Key: "rtol", Value: strconv.FormatFloat(ec.RTol, 'g', -1, 64)}),
					fmt.Sprintf("eval %s %s rtol=%g", short, ec.Solver, ec.RTol), evalCost(s, samples, 200))
				continue
			}
			p.add(KindEval, ec.EvalConfig, evalInputs(md.a),
				with(params, solver, results.Param{Key: "steps", Value: strconv.Itoa(ec.Steps)}),
				fmt.Sprintf("eval %s %s steps=%d", short, ec.Solver, ec.Steps), evalCost(s, samples, ec.Steps*stagesOf(ec.Solver)))
		}
	}
}

// dataLabel is the name of a data set in results: the registry's label of
// a reference (a file's base name, "mixture-<hash>"), else the name.
func dataLabel(reg experiment.Registry, name string) string {
	if reg.Label != nil {
		return reg.Label(name)
	}
	return name
}

// dataDim is the dimension of the spec's target: data.dim, or the data
// set's own when the registry can say (2 otherwise).
func dataDim(reg experiment.Registry, s experiment.Spec) int {
	if reg.DataInfo != nil {
		if d, _, err := reg.DataInfo(s.Data.Target, s.Data.Dim); err == nil {
			return d
		}
	}
	return dimOf(s.Data.Dim)
}

// IsFileRef reports whether a data set is a data file ("file:<sha256>"),
// whose rows are split into a test set and a training set.
func IsFileRef(name string) bool { return strings.HasPrefix(name, datasets.FileRefPrefix) }

// stageParams adds the stage param for methods with reflow stages.
func (p *Plan) stageParams(base []results.Param, m experiment.Method, stage string) []results.Param {
	if !experiment.KindOf(m.Kind).Reflow {
		return slices.Clip(base)
	}
	return with(base, results.Param{Key: "stage", Value: stage})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func dimOf(d int) int {
	if d == 0 {
		return 2
	}
	return d
}

// stagesOf is the number of field evaluations per step of a solver, for
// the cost estimate (6 for a name the registry does not know).
func stagesOf(solver string) int {
	if s, ok := solvers.Lookup(solver); ok {
		return s.Stages
	}
	return 6
}

// mlpFlops is the multiply-adds of one forward pass of the MLP per point.
func mlpFlops(s experiment.Spec) float64 {
	d := dimOf(s.Data.Dim)
	in := d + 1
	if s.Model.Time == "fourier" || s.Model.Time == "sinusoidal" {
		in = d + 2*s.Model.TimeFreqs
	}
	f := 0.0
	for _, h := range s.Model.Hidden {
		f += float64(in * h)
		in = h
	}
	return 2 * (f + float64(in*d))
}

// trainCost: forward + backward ≈ 3 forward passes per point and step;
// CNF training integrates the ODE (with d JVPs for the exact trace) inside
// every step.
func trainCost(s experiment.Spec, m experiment.Method) float64 {
	per := 3 * mlpFlops(s) * float64(s.Training.Batch) * float64(s.Training.Steps)
	if experiment.KindOf(m.Kind).Likelihood {
		per *= float64(m.Steps*stagesOf(m.Solver)) * float64(dimOf(s.Data.Dim)+1)
	}
	return per
}

func evalCost(s experiment.Spec, n float64, nfe int) float64 {
	return mlpFlops(s) * n * float64(nfe)
}

func stageOf(stage string) int {
	var k int
	if _, err := fmt.Sscanf(stage, "%d-rectified", &k); err == nil {
		return k - 1
	}
	return 1 // distilled
}
