package flow

// Field is a time-dependent vector field v_t(x) on R^d, evaluated on a batch.
// x and dst are n×d row-major slices; dst must not alias x.
type Field interface {
	Dim() int
	Velocity(dst, x []float64, t float64)
}

// DivField is a Field that also gives the divergence tr(∂v_t/∂x) per point.
type DivField interface {
	Field
	// VelocityDiv writes v_t(x) into dst (n×d) and tr(∂v_t/∂x)(x_i) into div (n).
	VelocityDiv(dst, div, x []float64, t float64)
}
