package datasets

import (
	"math"
	"math/rand/v2"
)

// Checkerboard is FFJORD's checkerboard (MATH.md §5) with side Scale per
// unit square: x1 = 4U − 2, x2 = U − 2B + (⌊x1⌋ mod 2), both times Scale.
// With ⌊·⌋ mod 2 taken in {0, 1} (Python's %), the unit squares
// [i, i+1)×[j, j+1) with i, j ∈ {−2, −1, 0, 1} and i + j even are filled
// uniformly: 8 squares of area Scale², density 1/(8 Scale²).
// FFJORD: Scale 2 (density 1/32, NLL ln 32); Meta's flow_matching notebook:
// Scale 1/0.45 (NLL ln(8/0.45²) ≈ 3.676).
type Checkerboard struct {
	Label string
	Scale float64
}

// Name returns the label.
func (c *Checkerboard) Name() string { return c.Label }

// Dim returns 2.
func (c *Checkerboard) Dim() int { return 2 }

// Sample draws n points (n×2).
func (c *Checkerboard) Sample(rng *rand.Rand, n int) []float64 {
	x := make([]float64, 2*n)
	for r := 0; r < n; r++ {
		x1 := 4*rng.Float64() - 2
		x2 := rng.Float64() - 2*float64(rng.IntN(2))
		x2 += floorMod2(x1)
		x[2*r], x[2*r+1] = c.Scale*x1, c.Scale*x2
	}
	return x
}

// floorMod2 returns ⌊v⌋ mod 2 in {0, 1}.
func floorMod2(v float64) float64 {
	f := math.Mod(math.Floor(v), 2)
	if f < 0 {
		f += 2
	}
	return f
}

// LogProb returns −ln(8 Scale²) on the 8 squares and −Inf elsewhere.
func (c *Checkerboard) LogProb(x []float64) float64 {
	u, v := x[0]/c.Scale, x[1]/c.Scale
	if !(u >= -2 && u < 2 && v >= -2 && v < 2) {
		return math.Inf(-1)
	}
	if floorMod2(math.Floor(u)+math.Floor(v)) != 0 {
		return math.Inf(-1)
	}
	return -math.Log(8 * c.Scale * c.Scale)
}
