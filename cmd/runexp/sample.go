package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/runner"
	"github.com/flowbench/flowbench/pkg/store"
)

func init() {
	register(&Command{
		UsageLine: "runexp sample DIR -method M [-stage K] [-seed S] [-solver euler] [-steps 8] [-n 10000] -o OUT.npy",
		Short:     "draw samples from a trained model stored in a results directory",
		Long: `Sample loads a trained model from the store of a results directory (the
plan of DIR/spec.yaml says which artifact) and integrates N source draws
from t = 0 to 1 with the given solver; it writes an N×D float64 .npy.

-solver is any evaluation solver: an ODE solver, or euler-maruyama with
-steps steps, which samples an sf2m model's learned SDE
dx = (v + s) dt + σ dW (the score model's checkpoint and σ = sde_sigma of
its train record) with seeded Brownian increments, as its evaluations do;
for a model without a score model it is Euler's method (with the
evaluation's warning).

The model is chosen by -method (a label of the spec), -seed (default: the
spec's first seed), -stage (reflow methods: 1 = before any reflow, 2 =
after one, ..., or "distilled"; default: the last stage) and, for specs
with a sweep, -where key=value for each swept axis (as in runs.csv).

When the spec evaluated this model with the same solver, steps (or
rtol/atol for adaptive solvers) and -n equal to evaluation.samples, the
source points (and an SDE's increments) come from that evaluation's
random streams and the output equals the stored samples bit for bit;
otherwise from streams named by the model and the settings (printed), so
reruns are identical too.

Examples:

	runexp sample results/quickstart -method OT-CFM -seed 1 -solver euler -steps 8 -n 2000 -o /tmp/ot.npy
	runexp sample results/dim-sweep -method VP -where data.dim=8 -solver dopri5 -o /tmp/vp.npy
	runexp sample results/paper-tong2024-sb -method '[SF]2M-I' -where dataset=scurve -solver euler-maruyama -steps 100 -o /tmp/sf2m.npy`,
		Flag: func(fs *flag.FlagSet) func(io.Writer, io.Writer, []string) error {
			method := fs.String("method", "", "method label (required)")
			stage := fs.String("stage", "", "reflow stage: 1, 2, ... or distilled (default: the last)")
			seed := fs.Int("seed", -1, "training seed (default: the spec's first)")
			solver := fs.String("solver", "euler", "sampling solver (an evaluation solver: ODE, or euler-maruyama)")
			steps := fs.Int("steps", 8, "steps of a fixed-step solver or of euler-maruyama")
			rtol := fs.Float64("rtol", 1e-5, "relative tolerance of an adaptive solver")
			atol := fs.Float64("atol", 1e-5, "absolute tolerance of an adaptive solver")
			n := fs.Int("n", 10000, "number of samples")
			out := fs.String("o", "", "output .npy file (required)")
			var where setFlags
			fs.Var(&where, "where", "key=value selecting a grid point of a sweep (repeatable)")
			return func(stdout, stderr io.Writer, args []string) error {
				if len(args) != 1 || *method == "" || *out == "" {
					return usageErrorf("usage: runexp sample DIR -method M -o OUT.npy [flags] (runexp help sample)")
				}
				return runSample(stdout, args[0], sampleArgs{*method, *stage, *seed, *solver, *steps, *rtol, *atol, *n, *out, where})
			}
		},
	})
}

type sampleArgs struct {
	method, stage string
	seed          int
	solver        string
	steps         int
	rtol, atol    float64
	n             int
	out           string
	where         []string
}

func runSample(stdout io.Writer, dir string, a sampleArgs) error {
	if a.n < 1 {
		return usageErrorf("runexp sample: -n %d: need at least 1", a.n)
	}
	reg := registry()
	f, err := experiment.Load(filepath.Join(dir, specFile), nil, reg)
	if err != nil {
		return withStatus(exitUsage, err)
	}
	st, err := store.OpenExisting(dir)
	if err != nil {
		return failed(err)
	}
	if !slices.Contains(reg.Names["evalsolvers"], a.solver) {
		return usageErrorf("runexp sample: unknown solver %q (valid: %s)", a.solver, strings.Join(reg.Names["evalsolvers"], ", "))
	}
	steps, rtol, atol := a.steps, a.rtol, a.atol
	experiment.SolverKey(reg.Adaptive(a.solver), &steps, &rtol, &atol)
	seed := a.seed
	if seed < 0 {
		seed = f.Points[0].Spec.Seeds[0]
	}
	want := map[string]string{"method": a.method, "seed": strconv.Itoa(seed)}
	for _, w := range a.where {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return usageErrorf("runexp sample: -where %q: want key=value", w)
		}
		want[k] = v
	}
	plan := runner.NewPlan(f, reg)
	var matches []*runner.Artifact
	var avail []string
	for _, art := range plan.Artifacts {
		if art.Kind != runner.KindTrain {
			continue
		}
		ps := map[string]string{}
		var desc []string
		for _, p := range art.Params {
			ps[p.Key] = p.Value
			desc = append(desc, p.Key+"="+p.Value)
		}
		avail = append(avail, strings.Join(desc, " "))
		ok := true
		for k, v := range want {
			if ps[k] != v {
				ok = false
			}
		}
		if ok && a.stage != "" {
			st := ps["stage"]
			ok = st == a.stage || st == a.stage+"-rectified" || (st == "" && a.stage == "1")
		}
		if ok {
			matches = append(matches, art)
		}
	}
	if len(matches) == 0 {
		return usageErrorf("runexp sample: no trained model with %s%s in %s (models: %s)", fmtWant(want), stageWord(a.stage), dir, strings.Join(avail, "; "))
	}
	if a.stage == "" {
		// The last stage of the method; several grid points stay ambiguous.
		last := matches[len(matches)-1]
		var same []*runner.Artifact
		for _, m := range matches {
			if sameExceptStage(m, last) {
				same = append(same, m)
			}
		}
		if len(same) == len(matches) {
			matches = []*runner.Artifact{last}
		}
	}
	if len(matches) > 1 {
		var ds []string
		for _, m := range matches {
			ds = append(ds, m.Label+" ["+paramString(m)+"]")
		}
		return usageErrorf("runexp sample: %d models match; add -where for the swept axes or -stage: %s", len(matches), strings.Join(ds, "; "))
	}
	res, err := runner.SampleModel(plan, st, runner.SampleRequest{Model: matches[0], Solver: a.solver, Steps: steps, RTol: rtol, ATol: atol, N: a.n})
	if err != nil {
		return failed(err)
	}
	var b bytes.Buffer
	if err := datasets.WriteNPY(&b, res.X, a.n, res.D); err != nil {
		return failed(err)
	}
	if err := store.WriteFileAtomic(a.out, b.Bytes()); err != nil {
		return failed(err)
	}
	fmt.Fprintf(stdout, "%s: %d×%d samples of %s [%s], %s, %d field evaluations\n", a.out, a.n, res.D, a.method, paramString(matches[0]), solverDesc(a.solver, steps, rtol, atol), res.NFE)
	for _, w := range res.Warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	switch {
	case res.Eval != nil && res.NoiseStream != "":
		fmt.Fprintf(stdout, "source draws and Brownian increments: the streams of stored evaluation %s, so the samples equal its samples file\n", res.Eval.Key[:12])
	case res.Eval != nil:
		fmt.Fprintf(stdout, "source draws: the stream of stored evaluation %s, so the samples equal its samples file\n", res.Eval.Key[:12])
	default:
		fmt.Fprintf(stdout, "source draws: stream %s (no stored evaluation has these settings)\n", res.Stream)
		if res.NoiseStream != "" {
			fmt.Fprintf(stdout, "Brownian increments: stream %s\n", res.NoiseStream)
		}
	}
	return nil
}

func fmtWant(w map[string]string) string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range w {
			if !yield(k) {
				return
			}
		}
	})
	var s []string
	for _, k := range keys {
		s = append(s, k+"="+w[k])
	}
	return strings.Join(s, " ")
}

func stageWord(s string) string {
	if s == "" {
		return ""
	}
	return " stage=" + s
}

func paramString(a *runner.Artifact) string {
	var s []string
	for _, p := range a.Params {
		if p.Key != "method" {
			s = append(s, p.Key+"="+p.Value)
		}
	}
	return strings.Join(s, " ")
}

func sameExceptStage(a, b *runner.Artifact) bool {
	if len(a.Params) != len(b.Params) {
		return false
	}
	for i, p := range a.Params {
		if p.Key != "stage" && p != b.Params[i] {
			return false
		}
	}
	return true
}

func solverDesc(name string, steps int, rtol, atol float64) string {
	if steps > 0 {
		return fmt.Sprintf("%s %d steps", name, steps)
	}
	return fmt.Sprintf("%s rtol=%g atol=%g", name, rtol, atol)
}
