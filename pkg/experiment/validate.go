package experiment

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// validate runs the checks that involve more than one field, after a
// grid point decoded without error.
func validate(s *Spec, d *decoder, root *yaml.Node) {
	at := func(path string) pos {
		for p := path; p != ""; {
			if w, ok := d.where[p]; ok {
				return w
			}
			i := strings.LastIndexAny(p, ".[")
			if i < 0 {
				break
			}
			p = p[:i]
		}
		return pos{root.Line, root.Column}
	}
	fail := func(path, msg string, valid ...string) {
		w := at(path)
		d.errs.add(w.line, w.col, path, msg, valid)
	}
	if s.Name == "" {
		fail("name", "required")
	}
	if len(s.Seeds) == 0 {
		fail("seeds", "at least one seed is required")
	}
	for i, x := range s.Seeds {
		if slices.Contains(s.Seeds[:i], x) {
			fail(fmt.Sprintf("seeds[%d]", i), fmt.Sprintf("seed %d is listed twice", x))
		}
	}
	if s.Data.Target == "" {
		fail("data.target", "required", d.reg.Names["datasets"]...)
	}
	if d.reg.CheckDim != nil && s.Data.Target != "" {
		if err := d.reg.CheckDim(s.Data.Target, s.Data.Dim); err != nil {
			fail("data.dim", err.Error())
		}
		if s.Data.Source != "normal" {
			if err := d.reg.CheckDim(s.Data.Source, s.Data.Dim); err != nil {
				fail("data.source", err.Error())
			}
		}
	}
	if d.reg.DataInfo != nil && s.Data.Target != "" {
		td, rows, err := d.reg.DataInfo(s.Data.Target, s.Data.Dim)
		if err == nil && s.Data.Source != "normal" {
			sd, _, err := d.reg.DataInfo(s.Data.Source, s.Data.Dim)
			if err == nil && sd != td {
				fail("data.source", fmt.Sprintf("the source is %d-dimensional but the target is %d-dimensional", sd, td))
			}
		}
		if err == nil && rows > 0 && rows < s.Data.TestSize+s.Training.Batch {
			fail("data.target", fmt.Sprintf("the data file has %d rows, fewer than data.test_size + training.batch = %d + %d", rows, s.Data.TestSize, s.Training.Batch))
		}
	}
	if len(s.Model.Hidden) == 0 {
		fail("model.hidden", "at least one hidden layer is required")
	}
	if len(s.Training.Optimizer.Betas) != 2 {
		fail("training.optimizer.betas", fmt.Sprintf("expected two values [β1, β2], got %d", len(s.Training.Optimizer.Betas)))
	}
	if s.Training.Schedule.Warmup >= s.Training.Steps {
		fail("training.schedule.warmup", fmt.Sprintf("warm-up %d must be shorter than training.steps %d", s.Training.Schedule.Warmup, s.Training.Steps))
	}

	if len(s.Methods) == 0 {
		fail("methods", "at least one method is required", MethodKinds()...)
	}
	for i, m := range s.Methods {
		p := fmt.Sprintf("methods[%d]", i)
		if m.Kind == "" {
			fail(p+".kind", "required", MethodKinds()...)
			continue
		}
		if m.Label == "" {
			fail(p+".label", "required")
		} else if why := labelProblem(m.Label); why != "" {
			fail(p+".label", why)
		}
		if m.TrainSteps > 0 && s.Training.Schedule.Warmup >= m.TrainSteps {
			fail(p+".train_steps", fmt.Sprintf("%d steps are not more than the warm-up training.schedule.warmup = %d", m.TrainSteps, s.Training.Schedule.Warmup))
		}
		for j := range i {
			if s.Methods[j].Label == m.Label && m.Label != "" {
				fail(p+".label", fmt.Sprintf("label %q is used by methods[%d] too", m.Label, j))
			}
		}
		k := KindOf(m.Kind)
		if k.NormalSource != nil && s.Data.Source != "normal" {
			if why := k.NormalSource(m); why != "" {
				fail(p+".kind", fmt.Sprintf("kind %s needs data.source normal, got %q: %s (use kind rectified, or ot with sigma_min: 0, for other sources)", m.Kind, s.Data.Source, why))
			}
		}
		if k.Check != nil {
			k.Check(m,
				func(field, msg string) { fail(p+"."+field, msg) },
				func(prefix, name string, steps int) {
					if prefix != "" {
						prefix = "." + prefix
					}
					checkSolver(d, fail, p+prefix, name, steps)
				})
		}
	}

	e := s.Evaluation
	if len(e.Solvers) == 0 {
		fail("evaluation.solvers", "at least one solver is required", d.reg.Names["solvers"]...)
	}
	for i, sv := range e.Solvers {
		p := fmt.Sprintf("evaluation.solvers[%d]", i)
		adaptive := d.reg.Adaptive != nil && d.reg.Adaptive(sv.Name)
		switch {
		case adaptive && len(sv.Steps) > 0:
			fail(p+".steps", fmt.Sprintf("%s is adaptive: it chooses its own steps from rtol and atol; remove steps", sv.Name))
		case !adaptive && len(sv.Steps) == 0:
			fail(p+".steps", fmt.Sprintf("%s takes a fixed number of steps: list at least one", sv.Name))
		}
		for j, n := range sv.Steps {
			if slices.Contains(sv.Steps[:j], n) {
				fail(fmt.Sprintf("%s.steps[%d]", p, j), fmt.Sprintf("step count %d is listed twice", n))
			}
		}
		for j := range i {
			o := e.Solvers[j]
			if o.Name == sv.Name && o.RTol == sv.RTol && o.ATol == sv.ATol && adaptive {
				fail(p, fmt.Sprintf("same solver and tolerances as evaluation.solvers[%d]", j))
			}
		}
	}
	if len(e.Metrics) == 0 {
		fail("evaluation.metrics", "at least one metric is required", d.reg.Names["metrics"]...)
	}
	for i, m := range e.Metrics {
		if slices.Contains(e.Metrics[:i], m) {
			fail(fmt.Sprintf("evaluation.metrics[%d]", i), fmt.Sprintf("metric %s is listed twice", m))
		}
	}
	if slices.Contains(e.Metrics, "mmd") && len(e.MMDBandwidths) == 0 {
		fail("evaluation.mmd_bandwidths", "mmd needs at least one bandwidth")
	}
	if slices.Contains(e.Metrics, "nll") {
		checkSolver(d, fail, "evaluation.nll", e.NLL.Solver, e.NLL.Steps)
		if _, set := d.where["evaluation.nll.n"]; !set && e.NLL.N > s.Data.TestSize {
			s.Evaluation.NLL.N = s.Data.TestSize // a default never exceeds the data
		} else if e.NLL.N > s.Data.TestSize {
			fail("evaluation.nll.n", fmt.Sprintf("scores %d held-out points but data.test_size is %d", e.NLL.N, s.Data.TestSize))
		}
		if s.Data.Source != "normal" {
			fail("evaluation.metrics", fmt.Sprintf("nll needs the source density; data.source %q has none in closed form (use source normal)", s.Data.Source))
		}
	}
	if slices.Contains(e.Metrics, "learning_error") && d.reg.Names["oracles"] != nil && !slices.Contains(d.reg.Names["oracles"], s.Data.Target) && !strings.HasPrefix(s.Data.Target, "mixture:") {
		fail("evaluation.metrics", fmt.Sprintf("learning_error needs the exact marginal field, known only for Gaussian-mixture targets ({mixture: ...} or a name below); %q is not one", s.Data.Target), d.reg.Names["oracles"]...)
	}
	if _, set := d.where["evaluation.trajectories"]; !set && e.Trajectories > e.Samples {
		s.Evaluation.Trajectories = e.Samples
	} else if e.Trajectories > e.Samples {
		fail("evaluation.trajectories", fmt.Sprintf("%d trajectories but only %d samples", e.Trajectories, e.Samples))
	}
	for i, f := range s.Report.Figures {
		if slices.Contains(s.Report.Figures[:i], f) {
			fail(fmt.Sprintf("report.figures[%d]", i), fmt.Sprintf("figure %s is listed twice", f))
		}
	}
	for i, m := range s.Report.Compare {
		if slices.Contains(s.Report.Compare[:i], m) {
			fail(fmt.Sprintf("report.compare[%d]", i), fmt.Sprintf("metric %s is listed twice", m))
		}
	}
	summaryChoices := append(slices.Clone(s.Evaluation.Metrics), "nfe")
	for i, m := range s.Report.Summary {
		switch {
		case !slices.Contains(summaryChoices, m):
			fail(fmt.Sprintf("report.summary[%d]", i), fmt.Sprintf("unknown value %q: not among evaluation.metrics", m), summaryChoices...)
		case slices.Contains(s.Report.Summary[:i], m):
			fail(fmt.Sprintf("report.summary[%d]", i), fmt.Sprintf("metric %s is listed twice", m))
		}
	}
	if len(s.Report.Compare) > 0 && s.Report.Published == "" {
		fail("report.compare", "compares with published cells: set report.published too")
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
