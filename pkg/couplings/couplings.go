package couplings

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowbench/flowbench/internal/scratch"
	"github.com/flowbench/flowbench/pkg/assign"
)

// Coupling pairs the rows of two n×d batches in place: after Pair, row i of
// x0 is coupled with row i of x1. Implementations keep reusable buffers and
// are not safe for concurrent use. An error reports data the coupling cannot
// use (non-finite coordinates).
type Coupling interface {
	// Name is the coupling's spec name.
	Name() string
	Pair(x0, x1 []float64, n, d int, rng *rand.Rand) error
}

// Spec names of the couplings [New] builds.
const (
	NameIndependent = "independent"
	NameExactOT     = "ot"
	NameSinkhorn    = "sinkhorn"
)

// Names returns the valid coupling names.
func Names() []string { return []string{NameIndependent, NameExactOT, NameSinkhorn} }

// Params are the settings of the couplings that have any.
type Params struct {
	// Sinkhorn's ε (absolute unless Relative), MaxIter, Tol and Joint; see
	// [Sinkhorn].
	Eps      float64
	Relative bool
	MaxIter  int
	Tol      float64
	Joint    bool
}

// New returns the named coupling, or an error listing the valid names or
// naming the invalid parameter.
func New(name string, p Params) (Coupling, error) {
	switch name {
	case NameIndependent:
		return Independent{}, nil
	case NameExactOT:
		return &ExactOT{}, nil
	case NameSinkhorn:
		s := &Sinkhorn{Eps: p.Eps, Relative: p.Relative, MaxIter: p.MaxIter, Tol: p.Tol, Joint: p.Joint}
		if err := s.Validate(); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("couplings: unknown coupling %q (valid: %q)", name, Names())
}

func checkShapes(x0, x1 []float64, n, d int) {
	if n < 0 || d <= 0 || len(x0) != n*d || len(x1) != n*d {
		panic(fmt.Sprintf("couplings: batches of length %d and %d, want n*d = %d*%d", len(x0), len(x1), n, d))
	}
}

func checkFinite(x []float64, d int, which string) error {
	for k, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("couplings: %s[%d] (point %d, coordinate %d) = %v; coordinates must be finite", which, k, k/d, k%d, v)
		}
	}
	return nil
}

// Independent is the identity pairing of independent draws (I-CFM).
type Independent struct{}

// Name returns "independent".
func (Independent) Name() string { return NameIndependent }

// Pair leaves both batches as they are.
// It panics if n < 0, d ≤ 0 or a batch is not n×d.
func (Independent) Pair(x0, x1 []float64, n, d int, _ *rand.Rand) error {
	checkShapes(x0, x1, n, d)
	return nil
}

// ExactOT pairs each batch by its exact squared-Euclidean optimal
// assignment (OT-CFM). The zero value is ready to use; it allocates nothing
// once it has seen the largest batch.
type ExactOT struct {
	solver assign.Solver
	perm   []int
	buf    []float64
	cost   float64
}

// Name returns "ot".
func (*ExactOT) Name() string { return NameExactOT }

// Pair reorders x1 so that row i is x1_σ*(i) for the optimal assignment σ*.
// rng is not used (the plan is deterministic; ties break by index).
// It panics if n < 0, d ≤ 0 or a batch is not n×d.
func (o *ExactOT) Pair(x0, x1 []float64, n, d int, _ *rand.Rand) error {
	checkShapes(x0, x1, n, d)
	if n == 0 {
		o.cost = 0
		return nil
	}
	o.perm = scratch.Grow(o.perm, n)
	c, err := o.solver.SqEuclidean(o.perm, x0, x1, d)
	if err != nil {
		return fmt.Errorf("couplings: exact OT: %w", err)
	}
	o.cost = c
	o.buf = scratch.Grow(o.buf, n*d)
	copy(o.buf, x1)
	for i, j := range o.perm {
		copy(x1[i*d:(i+1)*d], o.buf[j*d:(j+1)*d])
	}
	return nil
}

// Cost returns the total squared distance Σ_i |x0_i − x1_σ*(i)|² of the last
// batch paired.
func (o *ExactOT) Cost() float64 { return o.cost }

// Perm returns the assignment of the last batch (row i took old row Perm[i]
// of x1); the slice is reused by the next Pair.
func (o *ExactOT) Perm() []int { return o.perm }

// MeanSqDist returns (1/n) Σ_i |x0_i − x1_i|² for n×d batches: the mean cost
// of the current pairing.
// It panics if d ≤ 0 or the batches are not both n×d for one n.
func MeanSqDist(x0, x1 []float64, d int) float64 {
	if d <= 0 || len(x0) != len(x1) || len(x0)%d != 0 {
		panic(fmt.Sprintf("couplings: MeanSqDist of lengths %d and %d with d = %d", len(x0), len(x1), d))
	}
	if len(x0) == 0 {
		return 0
	}
	var s float64
	for k, a := range x0 {
		e := a - x1[k]
		s += e * e
	}
	return s / float64(len(x0)/d)
}
