package datasets

import (
	"math"
	"math/rand/v2"
)

// Toy is a 2-D toy distribution of MATH.md §5 defined by a generator; Noise
// is the generator's noise standard deviation (its meaning per data set is
// listed in the package comment; 0 for pinwheel and checkerboard, whose
// noise is part of the definition).
type Toy struct {
	Label string
	Noise float64
	gen   func(rng *rand.Rand, n int, noise float64) []float64
}

// Name returns the registry name.
func (t *Toy) Name() string { return t.Label }

// Dim returns 2.
func (t *Toy) Dim() int { return 2 }

// Sample draws n points (n×2).
// It panics if n < 0.
func (t *Toy) Sample(rng *rand.Rand, n int) []float64 {
	if n < 0 {
		panic("datasets: negative sample count")
	}
	return t.gen(rng, n, t.Noise)
}

// linspace returns n evenly spaced values from lo to hi, hi included when
// endpoint is true (numpy.linspace conventions; n = 1 gives {lo}).
func linspace(lo, hi float64, n int, endpoint bool) []float64 {
	out := make([]float64, n)
	div := float64(n)
	if endpoint {
		div = float64(n - 1)
	}
	for i := range out {
		if div > 0 {
			out[i] = lo + (hi-lo)*float64(i)/div
		} else {
			out[i] = lo
		}
	}
	return out
}

// shuffleRows permutes the rows of the n×d slice x (Fisher–Yates, from rng).
func shuffleRows(rng *rand.Rand, x []float64, d int) {
	n := len(x) / d
	for i := n - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		if i != j {
			for c := 0; c < d; c++ {
				x[i*d+c], x[j*d+c] = x[j*d+c], x[i*d+c]
			}
		}
	}
}

// addNoise adds std·N to every entry.
func addNoise(rng *rand.Rand, x []float64, std float64) {
	if std == 0 {
		return
	}
	for i := range x {
		x[i] += std * rng.NormFloat64()
	}
}

// MakeMoons is scikit-learn's make_moons (n×2): n/2 points on the outer arc
// (cos θ, sin θ) and the remaining n − n/2 on the inner arc
// (1 − cos θ, 0.5 − sin θ), θ evenly spaced on [0, π] with both ends, rows
// shuffled, then N(0, noise²) added to every coordinate.
func MakeMoons(rng *rand.Rand, n int, noise float64) []float64 {
	nOut := n / 2
	nIn := n - nOut
	x := make([]float64, 0, 2*n)
	for _, th := range linspace(0, math.Pi, nOut, true) {
		x = append(x, math.Cos(th), math.Sin(th))
	}
	for _, th := range linspace(0, math.Pi, nIn, true) {
		x = append(x, 1-math.Cos(th), 0.5-math.Sin(th))
	}
	shuffleRows(rng, x, 2)
	addNoise(rng, x, noise)
	return x
}

// MakeCircles is scikit-learn's make_circles (n×2): n/2 points on the unit
// circle and n − n/2 on the circle of radius factor, angles evenly spaced on
// [0, 2π) (endpoint excluded), rows shuffled, then N(0, noise²) added.
func MakeCircles(rng *rand.Rand, n int, factor, noise float64) []float64 {
	nOut := n / 2
	nIn := n - nOut
	x := make([]float64, 0, 2*n)
	for _, th := range linspace(0, 2*math.Pi, nOut, false) {
		x = append(x, math.Cos(th), math.Sin(th))
	}
	for _, th := range linspace(0, 2*math.Pi, nIn, false) {
		x = append(x, factor*math.Cos(th), factor*math.Sin(th))
	}
	shuffleRows(rng, x, 2)
	addNoise(rng, x, noise)
	return x
}

// MakeSwissRoll is scikit-learn's make_swiss_roll (n×3): t = 1.5π(1 + 2U),
// points (t cos t, 21 U', t sin t) plus N(0, noise²) per coordinate.
func MakeSwissRoll(rng *rand.Rand, n int, noise float64) []float64 {
	x := make([]float64, 3*n)
	for r := 0; r < n; r++ {
		t := 1.5 * math.Pi * (1 + 2*rng.Float64())
		x[3*r] = t * math.Cos(t)
		x[3*r+1] = 21 * rng.Float64()
		x[3*r+2] = t * math.Sin(t)
	}
	addNoise(rng, x, noise)
	return x
}

// MakeSCurve is scikit-learn's make_s_curve (n×3): t = 3π(U − 0.5), points
// (sin t, 2U', sign(t)(cos t − 1)) plus N(0, noise²) per coordinate.
func MakeSCurve(rng *rand.Rand, n int, noise float64) []float64 {
	x := make([]float64, 3*n)
	for r := 0; r < n; r++ {
		t := 3 * math.Pi * (rng.Float64() - 0.5)
		sgn := 0.0
		if t > 0 {
			sgn = 1
		} else if t < 0 {
			sgn = -1
		}
		x[3*r] = math.Sin(t)
		x[3*r+1] = 2 * rng.Float64()
		x[3*r+2] = sgn * (math.Cos(t) - 1)
	}
	addNoise(rng, x, noise)
	return x
}

// columns02 keeps coordinates 0 and 2 of an n×3 slice, times scale.
func columns02(x []float64, scale float64) []float64 {
	n := len(x) / 3
	out := make([]float64, 2*n)
	for r := 0; r < n; r++ {
		out[2*r] = scale * x[3*r]
		out[2*r+1] = scale * x[3*r+2]
	}
	return out
}

func scaleShift(x []float64, scale float64, shift [2]float64) []float64 {
	for i := range x {
		x[i] = scale*x[i] + shift[i%2]
	}
	return x
}

func genSwissRoll(rng *rand.Rand, n int, noise float64) []float64 {
	return columns02(MakeSwissRoll(rng, n, noise), 1.0/5)
}

func genCircles(rng *rand.Rand, n int, noise float64) []float64 {
	return scaleShift(MakeCircles(rng, n, 0.5, noise), 3, [2]float64{})
}

func genMoons(rng *rand.Rand, n int, noise float64) []float64 {
	return scaleShift(MakeMoons(rng, n, noise), 2, [2]float64{-1, -0.2})
}

func genMoonsTong(rng *rand.Rand, n int, noise float64) []float64 {
	return scaleShift(MakeMoons(rng, n, noise), 2, [2]float64{-1, -1})
}

func genSCurve(rng *rand.Rand, n int, noise float64) []float64 {
	return columns02(MakeSCurve(rng, n, noise), 1.5)
}

// genRings: radii 1, 0.75, 0.5, 0.25 with n/4 points each and the remainder
// on the innermost, evenly spaced angles on [0, 2π), times 3, shuffled, plus
// N(0, noise²).
func genRings(rng *rand.Rand, n int, noise float64) []float64 {
	q := n / 4
	counts := [4]int{q, q, q, n - 3*q}
	radii := [4]float64{1, 0.75, 0.5, 0.25}
	x := make([]float64, 0, 2*n)
	for c, m := range counts {
		for _, th := range linspace(0, 2*math.Pi, m, false) {
			x = append(x, 3*radii[c]*math.Cos(th), 3*radii[c]*math.Sin(th))
		}
	}
	shuffleRows(rng, x, 2)
	addNoise(rng, x, noise)
	return x
}

// genPinwheel: 5 arms (the first n mod 5 get one extra point), features
// f = (1 + 0.3 N, 0.1 N'), angle θ = 2πk/5 + 0.25 e^{f_0}, x = 2 f R(θ) with
// R(θ) = [[cos, −sin], [sin, cos]] acting on the row vector f as in FFJORD's
// einsum("ti,tij->tj"), rows shuffled.
func genPinwheel(rng *rand.Rand, n int, _ float64) []float64 {
	x := make([]float64, 0, 2*n)
	for k := 0; k < 5; k++ {
		m := n / 5
		if k < n%5 {
			m++
		}
		for r := 0; r < m; r++ {
			f0 := 1 + 0.3*rng.NormFloat64()
			f1 := 0.1 * rng.NormFloat64()
			th := 2*math.Pi*float64(k)/5 + 0.25*math.Exp(f0)
			c, s := math.Cos(th), math.Sin(th)
			x = append(x, 2*(f0*c+f1*s), 2*(-f0*s+f1*c))
		}
	}
	shuffleRows(rng, x, 2)
	return x
}

// gen2Spirals: r = √U · 540·2π/360, base point (−r cos r + U'/2, r sin r + U”/2),
// each base point and its negation, / 3, rows shuffled, plus N(0, noise²).
func gen2Spirals(rng *rand.Rand, n int, noise float64) []float64 {
	m := (n + 1) / 2
	x := make([]float64, 4*m)
	for r := 0; r < m; r++ {
		rad := math.Sqrt(rng.Float64()) * 540 * 2 * math.Pi / 360
		px := -math.Cos(rad)*rad + 0.5*rng.Float64()
		py := math.Sin(rad)*rad + 0.5*rng.Float64()
		x[2*r], x[2*r+1] = px/3, py/3
		x[2*(m+r)], x[2*(m+r)+1] = -px/3, -py/3
	}
	shuffleRows(rng, x, 2)
	x = x[:2*n]
	addNoise(rng, x, noise)
	return x
}
