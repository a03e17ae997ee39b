package experiment

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/couplings"
)

// TestKindTable checks the table of method kinds against the Method type
// and itself: every listed field exists, every kind-specific field of
// Method is listed by some kind, the defaults set only the kind's own
// fields, and a kind either has a path or is trained by likelihood.
func TestKindTable(t *testing.T) {
	common := []string{"label", "kind", "train_steps"}
	var fields []string
	mt := reflect.TypeFor[Method]()
	for i := 0; i < mt.NumField(); i++ {
		fields = append(fields, tagName(mt.Field(i)))
	}
	listed := map[string]bool{}
	for _, k := range Kinds() {
		if k.Defaults.Kind != k.Name || DefaultMethod(k.Name).Kind != k.Name {
			t.Errorf("%s: defaults of kind %q", k.Name, k.Defaults.Kind)
		}
		if (k.Path == nil) != k.Likelihood {
			t.Errorf("%s: path %v, likelihood %v: want exactly one", k.Name, k.Path != nil, k.Likelihood)
		}
		dv := reflect.ValueOf(k.Defaults)
		for i, name := range fields {
			own := slices.Contains(k.Fields, name)
			listed[name] = listed[name] || own
			if !own && !slices.Contains(common, name) && !dv.Field(i).IsZero() {
				t.Errorf("%s: default sets %s, which does not apply to the kind", k.Name, name)
			}
		}
		for _, f := range k.Fields {
			if !slices.Contains(fields, f) || slices.Contains(common, f) {
				t.Errorf("%s: field %q is not a kind-specific Method field", k.Name, f)
			}
		}
	}
	for _, name := range fields {
		if !listed[name] && !slices.Contains(common, name) {
			t.Errorf("Method field %s applies to no kind", name)
		}
	}
	if m := DefaultMethod("nope"); m != (Method{Kind: "nope"}) {
		t.Errorf("DefaultMethod of an unknown kind = %+v", m)
	}
}

// TestKindPaths: each flow-matching kind's path, built from its defaults,
// starts at the source and ends at the data (x_0 = x0, x_1 = x1 up to the
// VP path's ε and the cfm noise, which vanish at the ends), and its target
// is the time derivative of x_t (a central difference).
func TestKindPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const d = 3
	x0, x1 := make([]float64, d), make([]float64, d)
	for i := range x0 {
		x0[i], x1[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	at := func(k MethodKind, m Method, tt float64) (xt, ut []float64) {
		p, err := k.Path(m)
		if err != nil {
			t.Fatal(err)
		}
		xt, ut = make([]float64, d), make([]float64, d)
		// The noise term is σ·ε with ε drawn inside Sample for Noise > 0;
		// Noise = 0 here keeps the path deterministic.
		p.Noise = 0
		p.Sample(xt, ut, x0, x1, []float64{tt}, d)
		return xt, ut
	}
	for _, k := range Kinds() {
		if k.Path == nil {
			continue
		}
		m := DefaultMethod(k.Name)
		end := TrainEnd(m)
		for _, tt := range []float64{0.2, 0.5, 0.8} {
			xt, ut := at(k, m, tt)
			const h = 1e-6
			xp, _ := at(k, m, tt+h)
			xm, _ := at(k, m, tt-h)
			for i := range xt {
				if fd := (xp[i] - xm[i]) / (2 * h); math.Abs(fd-ut[i]) > 1e-6*(1+math.Abs(fd)) {
					t.Errorf("%s t=%v: target %v, dx_t/dt %v", k.Name, tt, ut[i], fd)
				}
			}
		}
		x, _ := at(k, m, 0)
		y, _ := at(k, m, end)
		// The VP path reaches its ends only approximately: at t = 0 the
		// data keeps the weight α_0 = exp(−½∫β) ≈ 0.007 with β_max = 20.
		tol := 1e-12
		if k.TrainEnd != nil {
			tol = 0.01 * (1 + math.Abs(x0[0]) + math.Abs(x1[0]) + math.Abs(x0[1]) + math.Abs(x1[1]) + math.Abs(x0[2]) + math.Abs(x1[2]))
		}
		for i := range x {
			if math.Abs(x[i]-x0[i]) > tol || math.Abs(y[i]-x1[i]) > tol {
				t.Errorf("%s: x_0 = %v (x0 %v), x_%v = %v (x1 %v)", k.Name, x[i], x0[i], end, y[i], x1[i])
			}
		}
	}
}

// kindVariants returns valid methods of kind k: its defaults and, for each
// of its float fields, the defaults with that field 0 and 0.1 (those the
// kind's Check accepts and whose path builds).
func kindVariants(t *testing.T, k MethodKind) []Method {
	t.Helper()
	ms := []Method{DefaultMethod(k.Name)}
	for _, name := range k.Fields {
		f, ok := fieldByKey(reflect.TypeFor[Method](), name)
		if !ok || f.Type.Kind() != reflect.Float64 {
			continue
		}
		for _, v := range []float64{0, 0.1} {
			m := DefaultMethod(k.Name)
			reflect.ValueOf(&m).Elem().FieldByIndex(f.Index).SetFloat(v)
			ms = append(ms, m)
		}
	}
	var valid []Method
	for _, m := range ms {
		bad := false
		if k.Check != nil {
			k.Check(m, func(string, string) { bad = true }, func(string, string, int) {})
		}
		if k.Path != nil {
			if p, err := k.Path(m); err != nil || p.Schedule.Validate() != nil || p.ValidateNoise() != nil {
				bad = true
			}
		}
		if !bad {
			valid = append(valid, m)
		}
	}
	return valid
}

// TestKindDecisions checks, for every kind of the table, the entries the
// runner and the label check read instead of kind names, so that a new
// kind without them fails here:
//   - a flow-matching kind says how it pairs (x0, x1): the coupling field
//     or a fixed Pairing, exactly one; the pairing builds, and a pairing
//     other than the independent one makes the oracle unknown;
//   - a kind that trains a score model (Score) has the Brownian-bridge
//     path with σ > 0, the SDE's diffusion, and refuses σ = 0;
//   - Straight agrees with the path itself: x_t = (1 − t)x0 + t·x1 and
//     target x1 − x0 (noise aside, not the bridge's), checked by sampling
//     the path on every valid variant of the kind's float fields.
func TestKindDecisions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const d = 2
	x0, x1 := make([]float64, d), make([]float64, d)
	for i := range x0 {
		x0[i], x1[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	for _, k := range Kinds() {
		if k.Path == nil {
			if k.Pairing != nil || k.Coupling() || k.Score || k.Straight != nil {
				t.Errorf("%s: no path, but a pairing, a score model or a straight path", k.Name)
			}
			continue
		}
		if k.Coupling() == (k.Pairing != nil) {
			t.Errorf("%s: coupling field %v, fixed pairing %v: want exactly one", k.Name, k.Coupling(), k.Pairing != nil)
		}
		ms := kindVariants(t, k)
		if len(ms) == 0 {
			t.Fatalf("%s: its defaults are not a valid method", k.Name)
		}
		for _, m := range ms {
			name, p := CouplingOf(m)
			if _, err := couplings.New(name, p); err != nil {
				t.Errorf("%s %+v: coupling: %v", k.Name, m, err)
			}
			if k.Pairing != nil && name != couplings.NameIndependent && OracleUnknown(m, 0) == "" {
				t.Errorf("%s: pairs by %s, but the oracle counts as known", k.Name, name)
			}
			path, _ := k.Path(m)
			if k.Score {
				if !path.Bridge || !(path.Noise > 0) {
					t.Errorf("%s: trains a score model on path %+v, want the bridge with σ > 0", k.Name, path)
				}
			}
			straight := !path.Bridge
			path.Noise = 0
			for _, tt := range []float64{0.2, 0.5, 0.8} {
				xt, ut := make([]float64, d), make([]float64, d)
				path.Sample(xt, ut, x0, x1, []float64{tt}, d)
				for i := range xt {
					if math.Abs(xt[i]-((1-tt)*x0[i]+tt*x1[i])) > 1e-12 || math.Abs(ut[i]-(x1[i]-x0[i])) > 1e-12 {
						straight = false
					}
				}
			}
			if got := k.Straight != nil && k.Straight(m); got != straight {
				t.Errorf("%s %+v: Straight %v, but the path is straight: %v", k.Name, m, got, straight)
			}
		}
		if k.Score {
			m := DefaultMethod(k.Name)
			m.Sigma = 0
			refused := false
			if k.Check != nil {
				k.Check(m, func(string, string) { refused = true }, func(string, string, int) {})
			}
			if !refused {
				t.Errorf("%s: trains a score model but accepts sigma 0 (no diffusion)", k.Name)
			}
		}
	}
}

// TestSBCFMCoupling: SB-CFM pairs by the Sinkhorn plan of absolute
// regularisation 2σ², drawing the batch from the whole plan, whatever its
// coupling and sinkhorn_eps fields hold; a kind with the coupling field
// uses it with a relative ε, and vp (no coupling field) pairs
// independently.
func TestSBCFMCoupling(t *testing.T) {
	m := DefaultMethod("sbcfm")
	sigma := 0.7
	m.Sigma, m.Coupling, m.SinkhornEps = sigma, "ot", 0.3
	name, p := CouplingOf(m)
	if want := (couplings.Params{Eps: 2 * sigma * sigma, Joint: true}); name != couplings.NameSinkhorn || p != want {
		t.Errorf("sbcfm σ = 0.7: coupling %s %+v, want sinkhorn %+v", name, p, want)
	}
	c := DefaultMethod("cfm")
	c.Coupling, c.SinkhornEps = "sinkhorn", 0.3
	if name, p := CouplingOf(c); name != "sinkhorn" || p != (couplings.Params{Eps: 0.3, Relative: true}) {
		t.Errorf("cfm with sinkhorn 0.3: %s %+v", name, p)
	}
	if name, _ := CouplingOf(DefaultMethod("vp")); name != couplings.NameIndependent {
		t.Errorf("vp pairs by %s", name)
	}
}

// TestKeyMethod: only the settings that determine a training enter the key.
func TestKeyMethod(t *testing.T) {
	adaptive := func(s string) bool { return s == "dopri5" }
	m := DefaultMethod("cnf")
	m.Label = "A"
	k := KeyMethod(m, adaptive)
	if k.Label != "" || k.RTol != 0 || k.ATol != 0 || k.Steps != 10 || k.Probes != 0 {
		t.Errorf("cnf rk4 exact: key method %+v, want label, tolerances and probes cleared, steps kept", k)
	}
	m.Solver, m.Divergence = "dopri5", "hutchinson"
	k = KeyMethod(m, adaptive)
	if k.Steps != 0 || k.RTol != m.RTol || k.Probes != 1 {
		t.Errorf("cnf dopri5 hutchinson: key method %+v, want steps cleared, tolerances and probes kept", k)
	}
	r := DefaultMethod("rectified")
	r.Reflow.Iterations, r.Distill = 2, true
	if k := KeyMethod(r, adaptive); k.Reflow != (Reflow{}) || k.Distill || k.SinkhornEps != 0 {
		t.Errorf("rectified: key method %+v, want the reflow settings and the unused ε cleared", k)
	}
	r.Coupling = "sinkhorn"
	if k := KeyMethod(r, adaptive); k.SinkhornEps != r.SinkhornEps {
		t.Errorf("sinkhorn coupling: ε %v cleared", r.SinkhornEps)
	}
}

// TestKindRequirements: the normal-source requirement and the oracle's
// availability, per kind and setting.
func TestKindRequirements(t *testing.T) {
	ot := DefaultMethod("ot")
	if NeedsNormalSource(ot) {
		t.Error("ot with sigma_min 0 needs a normal source")
	}
	ot.SigmaMin = 0.1
	for _, m := range []Method{ot, DefaultMethod("vp"), DefaultMethod("cnf")} {
		if !NeedsNormalSource(m) {
			t.Errorf("%s (sigma_min %v) does not need a normal source", m.Kind, m.SigmaMin)
		}
	}
	for _, name := range []string{"rectified", "cfm", "cosine"} {
		if NeedsNormalSource(DefaultMethod(name)) {
			t.Errorf("%s needs a normal source", name)
		}
	}
	for _, c := range []struct {
		m     Method
		stage int
		known bool
	}{
		{DefaultMethod("ot"), 0, true},
		{DefaultMethod("vp"), 0, true},
		{DefaultMethod("cosine"), 0, true},
		{DefaultMethod("rectified"), 0, true},
		{DefaultMethod("rectified"), 1, false},
		{DefaultMethod("cfm"), 0, false}, // σ = 0.1
		{Method{Kind: "cfm", Coupling: "independent"}, 0, true},
		{Method{Kind: "ot", Coupling: "ot"}, 0, false},
		{DefaultMethod("cnf"), 0, false},
	} {
		why := OracleUnknown(c.m, c.stage)
		if (why == "") != c.known {
			t.Errorf("%s stage %d (coupling %q, σ %v): oracle unknown because %q, want known %v", c.m.Kind, c.stage, c.m.Coupling, c.m.Sigma, why, c.known)
		}
	}
}

// TestFieldOfOtherKind: a field of another kind is an error naming the
// kinds it applies to (from the table).
func TestFieldOfOtherKind(t *testing.T) {
	src := strings.Replace(base, "sigma_min: [0, 0.5]", "beta_min: 1", 1)
	_, err := Parse("s.yaml", []byte(src), nil, BuiltinRegistry())
	if err == nil || !strings.Contains(err.Error(), "does not apply to kind ot (applies to: vp)") {
		t.Errorf("error %v, want beta_min rejected for kind ot", err)
	}
}
