package rectify

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/metrics"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// Distance names accepted by EvalConfig.Distance.
const (
	DistanceW2  = "w2"  // exact W2 by optimal assignment (metrics.W2)
	DistanceSW2 = "sw2" // sliced W2 (metrics.SlicedW2)
)

// EvalConfig sets what Evaluate measures.
type EvalConfig struct {
	// Samples is the number n of source draws pushed through the flow. The
	// exact W2 (quality and NPE) uses the first n test rows, so the test set
	// must have at least n rows for Distance "w2".
	Samples int
	// EulerSteps are the Euler step counts whose samples are scored.
	EulerSteps []int
	// RTol and ATol are the Dopri5 tolerances of the reference solve, whose
	// samples are scored too and whose trajectory gives S and path energy.
	RTol, ATol float64
	// TrajPoints is the number of uniform times on [0, 1] at which the
	// Dopri5 trajectory is recorded for the trapezoid rule (≥ 2).
	TrajPoints int
	// Distance is the quality metric: "w2" or "sw2"; Projections is the
	// number of SW2 directions (≥ metrics.MinProjections).
	Distance    string
	Projections int
}

// DefaultEvalConfig returns 1000 samples, Euler with 1, 2 and 4 steps,
// Dopri5 at rtol = atol = 1e-5, a 65-point trajectory grid and exact W2.
func DefaultEvalConfig() EvalConfig {
	return EvalConfig{Samples: 1000, EulerSteps: []int{1, 2, 4}, RTol: 1e-5, ATol: 1e-5,
		TrajPoints: 65, Distance: DistanceW2, Projections: metrics.DefaultProjections}
}

// Validate reports the first invalid field, naming it and the valid range.
func (c EvalConfig) Validate() error {
	switch {
	case c.Samples < 2:
		return fmt.Errorf("rectify: eval Samples = %d, must be ≥ 2", c.Samples)
	case c.TrajPoints < 2:
		return fmt.Errorf("rectify: eval TrajPoints = %d, must be ≥ 2", c.TrajPoints)
	case c.Distance != DistanceW2 && c.Distance != DistanceSW2:
		return fmt.Errorf("rectify: eval Distance = %q, valid: %q, %q", c.Distance, DistanceW2, DistanceSW2)
	case c.Distance == DistanceSW2 && c.Projections < metrics.MinProjections:
		return fmt.Errorf("rectify: eval Projections = %d, must be ≥ %d for sw2", c.Projections, metrics.MinProjections)
	}
	for i, k := range c.EulerSteps {
		if k < 1 {
			return fmt.Errorf("rectify: eval EulerSteps[%d] = %d, must be ≥ 1", i, k)
		}
	}
	if _, err := solvers.NewDopri5(c.RTol, c.ATol); err != nil {
		return fmt.Errorf("rectify: eval RTol/ATol: %w", err)
	}
	return nil
}

// Quality is the sample quality of one solver setting.
type Quality struct {
	Solver   string  // "euler" or "dopri5"
	Steps    int     // Euler steps; accepted steps for Dopri5
	NFE      int     // batch evaluations of the field
	Distance float64 // W2 or SW2 to the test set (EvalConfig.Distance)
}

// Evaluation is what Evaluate measured for one field.
type Evaluation struct {
	Samples int
	// Straightness S = ∫ E|(Z_1 − Z_0) − v_t(Z_t)|² dt and PathEnergy
	// E∫|v_t(Z_t)|² dt on the Dopri5 trajectory (trapezoid rule on
	// TrajPoints uniform times); ChordCost is E|Z_1 − Z_0|² of that
	// trajectory, so S ≈ PathEnergy − ChordCost.
	Straightness, PathEnergy, ChordCost float64
	// SourceTargetW2Sq is the exact W2² between the n source draws and the
	// first n test rows; NPE = |PathEnergy − SourceTargetW2Sq| / SourceTargetW2Sq.
	SourceTargetW2Sq, NPE float64
	// Distance names the quality metric; Quality lists Euler at every
	// EulerSteps count, then Dopri5.
	Distance string
	Quality  []Quality
	// TrajNFE counts the extra batch evaluations of the field that the
	// straightness quadrature took (TrajPoints).
	TrajNFE int
}

// Evaluate measures the flow of f from source to the test set (m×d, m ≥
// cfg.Samples): it draws n = cfg.Samples source points from a stream split
// from rng, pushes the same points through Euler at every step count and
// through Dopri5, scores each sample set against the test set, and computes
// the trajectory metrics of the Dopri5 flow (see Evaluation). SW2 directions
// come from a second stream split from rng. A failed solve or non-finite
// sample is an error naming the solver.
// It panics if rng is nil.
func Evaluate(f flow.Field, source datasets.Dataset, test []float64, cfg EvalConfig, rng *rand.Rand) (Evaluation, error) {
	if err := cfg.Validate(); err != nil {
		return Evaluation{}, err
	}
	d, n := f.Dim(), cfg.Samples
	if source.Dim() != d {
		return Evaluation{}, fmt.Errorf("rectify: eval source %q has dimension %d, the field %d", source.Name(), source.Dim(), d)
	}
	if len(test)%d != 0 || len(test)/d < n {
		return Evaluation{}, fmt.Errorf("rectify: eval test set of %d values is not m×%d with m ≥ Samples = %d", len(test), d, n)
	}
	srcRNG, projRNG := split(rng), split(rng)
	x0 := source.Sample(srcRNG, n)
	if len(x0) != n*d {
		return Evaluation{}, fmt.Errorf("rectify: eval source %q returned %d values for %d rows of dimension %d", source.Name(), len(x0), n, d)
	}
	ev := Evaluation{Samples: n, Distance: cfg.Distance}
	score := func(x []float64) (float64, error) {
		if cfg.Distance == DistanceSW2 {
			return metrics.SlicedW2(x, test, d, cfg.Projections, projRNG), nil
		}
		return metrics.W2(x, test[:n*d], d)
	}
	check := func(name string, x []float64) error {
		for i, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("rectify: eval %s: sample %d is %v", name, i/d, v)
			}
		}
		return nil
	}
	for _, k := range cfg.EulerSteps {
		s, err := solvers.NewFixed(solvers.Euler, k)
		if err != nil {
			return Evaluation{}, err
		}
		x := slices.Clone(x0)
		res, err := flow.Sample(s, f, x, 0, 1, nil)
		if err != nil {
			return Evaluation{}, fmt.Errorf("rectify: eval euler %d: %w", k, err)
		}
		if err := check(fmt.Sprintf("euler %d", k), x); err != nil {
			return Evaluation{}, err
		}
		q, err := score(x)
		if err != nil {
			return Evaluation{}, err
		}
		ev.Quality = append(ev.Quality, Quality{Solver: "euler", Steps: k, NFE: res.Stats.NFE, Distance: q})
	}
	dp, err := solvers.NewDopri5(cfg.RTol, cfg.ATol)
	if err != nil {
		return Evaluation{}, err
	}
	times := make([]float64, cfg.TrajPoints)
	for i := range times {
		times[i] = float64(i) / float64(cfg.TrajPoints-1)
	}
	x := slices.Clone(x0)
	res, err := flow.Sample(dp, f, x, 0, 1, times)
	if err != nil {
		return Evaluation{}, fmt.Errorf("rectify: eval dopri5: %w", err)
	}
	if err := check("dopri5", x); err != nil {
		return Evaluation{}, err
	}
	q, err := score(x)
	if err != nil {
		return Evaluation{}, err
	}
	ev.Quality = append(ev.Quality, Quality{Solver: "dopri5", Steps: res.Stats.Steps, NFE: res.Stats.NFE, Distance: q})
	// The trajectory's first state is x0 itself (save time 0).
	ts := metrics.TrajectoryMetrics(f, res.Times, res.Traj, n, d)
	ev.Straightness, ev.PathEnergy, ev.TrajNFE = ts.Straightness, ts.PathEnergy, ts.NFE
	z0, z1 := res.Traj[0], res.Traj[len(res.Traj)-1]
	var chord float64
	for i := range z0 {
		c := z1[i] - z0[i]
		chord += c * c
	}
	ev.ChordCost = chord / float64(n)
	w, err := metrics.W2Exact(x0, test[:n*d], d)
	if err != nil {
		return Evaluation{}, err
	}
	ev.SourceTargetW2Sq = w.W2Sq
	if w.W2Sq > 0 {
		ev.NPE = metrics.NPE(ev.PathEnergy, w.W2Sq)
	} else {
		ev.NPE = math.NaN()
	}
	return ev, nil
}
