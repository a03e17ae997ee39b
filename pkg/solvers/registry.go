package solvers

import (
	"fmt"
	"strings"
)

// Info describes one solver of the registry: everything the other packages
// (the CNF trainer, the experiment validator, the planner's cost estimate)
// need to know about a solver name.
type Info struct {
	// Name is the spec name, as Solver.Name returns it.
	Name string
	// Adaptive solvers choose their own steps from rtol and atol (a spec's
	// steps do not apply); fixed-step solvers take a given number of steps
	// (the tolerances do not apply).
	Adaptive bool
	// Order is the classical order of accuracy (Dopri5: of the solution it
	// propagates).
	Order int
	// Stages is the number of field evaluations per step (Dopri5: per
	// attempted step, the first stage reusing the last of the step before).
	Stages int
	// Tableau is the Butcher tableau of a fixed-step solver (the CNF
	// trainer records it on a tape); nil for an adaptive one.
	Tableau *Tableau
	// New returns a validated solver: fixed-step solvers use steps,
	// adaptive ones rtol and atol.
	New func(steps int, rtol, atol float64) (Solver, error)
}

// registry is the list of solvers, in the order Names returns them. Adding
// a solver is adding one entry here (plus its tests); every package that
// accepts a solver name looks it up here.
var registry = []Info{
	{Name: "euler", Order: 1, Stages: 1, Tableau: &Euler, New: fixedOf(&Euler)},
	{Name: "midpoint", Order: 2, Stages: 2, Tableau: &Midpoint, New: fixedOf(&Midpoint)},
	{Name: "heun", Order: 2, Stages: 2, Tableau: &Heun, New: fixedOf(&Heun)},
	{Name: "rk4", Order: 4, Stages: 4, Tableau: &RK4, New: fixedOf(&RK4)},
	{Name: "dopri5", Adaptive: true, Order: 5, Stages: 6, New: func(_ int, rtol, atol float64) (Solver, error) {
		d := &Dopri5{RTol: rtol, ATol: atol}
		if err := d.Validate(); err != nil {
			return nil, err
		}
		return d, nil
	}},
}

func fixedOf(tab *Tableau) func(int, float64, float64) (Solver, error) {
	return func(steps int, _, _ float64) (Solver, error) {
		f := &Fixed{Tableau: *tab, Steps: steps}
		if err := f.Validate(); err != nil {
			return nil, err
		}
		return f, nil
	}
}

// Registry returns the registered solvers, in the order of Names.
func Registry() []Info { return append([]Info(nil), registry...) }

// Names returns the solver names ByName accepts.
func Names() []string {
	names := make([]string, len(registry))
	for i, s := range registry {
		names[i] = s.Name
	}
	return names
}

// FixedNames returns the names of the fixed-step solvers.
func FixedNames() []string {
	var names []string
	for _, s := range registry {
		if !s.Adaptive {
			names = append(names, s.Name)
		}
	}
	return names
}

// Lookup returns the registry entry of a solver name.
func Lookup(name string) (Info, bool) {
	for _, s := range registry {
		if s.Name == name {
			return s, true
		}
	}
	return Info{}, false
}

// IsAdaptive reports whether name is a registered adaptive solver.
func IsAdaptive(name string) bool {
	s, ok := Lookup(name)
	return ok && s.Adaptive
}

// ByName returns the solver called name. The fixed-step solvers use steps
// (≥ 1) and ignore the tolerances; adaptive ones use rtol and atol (see
// Dopri5.Validate) and ignore steps.
func ByName(name string, steps int, rtol, atol float64) (Solver, error) {
	s, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("solvers: unknown solver %q, valid names: %s", name, strings.Join(Names(), ", "))
	}
	return s.New(steps, rtol, atol)
}
