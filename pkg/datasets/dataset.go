package datasets

import "math/rand/v2"

// Dataset draws points of a distribution in R^d. Sample returns an n×d
// row-major slice (row i at [i*d:(i+1)*d]); every draw comes from rng.
type Dataset interface {
	Name() string
	Dim() int
	Sample(rng *rand.Rand, n int) []float64
}

// Density is implemented by datasets whose log density is known in closed form.
type Density interface {
	// LogProb returns log q(x) for one point x (len d), in nats.
	LogProb(x []float64) float64
}
