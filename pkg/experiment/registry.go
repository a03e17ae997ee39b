package experiment

import "slices"

// Registry answers the name questions validation asks: which data sets,
// solvers, metrics... exist. The runner's packages own those names; the
// command installs the real registry, tests may install their own.
type Registry struct {
	// Names maps an enum reference (the part after "@" in an enum tag, e.g.
	// "datasets", "solvers") to the valid names, sorted.
	Names map[string][]string
	// Adaptive reports whether a solver picks its own steps (rtol/atol
	// apply, steps do not).
	Adaptive func(solver string) bool
	// CheckDim validates data.dim for a data set; nil accepts any.
	CheckDim func(dataset string, dim int) error
}

// BuiltinRegistry is the registry of the names the experiment package
// itself defines (metrics, activations, time embeddings) plus the data sets
// and solvers of MATH.md §5 and DESIGN.md. The command replaces the data
// set and solver entries with the live registries of pkg/datasets and
// pkg/solvers.
func BuiltinRegistry() Registry {
	ds := []string{"2spirals", "8gaussians", "checkerboard", "circles", "moons", "pinwheel", "rings", "swissroll"}
	return Registry{
		Names: map[string][]string{
			"datasets":       ds,
			"sources":        append([]string{"normal"}, ds...),
			"solvers":        {"dopri5", "euler", "heun", "midpoint", "rk4"},
			"metrics":        Metrics(),
			"activations":    {"relu", "selu", "silu", "softplus", "tanh"},
			"timeembeddings": {"concat", "fourier", "sinusoidal"},
			"methods":        MethodKinds(),
			"figures":        {"samples", "trajectories", "nfe", "loss", "density"},
		},
		Adaptive: func(s string) bool { return s == "dopri5" },
	}
}

// Metrics lists the metric names a spec may ask for.
func Metrics() []string {
	return []string{"learning_error", "mmd", "nll", "npe", "straightness", "sw2", "w2"}
}

// ModelMetrics are the metrics of a trained model that do not depend on the
// sampling solver (computed once per model, not once per evaluation).
var ModelMetrics = []string{"nll", "learning_error"}

// IsModelMetric reports whether name is one of ModelMetrics.
func IsModelMetric(name string) bool { return slices.Contains(ModelMetrics, name) }

// NeedsNormalSource reports whether a method's derivation assumes the
// source is N(0, I): the VP path, the OT path with σ_min > 0 (Lipman et
// al.'s Gaussian conditional path, MATH.md §2) and the CNF likelihood,
// whose log p_0 is the standard normal density.
func NeedsNormalSource(m Method) bool {
	switch m.Kind {
	case "vp", "cnf":
		return true
	case "ot":
		return m.SigmaMin > 0
	}
	return false
}

// MethodKinds lists every method kind the schema defines; a registry may
// accept fewer (those its executor can train).
func MethodKinds() []string { return []string{"ot", "vp", "rectified", "cfm", "cnf", "cosine"} }
