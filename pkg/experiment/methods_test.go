package experiment

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
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
