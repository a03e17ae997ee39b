package experiment

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// validate runs the checks that involve more than one field, after a
// grid point decoded without error: one validator per spec section, in
// file order (a check that reads another section, e.g. the data file's
// rows against training.batch, belongs to the section it reports on).
func validate(s *Spec, d *decoder, root *yaml.Node) {
	v := validator{d: d, root: root}
	v.top(s)
	v.data(s)
	v.model(s)
	v.training(s)
	v.methods(s)
	v.evaluation(s)
	v.report(s)
}

// validator reports errors at the position of a path in the spec file.
type validator struct {
	d    *decoder
	root *yaml.Node
}

// fail records an error at path (or at its closest ancestor the file
// sets), with the valid choices.
func (v validator) fail(path, msg string, valid ...string) {
	w := pos{v.root.Line, v.root.Column}
	for p := path; p != ""; {
		if at, ok := v.d.where[p]; ok {
			w = at
			break
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	v.d.errs.add(w.line, w.col, path, msg, valid)
}

// solver checks the settings that go with a solver name at prefix p.
func (v validator) solver(p, name string, steps int) { checkSolver(v.d, v.fail, p, name, steps) }

// top checks the name and the seeds.
func (v validator) top(s *Spec) {
	if s.Name == "" {
		v.fail("name", "required")
	}
	if len(s.Seeds) == 0 {
		v.fail("seeds", "at least one seed is required")
	}
	for i, x := range s.Seeds {
		if slices.Contains(s.Seeds[:i], x) {
			v.fail(fmt.Sprintf("seeds[%d]", i), fmt.Sprintf("seed %d is listed twice", x))
		}
	}
}

// data checks the target and source against the registry.
func (v validator) data(s *Spec) {
	if s.Data.Target == "" {
		v.fail("data.target", "required", v.d.reg.Names["datasets"]...)
	}
	if v.d.reg.CheckDim != nil && s.Data.Target != "" {
		if err := v.d.reg.CheckDim(s.Data.Target, s.Data.Dim); err != nil {
			v.fail("data.dim", err.Error())
		}
		if s.Data.Source != "normal" {
			if err := v.d.reg.CheckDim(s.Data.Source, s.Data.Dim); err != nil {
				v.fail("data.source", err.Error())
			}
		}
	}
	if v.d.reg.DataInfo != nil && s.Data.Target != "" {
		td, rows, err := v.d.reg.DataInfo(s.Data.Target, s.Data.Dim)
		if err == nil && s.Data.Source != "normal" {
			sd, _, err := v.d.reg.DataInfo(s.Data.Source, s.Data.Dim)
			if err == nil && sd != td {
				v.fail("data.source", fmt.Sprintf("the source is %d-dimensional but the target is %d-dimensional", sd, td))
			}
		}
		if err == nil && rows > 0 && rows < s.Data.TestSize+s.Training.Batch {
			v.fail("data.target", fmt.Sprintf("the data file has %d rows, fewer than data.test_size + training.batch = %d + %d", rows, s.Data.TestSize, s.Training.Batch))
		}
	}
}

// model checks the network.
func (v validator) model(s *Spec) {
	if len(s.Model.Hidden) == 0 {
		v.fail("model.hidden", "at least one hidden layer is required")
	}
}

// training checks the optimiser and schedule.
func (v validator) training(s *Spec) {
	if len(s.Training.Optimizer.Betas) != 2 {
		v.fail("training.optimizer.betas", fmt.Sprintf("expected two values [β1, β2], got %d", len(s.Training.Optimizer.Betas)))
	}
	if s.Training.Schedule.Warmup >= s.Training.Steps {
		v.fail("training.schedule.warmup", fmt.Sprintf("warm-up %d must be shorter than training.steps %d", s.Training.Schedule.Warmup, s.Training.Steps))
	}
}

// methods checks every method against its kind (the kinds table).
func (v validator) methods(s *Spec) {
	if len(s.Methods) == 0 {
		v.fail("methods", "at least one method is required", MethodKinds()...)
	}
	for i, m := range s.Methods {
		p := fmt.Sprintf("methods[%d]", i)
		if m.Kind == "" {
			v.fail(p+".kind", "required", MethodKinds()...)
			continue
		}
		if m.Label == "" {
			v.fail(p+".label", "required")
		} else if why := labelProblem(m.Label); why != "" {
			v.fail(p+".label", why)
		}
		if m.TrainSteps > 0 && s.Training.Schedule.Warmup >= m.TrainSteps {
			v.fail(p+".train_steps", fmt.Sprintf("%d steps are not more than the warm-up training.schedule.warmup = %d", m.TrainSteps, s.Training.Schedule.Warmup))
		}
		for j := range i {
			if s.Methods[j].Label == m.Label && m.Label != "" {
				v.fail(p+".label", fmt.Sprintf("label %q is used by methods[%d] too", m.Label, j))
			}
		}
		if why := CheckLabel(m); why != "" {
			v.fail(p+".label", why)
		}
		k := KindOf(m.Kind)
		if k.NormalSource != nil && s.Data.Source != "normal" {
			if why := k.NormalSource(m); why != "" {
				v.fail(p+".kind", fmt.Sprintf("kind %s needs data.source normal, got %q: %s (use kind rectified, or ot with sigma_min: 0, for other sources)", m.Kind, s.Data.Source, why))
			}
		}
		if k.Check != nil {
			k.Check(m,
				func(field, msg string) { v.fail(p+"."+field, msg) },
				func(prefix, name string, steps int) {
					if prefix != "" {
						prefix = "." + prefix
					}
					v.solver(p+prefix, name, steps)
				})
		}
	}
}

// evaluation checks the solvers and metrics; it also caps defaults that
// exceed the data (nll.n, trajectories).
func (v validator) evaluation(s *Spec) {
	e := s.Evaluation
	if len(e.Solvers) == 0 {
		v.fail("evaluation.solvers", "at least one solver is required", v.d.reg.Names["solvers"]...)
	}
	for i, sv := range e.Solvers {
		p := fmt.Sprintf("evaluation.solvers[%d]", i)
		adaptive := v.d.reg.Adaptive != nil && v.d.reg.Adaptive(sv.Name)
		switch {
		case adaptive && len(sv.Steps) > 0:
			v.fail(p+".steps", fmt.Sprintf("%s is adaptive: it chooses its own steps from rtol and atol; remove steps", sv.Name))
		case !adaptive && len(sv.Steps) == 0:
			v.fail(p+".steps", fmt.Sprintf("%s takes a fixed number of steps: list at least one", sv.Name))
		}
		for j, n := range sv.Steps {
			if slices.Contains(sv.Steps[:j], n) {
				v.fail(fmt.Sprintf("%s.steps[%d]", p, j), fmt.Sprintf("step count %d is listed twice", n))
			}
		}
		for j := range i {
			o := e.Solvers[j]
			if o.Name == sv.Name && o.RTol == sv.RTol && o.ATol == sv.ATol && adaptive {
				v.fail(p, fmt.Sprintf("same solver and tolerances as evaluation.solvers[%d]", j))
			}
		}
	}
	if len(e.Metrics) == 0 {
		v.fail("evaluation.metrics", "at least one metric is required", v.d.reg.Names["metrics"]...)
	}
	for i, m := range e.Metrics {
		if slices.Contains(e.Metrics[:i], m) {
			v.fail(fmt.Sprintf("evaluation.metrics[%d]", i), fmt.Sprintf("metric %s is listed twice", m))
		}
	}
	if slices.Contains(e.Metrics, "mmd") && len(e.MMDBandwidths) == 0 {
		v.fail("evaluation.mmd_bandwidths", "mmd needs at least one bandwidth")
	}
	if slices.Contains(e.Metrics, "nll") {
		v.solver("evaluation.nll", e.NLL.Solver, e.NLL.Steps)
		if _, set := v.d.where["evaluation.nll.n"]; !set && e.NLL.N > s.Data.TestSize {
			s.Evaluation.NLL.N = s.Data.TestSize // a default never exceeds the data
		} else if e.NLL.N > s.Data.TestSize {
			v.fail("evaluation.nll.n", fmt.Sprintf("scores %d held-out points but data.test_size is %d", e.NLL.N, s.Data.TestSize))
		}
		if s.Data.Source != "normal" {
			v.fail("evaluation.metrics", fmt.Sprintf("nll needs the source density; data.source %q has none in closed form (use source normal)", s.Data.Source))
		}
	}
	if slices.Contains(e.Metrics, "learning_error") && v.d.reg.Names["oracles"] != nil && !slices.Contains(v.d.reg.Names["oracles"], s.Data.Target) && !strings.HasPrefix(s.Data.Target, "mixture:") {
		v.fail("evaluation.metrics", fmt.Sprintf("learning_error needs the exact marginal field, known only for Gaussian-mixture targets ({mixture: ...} or a name below); %q is not one", s.Data.Target), v.d.reg.Names["oracles"]...)
	}
	if _, set := v.d.where["evaluation.trajectories"]; !set && e.Trajectories > e.Samples {
		s.Evaluation.Trajectories = e.Samples
	} else if e.Trajectories > e.Samples {
		v.fail("evaluation.trajectories", fmt.Sprintf("%d trajectories but only %d samples", e.Trajectories, e.Samples))
	}
}

// report checks the figure, comparison and summary lists.
func (v validator) report(s *Spec) {
	for i, f := range s.Report.Figures {
		if slices.Contains(s.Report.Figures[:i], f) {
			v.fail(fmt.Sprintf("report.figures[%d]", i), fmt.Sprintf("figure %s is listed twice", f))
		}
	}
	for i, m := range s.Report.Compare {
		if slices.Contains(s.Report.Compare[:i], m) {
			v.fail(fmt.Sprintf("report.compare[%d]", i), fmt.Sprintf("metric %s is listed twice", m))
		}
	}
	summaryChoices := append(slices.Clone(s.Evaluation.Metrics), "nfe")
	for i, m := range s.Report.Summary {
		switch {
		case !slices.Contains(summaryChoices, m):
			v.fail(fmt.Sprintf("report.summary[%d]", i), fmt.Sprintf("unknown value %q: not among evaluation.metrics", m), summaryChoices...)
		case slices.Contains(s.Report.Summary[:i], m):
			v.fail(fmt.Sprintf("report.summary[%d]", i), fmt.Sprintf("metric %s is listed twice", m))
		}
	}
	if len(s.Report.Compare) > 0 && s.Report.Published == "" {
		v.fail("report.compare", "compares with published cells: set report.published too")
	}
}

// checkSolver checks the settings that go with a solver name: steps for
// fixed-step solvers, tolerances for adaptive ones (both bounded by tags).
func checkSolver(d *decoder, fail func(path, msg string, valid ...string), p, name string, steps int) {
	if name == "" {
		fail(p+".solver", "required", d.reg.Names["solvers"]...)
		return
	}
	adaptive := d.reg.Adaptive != nil && d.reg.Adaptive(name)
	if !adaptive && steps < 1 {
		fail(p+".steps", fmt.Sprintf("%s takes a fixed number of steps: set steps", name))
	}
}
