package experiment

import (
	"strings"
	"testing"
)

func TestCheckLabel(t *testing.T) {
	cfm := func(label string, sigma float64, coupling string) Method {
		m := DefaultMethod("cfm")
		m.Label, m.Sigma, m.Coupling = label, sigma, coupling
		return m
	}
	ot := func(label string, smin float64) Method {
		m := DefaultMethod("ot")
		m.Label, m.SigmaMin = label, smin
		return m
	}
	rect := func(label string, iters int, coupling string) Method {
		m := DefaultMethod("rectified")
		m.Label, m.Coupling, m.Reflow.Iterations = label, coupling, iters
		return m
	}
	kind := func(label, k, coupling string) Method {
		m := DefaultMethod(k)
		m.Label, m.Coupling = label, coupling
		return m
	}
	cases := []struct {
		m    Method
		want string // "" = accepted; otherwise a substring of the reason
	}{
		{cfm("OT-CFM", 0.1, "ot"), ""},
		{cfm("OT-CFM", 0, "ot"), ""},
		{rect("OT-CFM", 0, "ot"), ""},
		// The quickstart's old "OT-CFM": the OT path with the independent
		// coupling is rectified flow's first stage, not OT-CFM.
		{ot("OT-CFM", 0), "exact OT coupling"},
		{cfm("OT-CFM", 0.1, "independent"), "exact OT coupling"},
		{cfm("OT-CFM", 0.1, "sinkhorn"), "exact OT coupling"},
		{rect("OT-CFM", 1, "ot"), "no reflow"},
		{cfm("I-CFM", 0.1, "independent"), ""},
		{cfm("I-CFM", 0, "independent"), ""},  // σ = 0: rectified flow's first stage
		{rect("I-CFM", 0, "independent"), ""}, // the same, as kind rectified
		{rect("I-CFM", 1, "independent"), "no reflow"},
		{kind("I-CFM", "vp", ""), "straight path"},
		{cfm("I-CFM", 0.1, "ot"), "independent coupling"},
		{cfm("RF", 0, "independent"), ""},
		{ot("RF", 0), ""},
		{rect("RF", 0, "independent"), ""},
		{rect("RF", 2, "independent"), ""}, // RF with its reflow stages
		{rect("2-RF", 1, "independent"), ""},
		{rect("2-RF", 0, "independent"), "1 reflow"},
		{rect("3-RF", 1, "independent"), "2 reflow"},
		{cfm("2-RF", 0, "independent"), "kind rectified"},
		{cfm("RF", 0.1, "independent"), "sigma must be 0"},
		{rect("RF", 0, "ot"), "independent coupling"},
		{ot("RF", 0.1), "straight path"},
		{ot("FM (Lipman)", 0.1), ""},
		{ot("FM-OT", 0), ""},
		{kind("FM-VP", "vp", ""), ""},
		{kind("FM-VP", "ot", "independent"), "kind vp"},
		{cfm("FM", 0.1, "independent"), "kind ot or vp"},
		{kind("VP", "vp", ""), ""},
		{ot("VP", 0), "kind vp"},
		{kind("SB-CFM", "sbcfm", "sinkhorn"), ""},
		{cfm("SB-CFM", 0.1, "sinkhorn"), "kind sbcfm"},
		{kind("[SF]2M-Exact", "sf2m", "ot"), ""},
		{kind("[SF]2M-Exact", "sf2m", "independent"), "coupling ot"},
		{kind("[SF]2M-I", "sf2m", "independent"), ""},
		{kind("[SF]2M-I", "sf2m", "ot"), "coupling independent"},
		// Labels that name no known algorithm are free.
		{ot("OT", 0), ""},
		{kind("CNF-RK4", "cnf", ""), ""},
		{kind("Cosine", "cosine", "independent"), ""},
		{cfm("RFX", 0.1, "ot"), ""}, // \b: RFX is not RF
	}
	for _, c := range cases {
		got := CheckLabel(c.m)
		switch {
		case c.want == "" && got != "":
			t.Errorf("%q (kind %s, coupling %q): rejected: %s", c.m.Label, c.m.Kind, c.m.Coupling, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%q (kind %s, coupling %q): got %q, want a rejection mentioning %q", c.m.Label, c.m.Kind, c.m.Coupling, got, c.want)
		}
	}
}
