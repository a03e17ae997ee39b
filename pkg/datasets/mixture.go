package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Mixture is a Gaussian mixture with diagonal covariances,
// q(x) = Σ_k Weights[k] Π_i N(x_i | Means[k][i], Vars[k][i]).
// Vars may be zero (an empirical point set, MATH.md §3: C_k = 0); such a
// mixture can be sampled but has no Lebesgue density.
type Mixture struct {
	Weights []float64   // π_k ≥ 0, Σ π_k = 1
	Means   [][]float64 // m_k, each of length Dim()
	Vars    [][]float64 // diagonal of C_k, each of length Dim(), ≥ 0
}

// Dim returns the dimension of the mixture (0 for an empty mixture).
func (m Mixture) Dim() int {
	if len(m.Means) == 0 {
		return 0
	}
	return len(m.Means[0])
}

// Validate reports the first inconsistency: no components, mismatched
// lengths, negative or non-finite weights, weights not summing to 1 (within
// 1e-9), non-finite means, negative or non-finite variances.
func (m Mixture) Validate() error {
	k := len(m.Weights)
	if k == 0 {
		return fmt.Errorf("datasets: mixture has no components (Weights is empty)")
	}
	if len(m.Means) != k || len(m.Vars) != k {
		return fmt.Errorf("datasets: mixture has %d weights, %d means and %d variance vectors; they must match", k, len(m.Means), len(m.Vars))
	}
	d := len(m.Means[0])
	if d == 0 {
		return fmt.Errorf("datasets: mixture means have dimension 0")
	}
	sum := 0.0
	for j, w := range m.Weights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("datasets: mixture Weights[%d] = %v; must be finite and ≥ 0", j, w)
		}
		sum += w
		if len(m.Means[j]) != d || len(m.Vars[j]) != d {
			return fmt.Errorf("datasets: mixture component %d has mean length %d and variance length %d; want %d", j, len(m.Means[j]), len(m.Vars[j]), d)
		}
		for i := 0; i < d; i++ {
			if v := m.Means[j][i]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("datasets: mixture Means[%d][%d] = %v; must be finite", j, i, v)
			}
			if v := m.Vars[j][i]; !(v >= 0) || math.IsInf(v, 0) {
				return fmt.Errorf("datasets: mixture Vars[%d][%d] = %v; must be finite and ≥ 0", j, i, v)
			}
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("datasets: mixture weights sum to %v; must sum to 1", sum)
	}
	return nil
}

// Sample draws n points (n×Dim row-major): a component by inversion of the
// cumulative weights from one uniform, then Dim standard normals.
func (m Mixture) Sample(rng *rand.Rand, n int) []float64 {
	d := m.Dim()
	out := make([]float64, n*d)
	cum := make([]float64, len(m.Weights))
	acc := 0.0
	for k, w := range m.Weights {
		acc += w
		cum[k] = acc
	}
	for r := 0; r < n; r++ {
		u := rng.Float64() * acc
		k := len(cum) - 1
		for j, c := range cum {
			if u < c {
				k = j
				break
			}
		}
		row := out[r*d : (r+1)*d]
		for i := range row {
			row[i] = m.Means[k][i] + math.Sqrt(m.Vars[k][i])*rng.NormFloat64()
		}
	}
	return out
}

// LogProb returns log q(x) = logsumexp_k [log π_k + log N(x | m_k, C_k)],
// accumulated in one pass with a running maximum (no overflow, no
// allocation). A component with a zero variance contributes −Inf unless x
// matches its mean exactly in that coordinate, in which case the density is
// infinite and LogProb returns +Inf.
func (m Mixture) LogProb(x []float64) float64 {
	const log2Pi = 1.8378770664093453 // ln(2π)
	var acc LogSumExp
	for k, w := range m.Weights {
		if w == 0 {
			continue
		}
		l := math.Log(w)
		mk, vk := m.Means[k], m.Vars[k]
		for i, xi := range x {
			r := xi - mk[i]
			if vk[i] == 0 {
				if r != 0 {
					l = math.Inf(-1)
					break
				}
				return math.Inf(1)
			}
			l -= 0.5 * (log2Pi + math.Log(vk[i]) + r*r/vk[i])
		}
		acc.Add(l)
	}
	return acc.Value()
}

// Isotropic returns the mixture with the given weights and means and
// covariance std²·I for every component. It copies its arguments.
func Isotropic(weights []float64, means [][]float64, std float64) Mixture {
	m := Mixture{Weights: append([]float64(nil), weights...)}
	for _, mu := range means {
		v := make([]float64, len(mu))
		for i := range v {
			v[i] = std * std
		}
		m.Means = append(m.Means, append([]float64(nil), mu...))
		m.Vars = append(m.Vars, v)
	}
	return m
}

// LogSumExp accumulates log Σ exp(l_i) in one pass with a running maximum.
// The zero value is the empty sum (Value = −Inf).
type LogSumExp struct {
	max, sum float64
	started  bool
}

// Add includes l in the sum; −Inf terms are ignored.
func (s *LogSumExp) Add(l float64) {
	switch {
	case math.IsInf(l, -1):
	case !s.started:
		s.max, s.sum, s.started = l, 1, true
	case l > s.max:
		s.sum = s.sum*math.Exp(s.max-l) + 1
		s.max = l
	default:
		s.sum += math.Exp(l - s.max)
	}
}

// Value returns log Σ exp(l_i) of the terms added so far.
func (s *LogSumExp) Value() float64 {
	if !s.started {
		return math.Inf(-1)
	}
	return s.max + math.Log(s.sum)
}

// MixtureDataset is a Dataset that is a Gaussian mixture (possibly with zero
// variances, an empirical point set); the oracle fields of MATH.md §3 exist
// for it.
type MixtureDataset interface {
	Dataset
	// AsMixture returns the mixture; the caller may not modify its slices.
	AsMixture() Mixture
}

// AsMixture returns ds's mixture if ds is a MixtureDataset.
func AsMixture(ds Dataset) (Mixture, bool) {
	if m, ok := ds.(MixtureDataset); ok {
		return m.AsMixture(), true
	}
	return Mixture{}, false
}

// GMM is a named Gaussian-mixture data set in any dimension.
type GMM struct {
	Label string
	Mix   Mixture
}

// NewGMM validates m and returns it as a data set named label.
func NewGMM(label string, m Mixture) (*GMM, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", label, err)
	}
	return &GMM{Label: label, Mix: m}, nil
}

// Name returns the label.
func (g *GMM) Name() string { return g.Label }

// Dim returns the mixture's dimension.
func (g *GMM) Dim() int { return g.Mix.Dim() }

// Sample draws n points from the mixture.
func (g *GMM) Sample(rng *rand.Rand, n int) []float64 { return g.Mix.Sample(rng, n) }

// LogProb returns the mixture's log density.
func (g *GMM) LogProb(x []float64) float64 { return g.Mix.LogProb(x) }

// AsMixture returns the mixture.
func (g *GMM) AsMixture() Mixture { return g.Mix }

// Normal is the standard normal N(0, I) in D dimensions.
type Normal struct{ D int }

// Name returns "normal".
func (Normal) Name() string { return "normal" }

// Dim returns D.
func (n Normal) Dim() int { return n.D }

// Sample draws n·D standard normals.
func (n Normal) Sample(rng *rand.Rand, rows int) []float64 {
	out := make([]float64, rows*n.D)
	for i := range out {
		out[i] = rng.NormFloat64()
	}
	return out
}

// LogProb returns −½(D ln 2π + |x|²).
func (n Normal) LogProb(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return -0.5 * (float64(len(x))*1.8378770664093453 + s)
}

// AsMixture returns the one-component mixture N(0, I).
func (n Normal) AsMixture() Mixture {
	return Isotropic([]float64{1}, [][]float64{make([]float64, n.D)}, 1)
}

// EightGaussians is the equal-weight mixture of 8 isotropic Gaussians with
// centres Radius·(cos πk/4, sin πk/4) and per-coordinate standard deviation
// Std (MATH.md §5). FFJORD: Radius 4/1.414, Std 0.5/1.414; Tong et al.:
// Radius 5, Std 0.1^(1/4).
type EightGaussians struct {
	Label       string
	Radius, Std float64
	mix         Mixture
}

// NewEightGaussians builds the mixture once.
func NewEightGaussians(label string, radius, std float64) *EightGaussians {
	// FFJORD lists the centres in the order (1,0), (−1,0), (0,1), (0,−1) and
	// then the diagonals; the order is irrelevant for equal weights.
	w := make([]float64, 8)
	means := make([][]float64, 8)
	for k := range means {
		w[k] = 1.0 / 8
		a := float64(k) * math.Pi / 4
		means[k] = []float64{radius * math.Cos(a), radius * math.Sin(a)}
	}
	return &EightGaussians{Label: label, Radius: radius, Std: std, mix: Isotropic(w, means, std)}
}

// Name returns the label.
func (e *EightGaussians) Name() string { return e.Label }

// Dim returns 2.
func (e *EightGaussians) Dim() int { return 2 }

// Sample draws n points from the mixture.
func (e *EightGaussians) Sample(rng *rand.Rand, n int) []float64 { return e.mix.Sample(rng, n) }

// LogProb returns the mixture's log density.
func (e *EightGaussians) LogProb(x []float64) float64 { return e.mix.LogProb(x) }

// AsMixture returns the mixture.
func (e *EightGaussians) AsMixture() Mixture { return e.mix }
