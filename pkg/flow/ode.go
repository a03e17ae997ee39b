package flow

import (
	"math"

	"github.com/flowbench/flowbench/pkg/solvers"
)

// velocitySystem is dx/dt = v_t(x) on an n×d batch.
type velocitySystem struct {
	f    Field
	n, d int
}

func (s *velocitySystem) Eval(t float64, y, dydt []float64) {
	if len(y) != s.n*s.d || len(dydt) != len(y) {
		panic("flow: velocity system state length is not n*d")
	}
	s.f.Velocity(dydt, y, t)
}

// VelocitySystem returns the ODE dx/dt = v_t(x) on an n×d batch x (state
// length n·f.Dim()). Its Eval allocates nothing beyond what f.Velocity does.
// It panics if n < 0 or f.Dim() ≤ 0; its Eval panics on a state of length
// other than n·d.
func VelocitySystem(f Field, n int) solvers.System {
	if n < 0 || f.Dim() <= 0 {
		panic("flow: VelocitySystem needs n >= 0 and a positive dimension")
	}
	return &velocitySystem{f: f, n: n, d: f.Dim()}
}

// logDensitySystem is [dx/dt, dℓ/dt] = [v_t(x), −tr(∂v_t/∂x)(x)].
type logDensitySystem struct {
	f    DivField
	n, d int
}

func (s *logDensitySystem) Eval(t float64, y, dydt []float64) {
	nd := s.n * s.d
	if len(y) != nd+s.n || len(dydt) != len(y) {
		panic("flow: log-density system state length is not n*d + n")
	}
	dl := dydt[nd:]
	s.f.VelocityDiv(dydt[:nd], dl, y[:nd], t)
	for i := range dl {
		dl[i] = -dl[i]
	}
}

// LogDensitySystem returns the augmented ODE on y = [x (n·d values), ℓ (n
// values)]: dx/dt = v_t(x), dℓ_i/dt = −tr(∂v_t/∂x)(x_i) (MATH.md §1). Its Eval
// allocates nothing beyond what f.VelocityDiv does.
// It panics if n < 0 or f.Dim() ≤ 0; its Eval panics on a state of length
// other than n·d + n.
func LogDensitySystem(f DivField, n int) solvers.System {
	if n < 0 || f.Dim() <= 0 {
		panic("flow: LogDensitySystem needs n >= 0 and a positive dimension")
	}
	return &logDensitySystem{f: f, n: n, d: f.Dim()}
}

// rows returns the number of points in the n×d batch x.
func rows(x []float64, d int) int {
	if d <= 0 || len(x)%d != 0 {
		panic("flow: batch length is not a multiple of the field's dimension")
	}
	return len(x) / d
}

// Sample pushes the n×d batch x (in place) along dx/dt = v_t(x) from t0 to t1
// with s, returning the solver's Result (save times as in solvers.Solver).
// It panics if len(x) is not a multiple of f.Dim().
func Sample(s solvers.Solver, f Field, x []float64, t0, t1 float64, save []float64) (solvers.Result, error) {
	n := rows(x, f.Dim())
	return s.Solve(VelocitySystem(f, n), x, t0, t1, save)
}

// LogLikelihood returns log p_1(x1_i) for every row of the n×d batch x1 under
// the flow of f started from the density p_0 (logp0 takes one point, len d):
// it integrates LogDensitySystem backward from t = 1 to t = 0 and returns
// log p_0(x(0)) − ℓ(0) (MATH.md §1; see the package comment for the sign).
// x1 is not modified.
// It panics if len(x1) is not a multiple of f.Dim().
func LogLikelihood(s solvers.Solver, f DivField, x1 []float64, logp0 func(x []float64) float64) (logp []float64, st solvers.Stats, err error) {
	return LogLikelihoodSpan(s, f, x1, 0, 1, logp0)
}

// LogLikelihoodSpan is LogLikelihood between times t0 < t1: it returns
// log p_{t1}(x_i) = log p_{t0}(x(t0)) − ∫_{t0}^{t1} tr(∂v_t/∂x)(x(t)) dt, with
// logp0 the density at t0. Use it for paths whose field is singular at t = 1
// (VP: t1 = TMax).
// It panics if len(x) is not a multiple of f.Dim().
func LogLikelihoodSpan(s solvers.Solver, f DivField, x []float64, t0, t1 float64, logp0 func(x []float64) float64) (logp []float64, st solvers.Stats, err error) {
	d := f.Dim()
	n := rows(x, d)
	y := make([]float64, n*d+n)
	copy(y, x)
	res, err := s.Solve(LogDensitySystem(f, n), y, t1, t0, nil)
	if err != nil {
		return nil, res.Stats, err
	}
	logp = make([]float64, n)
	for i := range logp {
		logp[i] = logp0(y[i*d:(i+1)*d]) - y[n*d+i]
	}
	return logp, res.Stats, nil
}

// log2Pi is ln(2π).
var log2Pi = math.Log(2 * math.Pi)

// StdNormalLogProb returns log N(x; 0, I) = −½|x|² − (d/2)·ln(2π) for one point x.
func StdNormalLogProb(x []float64) float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	return -0.5*ss - 0.5*float64(len(x))*log2Pi
}
