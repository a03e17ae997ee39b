package autodiff

import (
	"fmt"
	"math"
)

// Activation names an elementwise nonlinearity σ together with its first two
// derivatives σ' and σ″.
type Activation uint8

// The activations. SELU uses the constants of Klambauer et al. (2017).
const (
	SELU Activation = iota
	SiLU
	Tanh
	ReLU
	Softplus
)

const (
	seluAlpha  = 1.6732632423543772848170429916717
	seluLambda = 1.0507009873554804934193349852946
)

var actNames = [...]string{"selu", "silu", "tanh", "relu", "softplus"}

// String returns the activation's spec name.
func (a Activation) String() string {
	if int(a) < len(actNames) {
		return actNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the activation with the given spec name.
func ParseActivation(name string) (Activation, error) {
	for i, n := range actNames {
		if n == name {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("autodiff: unknown activation %q (valid: selu, silu, tanh, relu, softplus)", name)
}

// Eval returns σ(z), σ'(z) and σ″(z).
// It panics if a is not one of the package's Activation constants.
func (a Activation) Eval(z float64) (f, d1, d2 float64) {
	switch a {
	case SELU:
		return seluScalar(z)
	case SiLU:
		return siluScalar(z)
	case Tanh:
		f = math.Tanh(z)
		d1 = 1 - f*f
		return f, d1, -2 * f * d1
	case ReLU:
		if z > 0 {
			return z, 1, 0
		}
		return 0, 0, 0
	case Softplus:
		s := sigmoid(z)
		if z > 0 {
			f = z + math.Log1p(math.Exp(-z))
		} else {
			f = math.Log1p(math.Exp(z))
		}
		return f, s, s * (1 - s)
	}
	panic("autodiff: unknown activation")
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// apply writes σ, σ', σ″ of z elementwise into f, d1, d2; any of them may be
// nil. The activation switch is outside the loops.
func (a Activation) apply(f, d1, d2, z []float64) {
	switch a {
	case SELU:
		seluSlice(f, d1, d2, z, nil)
		return
	case SiLU:
		siluSlice(f, d1, d2, z, nil)
		return
	}
	for i, v := range z {
		fv, g1, g2 := a.Eval(v)
		if f != nil {
			f[i] = fv
		}
		if d1 != nil {
			d1[i] = g1
		}
		if d2 != nil {
			d2[i] = g2
		}
	}
}

// Apply writes σ(z) into f elementwise; f may be z itself.
// It panics if a is not one of the package's Activation constants.
func (a Activation) Apply(f, z []float64) { a.apply(f[:len(z)], nil, nil, z) }

// ApplyDeriv writes σ(z) into f and σ'(z) into d1 elementwise; f may be z
// itself.
// It panics if a is not one of the package's Activation constants.
func (a Activation) ApplyDeriv(f, d1, z []float64) { a.apply(f[:len(z)], d1[:len(z)], nil, z) }

// ApplyBias writes σ(z + b) into f and, when d1 is not nil, σ'(z + b) into
// d1, for z a row-major matrix of len(b) columns (b added to every row) in
// one pass; f may be z itself. It equals adding b and then calling Apply or
// ApplyDeriv, bit for bit.
// It panics if len(z) is not a multiple of len(b), or if a is not one of the
// package's Activation constants.
func (a Activation) ApplyBias(f, d1, z, b []float64) {
	c := len(b)
	if c == 0 || len(z)%c != 0 {
		panic(fmt.Sprintf("autodiff: ApplyBias of %d values with a bias of %d", len(z), c))
	}
	f = f[:len(z)]
	if d1 != nil {
		d1 = d1[:len(z)]
	}
	for r := 0; r < len(z); r += c {
		zr, fr := z[r:r+c], f[r:r+c]
		var dr []float64
		if d1 != nil {
			dr = d1[r : r+c]
		}
		switch a {
		case SELU:
			seluSlice(fr, dr, nil, zr, b)
			continue
		case SiLU:
			siluSlice(fr, dr, nil, zr, b)
			continue
		}
		for j, v := range zr {
			fv, g1, _ := a.Eval(v + b[j])
			fr[j] = fv
			if dr != nil {
				dr[j] = g1
			}
		}
	}
}
