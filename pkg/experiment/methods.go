package experiment

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flowbench/flowbench/pkg/couplings"
	"github.com/flowbench/flowbench/pkg/paths"
)

// MethodKind is everything the packages need to know about one method kind
// (a spec's methods[].kind): which Method fields apply, their defaults, the
// probability path and how its pairs are coupled, whether a score model is
// trained beside the flow, what the kind requires of the source, whether
// the exact marginal field (the learning_error oracle) exists, what the
// label check needs to know, and which fields enter the artifact key. Every package asks the table (Kinds, KindOf)
// instead of comparing kind names.
type MethodKind struct {
	Name string
	// Fields are the yaml names of the Method fields that apply to the kind
	// besides label, kind and train_steps (which apply to every kind);
	// setting any other field is a spec error.
	Fields []string
	// Defaults are the values of the kind's fields when a spec leaves them
	// out (Kind set).
	Defaults Method
	// Path returns the probability path the kind regresses onto (flow
	// matching, MATH.md §2); nil for a kind trained by maximum likelihood.
	Path func(m Method) (paths.Path, error)
	// Pairing is the coupling of a flow-matching kind whose coupling is
	// fixed by the kind, not chosen by the coupling field: the couplings
	// name and parameters for m. Every kind with a Path has either the
	// coupling field or Pairing (CouplingOf reads them).
	Pairing func(m Method) (name string, p couplings.Params)
	// Score: a score model of the flow's architecture is trained beside
	// the flow (train.SF2M on the kind's Brownian-bridge path, whose σ is
	// the SDE's diffusion); the train record has a "score" checkpoint and
	// the metric sde_sigma, and euler-maruyama samples the learned SDE.
	Score bool
	// Straight reports whether m regresses onto x1 − x0 along the straight
	// line x_t = (1 − t)x0 + t·x1, plus the path's constant noise σ·ε if
	// any (the path of I-CFM, OT-CFM and rectified flow, which labels of
	// those names require); nil means never.
	Straight func(m Method) bool
	// Likelihood: trained by maximum likelihood with pkg/cnf (MATH.md §1),
	// not regressed onto a path's field.
	Likelihood bool
	// Reflow: the kind has reflow stages and distillation (results carry a
	// stage param).
	Reflow bool
	// NormalSource says why a method needs data.source normal, or "" when
	// it works with any source.
	NormalSource func(m Method) string
	// NoOracle says why the exact marginal field (MATH.md §3) of a first
	// training stage with the independent coupling is unknown, or "" when
	// it is known (the generic reasons, a coupling or a reflow stage, are
	// OracleUnknown's).
	NoOracle func(m Method) string
	// TrainEnd is the end of the time interval the field is trained on
	// (and the likelihood integrated to); nil means 1.
	TrainEnd func(m Method) float64
	// Check reports the checks of the kind that involve several fields:
	// fail(field, message) for a bad value, solver(field prefix, name,
	// steps) for a solver setting.
	Check func(m Method, fail func(field, msg string), solver func(prefix, name string, steps int))
	// Key clears the fields of m that do not determine its training under
	// the settings m has (the common ones are cleared by KeyMethod).
	Key func(m *Method, adaptive func(solver string) bool)
}

// Coupling reports whether the kind pairs (x0, x1) with a minibatch
// coupling (the coupling field applies).
func (k MethodKind) Coupling() bool { return slices.Contains(k.Fields, "coupling") }

// kinds is the table of method kinds, in the order MethodKinds returns.
// Adding a kind is adding one entry here (plus its tests); a field it
// needs is a Method field (spec.go) named in Fields.
var kinds = []MethodKind{
	{
		Name:     "ot",
		Fields:   []string{"sigma_min", "coupling", "sinkhorn_eps"},
		Defaults: Method{Kind: "ot", Coupling: "independent", SinkhornEps: 0.05},
		Path:     schedulePath("ot", false),
		// With sigma_min 0 the OT path is the straight line.
		Straight: func(m Method) bool { return m.SigmaMin == 0 },
		NormalSource: func(m Method) string {
			if m.SigmaMin > 0 {
				return "the OT path with sigma_min > 0 is Lipman et al.'s Gaussian conditional path, whose p_0 is N(0, I)"
			}
			return ""
		},
	},
	{
		Name:   "vp",
		Fields: []string{"beta_min", "beta_max", "eps"},
		// Lipman et al. 2023 use β_min = 0.1, β_max = 20 (MATH.md §2).
		Defaults:     Method{Kind: "vp", BetaMin: 0.1, BetaMax: 20, Eps: 1e-3},
		Path:         schedulePath("vp", true),
		Pairing:      fixedPairing(couplings.NameIndependent),
		NormalSource: always("the VP path's p_0 is (approximately) N(0, I)"),
		// The VP field is singular at t = 1: it is trained on [0, 1 − eps].
		TrainEnd: func(m Method) float64 { return 1 - m.Eps },
		Check: func(m Method, fail func(field, msg string), _ func(prefix, name string, steps int)) {
			if m.BetaMax <= m.BetaMin {
				fail("beta_max", fmt.Sprintf("beta_max %g must exceed beta_min %g", m.BetaMax, m.BetaMin))
			}
		},
	},
	{
		Name:   "rectified",
		Fields: []string{"coupling", "sinkhorn_eps", "reflow", "distill"},
		Defaults: Method{Kind: "rectified", Coupling: "independent", SinkhornEps: 0.05,
			Reflow: Reflow{Pairs: 10000, Solver: "rk4", Steps: 32, RTol: 1e-5, ATol: 1e-5}},
		Path:     schedulePath("rectified", false),
		Straight: alwaysTrue,
		Reflow:   true,
		Check: func(m Method, _ func(field, msg string), solver func(prefix, name string, steps int)) {
			if m.Reflow.Iterations > 0 || m.Distill {
				solver("reflow", m.Reflow.Solver, m.Reflow.Steps)
			}
		},
	},
	{
		Name:   "cfm",
		Fields: []string{"sigma", "coupling", "sinkhorn_eps"},
		// σ = 0.1: Tong et al. 2024's 2-D benchmark.
		Defaults: Method{Kind: "cfm", Sigma: 0.1, Coupling: "independent", SinkhornEps: 0.05},
		// Tong et al.'s I-CFM / OT-CFM path: the rectified schedule plus
		// constant noise σ.
		Path: func(m Method) (paths.Path, error) {
			return paths.Path{Schedule: paths.Rectified{}, Noise: m.Sigma}, nil
		},
		Straight: alwaysTrue,
		NoOracle: func(m Method) string {
			if m.Sigma > 0 {
				return "with σ > 0 the cfm target x1 − x0 is not the affine path's conditional field"
			}
			return ""
		},
	},
	{
		Name:   "cnf",
		Fields: []string{"solver", "steps", "rtol", "atol", "gradient", "divergence", "probes", "kinetic", "jacobian"},
		Defaults: Method{Kind: "cnf", Solver: "rk4", Steps: 10, RTol: 1e-5, ATol: 1e-5,
			Gradient: "backprop", Divergence: "exact", Probes: 1},
		Likelihood:   true,
		NormalSource: always("the CNF likelihood uses log p_0 of N(0, I)"),
		NoOracle:     always("a CNF is trained by maximum likelihood, not regressed onto a path's field"),
		Check: func(m Method, _ func(field, msg string), solver func(prefix, name string, steps int)) {
			solver("", m.Solver, m.Steps)
		},
		// Only the settings the solver and the estimator use enter the key.
		Key: func(m *Method, adaptive func(string) bool) {
			SolverKey(adaptive(m.Solver), &m.Steps, &m.RTol, &m.ATol)
			if m.Divergence == "exact" {
				m.Probes = 0
			}
		},
	},
	{
		Name:     "cosine",
		Fields:   []string{"coupling", "sinkhorn_eps"},
		Defaults: Method{Kind: "cosine", Coupling: "independent", SinkhornEps: 0.05},
		Path:     schedulePath("cosine", false),
	},
	{
		// SB-CFM (Tong et al. 2024, MATH.md §2): the Brownian-bridge path
		// x_t = (1 − t)x0 + t·x1 + σ√(t(1 − t))ε with target
		// x1 − x0 + σ'_t·ε, pairs drawn from the entropic OT plan of
		// regularisation 2σ² (Pairing: couplings.Sinkhorn with that
		// absolute ε). σ = 1: the authors' runner, configs/model/sbcfm.yaml.
		Name:     "sbcfm",
		Fields:   []string{"sigma"},
		Defaults: Method{Kind: "sbcfm", Sigma: 1},
		Path:     bridgePath,
		// The entropic OT plan of regularisation 2σ² in squared-distance
		// units (absolute ε), the batch's pairs drawn from the whole plan
		// as torchcfm's OTPlanSampler does.
		Pairing: func(m Method) (string, couplings.Params) {
			return couplings.NameSinkhorn, couplings.Params{Eps: 2 * m.Sigma * m.Sigma, Joint: true}
		},
		NoOracle: always("SB-CFM pairs by the Sinkhorn plan, not independently"),
		Check: func(m Method, fail func(field, msg string), _ func(prefix, name string, steps int)) {
			if !(m.Sigma > 0) {
				fail("sigma", fmt.Sprintf("sbcfm needs sigma > 0 (its coupling is the Sinkhorn plan of regularisation 2σ²), got %g", m.Sigma))
			}
		},
	},
	{
		// [SF]2M (Tong et al. 2024, MATH.md §2): the bridge path of sbcfm,
		// with a score model trained beside the flow (pkg/train.SF2M);
		// [SF]2M-Exact with coupling ot, [SF]2M-I with independent. Its
		// euler-maruyama evaluations sample dx = (v + s) dt + σ dW.
		Name:     "sf2m",
		Fields:   []string{"sigma", "coupling", "sinkhorn_eps"},
		Defaults: Method{Kind: "sf2m", Sigma: 1, Coupling: "independent", SinkhornEps: 0.05},
		Path:     bridgePath,
		Score:    true,
		NoOracle: always("the Brownian-bridge path's marginal field is not an affine path's"),
		Check: func(m Method, fail func(field, msg string), _ func(prefix, name string, steps int)) {
			if !(m.Sigma > 0) {
				fail("sigma", fmt.Sprintf("sf2m needs sigma > 0 (the bridge's and the SDE's diffusion), got %g", m.Sigma))
			}
		},
	},
}

// bridgePath is the Brownian-bridge path of SB-CFM and [SF]2M (paths.Path
// with Bridge): rectified mean, noise σ√(t(1 − t)).
func bridgePath(m Method) (paths.Path, error) {
	return paths.Path{Schedule: paths.Rectified{}, Noise: m.Sigma, Bridge: true}, nil
}

// schedulePath is the Path of a kind whose path is the pkg/paths schedule
// called name, with the method's schedule parameters (eps: the method's
// Eps, otherwise the schedule's default).
func schedulePath(name string, eps bool) func(Method) (paths.Path, error) {
	return func(m Method) (paths.Path, error) {
		p := paths.DefaultParams()
		p.SigmaMin, p.BetaMin, p.BetaMax = m.SigmaMin, m.BetaMin, m.BetaMax
		if eps {
			p.Eps = m.Eps
		}
		sch, err := paths.ByName(name, p)
		return paths.Path{Schedule: sch}, err
	}
}

func always(why string) func(Method) string { return func(Method) string { return why } }

func alwaysTrue(Method) bool { return true }

// fixedPairing is the Pairing of a kind that always uses the named
// parameterless coupling.
func fixedPairing(name string) func(Method) (string, couplings.Params) {
	return func(Method) (string, couplings.Params) { return name, couplings.Params{} }
}

// CouplingOf returns the coupling a flow-matching method pairs (x0, x1)
// with: its kind's Pairing, or else its coupling field (independent when
// empty) with the field sinkhorn_eps as a relative ε.
func CouplingOf(m Method) (name string, p couplings.Params) {
	if f := KindOf(m.Kind).Pairing; f != nil {
		return f(m)
	}
	name = m.Coupling
	if name == "" {
		name = couplings.NameIndependent
	}
	return name, couplings.Params{Eps: m.SinkhornEps, Relative: true}
}

// Kinds returns the table of method kinds.
func Kinds() []MethodKind { return append([]MethodKind(nil), kinds...) }

// MethodKinds lists every method kind the schema defines; a registry may
// accept fewer (those its executor can train).
func MethodKinds() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	return names
}

// KindOf returns the table entry of a kind name; an unknown name has an
// entry with only its Name set (no fields, defaults or path).
func KindOf(name string) MethodKind {
	for _, k := range kinds {
		if k.Name == name {
			return k
		}
	}
	return MethodKind{Name: name}
}

// DefaultMethod returns the defaults of a method of the given kind.
func DefaultMethod(kind string) Method {
	k := KindOf(kind)
	m := k.Defaults
	m.Kind = kind
	return m
}

// NeedsNormalSource reports whether a method's derivation assumes the
// source is N(0, I) (the kind's NormalSource says why).
func NeedsNormalSource(m Method) bool {
	f := KindOf(m.Kind).NormalSource
	return f != nil && f(m) != ""
}

// OracleUnknown says why the exact marginal field (MATH.md §3) of a
// model's training problem is unknown, or "" when it is known: it is for
// the first training of an affine Gaussian path with the independent
// coupling. stage counts the reflow stages before the model.
func OracleUnknown(m Method, stage int) string {
	k := KindOf(m.Kind)
	if k.Likelihood {
		return k.NoOracle(m)
	}
	switch {
	case stage > 0:
		return "a reflow or distilled model regresses onto its pairs' field, not the data's"
	case m.Coupling != "independent" && m.Coupling != "":
		return "the exact marginal field is known for the independent coupling only, not " + m.Coupling
	case k.NoOracle != nil:
		return k.NoOracle(m)
	}
	return ""
}

// TrainEnd returns the end of the time interval a method's field is
// trained on: 1, or 1 − eps for the VP path.
func TrainEnd(m Method) float64 {
	if f := KindOf(m.Kind).TrainEnd; f != nil {
		return f(m)
	}
	return 1
}

// KeyMethod returns m with the fields that do not determine its first
// training cleared: the label, the reflow settings (they are the plan's
// structure: stages, distillation, inputs), the Sinkhorn ε of another
// coupling, and what the kind's Key clears. adaptive reports whether a
// solver name is adaptive.
func KeyMethod(m Method, adaptive func(solver string) bool) Method {
	m.Label = ""
	m.Reflow = Reflow{}
	m.Distill = false
	if m.Coupling != "sinkhorn" {
		m.SinkhornEps = 0
	}
	if f := KindOf(m.Kind).Key; f != nil {
		f(&m, adaptive)
	}
	return m
}

// SolverKey clears the settings a solver does not use: the step count of
// an adaptive solver, the tolerances of a fixed-step one.
func SolverKey(adaptive bool, steps *int, rtol, atol *float64) {
	if adaptive {
		*steps = 0
	} else {
		*rtol, *atol = 0, 0
	}
}

// kindsOfField returns the kinds a Method field (by yaml name) applies to,
// comma separated in table order, or "" when it applies to every kind.
func kindsOfField(name string) string {
	var ks []string
	for _, k := range kinds {
		if slices.Contains(k.Fields, name) {
			ks = append(ks, k.Name)
		}
	}
	return strings.Join(ks, ",")
}
