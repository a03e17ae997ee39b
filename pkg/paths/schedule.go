package paths

// Coeffs are the scalar schedule values of an affine Gaussian path at one
// time t (MATH.md §2): x_t = S·x0 + A·x1, and their time derivatives.
type Coeffs struct {
	A, S   float64 // a_t (data coefficient) and s_t (source / noise coefficient)
	DA, DS float64 // a'_t and s'_t
}

// Schedule is a pair of scalar schedules (a_t, s_t) on t ∈ [0, 1], t = 0 the
// source and t = 1 the data.
type Schedule interface {
	// Name is the schedule's spec name ("ot", "vp", "rectified", "cosine").
	Name() string
	// At returns the coefficients at time t.
	At(t float64) Coeffs
	// TMax is the largest t at which training may draw (1 − ε for VP, 1 otherwise).
	TMax() float64
	// Validate reports a parameter error, naming the parameter and its valid range.
	Validate() error
}
