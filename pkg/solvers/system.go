package solvers

// System is an ODE dy/dt = f(t, y) on a flat state vector. Eval writes f(t, y)
// into dydt (len(dydt) == len(y)) and must not retain either slice.
type System interface {
	Eval(t float64, y, dydt []float64)
}

// SystemFunc adapts a function to a System.
type SystemFunc func(t float64, y, dydt []float64)

// Eval calls f.
func (f SystemFunc) Eval(t float64, y, dydt []float64) { f(t, y, dydt) }

// Stats counts the work a solve did.
type Stats struct {
	NFE      int // evaluations of the System
	Steps    int // accepted steps
	Rejected int // rejected steps (adaptive methods only)
}
