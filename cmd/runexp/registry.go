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
		// "file" and "mixture" need options (a path, a mixture): a spec
		// names those by a mapping, {file: PATH} or {mixture: ...}.
		if n != "file" && n != "mixture" {
			targets = append(targets, n)
		}
	}
	reg.Names["datasets"] = targets
	sources := []string{"normal"}
	for _, n := range targets {
		if n != "normal" {
			sources = append(sources, n)
		}
	}
	reg.Names["sources"] = sources
	var oracles []string
	for _, n := range targets {
		if datasets.IsImage(n) {
			continue // not mixtures; reading them loads files
		}
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
	reg.LoadFile = datasets.RegisterFile
	reg.DataInfo = func(name string, dim int) (int, int, error) {
		ds, err := datasets.New(name, dim, datasets.Options{})
		if err != nil {
			return 0, 0, err
		}
		return ds.Dim(), datasets.Rows(name), nil
	}
	reg.Label = datasets.RefLabel
	return reg
}

// newExecutor is the executor of `runexp` runs.
func newExecutor() runner.Executor { return runner.Local{} }
