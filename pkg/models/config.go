package models

import (
	"errors"
	"fmt"
	"math"

	"github.com/flowbench/flowbench/pkg/autodiff"
)

// Config describes an MLP vector field.
type Config struct {
	Dim     int    // data dimension d
	Hidden  []int  // widths of the hidden layers
	Act     string // "selu", "silu", "tanh", "relu" or "softplus"
	Time    string // "concat" (input [x, t]), "fourier" or "sinusoidal" (input [x, t, sin ω_k t, cos ω_k t])
	Fourier int    // number of frequencies ω_k when Time is "fourier" or "sinusoidal" (2·Fourier features)
}

// DefaultConfig returns torchcfm's 2-D model for dimension d: input d+1 (x and
// t concatenated), three hidden layers of 64 with SELU, output d (MATH.md §6).
func DefaultConfig(d int) Config {
	return Config{Dim: d, Hidden: []int{64, 64, 64}, Act: "selu", Time: "concat"}
}

// Validate reports the first invalid field, naming it and the valid choices.
func (c Config) Validate() error {
	if c.Dim < 1 {
		return fmt.Errorf("models: config Dim = %d, want ≥ 1", c.Dim)
	}
	if len(c.Hidden) == 0 {
		return errors.New("models: config Hidden is empty, want at least one hidden layer width")
	}
	for i, w := range c.Hidden {
		if w < 1 {
			return fmt.Errorf("models: config Hidden[%d] = %d, want ≥ 1", i, w)
		}
	}
	if _, err := autodiff.ParseActivation(c.Act); err != nil {
		return fmt.Errorf("models: config Act = %q, want one of selu, silu, tanh, relu, softplus", c.Act)
	}
	switch c.Time {
	case "concat":
		if c.Fourier != 0 {
			return fmt.Errorf("models: config Fourier = %d with Time \"concat\", want 0 (or Time \"fourier\")", c.Fourier)
		}
	case "fourier", "sinusoidal":
		if c.Fourier < 1 {
			return fmt.Errorf("models: config Fourier = %d with Time %q, want ≥ 1", c.Fourier, c.Time)
		}
	default:
		return fmt.Errorf("models: config Time = %q, want \"concat\", \"fourier\" or \"sinusoidal\"", c.Time)
	}
	return nil
}

// Sinusoidal time features (Vaswani et al. 2017, as DDPM, Ho et al. 2020,
// embeds its step index): ω_k = SinusoidalScale · SinusoidalPeriod^(−k/K)
// for k = 0..K−1, K = Fourier. DDPM's index runs over 1000 steps, so t ∈
// [0, 1] is scaled by 1000: the fastest feature turns once per 2π/1000 of t,
// the slowest (K = 32) about once per 2π/0.13.
const (
	SinusoidalScale  = 1000.0
	SinusoidalPeriod = 10000.0
)

// Omegas returns the angular frequencies ω_k of the time features
// τ(t) = [t, sin(ω_k t)_k, cos(ω_k t)_k]: 2πk for k = 1..Fourier ("fourier"),
// SinusoidalScale·SinusoidalPeriod^(−k/Fourier) for k = 0..Fourier−1
// ("sinusoidal"), none for "concat".
func (c Config) Omegas() []float64 {
	var w []float64
	switch c.Time {
	case "fourier":
		for k := 1; k <= c.Fourier; k++ {
			w = append(w, 2*math.Pi*float64(k))
		}
	case "sinusoidal":
		for k := 0; k < c.Fourier; k++ {
			w = append(w, SinusoidalScale*math.Pow(SinusoidalPeriod, -float64(k)/float64(c.Fourier)))
		}
	}
	return w
}

// InputDim returns the width of the network input [x, τ(t)].
func (c Config) InputDim() int {
	if c.Time == "fourier" || c.Time == "sinusoidal" {
		return c.Dim + 1 + 2*c.Fourier
	}
	return c.Dim + 1
}
