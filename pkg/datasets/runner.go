package datasets

import (
	"math"
	"math/rand/v2"
)

// The data of the published 2-D OT-CFM benchmark (Tong et al. 2024,
// Table 2) as its experiment runner defines them (MATH.md §5, "The
// 2-D benchmark of Tong et al. (2024)"); see the package comment.
const (
	// Runner8GaussiansRadius and Runner8GaussiansStd are the centre radius
	// and per-coordinate std of the runner's N → 8gaussians target
	// (torchdyn's ToyDataset "gaussians" with radius 5, std_gaussians 1).
	Runner8GaussiansRadius = 5
	Runner8GaussiansStd    = 1
	// DSB8GaussiansRadius and DSB8GaussiansStd are those of the second
	// task's 8gaussians ((4c + 0.5 N)·3, from the DSB/DSBM code).
	DSB8GaussiansRadius = 12
	DSB8GaussiansStd    = 1.5
	// DSBMoonsScale is the factor applied to the standardised moons.
	DSBMoonsScale = 7
)

// DSBMoonsMoments returns the mean and the standard deviation of all
// entries (both coordinates pooled) of make_moons(noise) in the continuum
// limit (θ uniform on [0, π] on each arc): the base mean is (1/2, 1/4), so
// the pooled mean is 3/8; the pooled second moment is
// (E x² + E y²)/2 + noise² with E x² = (1/2 + 3/2)/2 = 1 and
// E y² = (1/2 + 3/4 − 2/π)/2 = 5/8 − 1/π.
func DSBMoonsMoments(noise float64) (mean, std float64) {
	mean = 3.0 / 8
	m2 := (1+5.0/8-1/math.Pi)/2 + noise*noise
	return mean, math.Sqrt(m2 - mean*mean)
}

// StratifiedGaussians is the runner's N → 8gaussians target: 8 isotropic
// Gaussians with centres Radius·(cos πk/4, sin πk/4) and per-coordinate
// std Std, with the rows split evenly over the modes (torchdyn draws n/8
// per mode; here the first n mod 8 modes get one extra row) and shuffled.
// Each row's marginal law is the equal-weight mixture, so it is a
// MixtureDataset.
type StratifiedGaussians struct {
	*EightGaussians
}

// Sample draws n rows: mode k gets ⌊n/8⌋ (+1 for k < n mod 8) rows
// c_k + Std·(N, N'), in mode order, then the rows are shuffled.
func (s StratifiedGaussians) Sample(rng *rand.Rand, n int) []float64 {
	if n < 0 {
		panic("datasets: negative sample count")
	}
	mix := s.AsMixture()
	x := make([]float64, 0, 2*n)
	for k := 0; k < 8; k++ {
		m := n / 8
		if k < n%8 {
			m++
		}
		c := mix.Means[k]
		for r := 0; r < m; r++ {
			x = append(x, c[0]+s.Std*rng.NormFloat64(), c[1]+s.Std*rng.NormFloat64())
		}
	}
	shuffleRows(rng, x, 2)
	return x
}

// genMoonsRunner is the runner's SKLearnDataModule "moons":
// make_moons(noise)·2, then coordinate 0 minus 1 (coordinate 1 unshifted).
func genMoonsRunner(rng *rand.Rand, n int, noise float64) []float64 {
	return scaleShift(MakeMoons(rng, n, noise), 2, [2]float64{-1, 0})
}

// genMoonsDSB is the second task's moons: make_moons(noise), standardised
// with one mean and one std over all entries, times 7. The mean and std
// are the population values of DSBMoonsMoments (the DSB code uses those
// of its 30,000-point sample, which differ by O(N^−1/2)), so that every
// batch and every split is scaled alike.
func genMoonsDSB(rng *rand.Rand, n int, noise float64) []float64 {
	mean, std := DSBMoonsMoments(noise)
	x := MakeMoons(rng, n, noise)
	for i := range x {
		x[i] = (x[i] - mean) / std * DSBMoonsScale
	}
	return x
}

func init() {
	registry["8gaussians-runner"] = entry{fixedDim: 2, noise: Runner8GaussiansStd, hasNoise: true, build: func(_ int, nz float64, _ Options) (Dataset, error) {
		return StratifiedGaussians{NewEightGaussians("8gaussians-runner", Runner8GaussiansRadius, nz)}, nil
	}}
	registry["8gaussians-dsb"] = entry{fixedDim: 2, noise: DSB8GaussiansStd, hasNoise: true, build: func(_ int, nz float64, _ Options) (Dataset, error) {
		return NewEightGaussians("8gaussians-dsb", DSB8GaussiansRadius, nz), nil
	}}
	registry["moons-runner"] = toy("moons-runner", 0.05, true, genMoonsRunner)
	registry["moons-dsb"] = toy("moons-dsb", 0.1, true, genMoonsDSB)
}
