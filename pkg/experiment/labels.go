package experiment

import (
	"fmt"
	"regexp"
	"strconv"
)

// A method label that names a known algorithm must be that algorithm: a
// reader of a table labelled "OT-CFM" assumes the minibatch exact-OT
// coupling, one labelled "I-CFM" the independent coupling, and so on (Tong et al. 2024; Liu et al. 2023; Lipman et al. 2023). knownLabels
// lists, in order, a pattern on the label and the check its method must
// pass; the first matching pattern decides. Labels that match none (e.g.
// "OT", "CNF-RK4", "Cosine") are free.
var knownLabels = []struct {
	pattern *regexp.Regexp
	name    string
	check   func(m Method, match []string) string // "" when m is that algorithm
}{
	{regexp.MustCompile(`^OT-CFM\b`), "OT-CFM", func(m Method, _ []string) string {
		if !straightPath(m) || m.Coupling != "ot" || m.Reflow.Iterations > 0 {
			return "OT-CFM is the straight path x_t = (1 − t)x0 + t·x1 (+ σε) with the minibatch exact OT coupling and no reflow: kind cfm (or rectified, or ot with sigma_min 0) with coupling ot"
		}
		return ""
	}},
	{regexp.MustCompile(`^I-CFM\b`), "I-CFM", func(m Method, _ []string) string {
		// With σ = 0 I-CFM is the first stage of rectified flow (Tong et
		// al. 2024 say so), so kind rectified without reflow qualifies too.
		if !straightPath(m) || m.Coupling != "independent" || m.Reflow.Iterations > 0 {
			return "I-CFM is the straight path x_t = (1 − t)x0 + t·x1 (+ σε) with the independent coupling and no reflow: kind cfm (or rectified, or ot with sigma_min 0) with coupling independent"
		}
		return ""
	}},
	{regexp.MustCompile(`^SB-CFM\b`), "SB-CFM", func(m Method, _ []string) string {
		if m.Kind != "sbcfm" {
			return "SB-CFM is kind sbcfm (the Brownian-bridge path with the entropic OT coupling of regularisation 2σ²)"
		}
		return ""
	}},
	{regexp.MustCompile(`^\[SF\]2M-Exact\b`), "[SF]2M-Exact", func(m Method, _ []string) string {
		if m.Kind != "sf2m" || m.Coupling != "ot" {
			return "[SF]2M-Exact is kind sf2m with coupling ot"
		}
		return ""
	}},
	{regexp.MustCompile(`^\[SF\]2M-I\b`), "[SF]2M-I", func(m Method, _ []string) string {
		if m.Kind != "sf2m" || m.Coupling != "independent" {
			return "[SF]2M-I is kind sf2m with coupling independent"
		}
		return ""
	}},
	{regexp.MustCompile(`^(?:([1-9][0-9]*)-)?RF\b`), "RF", func(m Method, match []string) string {
		if !straightPath(m) || m.Coupling != "independent" {
			return "rectified flow is the straight path x_t = (1 − t)x0 + t·x1 with the independent coupling: kind rectified (or cfm with sigma 0, or ot with sigma_min 0) with coupling independent"
		}
		if pathNoise(m) != 0 {
			return "rectified flow has no path noise: sigma must be 0 (kind cfm with sigma > 0 is I-CFM)"
		}
		// "RF" alone may carry reflow stages (reports label each stage
		// k-rectified); "k-RF" is the k-rectified flow itself.
		if match[1] != "" {
			k, _ := strconv.Atoi(match[1])
			if m.Kind != "rectified" || m.Reflow.Iterations != k-1 {
				return fmt.Sprintf("%d-RF is kind rectified with %d reflow iteration(s); this method has %d", k, k-1, m.Reflow.Iterations)
			}
		}
		return ""
	}},
	{regexp.MustCompile(`^FM-VP\b`), "FM-VP", func(m Method, _ []string) string {
		if m.Kind != "vp" {
			return "FM-VP is kind vp"
		}
		return ""
	}},
	{regexp.MustCompile(`^FM\b`), "FM", func(m Method, _ []string) string {
		if m.Kind != "ot" && m.Kind != "vp" {
			return "FM (Lipman et al. 2023) is flow matching on a Gaussian conditional path: kind ot or vp"
		}
		if m.Coupling != "" && m.Coupling != "independent" {
			return "FM (Lipman et al. 2023) pairs x0 and x1 independently; with coupling " + m.Coupling + " it is not FM"
		}
		return ""
	}},
	{regexp.MustCompile(`^VP\b`), "VP", func(m Method, _ []string) string {
		if m.Kind != "vp" {
			return "VP is kind vp (the variance-preserving diffusion path)"
		}
		return ""
	}},
}

// straightPath reports whether m regresses onto x1 − x0 along
// x_t = (1 − t)x0 + t·x1 (plus constant noise, as kind cfm's): its kind's
// Straight.
func straightPath(m Method) bool {
	f := KindOf(m.Kind).Straight
	return f != nil && f(m)
}

// pathNoise is the σ of the noise of m's probability path (0 for a kind
// without a path, or a method whose path is invalid).
func pathNoise(m Method) float64 {
	k := KindOf(m.Kind)
	if k.Path == nil {
		return 0
	}
	p, err := k.Path(m)
	if err != nil {
		return 0
	}
	return p.Noise
}

// CheckLabel returns why m's label misnames its algorithm, or "" when the
// label names no known algorithm or names the right one.
func CheckLabel(m Method) string {
	for _, k := range knownLabels {
		if match := k.pattern.FindStringSubmatch(m.Label); match != nil {
			if why := k.check(m, match); why != "" {
				return fmt.Sprintf("label %q names %s, but kind %s with coupling %q is not it: %s", m.Label, k.name, m.Kind, m.Coupling, why)
			}
			return ""
		}
	}
	return ""
}
