package autodiff

// Elementwise loops of the stacked-tangent operations, on the AVX2 kernels
// where they run (whole groups of 8) and in Go for the rest. Both round every
// product and sum separately, so the result does not depend on the path.

// mulTo sets dst = a ⊙ b over len(dst) elements.
func mulTo(dst, a, b []float64) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	if haveVec && n >= 8 {
		i = n &^ 7
		vecMul(&dst[0], &a[0], &b[0], i)
	}
	for ; i < n; i++ {
		dst[i] = a[i] * b[i]
	}
}

// mulAddTo sets dst += a ⊙ b over len(dst) elements.
func mulAddTo(dst, a, b []float64) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	if haveVec && n >= 8 {
		i = n &^ 7
		vecMulAdd(&dst[0], &a[0], &b[0], i)
	}
	for ; i < n; i++ {
		dst[i] += a[i] * b[i]
	}
}

// mul3AddTo sets dst += (a ⊙ b) ⊙ c over len(dst) elements.
func mul3AddTo(dst, a, b, c []float64) {
	n := len(dst)
	a, b, c = a[:n], b[:n], c[:n]
	i := 0
	if haveVec && n >= 8 {
		i = n &^ 7
		vecMul3Add(&dst[0], &a[0], &b[0], &c[0], i)
	}
	for ; i < n; i++ {
		dst[i] += a[i] * b[i] * c[i]
	}
}

// addTo sets dst += a over len(dst) elements.
func addTo(dst, a []float64) {
	n := len(dst)
	a = a[:n]
	i := 0
	if haveVec && n >= 8 {
		i = n &^ 7
		vecAdd(&dst[0], &a[0], i)
	}
	for ; i < n; i++ {
		dst[i] += a[i]
	}
}

// Mul sets dst[i] = a[i]·b[i] for i < len(dst), each product rounded once
// (the same bits as the Go expression), on the vector kernels where they run.
// dst may be a or b itself.
func Mul(dst, a, b []float64) { mulTo(dst, a, b) }

// Add sets dst[i] += a[i] for i < len(dst), each sum rounded once (the same
// bits as the Go expression), on the vector kernels where they run. dst may
// be a itself.
func Add(dst, a []float64) { addTo(dst, a) }
