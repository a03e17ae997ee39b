package experiment

import (
	"slices"

	"github.com/flowbench/flowbench/pkg/solvers"
)

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
	// LoadFile reads and checks a data file named by {file: PATH} and
	// returns its reference; nil accepts any readable file.
	LoadFile func(path string) (ref string, err error)
	// DataInfo returns the dimension of a data set (name or reference) at
	// data.dim and its number of rows (0 = unlimited draws); nil skips the
	// source/target dimension and row-count checks.
	DataInfo func(dataset string, dim int) (d, rows int, err error)
	// Label returns a short name of a data set (name or reference) for
	// tables; nil uses the string itself.
	Label func(dataset string) string
}

// BuiltinRegistry is the registry of the names the experiment package
// itself defines (metrics, activations, time embeddings, method kinds), the
// solvers of pkg/solvers' registry and the data sets of MATH.md §5. The
// command replaces the data set entries with the live registry of
// pkg/datasets and installs pkg/report's figures.
func BuiltinRegistry() Registry {
	ds := []string{"2spirals", "8gaussians", "checkerboard", "circles", "moons", "pinwheel", "rings", "swissroll"}
	return Registry{
		Names: map[string][]string{
			"datasets":       ds,
			"sources":        append([]string{"normal"}, ds...),
			"solvers":        slices.Sorted(slices.Values(solvers.Names())),
			"evalsolvers":    slices.Sorted(slices.Values(append(solvers.Names(), solvers.NameEulerMaruyama))),
			"metrics":        Metrics(),
			"activations":    {"relu", "selu", "silu", "softplus", "tanh"},
			"timeembeddings": {"concat", "fourier", "sinusoidal"},
			"methods":        MethodKinds(),
			// The figures are pkg/report's (report.AllFigures); the command
			// installs them. Nil accepts any name.
			"figures": nil,
		},
		Adaptive: solvers.IsAdaptive,
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
