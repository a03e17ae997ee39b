package models

import (
	"errors"
	"fmt"

	"github.com/flowbench/flowbench/pkg/autodiff"
)

// Config describes an MLP vector field.
type Config struct {
	Dim     int    // data dimension d
	Hidden  []int  // widths of the hidden layers
	Act     string // "selu", "silu", "tanh", "relu" or "softplus"
	Time    string // "concat" (input [x, t]) or "fourier" (input [x, t, sin 2πkt, cos 2πkt])
	Fourier int    // number of frequencies k = 1..Fourier when Time is "fourier"
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
	case "fourier":
		if c.Fourier < 1 {
			return fmt.Errorf("models: config Fourier = %d with Time \"fourier\", want ≥ 1", c.Fourier)
		}
	default:
		return fmt.Errorf("models: config Time = %q, want \"concat\" or \"fourier\"", c.Time)
	}
	return nil
}

// InputDim returns the width of the network input [x, τ(t)].
func (c Config) InputDim() int {
	if c.Time == "fourier" {
		return c.Dim + 1 + 2*c.Fourier
	}
	return c.Dim + 1
}
