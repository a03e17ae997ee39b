package optim

import (
	"fmt"
	"math"
)

// EMA is an exponential moving average of a parameter vector (package
// comment). It is not safe for concurrent use.
type EMA struct {
	decay  float64
	warmup bool
	avg    []float64
	n      int // updates applied
}

// NewEMA starts an average at a copy of params. decay must lie in [0, 1);
// warmup selects δ_k = min(decay, (1 + k)/(10 + k)).
func NewEMA(params []float64, decay float64, warmup bool) (*EMA, error) {
	if !(decay >= 0 && decay < 1) {
		return nil, fmt.Errorf("optim: ema decay = %v, must be in [0, 1)", decay)
	}
	return &EMA{decay: decay, warmup: warmup, avg: append([]float64(nil), params...)}, nil
}

// Decay returns δ_k for the k-th update (k = 0, 1, …).
func (e *EMA) Decay(k int) float64 {
	if e.warmup {
		return math.Min(e.decay, float64(1+k)/float64(10+k))
	}
	return e.decay
}

// Updates returns the number of updates applied.
func (e *EMA) Updates() int { return e.n }

// Update folds params into the average: θ̄ ← δ·θ̄ + (1 − δ)·θ. It allocates
// nothing.
// It panics if params is not of the average's length.
func (e *EMA) Update(params []float64) {
	if len(params) != len(e.avg) {
		panic(fmt.Sprintf("optim: EMA update with %d params, average has %d", len(params), len(e.avg)))
	}
	d := e.Decay(e.n)
	e.n++
	for i, p := range params {
		e.avg[i] = d*e.avg[i] + (1-d)*p
	}
}

// Params returns the averaged parameters (the EMA's own storage; do not
// modify).
func (e *EMA) Params() []float64 { return e.avg }

// CopyTo writes the averaged parameters into dst.
// It panics if dst is not of the average's length.
func (e *EMA) CopyTo(dst []float64) {
	if len(dst) != len(e.avg) {
		panic(fmt.Sprintf("optim: EMA CopyTo %d params, average has %d", len(dst), len(e.avg)))
	}
	copy(dst, e.avg)
}

// Swap exchanges the contents of params and the average, so a model can be
// evaluated with the averaged weights and restored by a second Swap.
// It panics if params is not of the average's length.
func (e *EMA) Swap(params []float64) {
	if len(params) != len(e.avg) {
		panic(fmt.Sprintf("optim: EMA Swap with %d params, average has %d", len(params), len(e.avg)))
	}
	for i := range params {
		params[i], e.avg[i] = e.avg[i], params[i]
	}
}

// SetState restores an average and its update count (from a checkpoint).
func (e *EMA) SetState(avg []float64, updates int) error {
	if len(avg) != len(e.avg) {
		return fmt.Errorf("optim: EMA state has %d params, average has %d", len(avg), len(e.avg))
	}
	if updates < 0 {
		return fmt.Errorf("optim: EMA updates = %d, must be ≥ 0", updates)
	}
	copy(e.avg, avg)
	e.n = updates
	return nil
}
