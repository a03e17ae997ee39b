package runner

import (
	"fmt"

	"github.com/flowbench/flowbench/pkg/cnf"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/results"
)

// MeasuredMetrics are metrics that measure the machine rather than the
// computation: like the *_seconds wall times they vary from run to run and
// with -j, so they are excluded wherever records are compared for
// bit-identity.
var MeasuredMetrics = []string{"peak_heap_bytes"}

// cnfConfig is the pkg/cnf configuration of a method of kind cnf (MATH.md
// §1): the solver inside every training step, the gradient mode, the
// divergence estimator (Rademacher probes for Hutchinson) and the
// kinetic/Jacobian regulariser weights.
func cnfConfig(m experiment.Method) cnf.Config {
	c := cnf.Default()
	c.Solver, c.Steps, c.RTol, c.ATol = m.Solver, m.Steps, m.RTol, m.ATol
	c.Gradient, c.Divergence, c.Probes = m.Gradient, m.Divergence, m.Probes
	c.Kinetic, c.Jacobian = m.Kinetic, m.Jacobian
	return c
}

// cnfMetrics are the CNF-specific training metrics:
//
//	step_seconds           mean wall time of one training step
//	nfe_forward_per_step   mean field evaluations of the forward solve per step
//	nfe_backward_per_step  mean VJPs per step (backprop: one per recorded
//	                       evaluation; adjoint: the adjoint solve's NFE)
//	train_nfe_backward     B × Σ_steps NFE backward (train_nfe's backward twin)
//	train_nll              final mean NLL (nats) of up to 4096 training points
//	train_nll_nfe          field evaluations of that final likelihood solve
//	peak_heap_bytes        largest Go heap in use sampled between steps
//
// peak_heap_bytes is the whole process's HeapInuse: with -j > 1 it includes
// the other jobs running at the time, so it is an upper bound that is not
// reproducible bit for bit (the record carries a warning saying so).
func cnfMetrics(r *cnf.Result, batch int) ([]results.Metric, []string) {
	mean := func(xs []int) float64 {
		s := 0
		for _, x := range xs {
			s += x
		}
		return float64(s) / float64(max(1, len(xs)))
	}
	secs := 0.0
	for _, s := range r.StepSeconds {
		secs += s
	}
	back := 0
	for _, n := range r.NFEBackward {
		back += n
	}
	ms := []results.Metric{
		{Name: "step_seconds", Value: secs / float64(max(1, len(r.StepSeconds)))},
		{Name: "nfe_forward_per_step", Value: mean(r.NFEForward)},
		{Name: "nfe_backward_per_step", Value: mean(r.NFEBackward)},
		{Name: "train_nfe_backward", Value: float64(batch) * float64(back)},
		{Name: "train_nll", Value: r.FinalNLL},
		{Name: "train_nll_nfe", Value: float64(r.FinalNFE)},
		{Name: "peak_heap_bytes", Value: float64(r.PeakHeapInuse)},
	}
	warn := fmt.Sprintf("peak_heap_bytes (%.1f MiB) is the process's Go heap sampled between training steps: it includes concurrently running jobs and varies from run to run", float64(r.PeakHeapInuse)/(1<<20))
	return ms, []string{warn}
}
