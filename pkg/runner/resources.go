package runner

import (
	"fmt"
	"slices"

	"github.com/flowbench/flowbench/pkg/experiment"
)

// Need is the estimated peak memory of one artifact of a plan, with the
// spec fields that drive it.
type Need struct {
	Artifact *Artifact
	Bytes    float64
	// What says which sizes make up the estimate; Hint names the spec
	// field to lower, as a -set override.
	What, Hint string
}

// The estimates below are deliberately rough (within a small factor) and
// in float64, so that absurd sizes (a batch of 1e15, layers of 1e5 × 1e5,
// 1e12 steps) come out as absurd byte counts rather than overflowing: they
// exist to refuse, at validation, a plan that cannot fit in memory,
// instead of crashing with "fatal error: out of memory" mid-run.

const f64 = 8.0

// tapeSlots is the float64s per hidden unit and batch row kept for one
// training step: pre-activation, activation, their gradients and the
// optimiser's scratch.
const tapeSlots = 6

func modelSizes(hidden []int, d int) (params, units float64) {
	in := float64(d + 1)
	for _, h := range hidden {
		params += in*float64(h) + float64(h)
		units += float64(h)
		in = float64(h)
	}
	params += in*float64(d) + float64(d)
	return params, units
}

// Needs estimates the peak memory of every artifact of p, largest first.
func Needs(p *Plan) []Need {
	var out []Need
	for _, a := range p.Artifacts {
		n := Need{Artifact: a}
		switch c := a.Config.(type) {
		case TestSetConfig:
			n.Bytes = 2 * float64(c.N) * float64(max(c.Dim, 2)) * f64
			n.What = fmt.Sprintf("a test set of %d points", c.N)
			n.Hint = "data.test_size"
		case TrainConfig:
			d := max(c.Data.Dim, 2)
			tr := c.Training
			steps := tr.Steps
			if c.Method.TrainSteps > 0 {
				steps = c.Method.TrainSteps
			}
			params, units := modelSizes(c.Model.Hidden, d)
			batch := float64(tr.Batch)
			act := batch * units * tapeSlots * f64
			if experiment.KindOf(c.Method.Kind).Likelihood {
				// Backprop through the solver keeps every stage's tape;
				// the exact divergence pushes d tangent rows per point.
				act *= float64(max(c.Method.Steps, 1)*4) * float64(d)
			}
			weights := 6 * params * f64 // θ, gradient, EMA, two moments, checkpoint
			curve := float64(steps) / float64(max(tr.CurveEvery, 1)) * f64
			set := 2 * float64(c.Data.TrainSize) * float64(d) * f64
			coupling := 0.0
			if c.Method.Coupling == "sinkhorn" {
				coupling = batch * batch * f64
			}
			n.Bytes = act + weights + curve + set + coupling
			parts := []struct {
				b          float64
				what, hint string
			}{
				{act, fmt.Sprintf("batch %d × %g hidden units of activations", tr.Batch, units), "training.batch (or model.hidden)"},
				{weights, fmt.Sprintf("%g parameters", params), "model.hidden"},
				{curve, fmt.Sprintf("a loss curve of %g points", float64(steps)/float64(max(tr.CurveEvery, 1))), "training.steps (or raise training.curve_every)"},
				{set, fmt.Sprintf("a training set of %d points", c.Data.TrainSize), "data.train_size"},
				{coupling, fmt.Sprintf("a %d × %d coupling matrix", tr.Batch, tr.Batch), "training.batch"},
			}
			slices.SortStableFunc(parts, func(x, y struct {
				b          float64
				what, hint string
			}) int {
				switch {
				case x.b > y.b:
					return -1
				case x.b < y.b:
					return 1
				}
				return 0
			})
			n.What, n.Hint = parts[0].what, parts[0].hint
		case PairsConfig:
			n.Bytes = 6 * float64(c.N) * float64(max(c.Dim, 2)) * f64
			n.What = fmt.Sprintf("%d reflow pairs", c.N)
			n.Hint = "methods[LABEL].reflow.pairs"
		case TransportConfig:
			n.Bytes = 8 * float64(c.N) * float64(max(c.Dim, 2)) * f64
			n.What = fmt.Sprintf("an assignment of %d points", c.N)
			n.Hint = "data.test_size or evaluation.samples"
		case EvalConfig:
			d := 2.0
			if len(a.Inputs) > 1 {
				if ts, ok := a.Inputs[1].Config.(TestSetConfig); ok {
					d = float64(max(ts.Dim, 2))
				}
			}
			x := float64(c.Samples) * d * f64
			times := float64(c.Steps + 1)
			if c.Steps == 0 {
				times = trajTimes
			}
			traj := 0.0
			if c.Trajectories > 0 || slices.Contains(c.Metrics, "straightness") || slices.Contains(c.Metrics, "npe") {
				traj = times * x
			}
			n.Bytes = 8*x + traj
			n.What = fmt.Sprintf("%d samples", c.Samples)
			if traj > 0 {
				n.What += fmt.Sprintf(" along trajectories of %g time points", times)
			}
			n.Hint = "evaluation.samples"
		case ModelEvalConfig:
			n.Bytes = 16 * float64(c.NLL.N) * float64(max(c.Dim, 2)) * f64
			n.What = fmt.Sprintf("a likelihood of %d points", c.NLL.N)
			n.Hint = "evaluation.nll.n"
		}
		out = append(out, n)
	}
	slices.SortStableFunc(out, func(x, y Need) int {
		switch {
		case x.Bytes > y.Bytes:
			return -1
		case x.Bytes < y.Bytes:
			return 1
		}
		return 0
	})
	return out
}
