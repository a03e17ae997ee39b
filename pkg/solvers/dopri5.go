package solvers

import (
	"fmt"
	"math"

	"github.com/flowbench/flowbench/internal/scratch"
)

// DefaultMaxSteps is the step limit Dopri5 uses when MaxSteps is 0.
const DefaultMaxSteps = 100000

// Step-size controller constants (HNW II §IV.2; the values of Hairer's DOPRI5).
const (
	dpSafety = 0.9  // safety factor
	dpFacMin = 0.2  // smallest step-size ratio h_new/h
	dpFacMax = 10.0 // largest step-size ratio h_new/h
	dpBeta   = 0.04 // PI controller: exponent of the previous error
	dpExpo   = 0.2 - dpBeta*0.75
)

// Dormand–Prince 5(4) coefficients (Dormand & Prince 1980, Table 2; HNW I
// Table II.5.2). The 5th-order weights are the last row of A (FSAL); e are the
// differences b − b̂ of the 5th- and embedded 4th-order weights; d are the
// coefficients of the 4th-order continuous extension (HNW I §II.6).
const (
	dpC2, dpC3, dpC4, dpC5 = 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9

	dpA21 = 1.0 / 5

	dpA31, dpA32 = 3.0 / 40, 9.0 / 40

	dpA41, dpA42, dpA43 = 44.0 / 45, -56.0 / 15, 32.0 / 9

	dpA51, dpA52, dpA53, dpA54 = 19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729

	dpA61, dpA62, dpA63, dpA64, dpA65 = 9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656

	dpA71, dpA73, dpA74, dpA75, dpA76 = 35.0 / 384, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84

	dpE1, dpE3, dpE4, dpE5, dpE6, dpE7 = 71.0 / 57600, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40

	dpD1 = -12715105075.0 / 11282082432
	dpD3 = 87487479700.0 / 32700410799
	dpD4 = -10690763975.0 / 1880347072
	dpD5 = 701980252875.0 / 199316789632
	dpD6 = -1453857185.0 / 822651844
	dpD7 = 69997945.0 / 29380423
)

// Dopri5 is the adaptive Dormand–Prince 5(4) solver with FSAL, the RMS error
// norm, a PI step-size controller and dense output for save times. A *Dopri5
// keeps its stage buffers between calls and is not safe for concurrent use
// (see Clone).
type Dopri5 struct {
	RTol, ATol float64 // relative (>= 0) and absolute (> 0) tolerances
	MaxSteps   int     // limit on attempted steps (accepted + rejected); 0 means DefaultMaxSteps
	H0         float64 // initial |h|; 0 selects it automatically (HNW I §II.4)

	k        [7][]float64
	ytmp, y1 []float64
}

// NewDopri5 returns a Dopri5 solver with the given tolerances, validated.
func NewDopri5(rtol, atol float64) (*Dopri5, error) {
	d := &Dopri5{RTol: rtol, ATol: atol}
	return d, d.Validate()
}

// Name returns "dopri5".
func (*Dopri5) Name() string { return "dopri5" }

// Clone returns a solver with the same settings and its own buffers.
func (d *Dopri5) Clone() Solver {
	return &Dopri5{RTol: d.RTol, ATol: d.ATol, MaxSteps: d.MaxSteps, H0: d.H0}
}

// Validate checks 0 <= RTol < 1, 0 < ATol < Inf, MaxSteps >= 0 and 0 <= H0 < Inf.
func (d *Dopri5) Validate() error {
	if !(d.RTol >= 0 && d.RTol < 1) {
		return fmt.Errorf("solvers: dopri5: rtol = %v out of range, want 0 <= rtol < 1", d.RTol)
	}
	if !(d.ATol > 0 && !math.IsInf(d.ATol, 1)) {
		return fmt.Errorf("solvers: dopri5: atol = %v out of range, want 0 < atol < Inf", d.ATol)
	}
	if d.MaxSteps < 0 {
		return fmt.Errorf("solvers: dopri5: max_steps = %d, want >= 0 (0: %d)", d.MaxSteps, DefaultMaxSteps)
	}
	if !(d.H0 >= 0 && !math.IsInf(d.H0, 1)) {
		return fmt.Errorf("solvers: dopri5: h0 = %v out of range, want 0 (automatic) or a finite positive step", d.H0)
	}
	return nil
}

func (d *Dopri5) ensure(n int) {
	for i := range d.k {
		d.k[i] = scratch.Grow(d.k[i], n)
	}
	d.ytmp = scratch.Grow(d.ytmp, n)
	d.y1 = scratch.Grow(d.y1, n)
}

// initialStep is the starting-step heuristic of HNW I §II.4 (with RMS norms):
// h0 = 0.01·‖y0‖/‖f0‖, one Euler step to estimate ‖f'‖, and
// h1 = (0.01/max(‖f0‖, ‖f'‖))^{1/5}; the result is min(100·h0, h1, hmax).
// f0 = f(t, y) is in d.k[0]; it uses d.k[1] and d.ytmp as scratch.
func (d *Dopri5) initialStep(sys System, y []float64, t, dir, hmax float64) float64 {
	n := float64(len(y))
	f0 := d.k[0]
	var dny, dnf float64
	for i, yi := range y {
		sk := d.ATol + d.RTol*math.Abs(yi)
		dny += (yi / sk) * (yi / sk)
		dnf += (f0[i] / sk) * (f0[i] / sk)
	}
	dny, dnf = math.Sqrt(dny/n), math.Sqrt(dnf/n)
	h := 1e-6
	if dny > 1e-5 && dnf > 1e-5 {
		h = 0.01 * dny / dnf
	}
	h = math.Min(h, hmax)
	for i, yi := range y {
		d.ytmp[i] = yi + dir*h*f0[i]
	}
	f1 := d.k[1]
	sys.Eval(t+dir*h, d.ytmp, f1)
	var der2 float64
	for i, yi := range y {
		sk := d.ATol + d.RTol*math.Abs(yi)
		e := (f1[i] - f0[i]) / sk
		der2 += e * e
	}
	der2 = math.Sqrt(der2/n) / h
	der12 := math.Max(der2, dnf)
	var h1 float64
	if der12 <= 1e-15 {
		h1 = math.Max(1e-6, h*1e-3)
	} else {
		h1 = math.Pow(0.01/der12, 1.0/5)
	}
	return math.Min(math.Min(100*h, h1), hmax)
}

// Solve integrates sys from t0 to t1 adaptively, overwriting y with y(t1).
// Save times are filled by the 4th-order continuous extension of the step that
// contains them (exactly y at a step end), so they do not change the steps
// taken. It returns an error wrapping ErrStepUnderflow or ErrMaxSteps when the
// integration cannot reach t1; y then holds the last accepted state.
// It panics if y is empty.
func (d *Dopri5) Solve(sys System, y []float64, t0, t1 float64, save []float64) (Result, error) {
	if err := d.Validate(); err != nil {
		return Result{}, err
	}
	if err := checkSpan(t0, t1, save); err != nil {
		return Result{}, err
	}
	if len(y) == 0 {
		panic("solvers: empty state")
	}
	res := newSaved(save)
	si := 0
	for si < len(save) && save[si] == t0 {
		res.Traj = append(res.Traj, append([]float64(nil), y...))
		si++
	}
	if t0 == t1 {
		return res, nil
	}
	maxSteps := d.MaxSteps
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}
	d.ensure(len(y))
	n := float64(len(y))
	dir := 1.0
	if t1 < t0 {
		dir = -1
	}
	hmax := math.Abs(t1 - t0)
	k1, k2, k3, k4, k5, k6, k7 := d.k[0], d.k[1], d.k[2], d.k[3], d.k[4], d.k[5], d.k[6]
	yt, y1 := d.ytmp, d.y1

	sys.Eval(t0, y, k1)
	res.Stats.NFE++
	h := d.H0
	if h == 0 {
		h = d.initialStep(sys, y, t0, dir, hmax)
		res.Stats.NFE++
	}
	h = dir * math.Min(h, hmax)
	t := t0
	errOld := 1e-4
	rejectedLast := false
	for {
		if res.Stats.Steps+res.Stats.Rejected >= maxSteps {
			return res, fmt.Errorf("%w: dopri5 attempted %d steps (max_steps) and reached t = %v of [%v, %v]", ErrMaxSteps, maxSteps, t, t0, t1)
		}
		if 0.1*math.Abs(h) <= math.Abs(t)*0x1p-52 || h == 0 {
			return res, fmt.Errorf("%w: dopri5 step %v at t = %v of [%v, %v] (rtol %v, atol %v)", ErrStepUnderflow, h, t, t0, t1, d.RTol, d.ATol)
		}
		last := false
		if (t+h-t1)*dir >= 0 {
			h, last = t1-t, true
		}
		tNew := t + h
		if last {
			tNew = t1
		}
		for i := range yt {
			yt[i] = y[i] + h*dpA21*k1[i]
		}
		sys.Eval(t+dpC2*h, yt, k2)
		for i := range yt {
			yt[i] = y[i] + h*(dpA31*k1[i]+dpA32*k2[i])
		}
		sys.Eval(t+dpC3*h, yt, k3)
		for i := range yt {
			yt[i] = y[i] + h*(dpA41*k1[i]+dpA42*k2[i]+dpA43*k3[i])
		}
		sys.Eval(t+dpC4*h, yt, k4)
		for i := range yt {
			yt[i] = y[i] + h*(dpA51*k1[i]+dpA52*k2[i]+dpA53*k3[i]+dpA54*k4[i])
		}
		sys.Eval(t+dpC5*h, yt, k5)
		for i := range yt {
			yt[i] = y[i] + h*(dpA61*k1[i]+dpA62*k2[i]+dpA63*k3[i]+dpA64*k4[i]+dpA65*k5[i])
		}
		sys.Eval(tNew, yt, k6)
		for i := range y1 {
			y1[i] = y[i] + h*(dpA71*k1[i]+dpA73*k3[i]+dpA74*k4[i]+dpA75*k5[i]+dpA76*k6[i])
		}
		sys.Eval(tNew, y1, k7)
		res.Stats.NFE += 6

		var sum float64
		for i := range y1 {
			e := h * (dpE1*k1[i] + dpE3*k3[i] + dpE4*k4[i] + dpE5*k5[i] + dpE6*k6[i] + dpE7*k7[i])
			sc := d.ATol + d.RTol*math.Max(math.Abs(y[i]), math.Abs(y1[i]))
			sum += (e / sc) * (e / sc)
		}
		err := math.Sqrt(sum / n)

		if !(err <= 1) { // rejected, or a non-finite error estimate
			res.Stats.Rejected++
			rejectedLast = true
			if math.IsNaN(err) || math.IsInf(err, 0) {
				h *= dpFacMin
			} else {
				h /= math.Min(1/dpFacMin, math.Pow(err, dpExpo)/dpSafety)
			}
			continue
		}

		// Accepted: dense output for the save times inside (t, tNew].
		for si < len(save) && (save[si]-tNew)*dir <= 0 {
			if save[si] == tNew {
				res.Traj = append(res.Traj, append([]float64(nil), y1...))
			} else {
				res.Traj = append(res.Traj, d.dense(y, y1, h, (save[si]-t)/h))
			}
			si++
		}
		res.Stats.Steps++
		copy(y, y1)
		d.k[0], d.k[6] = d.k[6], d.k[0] // FSAL: the last stage is the next step's first
		k1, k7 = d.k[0], d.k[6]
		t = tNew
		if last {
			break
		}
		fac := math.Pow(err, dpExpo) / math.Pow(errOld, dpBeta)
		fac = math.Max(1/dpFacMax, math.Min(1/dpFacMin, fac/dpSafety))
		hNew := h / fac
		if rejectedLast && math.Abs(hNew) > math.Abs(h) {
			hNew = h
		}
		errOld = math.Max(err, 1e-4)
		rejectedLast = false
		h = hNew
	}
	return res, nil
}

// dense evaluates the 4th-order continuous extension of the step from y to
// y1 (size h) at fraction theta, before the FSAL swap (k1 = f(t, y), k7 = f(t+h, y1)):
//
//	y(t + θh) = y + θ(r2 + (1−θ)(r3 + θ(r4 + (1−θ) r5))),
//	r2 = y1 − y, r3 = h·k1 − r2, r4 = r2 − h·k7 − r3, r5 = h·Σ d_i k_i.
func (d *Dopri5) dense(y, y1 []float64, h, theta float64) []float64 {
	k := &d.k
	out := make([]float64, len(y))
	th1 := 1 - theta
	for i := range out {
		r2 := y1[i] - y[i]
		r3 := h*k[0][i] - r2
		r4 := r2 - h*k[6][i] - r3
		r5 := h * (dpD1*k[0][i] + dpD3*k[2][i] + dpD4*k[3][i] + dpD5*k[4][i] + dpD6*k[5][i] + dpD7*k[6][i])
		out[i] = y[i] + theta*(r2+th1*(r3+theta*(r4+th1*r5)))
	}
	return out
}
