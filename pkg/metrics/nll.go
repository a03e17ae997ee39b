package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// DivergenceReporter is implemented by a flow.DivField that can say how it
// computes tr(∂v/∂x), e.g. "exact" or "hutchinson-rademacher-1". NLL copies
// the answer into NLLResult.Divergence.
type DivergenceReporter interface {
	DivergenceEstimator() string
}

// DivergenceUnreported is NLLResult.Divergence when the field does not
// implement DivergenceReporter.
const DivergenceUnreported = "unreported"

// NLLResult is a held-out negative log-likelihood with its uncertainty and
// cost, and, after WithTruth, the gap to the true density.
type NLLResult struct {
	N, Dim     int
	Mean       float64   // −mean_i log p_1(x_i), nats per sample
	StdErr     float64   // standard error of Mean over the points
	BPD        float64   // Mean/(Dim·ln 2), bits per dimension
	BPDStdErr  float64   // StdErr/(Dim·ln 2)
	LogProb    []float64 // per-point log p_1(x_i) under the model
	Solver     string    // the solver's Name
	Stats      solvers.Stats
	T0, T1     float64 // integration span (0, 1 unless NLLSpan)
	Divergence string  // from DivergenceReporter, or DivergenceUnreported

	HasTruth   bool
	TrueNLL    float64 // −mean_i log q(x_i) under the true density
	TrueStdErr float64
	Gap        float64 // Mean − TrueNLL
	GapStdErr  float64 // paired: standard error of the per-point differences
}

// NLL returns the negative log-likelihood of the n×d held-out batch x1 under
// the continuous normalizing flow of f started from the standard normal
// source (MATH.md §1): flow.LogLikelihood integrates the augmented ODE
// [x, ℓ] backward from t = 1 to t = 0 with s, and log p_1(x) =
// log N(x(0); 0, I) − ℓ(0). The divergence is whatever f.VelocityDiv
// computes (exact trace or a Hutchinson estimate, Grathwohl et al. 2019);
// a Hutchinson estimate leaves log p_1 unbiased (ℓ is linear in the trace
// estimates) and adds variance, which StdErr includes. Cost: Stats.NFE batch
// evaluations of f.VelocityDiv on n points.
// It panics if x1 is not n×d for f's dimension d.
func NLL(s solvers.Solver, f flow.DivField, x1 []float64, d int) (NLLResult, error) {
	return NLLSpan(s, f, x1, d, 0, 1)
}

// NLLSpan is NLL between times t0 < t1, for paths whose field is singular at
// t = 1 (VP: t1 = TMax); the source density N(0, I) is taken at t0 (for VP
// this is the approximation a_0 ≈ 0 of MATH.md §2, which the caller should
// report).
// It panics if x1 is not n×d for f's dimension d, or unless t0 < t1.
func NLLSpan(s solvers.Solver, f flow.DivField, x1 []float64, d int, t0, t1 float64) (NLLResult, error) {
	if f.Dim() != d || d <= 0 || len(x1)%d != 0 || len(x1) == 0 {
		panic(fmt.Sprintf("metrics: NLL of a batch of length %d with d = %d for a field of dimension %d", len(x1), d, f.Dim()))
	}
	if !(t0 < t1) {
		panic(fmt.Sprintf("metrics: NLL span [%v, %v], want t0 < t1", t0, t1))
	}
	logp, st, err := flow.LogLikelihoodSpan(s, f, x1, t0, t1, flow.StdNormalLogProb)
	if err != nil {
		return NLLResult{}, fmt.Errorf("metrics: NLL with solver %s: %w", s.Name(), err)
	}
	r := NLLResult{N: len(logp), Dim: d, LogProb: logp, Solver: s.Name(), Stats: st, T0: t0, T1: t1, Divergence: DivergenceUnreported}
	if dr, ok := f.(DivergenceReporter); ok {
		r.Divergence = dr.DivergenceEstimator()
	}
	r.Mean, r.StdErr = negMeanSE(logp)
	r.BPD = r.Mean / (float64(d) * math.Ln2)
	r.BPDStdErr = r.StdErr / (float64(d) * math.Ln2)
	return r, nil
}

// negMeanSE returns −mean(l) and the standard error of the mean.
func negMeanSE(l []float64) (float64, float64) {
	n, mean, v := finiteMoments(l)
	if n != len(l) {
		return math.NaN(), math.NaN()
	}
	if n < 2 {
		return -mean, math.NaN()
	}
	return -mean, math.Sqrt(v / float64(n))
}

// WithTruth returns r with the true NLL of the same batch x1 under dens and
// the gap Mean − TrueNLL; the gap's standard error comes from the per-point
// differences, which is much smaller than either NLL's own error.
// It panics if x1 is not the r.N×r.Dim batch r was computed on.
func (r NLLResult) WithTruth(dens datasets.Density, x1 []float64) NLLResult {
	if len(x1) != r.N*r.Dim {
		panic(fmt.Sprintf("metrics: WithTruth batch length %d, want %d×%d", len(x1), r.N, r.Dim))
	}
	d := r.Dim
	lq := make([]float64, r.N)
	diff := make([]float64, r.N)
	for i := range lq {
		lq[i] = dens.LogProb(x1[i*d : (i+1)*d])
		diff[i] = r.LogProb[i] - lq[i]
	}
	r.HasTruth = true
	r.TrueNLL, r.TrueStdErr = negMeanSE(lq)
	r.Gap, r.GapStdErr = negMeanSE(diff)
	return r
}

// TrueNLL returns −mean_i log q(x_i) over the n×d batch x under the known
// density dens (e.g. a Gaussian mixture; for checkerboard ln 32, MATH.md §5).
// It panics if d ≤ 0 or len(x) is not a positive multiple of d.
func TrueNLL(dens datasets.Density, x []float64, d int) float64 {
	if d <= 0 || len(x)%d != 0 || len(x) == 0 {
		panic(fmt.Sprintf("metrics: TrueNLL of a batch of length %d with d = %d", len(x), d))
	}
	n := len(x) / d
	var s float64
	for i := 0; i < n; i++ {
		s += dens.LogProb(x[i*d : (i+1)*d])
	}
	return -s / float64(n)
}

// Hutchinson estimates tr(A) of a d×d matrix available only through products
// (jvp(eps, out) writes A·eps into out) by (1/P) Σ_p ε_pᵀ A ε_p with P =
// probes Rademacher vectors (entries ±1 with probability ½, one rng.Uint64 bit
// each) (Hutchinson 1989; Grathwohl et al. 2019). It returns the estimate and
// its standard error from the sample variance of the P terms; the exact
// variance of one term is Σ_{i≠j} A_ij (A_ij + A_ji). probes ≥ 2.
// It panics if d ≤ 0, probes < 2 or rng is nil.
func Hutchinson(jvp func(eps, out []float64), d, probes int, rng *rand.Rand) (trace, stderr float64) {
	if d <= 0 || probes < 2 || rng == nil {
		panic(fmt.Sprintf("metrics: Hutchinson needs d > 0, probes ≥ 2 and an rng (d = %d, probes = %d)", d, probes))
	}
	eps := make([]float64, d)
	out := make([]float64, d)
	var mean, m2 float64
	for p := 0; p < probes; p++ {
		var bits uint64
		for k := range eps {
			if k%64 == 0 {
				bits = rng.Uint64()
			}
			eps[k] = float64(int(bits&1)*2 - 1)
			bits >>= 1
		}
		jvp(eps, out)
		var q float64
		for k, e := range eps {
			q += e * out[k]
		}
		delta := q - mean
		mean += delta / float64(p+1)
		m2 += delta * (q - mean)
	}
	return mean, math.Sqrt(m2 / float64(probes-1) / float64(probes))
}
