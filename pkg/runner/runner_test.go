package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/store"
)

// spec is a small sweep: 2 learning rates × (OT, rectified with one
// reflow) × 2 seeds, evaluated by euler at 3 step counts and rk4 at 1.
const spec = `
name: t
seeds: [1, 2]
data: {target: moons, test_size: 100}
training: {steps: 10, batch: 8, optimizer: {lr: [1e-3, 1e-2]}}
methods:
  - {label: OT, kind: ot}
  - {label: RF, kind: rectified, reflow: {iterations: 1, pairs: 50}}
evaluation:
  samples: 50
  solvers: [{name: euler, steps: [1, 2, 4]}, {name: rk4, steps: [2]}]
  metrics: [sw2, nll]
`

func load(t *testing.T, src string, sets ...string) *Plan {
	t.Helper()
	reg := experiment.BuiltinRegistry()
	f, err := experiment.Parse("spec.yaml", []byte(src), sets, reg)
	if err != nil {
		t.Fatal(err)
	}
	return NewPlan(f, reg)
}

// fake computes a deterministic number per artifact from its own stream
// and its inputs' numbers, so that a record depends on the whole chain.
type fake struct {
	calls   atomic.Int64
	mu      sync.Mutex
	order   []string
	diverge func(*Artifact) bool
	// after cancels the context once this many artifacts were computed.
	after  int64
	cancel context.CancelFunc
}

func (f *fake) Execute(ctx context.Context, j *Job) (results.Run, error) {
	if err := ctx.Err(); err != nil {
		return results.Run{}, err
	}
	n := f.calls.Add(1)
	f.mu.Lock()
	f.order = append(f.order, j.Artifact.Key)
	f.mu.Unlock()
	v := j.Artifact.RNG("value").Float64()
	for _, in := range j.Inputs {
		v += in.Metrics[0].Value
	}
	j.Progress(1, 1)
	r := results.Run{Metrics: []results.Metric{{Name: "value", Value: v}}}
	if f.diverge != nil && f.diverge(j.Artifact) {
		r.Status, r.Error = StatusFailed, "loss is NaN at step 7"
	}
	if f.after > 0 && n >= f.after {
		f.cancel()
	}
	return r, nil
}

func TestPlanCounts(t *testing.T) {
	p := load(t, spec)
	// Trainings: 2 lr × 2 seeds × (OT: 1 + RF: 2 stages) = 12. The test
	// set depends only on (dataset, seed): 2. Pairs: one per RF chain = 4.
	// Evals: 4 step counts per model: 12 × 4 = 48. One modeleval (nll)
	// per model: 12.
	want := map[results.Kind]int{KindTrain: 12, KindTestSet: 2, KindPairs: 4, KindEval: 48, KindModelEval: 12}
	for k, n := range want {
		if got := p.Count(k); got != n {
			t.Errorf("%s: %d artifacts, want %d", k, got, n)
		}
	}
}

func keysOf(p *Plan, kind results.Kind) []string {
	var out []string
	for _, a := range p.Artifacts {
		if a.Kind == kind {
			out = append(out, a.Key)
		}
	}
	return out
}

// TestEvaluationAxesNeverRetrain: adding solvers, step counts or metrics
// leaves every training key unchanged; a training field changes them all.
func TestEvaluationAxesNeverRetrain(t *testing.T) {
	base := keysOf(load(t, spec), KindTrain)
	for _, set := range []string{
		"evaluation.solvers=[{name: heun, steps: [3, 5]}, {name: dopri5}]",
		"evaluation.metrics=[w2, mmd, straightness]",
		"evaluation.samples=77",
		"data.test_size=200",
		"report.title=x",
	} {
		if got := keysOf(load(t, spec, set), KindTrain); !reflect.DeepEqual(got, base) {
			t.Errorf("-set %s changed the training keys", set)
		}
	}
	changed := keysOf(load(t, spec, "training.steps=11"), KindTrain)
	for i := range base {
		if changed[i] == base[i] {
			t.Errorf("training.steps changed but training key %d did not", i)
		}
	}
}

// TestKeysIgnoreSpelling: key order, number spelling and comments do not
// change any key.
func TestKeysIgnoreSpelling(t *testing.T) {
	respelled := strings.NewReplacer("1e-3", "0.001", "{steps: 10, batch: 8,", "{batch: 8, steps: 10.0,").Replace(spec) + "# comment\n"
	a, b := load(t, spec), load(t, respelled)
	if len(a.Artifacts) != len(b.Artifacts) {
		t.Fatal("respelling changed the plan size")
	}
	for i := range a.Artifacts {
		if a.Artifacts[i].Key != b.Artifacts[i].Key {
			t.Fatalf("artifact %d (%s) key changed by respelling", i, a.Artifacts[i].Label)
		}
	}
}

// TestPlanSharesAcrossPoints: an axis of one method does not duplicate
// the other method's trainings.
func TestPlanSharesAcrossPoints(t *testing.T) {
	p := load(t, spec, "training.optimizer.lr=1e-3", "methods[OT].sigma_min=[0, 0.1]")
	// OT: 2 sigma × 2 seeds = 4; RF: 2 stages × 2 seeds = 4 (not 8).
	if got := p.Count(KindTrain); got != 8 {
		t.Fatalf("%d trainings, want 8", got)
	}
	for _, a := range p.Artifacts {
		_, hasSigma := paramOf(a.Params, "method.sigma_min")
		if m, _ := paramOf(a.Params, "method"); (m == "OT") != hasSigma {
			t.Fatalf("%s: params %v: method.sigma_min belongs to OT rows only", a.Label, a.Params)
		}
	}
}

func paramOf(ps []results.Param, k string) (string, bool) {
	for _, p := range ps {
		if p.Key == k {
			return p.Value, true
		}
	}
	return "", false
}

func strip(rs []results.Run) string {
	var b strings.Builder
	for _, r := range rs {
		var ms []results.Metric
		for _, m := range r.Metrics {
			if !strings.HasSuffix(m.Name, "_seconds") {
				ms = append(ms, m)
			}
		}
		r.Metrics = ms
		r.RecordSHA256 = "" // a sum over the record, wall times included
		j, _ := json.Marshal(r)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func run(t *testing.T, p *Plan, dir string, f *fake, jobs int, force bool) ([]results.Run, error) {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.cancel = cancel
	return Run(ctx, p, st, f, Options{Jobs: jobs, Force: force})
}

// TestRunDeterministicAcrossJobs: the records do not depend on the number
// of workers, and a second run computes nothing.
func TestRunDeterministicAcrossJobs(t *testing.T) {
	p := load(t, spec)
	f1, f4 := &fake{}, &fake{}
	dir := t.TempDir()
	r1, err := run(t, p, dir, f1, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	r4, err := run(t, p, t.TempDir(), f4, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	if strip(r1) != strip(r4) {
		t.Fatal("records differ between -j 1 and -j 4")
	}
	if int(f1.calls.Load()) != len(p.Artifacts) {
		t.Fatalf("computed %d artifacts, want %d", f1.calls.Load(), len(p.Artifacts))
	}
	for i, r := range r1 {
		if r.Key != p.Artifacts[i].Key || r.Status != StatusOK {
			t.Fatalf("record %d: key/status %s/%s, want plan order and ok", i, r.Key, r.Status)
		}
	}
	again := &fake{}
	r, err := run(t, p, dir, again, 2, false)
	if err != nil || again.calls.Load() != 0 {
		t.Fatalf("rerun computed %d artifacts (err %v), want 0", again.calls.Load(), err)
	}
	if strip(r) != strip(r1) {
		t.Fatal("records read back from the store differ from the computed ones")
	}
	forced := &fake{}
	if _, err := run(t, p, dir, forced, 2, true); err != nil || int(forced.calls.Load()) != len(p.Artifacts) {
		t.Fatalf("-force computed %d, want %d", forced.calls.Load(), len(p.Artifacts))
	}
}

// TestChangeRerunsOnlyDependents: a new step count computes exactly the
// new evaluations.
func TestChangeRerunsOnlyDependents(t *testing.T) {
	dir := t.TempDir()
	if _, err := run(t, load(t, spec), dir, &fake{}, 2, false); err != nil {
		t.Fatal(err)
	}
	f := &fake{}
	p := load(t, spec, "evaluation.solvers=[{name: euler, steps: [1, 2, 4, 8]}, {name: rk4, steps: [2]}]")
	if _, err := run(t, p, dir, f, 2, false); err != nil {
		t.Fatal(err)
	}
	// One new eval (euler 8) per model: 12 models.
	if got := f.calls.Load(); got != 12 {
		t.Fatalf("computed %d artifacts after adding a step count, want 12", got)
	}
}

// TestResumeAfterInterrupt cancels the run after a few artifacts, resumes,
// and checks nothing completed is recomputed and the result equals a clean
// run's.
func TestResumeAfterInterrupt(t *testing.T) {
	p := load(t, spec)
	clean, err := run(t, p, t.TempDir(), &fake{}, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first := &fake{after: 10}
	_, err = run(t, p, dir, first, 3, false)
	if err != context.Canceled {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	st, _ := store.Open(dir)
	stored := Cached(p, st)
	if len(stored) < 10 || len(stored) >= len(p.Artifacts) {
		t.Fatalf("%d artifacts stored after interrupting at 10 of %d", len(stored), len(p.Artifacts))
	}
	second := &fake{}
	final, err := run(t, p, dir, second, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range second.order {
		if stored[k] {
			t.Fatalf("artifact %s was stored but recomputed", k[:12])
		}
	}
	if got, want := int(second.calls.Load()), len(p.Artifacts)-len(stored); got != want {
		t.Fatalf("resume computed %d artifacts, want %d", got, want)
	}
	if strip(final) != strip(clean) {
		t.Fatal("resumed results differ from a clean run")
	}
}

// TestDivergedTrainingSkipsItsEvals: a failed training is stored as
// failed, its evaluations are skipped, everything else completes.
func TestDivergedTrainingSkipsItsEvals(t *testing.T) {
	p := load(t, spec)
	var bad *Artifact
	for _, a := range p.Artifacts {
		if a.Kind != KindTestSet && a.Kind != KindTransport {
			bad = a
			break
		}
	}
	f := &fake{diverge: func(a *Artifact) bool { return a == bad }}
	dir := t.TempDir()
	rs, err := run(t, p, dir, f, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range rs {
		if strings.HasPrefix(r.Error, SkippedPrefix) {
			count["skipped"]++
		} else {
			count[string(r.Status)]++
		}
		if r.Key == bad.Key && (r.Status != StatusFailed || !strings.Contains(r.Error, "step 7")) {
			t.Fatalf("diverged training recorded as %s %q", r.Status, r.Error)
		}
		if r.Parent == bad.Key && !strings.HasPrefix(r.Error, SkippedPrefix) {
			t.Fatalf("eval of a failed training has status %s", r.Status)
		}
	}
	// The failed OT training has 4 evals and 1 modeleval.
	if count[string(StatusFailed)] != 1 || count["skipped"] != 5 || count[string(StatusOK)] != len(p.Artifacts)-6 {
		t.Fatalf("status counts %v", count)
	}
	st, _ := store.Open(dir)
	if r, ok, _ := st.Get(bad.Key); !ok || r.Status != StatusFailed {
		t.Fatal("the diverged training was not stored as failed")
	}
}

// TestStreamsIndependent: streams of different purposes or keys differ;
// the same (key, purpose) repeats exactly.
func TestStreamsIndependent(t *testing.T) {
	a := Stream("k", "noise").Uint64()
	if a != Stream("k", "noise").Uint64() {
		t.Fatal("same stream, different values")
	}
	if a == Stream("k", "times").Uint64() || a == Stream("k2", "noise").Uint64() {
		t.Fatal("distinct streams start alike")
	}
	// Mean of 1e5 uniforms is 0.5 ± ~0.001 (σ = 1/sqrt(12·1e5)); 5σ bound.
	r, s := Stream("k", "u"), 0.0
	for range 100000 {
		s += r.Float64()
	}
	if m := s / 1e5; math.Abs(m-0.5) > 5/math.Sqrt(12e5) {
		t.Fatalf("stream mean %g", m)
	}
	_ = fmt.Sprint()
}

// TestTransportShared: NPE's W2² is one artifact per (data set, seed),
// shared by every method and evaluation of that seed, and only planned
// when npe is asked for.
func TestTransportShared(t *testing.T) {
	p := load(t, spec, "evaluation.metrics=[sw2, npe]", "training.optimizer.lr=1e-3")
	if got := p.Count(KindTransport); got != 2 { // 2 seeds
		t.Fatalf("%d transport artifacts, want one per seed (2)", got)
	}
	for _, a := range p.Artifacts {
		if a.Kind == KindEval && (len(a.Inputs) != 3 || a.Inputs[2].Kind != KindTransport || a.Inputs[2].Inputs[0] != a.Inputs[1]) {
			t.Fatalf("%s: inputs do not end with the transport of its own test set", a.Label)
		}
	}
	if got := load(t, spec).Count(KindTransport); got != 0 {
		t.Errorf("%d transport artifacts without npe", got)
	}
}

// TestCNFKeyIgnoresUnusedSettings: a fixed-step CNF's key does not depend
// on the adaptive tolerances, nor an exact-divergence CNF's on the probes.
func TestCNFKeyIgnoresUnusedSettings(t *testing.T) {
	const cnfSpec = `
name: c
data: {target: moons, test_size: 100}
training: {steps: 10, batch: 8}
methods: [{label: C, kind: cnf, solver: rk4, steps: 4, divergence: exact}]
evaluation: {samples: 50, solvers: [{name: euler, steps: [2]}], metrics: [sw2]}
`
	base := keysOf(load(t, cnfSpec), KindTrain)
	for _, set := range []string{"methods[C].rtol=0.1", "methods[C].probes=3"} {
		if got := keysOf(load(t, cnfSpec, set), KindTrain); !reflect.DeepEqual(got, base) {
			t.Errorf("-set %s changed the CNF training key", set)
		}
	}
	if got := keysOf(load(t, cnfSpec, "methods[C].steps=5"), KindTrain); reflect.DeepEqual(got, base) {
		t.Error("the solver's step count did not change the CNF training key")
	}
}

// TestRerunAfterLostTrainings: with only the test sets and the NPE
// transport artifacts left in the store (a transport is a cached artifact
// with an input of its own), everything else is recomputed and every
// evaluation waits for its training, instead of starting early on an empty
// input record ("skipped: input train … is "). A cached artifact used to
// release its dependents twice: once when the plan was read, again when its
// own inputs completed.
func TestRerunAfterLostTrainings(t *testing.T) {
	p := load(t, spec, "evaluation.metrics=[sw2, npe]")
	if p.Count(KindTransport) == 0 {
		t.Fatal("plan has no transport artifact: the test needs a cached artifact with inputs")
	}
	for _, jobs := range []int{1, 3} {
		dir := t.TempDir()
		clean, err := run(t, p, dir, &fake{}, jobs, false)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := store.Open(dir)
		lost := 0
		for _, a := range p.Artifacts {
			if a.Kind != KindTestSet && a.Kind != KindTransport {
				if err := os.Remove(st.Path(a.Key + ".json")); err != nil {
					t.Fatal(err)
				}
				lost++
			}
		}
		f := &fake{}
		got, err := run(t, p, dir, f, jobs, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got {
			if r.Status != StatusOK {
				t.Fatalf("-j %d: %s %s: status %s (%s)", jobs, r.Kind, r.Key[:12], r.Status, r.Error)
			}
		}
		if strip(got) != strip(clean) {
			t.Fatalf("-j %d: records differ from the clean run's", jobs)
		}
		if int(f.calls.Load()) != lost {
			t.Fatalf("-j %d: recomputed %d artifacts, want the %d removed", jobs, f.calls.Load(), lost)
		}
	}
}

// TestMethodTrainSteps: a method's train_steps is its training budget: the
// OT trainings get the keys of a spec whose training.steps says the same,
// and the other method's trainings are untouched.
func TestMethodTrainSteps(t *testing.T) {
	base := load(t, spec, "training.optimizer.lr=1e-3")
	over := load(t, spec, "training.optimizer.lr=1e-3", "methods[OT].train_steps=30")
	all30 := load(t, spec, "training.optimizer.lr=1e-3", "training.steps=30")
	keysBy := func(p *Plan, method string) []string {
		var ks []string
		for _, a := range p.Artifacts {
			if v, _ := paramOf(a.Params, "method"); a.Kind == KindTrain && v == method {
				ks = append(ks, a.Key)
			}
		}
		return ks
	}
	if got, want := keysBy(over, "OT"), keysBy(all30, "OT"); !reflect.DeepEqual(got, want) || len(got) == 0 {
		t.Fatalf("OT with train_steps 30: keys %v, want those of training.steps 30 %v", got, want)
	}
	if got, want := keysBy(over, "RF"), keysBy(base, "RF"); !reflect.DeepEqual(got, want) {
		t.Fatal("train_steps of OT changed RF's trainings")
	}
	if reflect.DeepEqual(keysBy(over, "OT"), keysBy(base, "OT")) {
		t.Fatal("train_steps did not change OT's trainings")
	}
}

// TestProvenanceRevision: tests run inside the checkout, without a VCS
// stamp in the test binary, so the revision comes from git and names a
// 40-hex-digit commit (skipped only where no git checkout is present).
func TestProvenanceRevision(t *testing.T) {
	if _, _, ok := gitRevision(); !ok {
		t.Skip("no git checkout here")
	}
	p := CollectProvenance("h")
	if len(p.Revision) != 40 || p.RevisionFrom == "" {
		t.Fatalf("revision %q from %q, want a 40-digit commit hash and its source", p.Revision, p.RevisionFrom)
	}
}

// TestTransportLabelledBySource: with the source swept, the same target and
// seed have one transport per source, and their labels tell them apart (the
// report groups runs by these parameters).
func TestTransportLabelledBySource(t *testing.T) {
	const src = `
name: t
seeds: [1, 2]
data: {source: [normal, moons], target: [circles], test_size: 100}
training: {steps: 10, batch: 8}
methods: [{label: OT, kind: ot}]
evaluation: {samples: 50, solvers: [{name: euler, steps: [2]}], metrics: [npe]}
`
	p := load(t, src)
	seen := map[string]bool{}
	for _, a := range p.Artifacts {
		if a.Kind != KindTransport {
			continue
		}
		var parts []string
		for _, q := range a.Params {
			parts = append(parts, q.Key+"="+q.Value)
		}
		label := strings.Join(parts, ",")
		if seen[label] {
			t.Fatalf("two transports labelled %s", label)
		}
		seen[label] = true
	}
	want := []string{
		"dataset=circles,data.source=normal,seed=1", "dataset=circles,data.source=normal,seed=2",
		"dataset=circles,data.source=moons,seed=1", "dataset=circles,data.source=moons,seed=2",
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no transport labelled %s; have %v", w, seen)
		}
	}
}

// TestModelConfigTime: every time embedding of the spec reaches the model
// with its frequency count (time_frequencies is ignored for concat), and the
// resulting config is valid.
func TestModelConfigTime(t *testing.T) {
	for _, c := range []struct {
		time    string
		fourier int
	}{{"concat", 0}, {"fourier", 3}, {"sinusoidal", 3}} {
		m := experiment.Model{Hidden: []int{8}, Activation: "silu", Time: c.time, TimeFreqs: 3}
		cfg := modelConfig(m, 784)
		if cfg.Time != c.time || cfg.Fourier != c.fourier {
			t.Errorf("time %s: config Time %q Fourier %d, want %q %d", c.time, cfg.Time, cfg.Fourier, c.time, c.fourier)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("time %s: %v", c.time, err)
		}
	}
	for _, name := range experiment.BuiltinRegistry().Names["timeembeddings"] {
		m := experiment.Model{Hidden: []int{8}, Activation: "silu", Time: name, TimeFreqs: 2}
		if err := modelConfig(m, 2).Validate(); err != nil {
			t.Errorf("registry time embedding %q: %v", name, err)
		}
	}
}

// TestFMCoupling: the runner pairs SB-CFM by the Sinkhorn plan of absolute
// regularisation 2σ² with joint draws (the kind table's Pairing), and a
// kind with the coupling field by that field.
func TestFMCoupling(t *testing.T) {
	sigma := 0.6
	c, err := fmCoupling(experiment.Method{Kind: "sbcfm", Sigma: sigma, Coupling: "ot"})
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.(*couplings.Sinkhorn)
	if !ok || s.Eps != 2*sigma*sigma || s.Relative || !s.Joint {
		t.Errorf("sbcfm σ = %v: coupling %#v, want Sinkhorn with absolute ε = 2σ² and joint draws", sigma, c)
	}
	for coupling, want := range map[string]any{"independent": couplings.Independent{}, "ot": &couplings.ExactOT{}} {
		c, err := fmCoupling(experiment.Method{Kind: "cfm", Sigma: sigma, Coupling: coupling})
		if err != nil || fmt.Sprintf("%T", c) != fmt.Sprintf("%T", want) {
			t.Errorf("cfm with coupling %s: %T (%v)", coupling, c, err)
		}
	}
}
