// Package testode holds ODE test problems with known closed-form solutions,
// for checking solvers' convergence orders, tolerance proportionality and
// backward integration (in the spirit of gonum/integrate/testquad).
package testode

import (
	"math"

	"github.com/flowbench/flowbench/pkg/solvers"
)

// Problem is an initial-value problem y' = f(t, y), y(T0) = Y0, with its exact
// solution.
type Problem struct {
	Name   string
	T0, T1 float64
	Y0     []float64
	Sys    solvers.System
	// Exact writes y(t) into dst (len(dst) == len(Y0)).
	Exact func(t float64, dst []float64)
}

// Riccati is the scalar problem y' = −2t·y², y(0) = 1 on [0, 2], with
// solution y(t) = 1/(1 + t²).
func Riccati() Problem {
	return Problem{
		Name: "riccati",
		T0:   0, T1: 2,
		Y0: []float64{1},
		Sys: solvers.SystemFunc(func(t float64, y, dy []float64) {
			dy[0] = -2 * t * y[0] * y[0]
		}),
		Exact: func(t float64, dst []float64) { dst[0] = 1 / (1 + t*t) },
	}
}

// omega is the angular speed of Rotation at radius² r2: ω = 1 + r².
func omega(r2 float64) float64 { return 1 + r2 }

// Rotation is a batch of points in R² (pts, n×2 row-major) turning about the
// origin with a radius-dependent angular speed ω(r) = 1 + r²:
// x' = −ω(r)·y, y' = ω(r)·x. The radius is invariant, so each point rotates
// rigidly by the angle ω(r)·(t − T0). On [0, 3].
// It panics if len(pts) is odd.
func Rotation(pts []float64) Problem {
	return rotation(pts, false)
}

// RotationArc is Rotation with an augmented state [x (n×2), ℓ (n)], where
// ℓ_i' = |v_i| is the speed of point i, so ℓ_i(t) = ω(r_i)·r_i·t is its arc
// length: the layout of the likelihood system [x, log-density].
// It panics if len(pts) is odd.
func RotationArc(pts []float64) Problem {
	return rotation(pts, true)
}

func rotation(pts []float64, arc bool) Problem {
	if len(pts)%2 != 0 {
		panic("testode: Rotation points must be n×2")
	}
	n := len(pts) / 2
	m := len(pts)
	if arc {
		m += n
	}
	y0 := make([]float64, m)
	copy(y0, pts)
	x0 := append([]float64(nil), pts...)
	name := "rotation"
	if arc {
		name = "rotation-arc"
	}
	return Problem{
		Name: name,
		T0:   0, T1: 3,
		Y0: y0,
		Sys: solvers.SystemFunc(func(t float64, y, dy []float64) {
			for i := 0; i < n; i++ {
				a, b := y[2*i], y[2*i+1]
				r2 := a*a + b*b
				w := omega(r2)
				dy[2*i], dy[2*i+1] = -w*b, w*a
				if arc {
					dy[2*n+i] = w * math.Sqrt(r2)
				}
			}
		}),
		Exact: func(t float64, dst []float64) {
			for i := 0; i < n; i++ {
				a, b := x0[2*i], x0[2*i+1]
				r2 := a*a + b*b
				w := omega(r2)
				sn, cs := math.Sincos(w * t)
				dst[2*i], dst[2*i+1] = cs*a-sn*b, sn*a+cs*b
				if arc {
					dst[2*n+i] = w * math.Sqrt(r2) * t
				}
			}
		},
	}
}
