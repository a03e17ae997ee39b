package paths

import (
	"fmt"
	"math"
	"strings"
)

// Default schedule parameters (MATH.md §2; Lipman et al. 2023 use β_min = 0.1
// and β_max = 20 for the VP path).
const (
	DefaultSigmaMin = 0.0  // σ_min of the OT path (0: exactly the rectified/independent path)
	DefaultBetaMin  = 0.1  // β_min of the VP path
	DefaultBetaMax  = 20.0 // β_max of the VP path
	DefaultEps      = 1e-5 // ε of the VP path: training draws t ∈ [0, 1 − ε]
)

// OT is the OT-linear ("CondOT") schedule a_t = t, s_t = 1 − (1 − σ_min)·t.
type OT struct {
	SigmaMin float64 // σ_min ∈ [0, 1): the data end's noise level s_1
}

// NewOT returns the OT schedule with the given σ_min, validated.
func NewOT(sigmaMin float64) (OT, error) {
	s := OT{SigmaMin: sigmaMin}
	return s, s.Validate()
}

// Name returns "ot".
func (OT) Name() string { return "ot" }

// At returns (a_t, s_t, a'_t, s'_t) of the OT schedule.
func (o OT) At(t float64) Coeffs {
	k := 1 - o.SigmaMin
	return Coeffs{A: t, S: 1 - k*t, DA: 1, DS: -k}
}

// TMax returns 1: the OT field is regular on [0, 1] when σ_min > 0 (and
// integrable up to 1 when σ_min = 0).
func (OT) TMax() float64 { return 1 }

// A0 returns a_0 = 0: p_0 is exactly the source.
func (OT) A0() float64 { return 0 }

// Validate checks σ_min ∈ [0, 1).
func (o OT) Validate() error {
	if !(o.SigmaMin >= 0 && o.SigmaMin < 1) {
		return fmt.Errorf("paths: ot: sigma_min = %v out of range, want 0 <= sigma_min < 1", o.SigmaMin)
	}
	return nil
}

// VP is the variance-preserving diffusion schedule (Song et al. 2021, eq. 29),
// time reversed so that t = 1 is data: with T(s) = β_min·s + ½·s²·(β_max − β_min)
// and α_s = exp(−½·T(s)), a_t = α_{1−t} and s_t = sqrt(1 − α²_{1−t}).
type VP struct {
	BetaMin, BetaMax float64 // 0 <= β_min < β_max, both finite
	Eps              float64 // ε ∈ (0, 0.5): TMax = 1 − ε
}

// NewVP returns the VP schedule with the given constants, validated.
func NewVP(betaMin, betaMax, eps float64) (VP, error) {
	s := VP{BetaMin: betaMin, BetaMax: betaMax, Eps: eps}
	return s, s.Validate()
}

// Name returns "vp".
func (VP) Name() string { return "vp" }

// T returns T(s) = ∫_0^s β(r) dr = β_min·s + ½·s²·(β_max − β_min).
func (v VP) T(s float64) float64 { return v.BetaMin*s + 0.5*s*s*(v.BetaMax-v.BetaMin) }

// Beta returns β(s) = T'(s) = β_min + s·(β_max − β_min).
func (v VP) Beta(s float64) float64 { return v.BetaMin + s*(v.BetaMax-v.BetaMin) }

// At returns (a_t, s_t, a'_t, s'_t) of the VP schedule. With τ = 1 − t:
// a'_t = ½·β(τ)·α_τ and s'_t = −½·β(τ)·α_τ²/s_t. At t = 1, s_t = 0 and
// s'_t = −Inf: the conditional field is singular there (see TMax).
func (v VP) At(t float64) Coeffs {
	tau := 1 - t
	T := v.T(tau)
	beta := v.Beta(tau)
	alpha := math.Exp(-0.5 * T)
	s2 := -math.Expm1(-T) // 1 − α² without cancellation near τ = 0
	s := math.Sqrt(s2)
	return Coeffs{
		A:  alpha,
		S:  s,
		DA: 0.5 * beta * alpha,
		DS: -0.5 * beta * alpha * alpha / s,
	}
}

// TMax returns 1 − ε: s_1 = 0 makes the conditional field singular at t = 1.
func (v VP) TMax() float64 { return 1 - v.Eps }

// A0 returns the true a_0 = α_1 = exp(−½·T(1)) (≈ 0.00657 for the defaults):
// p_0(·|x1) = N(a_0·x1, (1 − a_0²) I) is only approximately N(0, I).
func (v VP) A0() float64 { return math.Exp(-0.5 * v.T(1)) }

// Validate checks 0 <= β_min < β_max < Inf and ε ∈ (0, 0.5).
func (v VP) Validate() error {
	if !(v.BetaMin >= 0 && !math.IsInf(v.BetaMin, 1)) {
		return fmt.Errorf("paths: vp: beta_min = %v out of range, want 0 <= beta_min < beta_max", v.BetaMin)
	}
	if !(v.BetaMax > v.BetaMin && !math.IsInf(v.BetaMax, 1)) {
		return fmt.Errorf("paths: vp: beta_max = %v out of range, want beta_min (%v) < beta_max < Inf", v.BetaMax, v.BetaMin)
	}
	if !(v.Eps > 0 && v.Eps < 0.5) {
		return fmt.Errorf("paths: vp: eps = %v out of range, want 0 < eps < 0.5", v.Eps)
	}
	return nil
}

// Rectified is the rectified-flow interpolation a_t = t, s_t = 1 − t (Liu et
// al. 2023), valid for any source distribution and coupling; with an
// independent Gaussian source it equals OT with σ_min = 0.
type Rectified struct{}

// Name returns "rectified".
func (Rectified) Name() string { return "rectified" }

// At returns (t, 1 − t, 1, −1).
func (Rectified) At(t float64) Coeffs { return Coeffs{A: t, S: 1 - t, DA: 1, DS: -1} }

// TMax returns 1.
func (Rectified) TMax() float64 { return 1 }

// A0 returns 0.
func (Rectified) A0() float64 { return 0 }

// Validate returns nil: Rectified has no parameters.
func (Rectified) Validate() error { return nil }

// Cosine is the trigonometric schedule a_t = sin(πt/2), s_t = cos(πt/2).
type Cosine struct{}

// Name returns "cosine".
func (Cosine) Name() string { return "cosine" }

// At returns (sin(πt/2), cos(πt/2), π/2·cos(πt/2), −π/2·sin(πt/2)).
func (Cosine) At(t float64) Coeffs {
	sn, cs := math.Sincos(0.5 * math.Pi * t)
	return Coeffs{A: sn, S: cs, DA: 0.5 * math.Pi * cs, DS: -0.5 * math.Pi * sn}
}

// TMax returns 1.
func (Cosine) TMax() float64 { return 1 }

// A0 returns 0.
func (Cosine) A0() float64 { return 0 }

// Validate returns nil: Cosine has no parameters.
func (Cosine) Validate() error { return nil }

// A0 returns a_0 of any schedule, At(0).A: the weight of the data in x_0. It is
// 0 for OT, Rectified and Cosine and α_1 ≈ 0.00657 for the default VP.
func A0(s Schedule) float64 { return s.At(0).A }

// Params holds every schedule parameter ByName may need; each schedule reads
// only its own fields. Start from DefaultParams: zero values are taken
// literally (β_max = 0 is an error, not a default).
type Params struct {
	SigmaMin float64 // OT: σ_min ∈ [0, 1)
	BetaMin  float64 // VP: β_min >= 0
	BetaMax  float64 // VP: β_max > β_min
	Eps      float64 // VP: ε ∈ (0, 0.5)
}

// DefaultParams returns σ_min = 0, β_min = 0.1, β_max = 20, ε = 1e-5.
func DefaultParams() Params {
	return Params{SigmaMin: DefaultSigmaMin, BetaMin: DefaultBetaMin, BetaMax: DefaultBetaMax, Eps: DefaultEps}
}

var names = []string{"ot", "vp", "rectified", "cosine"}

// Names returns the schedule names ByName accepts.
func Names() []string { return append([]string(nil), names...) }

// ByName returns the validated schedule called name ("ot", "vp", "rectified",
// "cosine") built from the fields of p it uses.
func ByName(name string, p Params) (Schedule, error) {
	var s Schedule
	switch name {
	case "ot":
		s = OT{SigmaMin: p.SigmaMin}
	case "vp":
		s = VP{BetaMin: p.BetaMin, BetaMax: p.BetaMax, Eps: p.Eps}
	case "rectified":
		s = Rectified{}
	case "cosine":
		s = Cosine{}
	default:
		return nil, fmt.Errorf("paths: unknown schedule %q, valid names: %s", name, strings.Join(names, ", "))
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// DefaultVP returns the VP schedule with β_min = 0.1, β_max = 20, ε = 1e-5
// (Lipman et al. 2023's constants).
func DefaultVP() VP { return VP{BetaMin: DefaultBetaMin, BetaMax: DefaultBetaMax, Eps: DefaultEps} }
