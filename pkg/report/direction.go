package report

import (
	"fmt"
	"strings"
)

// Direction says which way a metric improves.
type Direction int

const (
	// Unranked metrics get no best marking.
	Unranked Direction = iota
	// LowerIsBetter: distances, NLL, straightness, NFE, losses, times.
	LowerIsBetter
	// HigherIsBetter: log-likelihoods.
	HigherIsBetter
)

// String returns the phrase the report prints.
func (d Direction) String() string {
	switch d {
	case LowerIsBetter:
		return "lower is better"
	case HigherIsBetter:
		return "higher is better"
	}
	return "unranked"
}

// directions is the per-metric table behind MetricDirection, keyed by the
// metric name's first "_"-separated word (so "nll_bpd" and "sw2_test"
// follow "nll" and "sw2").
var directions = []struct {
	word string
	dir  Direction
}{
	{"sw2", LowerIsBetter},
	{"w2", LowerIsBetter},
	{"mmd", LowerIsBetter},
	{"nll", LowerIsBetter},
	{"bpd", LowerIsBetter},
	{"straightness", LowerIsBetter},
	{"npe", LowerIsBetter},
	{"nfe", LowerIsBetter},
	{"loss", LowerIsBetter},
	{"energy", LowerIsBetter},
	{"loglik", HigherIsBetter},
	{"logp", HigherIsBetter},
	{"ll", HigherIsBetter},
}

// unrankedSuffixes mark metrics that describe a measurement rather than
// score a method: the standard error of an estimate (nll_stderr) and a
// reference value of the data (nll_true). They are never ranked.
var unrankedSuffixes = []string{"_stderr", "_true", "_std", "_count"}

// MetricDirection returns the direction of the named metric: names ending
// in "_seconds" are wall times (lower is better); names ending in
// "_stderr", "_true", "_std" or "_count" are unranked; otherwise the name's
// first "_"-separated word is looked up in a fixed table (sw2, w2, mmd,
// nll, bpd, straightness, npe, nfe, loss, energy: lower; loglik, logp, ll:
// higher). Any other name is Unranked.
func MetricDirection(name string) Direction {
	if isSeconds(name) {
		return LowerIsBetter
	}
	for _, suffix := range unrankedSuffixes {
		if strings.HasSuffix(name, suffix) {
			return Unranked
		}
	}
	word, _, _ := strings.Cut(name, "_")
	for _, d := range directions {
		if d.word == word {
			return d.dir
		}
	}
	return Unranked
}

// isSeconds reports whether a metric is a wall time, the only kind of value
// allowed to differ between reruns.
func isSeconds(name string) bool { return strings.HasSuffix(name, "_seconds") }

// Figure names one kind of figure.
type Figure string

// The figures Write can draw.
const (
	// FigureSamples: scatter grids of samples over the test set, rows the
	// methods, columns solver × steps, one grid per dataset.
	FigureSamples Figure = "samples"
	// FigureTrajectories: ODE paths of a few points through time.
	FigureTrajectories Figure = "trajectories"
	// FigureNFE: each quality metric against NFE (log x) with CI bands.
	FigureNFE Figure = "nfe"
	// FigureLoss: training loss curves, mean and CI band over seeds.
	FigureLoss Figure = "loss"
	// FigureDensity: log-density heat maps of likelihood models.
	FigureDensity Figure = "density"
	// FigureCost: model quality (nll, sw2, w2) against training cost
	// (train_seconds, train_nfe), one point per trained model, with the
	// true NLL as a line where known.
	FigureCost Figure = "cost"
)

// figureList is the one list of figures, in the order the report shows
// them; OnRequest marks those DefaultFigures leaves out (FigureCost: every
// training records its cost, but only a comparison of training procedures
// needs the figure).
var figureList = []struct {
	Figure    Figure
	OnRequest bool
}{
	{FigureSamples, false},
	{FigureTrajectories, false},
	{FigureNFE, false},
	{FigureLoss, false},
	{FigureDensity, false},
	{FigureCost, true},
	{FigureMosaic, false}, // figure_mosaic.go; drawn for image data only
}

// AllFigures returns every figure, in the order the report shows them.
// The zero Options draws DefaultFigures.
func AllFigures() []Figure {
	out := make([]Figure, len(figureList))
	for i, f := range figureList {
		out[i] = f.Figure
	}
	return out
}

// DefaultFigures returns the figures drawn when Options.Figures is nil:
// every figure but those drawn only on request (FigureCost).
func DefaultFigures() []Figure {
	var out []Figure
	for _, f := range figureList {
		if !f.OnRequest {
			out = append(out, f.Figure)
		}
	}
	return out
}

// ParseFigure returns the Figure named s, or an error listing the names.
func ParseFigure(s string) (Figure, error) {
	for _, f := range AllFigures() {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, 0, len(AllFigures()))
	for _, f := range AllFigures() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("report: unknown figure %q (valid: %s)", s, strings.Join(names, ", "))
}

// figureSet returns the requested figures in report order.
func (in *Input) figureSet() (map[Figure]bool, error) {
	if in.Options.Figures == nil {
		set := map[Figure]bool{}
		for _, f := range DefaultFigures() {
			set[f] = true
		}
		return set, nil
	}
	set := map[Figure]bool{}
	for _, f := range in.Options.Figures {
		if _, err := ParseFigure(string(f)); err != nil {
			return nil, err
		}
		set[f] = true
	}
	return set, nil
}
