package metrics

import (
	"fmt"
	"math"

	"github.com/flowbench/flowbench/pkg/flow"
)

// TrajectoryStats are the geometric metrics of a recorded flow trajectory.
type TrajectoryStats struct {
	Straightness float64 // ∫ E|(Z_K − Z_0)/(t_K − t_0) − v_t(Z_t)|² dt
	PathEnergy   float64 // ∫ E|v_t(Z_t)|² dt
	Points       int     // trajectories n
	Times        int     // grid points K + 1
	NFE          int     // batch evaluations of the field (K + 1)
}

// TrajectoryMetrics evaluates the field f along a recorded trajectory and
// returns its straightness and path energy. traj[k] is the n×d state Z at
// times[k]; times must be strictly increasing with at least two entries.
// Both integrals over [t_0, t_K] use the trapezoid rule on the recorded grid,
// with v_t(Z_t) re-evaluated at every grid point (K + 1 batch evaluations).
// Record the trajectory at the solver's own step times (for a fixed-step
// solver with K steps, save = its K + 1 grid), so that the quadrature matches
// the discretisation that produced the samples; its error is O(h²) in the
// grid spacing.
//
// Straightness (Liu et al. 2023, "Flow straight and fast", Def. 2.2 / MATH.md
// §2): S(Z) = ∫_0^1 E|(Z_1 − Z_0) − v_t(Z_t)|² dt, zero exactly when every
// trajectory is a straight line traversed at constant speed. On a grid not
// spanning [0, 1] the chord velocity is (Z_K − Z_0)/(t_K − t_0) and the
// integral runs over [t_0, t_K]; on [0, 1] this is Liu et al.'s S.
//
// Path energy (Tong et al. 2024, "Improving and generalizing flow-based
// generative models with minibatch optimal transport", TMLR, §5):
// E ∫ |v_t(Z_t)|² dt; see NPE.
// It panics if times and traj differ in length or have fewer than 2 entries,
// if d is not f's dimension, if a state is not n×d, or if times are not
// strictly increasing.
func TrajectoryMetrics(f flow.Field, times []float64, traj [][]float64, n, d int) TrajectoryStats {
	K := len(times) - 1
	if K < 1 || len(traj) != len(times) {
		panic(fmt.Sprintf("metrics: trajectory with %d times and %d states, want equal counts ≥ 2", len(times), len(traj)))
	}
	if f.Dim() != d || n <= 0 {
		panic(fmt.Sprintf("metrics: trajectory of n = %d points in d = %d for a field of dimension %d", n, d, f.Dim()))
	}
	for k, z := range traj {
		if len(z) != n*d {
			panic(fmt.Sprintf("metrics: trajectory state %d has length %d, want n·d = %d", k, len(z), n*d))
		}
		if k > 0 && !(times[k] > times[k-1]) {
			panic(fmt.Sprintf("metrics: trajectory times not strictly increasing at index %d (%v after %v)", k, times[k], times[k-1]))
		}
	}
	span := times[K] - times[0]
	z0, z1 := traj[0], traj[K]
	v := make([]float64, n*d)
	var straight, energy float64
	for k, z := range traj {
		f.Velocity(v, z, times[k])
		var s, e float64
		for i, vi := range v {
			c := (z1[i]-z0[i])/span - vi
			s += c * c
			e += vi * vi
		}
		// trapezoid weight of grid point k
		var w float64
		if k > 0 {
			w += 0.5 * (times[k] - times[k-1])
		}
		if k < K {
			w += 0.5 * (times[k+1] - times[k])
		}
		straight += w * s / float64(n)
		energy += w * e / float64(n)
	}
	return TrajectoryStats{Straightness: straight, PathEnergy: energy, Points: n, Times: K + 1, NFE: K + 1}
}

// Straightness returns TrajectoryMetrics(f, times, traj, n, d).Straightness.
// It panics as TrajectoryMetrics does.
func Straightness(f flow.Field, times []float64, traj [][]float64, n, d int) float64 {
	return TrajectoryMetrics(f, times, traj, n, d).Straightness
}

// PathEnergy returns TrajectoryMetrics(f, times, traj, n, d).PathEnergy.
// It panics as TrajectoryMetrics does.
func PathEnergy(f flow.Field, times []float64, traj [][]float64, n, d int) float64 {
	return TrajectoryMetrics(f, times, traj, n, d).PathEnergy
}

// NPE returns the normalised path energy |E∫|v|² dt − W2²| / W2² of Tong et
// al. (2024, §5): energy is the path energy of the flow, w2sq the squared W2
// distance between its source and target. Dynamic OT (Benamou–Brenier)
// makes the energy of any flow between the two distributions at least W2²,
// with equality for the optimal one, so NPE = 0 means optimal transport.
// Use exact W2² between large samples (W2Exact) or a closed form. w2sq must
// be positive.
// It panics unless w2sq > 0.
func NPE(energy, w2sq float64) float64 {
	if !(w2sq > 0) {
		panic(fmt.Sprintf("metrics: NPE with W2² = %v, want > 0", w2sq))
	}
	return math.Abs(energy-w2sq) / w2sq
}
