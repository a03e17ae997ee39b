// Package solvers integrates ODEs dy/dt = f(t, y) on flat state vectors, the
// sampling and likelihood engine of every flow (docs/MATH.md §1: dφ_t/dt = v_t(φ_t);
// §4: NFE is reported with every sample set).
//
// Fixed-step methods are explicit Runge–Kutta schemes given as Butcher
// tableaux (Hairer, Nørsett & Wanner, "Solving Ordinary Differential
// Equations I", §II.1): with stages
//
//	k_i = f(t + c_i·h, y + h·Σ_{j<i} a_ij·k_j),   y ← y + h·Σ_i b_i·k_i,
//
// Euler (order 1), Midpoint and Heun (order 2) and the classical RK4 (order 4)
// are Tableau values; Fixed runs any valid tableau on a uniform grid (Solve) or
// on an arbitrary monotone grid (SolveGrid).
//
// Dopri5 is the adaptive Dormand–Prince 5(4) pair (Dormand & Prince 1980;
// HNW I §II.5): the 5th-order solution is propagated (local extrapolation), the
// embedded 4th-order one gives the error estimate, the last stage is the next
// step's first (FSAL, 6 evaluations per step). The error norm is
//
//	err = sqrt( (1/n)·Σ_i ( e_i / (atol + rtol·max(|y0_i|, |y1_i|)) )² )
//
// and a step is accepted when err ≤ 1. Step sizes follow the PI controller of
// HNW II §IV.2 / DOPRI5 (h_new = h·safety·err^{−0.17}·err_old^{0.04}, safety 0.9,
// factor clamped to [0.2, 10], no growth right after a rejection); the first
// step comes from the HNW I §II.4 starting-step heuristic unless H0 is set.
// Save times are filled from Dopri5's 4th-order continuous extension (dense
// output, HNW I §II.6), so asking for them does not change the step sequence.
//
// Integration may run backward (t1 < t0). Solvers keep stage buffers between
// calls (sized to len(y)), so after warm-up a Solve without save times
// allocates nothing. A solver value is therefore not safe for concurrent use:
// give each goroutine its own Clone.
package solvers
