package runner

import (
	"github.com/flowbench/flowbench/pkg/cnf"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/results"
)

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
//	peak_tape_bytes        working memory of one training step: the bytes of
//	                       the autodiff graph it records (grows with the
//	                       solver's steps for backprop, one evaluation for
//	                       the adjoint); reproducible, unlike a heap sample
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
		{Name: "peak_tape_bytes", Value: float64(r.PeakTapeBytes)},
	}
	return ms, nil
}
