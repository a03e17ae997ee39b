package main

import (
	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/report"
	"github.com/flowbench/flowbench/pkg/runner"
)

// registry is the experiment registry backed by the live packages: the
// data sets of pkg/datasets (the solvers are pkg/solvers' registry already)
// and the figures of pkg/report.
func registry() experiment.Registry {
	reg := experiment.BuiltinRegistry()
	var targets []string
	for _, n := range datasets.Names() {
		// "file" and "mixture" need options (a path, a mixture) that a spec
		// cannot give yet; "normal" is a source, not a target.
		if n != "file" && n != "mixture" && n != "normal" {
			targets = append(targets, n)
		}
	}
	reg.Names["datasets"] = targets
	reg.Names["sources"] = append([]string{"normal"}, targets...)
	var oracles []string
	for _, n := range targets {
		if ds, err := datasets.New(n, 0, datasets.Options{}); err == nil {
			if _, ok := datasets.AsMixture(ds); ok {
				oracles = append(oracles, n)
			}
		}
	}
	reg.Names["oracles"] = oracles
	reg.Names["methods"] = runner.LocalKinds
	var figs []string
	for _, f := range report.AllFigures() {
		figs = append(figs, string(f))
	}
	reg.Names["figures"] = figs
	reg.CheckDim = func(name string, dim int) error {
		_, err := datasets.New(name, dim, datasets.Options{})
		return err
	}
	return reg
}

// newExecutor is the executor of `runexp` runs.
func newExecutor() runner.Executor { return runner.Local{} }
