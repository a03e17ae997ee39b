package main

import (
	"runtime"
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

// TestBusyCores: the measured busy share lies within [0, cores] and rises
// while this test keeps a core spinning.
func TestBusyCores(t *testing.T) {
	idle, ok := busyCores()
	if !ok {
		t.Skip("/proc/stat not readable on this platform")
	}
	if idle < 0 || idle > float64(runtime.NumCPU())+0.01 {
		t.Fatalf("busyCores = %v outside [0, %d]", idle, runtime.NumCPU())
	}
	stop := make(chan struct{})
	go func() {
		x := 0
		for {
			select {
			case <-stop:
				return
			default:
				x++
			}
		}
	}()
	spin, _ := busyCores()
	close(stop)
	if spin < 0.5 {
		t.Errorf("busyCores = %v while a goroutine spins on one core (%v before), want ≥ 0.5", spin, idle)
	}
}
