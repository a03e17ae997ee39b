package cnf

import (
	"fmt"
	"math"
	"strings"

	"github.com/flowbench/flowbench/pkg/optim"
	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/train"
)

// Gradient modes (Config.Gradient).
const (
	GradBackprop = "backprop" // discretise-then-optimise: reverse mode through a fixed-step solve
	GradAdjoint  = "adjoint"  // optimise-then-discretise: the adjoint ODE (Chen et al. 2018)
)

// Divergence modes (Config.Divergence).
const (
	DivAuto       = "auto"       // exact for d ≤ ExactMaxDim, Hutchinson above
	DivExact      = "exact"      // d forward-mode tangents
	DivHutchinson = "hutchinson" // Hutchinson's estimator with Probes probes per point
)

// Probe distributions (Config.ProbeKind).
const (
	ProbeRademacher = "rademacher"
	ProbeGaussian   = "gaussian"
)

// DefaultExactMaxDim is the largest dimension for which DivAuto uses the
// exact divergence (d tangents cost d times a forward pass; FFJORD's toy
// experiments use the exact trace in 2-D and Hutchinson in higher d).
const DefaultExactMaxDim = 8

// Config is the CNF-specific part of a run: how the likelihood and its
// gradient are computed. The optimisation part (steps, batch, optimiser,
// schedule, clipping, EMA, training set, progress hook) is pkg/train's
// train.Config, shared with flow matching so a runner drives both the same
// way. The zero value is not valid; start from Default or FFJORDToy.
type Config struct {
	// Solver integrates the augmented ODE inside every training step:
	// "euler", "midpoint", "heun", "rk4" (fixed step) or "dopri5" (adaptive).
	Solver string `json:"solver" yaml:"solver"`
	// Steps is the number of steps of a fixed-step solver (≥ 1).
	Steps int `json:"steps" yaml:"steps"`
	// RTol and ATol are Dopri5's tolerances (forward and adjoint solves).
	RTol float64 `json:"rtol" yaml:"rtol"`
	ATol float64 `json:"atol" yaml:"atol"`
	// MaxSteps caps Dopri5's attempted steps per solve; 0 means
	// solvers.DefaultMaxSteps.
	MaxSteps int `json:"max_steps" yaml:"max_steps"`
	// Gradient is "backprop" (needs a fixed-step solver) or "adjoint".
	Gradient string `json:"gradient" yaml:"gradient"`
	// Divergence is "auto", "exact" or "hutchinson".
	Divergence string `json:"divergence" yaml:"divergence"`
	// ExactMaxDim is the threshold of "auto"; 0 means DefaultExactMaxDim.
	ExactMaxDim int `json:"exact_max_dim" yaml:"exact_max_dim"`
	// Probes is the number of Hutchinson probes per point (≥ 1), drawn once
	// per training step and shared by every evaluation of that step.
	Probes int `json:"probes" yaml:"probes"`
	// ProbeKind is "rademacher" or "gaussian".
	ProbeKind string `json:"probe_kind" yaml:"probe_kind"`
	// Kinetic weights the kinetic-energy regulariser ∫_0^1 |v|² dt and
	// Jacobian the Frobenius regulariser ∫_0^1 |∂v/∂x|_F² dt (Finlay et al.
	// 2020), both batch means; 0 switches a term off.
	Kinetic  float64 `json:"kinetic" yaml:"kinetic"`
	Jacobian float64 `json:"jacobian" yaml:"jacobian"`
	// EvalSize is the number of training points the final train NLL is
	// measured on (0: 4096, or the whole training set if smaller).
	EvalSize int `json:"eval_size" yaml:"eval_size"`
}

// Default returns the experiment runner's CNF defaults (pkg/experiment's
// DefaultMethod("cnf")): RK4 with 10 steps, backprop, divergence "auto"
// (exact in 2-D), one Rademacher probe when Hutchinson, no regularisers.
func Default() Config {
	return Config{
		Solver: "rk4", Steps: 10, RTol: 1e-5, ATol: 1e-5,
		Gradient: GradBackprop, Divergence: DivAuto, Probes: 1, ProbeKind: ProbeRademacher,
	}
}

// DefaultTraining returns the experiment runner's optimisation defaults
// (pkg/experiment's Default().Training): 2000 steps, batch 256, Adam at
// 1e-3, constant learning rate, no clipping, no EMA, fresh data.
func DefaultTraining() train.Config {
	oc, _ := optim.Default(optim.NameAdam, 1e-3)
	return train.Config{Steps: 2000, Batch: 256, Optim: oc}
}

// FFJORDToy returns the setting of FFJORD's 2-D toy experiments (Grathwohl
// et al. 2019, train_toy.py defaults): the adjoint method with Dopri5 at
// rtol = atol = 1e-5, exact divergence in 2-D, Adam at 1e-3 with weight
// decay 1e-5, batch 100, 10000 iterations. (FFJORD's network is a
// concat-squash MLP with learned end time and tanh; flowbench uses its own
// MLP, pkg/models, on [0, 1], for which a smooth activation — tanh or
// softplus, not SELU — keeps the divergence smooth: with SELU at the
// initialisation Dopri5 at 1e-5 needs 128 evaluations for the forward solve
// of a batch, with tanh or softplus 20.)
func FFJORDToy() (Config, train.Config) {
	c := Default()
	c.Solver, c.Gradient = "dopri5", GradAdjoint
	tc := DefaultTraining()
	tc.Batch, tc.Steps = 100, 10000
	tc.Optim.WeightDecay = 1e-5
	return c, tc
}

// Validate reports the first invalid field, naming it and the valid choices.
func (c Config) Validate() error {
	info, known := solvers.Lookup(c.Solver)
	fixed := known && !info.Adaptive
	switch {
	case !known:
		return fmt.Errorf("cnf: solver = %q, valid: %s", c.Solver, strings.Join(solvers.Names(), ", "))
	case fixed && c.Steps < 1:
		return fmt.Errorf("cnf: steps = %d with solver %q, want ≥ 1", c.Steps, c.Solver)
	case !fixed && !(c.RTol >= 0 && c.RTol < 1):
		return fmt.Errorf("cnf: rtol = %v, want 0 ≤ rtol < 1", c.RTol)
	case !fixed && !(c.ATol > 0 && !math.IsInf(c.ATol, 0)):
		return fmt.Errorf("cnf: atol = %v, want finite and > 0", c.ATol)
	case c.MaxSteps < 0:
		return fmt.Errorf("cnf: max_steps = %d, want ≥ 0 (0: %d)", c.MaxSteps, solvers.DefaultMaxSteps)
	case c.Gradient != GradBackprop && c.Gradient != GradAdjoint:
		return fmt.Errorf("cnf: gradient = %q, valid: %s, %s", c.Gradient, GradBackprop, GradAdjoint)
	case c.Gradient == GradBackprop && !fixed:
		return fmt.Errorf("cnf: gradient = %q needs a fixed-step solver (%s), solver is %q; use gradient %q with an adaptive one", c.Gradient, strings.Join(solvers.FixedNames(), ", "), c.Solver, GradAdjoint)
	case c.Divergence != DivAuto && c.Divergence != DivExact && c.Divergence != DivHutchinson:
		return fmt.Errorf("cnf: divergence = %q, valid: %s, %s, %s", c.Divergence, DivAuto, DivExact, DivHutchinson)
	case c.ExactMaxDim < 0:
		return fmt.Errorf("cnf: exact_max_dim = %d, want ≥ 0 (0: %d)", c.ExactMaxDim, DefaultExactMaxDim)
	case c.Divergence != DivExact && c.Probes < 1:
		return fmt.Errorf("cnf: probes = %d, want ≥ 1", c.Probes)
	case c.Divergence != DivExact && c.ProbeKind != ProbeRademacher && c.ProbeKind != ProbeGaussian:
		return fmt.Errorf("cnf: probe_kind = %q, valid: %s, %s", c.ProbeKind, ProbeRademacher, ProbeGaussian)
	case !(c.Kinetic >= 0) || math.IsInf(c.Kinetic, 0):
		return fmt.Errorf("cnf: kinetic = %v, want finite and ≥ 0 (0: off)", c.Kinetic)
	case !(c.Jacobian >= 0) || math.IsInf(c.Jacobian, 0):
		return fmt.Errorf("cnf: jacobian = %v, want finite and ≥ 0 (0: off)", c.Jacobian)
	case c.EvalSize < 0:
		return fmt.Errorf("cnf: eval_size = %d, want ≥ 0 (0: default)", c.EvalSize)
	}
	return nil
}

// exact reports whether the divergence is computed exactly in dimension d.
func (c Config) exact(d int) bool {
	switch c.Divergence {
	case DivExact:
		return true
	case DivHutchinson:
		return false
	}
	lim := c.ExactMaxDim
	if lim == 0 {
		lim = DefaultExactMaxDim
	}
	return d <= lim
}
