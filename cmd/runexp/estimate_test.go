package main

import (
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/runner"
)

// TestEstimateCouplingsAndScore: the estimator charges a training for the
// coupling its kind really uses (SB-CFM's Sinkhorn, which has no coupling
// field) and for [SF]2M's second network, and names both in the class.
func TestEstimateCouplingsAndScore(t *testing.T) {
	e := newEstimator()
	train := func(m experiment.Method) (string, float64) {
		return e.artifactSec(&runner.Artifact{Kind: runner.KindTrain, Config: runner.TrainConfig{
			Data:     runner.DataConfig{Source: "normal", Target: "8gaussians-runner", Dim: 2},
			Model:    experiment.Model{Hidden: []int{32, 32}},
			Training: experiment.Training{Steps: 100, Batch: 128},
			Method:   m,
		}}, 2)
	}
	cls, plain := train(experiment.Method{Kind: "cfm", Sigma: 0.1, Coupling: "independent"})
	if cls != "FM training" || !(plain > 0) {
		t.Fatalf("I-CFM: class %q, %v s", cls, plain)
	}
	cls, sb := train(experiment.Method{Kind: "sbcfm", Sigma: 1})
	if !strings.Contains(cls, "sinkhorn coupling") || !(sb > plain) {
		t.Errorf("SB-CFM: class %q, %v s (I-CFM %v s): the Sinkhorn plan is not charged", cls, sb, plain)
	}
	cls, sf := train(experiment.Method{Kind: "sf2m", Sigma: 1, Coupling: "independent"})
	if !strings.HasPrefix(cls, "flow + score training") || strings.Contains(cls, "coupling") || !(sf > plain) {
		t.Errorf("[SF]2M-I: class %q, %v s (I-CFM %v s)", cls, sf, plain)
	}
	cls, _ = train(experiment.Method{Kind: "sf2m", Sigma: 1, Coupling: "ot"})
	if cls != "flow + score training with ot coupling" {
		t.Errorf("[SF]2M-Exact: class %q", cls)
	}
}
