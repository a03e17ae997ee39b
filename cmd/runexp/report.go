package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/report"
	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/runner"
	"github.com/flowbench/flowbench/pkg/store"
)

func init() {
	register(&Command{
		UsageLine: "runexp report DIR",
		Short:     "rebuild a report from a results directory's spec and store",
		Long: `Report rebuilds report.md, runs.csv and the figures of a results directory
from the files in it alone (spec.yaml, provenance.json and the store),
with the report code of this binary. Artifacts missing from the store
are reported as missing, never computed.

Examples:

	runexp report results/quickstart
	runexp report /tmp/out/sweep`,
		Flag: func(fs *flag.FlagSet) func(io.Writer, io.Writer, []string) error {
			return func(stdout, stderr io.Writer, args []string) error {
				if len(args) != 1 {
					return usageErrorf("usage: runexp report DIR (runexp help report)")
				}
				return runReport(stdout, stderr, args[0])
			}
		},
	})
}

// runReport is `runexp report DIR`: rebuild report.md, runs.csv and the
// figures from the results directory alone (its spec.yaml and store).
// Artifacts missing from the store are reported as missing, not computed.
func runReport(stdout, stderr io.Writer, dir string) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageErrorf("runexp report: %s is not a results directory", dir)
	}
	reg := registry()
	f, err := experiment.Load(filepath.Join(dir, specFile), nil, reg)
	if err != nil {
		return withStatus(exitUsage, err)
	}
	st, err := store.OpenExisting(dir)
	if err != nil {
		return failed(err)
	}
	recs, missing, corrupt, err := runner.LoadChecked(runner.NewPlan(f, reg), st)
	if err != nil {
		return failed(err)
	}
	for _, e := range corrupt {
		fmt.Fprintf(stderr, "runexp: left out of the report: %v (rerun the spec to recompute it)\n", e)
	}
	prov := runner.CollectProvenance(f.Hash())
	if b, err := os.ReadFile(filepath.Join(dir, provenanceFile)); err == nil {
		if p, err := runner.ParseProvenance(b); err == nil {
			prov = p // the provenance of the run, not of this binary
		}
	}
	var pub *report.Published
	if f.Points[0].Spec.Report.Published != "" {
		if pub, err = report.ReadPublished(filepath.Join(dir, publishedFile)); err != nil {
			return failed(err)
		}
	}
	if len(recs) == 0 {
		return failed(fmt.Errorf("report: %s: the store holds none of the spec's %d artifacts; run the spec into this directory first", dir, missing))
	}
	if err := writeReport(dir, f, recs, prov, pub); err != nil {
		return failed(err)
	}
	fmt.Fprintf(stdout, "report: %s (%d records", filepath.Join(dir, report.ReportFile), len(recs))
	if missing > 0 {
		fmt.Fprintf(stdout, ", %d artifacts missing from the store", missing)
	}
	fmt.Fprintln(stdout, ")")
	return nil
}

// writeReport hands the records to pkg/report, with the published cells
// of the metrics in report.compare (all of them when it is empty).
func writeReport(dir string, f *experiment.File, recs []results.Run, prov runner.Provenance, pub *report.Published) error {
	s := f.Points[0].Spec
	title := s.Report.Title
	if title == "" {
		title = s.Name
	}
	// The records come in plan order (methods, stages, solvers in spec
	// order), so first appearance gives each axis its spec order; axes of
	// numbers (seeds, step counts, tolerances) are left to sort
	// numerically.
	var axes []string
	order := map[string][]string{}
	numeric := map[string]bool{}
	for _, r := range recs {
		for _, p := range r.Params {
			if slices.Contains(runner.DescriptiveParams, p.Key) {
				continue
			}
			if !slices.Contains(axes, p.Key) {
				axes, numeric[p.Key] = append(axes, p.Key), true
			}
			if !slices.Contains(order[p.Key], p.Value) {
				order[p.Key] = append(order[p.Key], p.Value)
				_, err := strconv.ParseFloat(p.Value, 64)
				numeric[p.Key] = numeric[p.Key] && err == nil
			}
		}
	}
	for a, num := range numeric {
		if num {
			delete(order, a)
		}
	}
	var figs []report.Figure
	if s.Report.Figures != nil {
		figs = []report.Figure{}
		for _, name := range s.Report.Figures {
			fig, err := report.ParseFigure(name)
			if err != nil {
				return err // validation uses the same names
			}
			figs = append(figs, fig)
		}
	}
	kv := []report.KV{
		{Key: "spec", Value: specPath(f, prov)},
		{Key: "spec sha256", Value: prov.SpecHash},
		{Key: "flowbench", Value: prov.Module + " " + prov.Version},
		{Key: "revision", Value: revision(prov)},
		{Key: "go", Value: prov.GoVersion},
		{Key: "platform", Value: prov.GOOS + "/" + prov.GOARCH},
	}
	var deps []report.KV
	for _, d := range prov.Deps {
		deps = append(deps, report.KV{Key: d.Path, Value: d.Version})
	}
	if pub != nil && len(s.Report.Compare) > 0 {
		kept := *pub
		kept.Cells = nil
		for _, c := range pub.Cells {
			if slices.Contains(s.Report.Compare, c.Metric) {
				kept.Cells = append(kept.Cells, c)
			}
		}
		pub = &kept
	}
	return report.Write(dir, report.Input{
		Published:    pub,
		Title:        title,
		Description:  s.Description,
		SpecYAML:     string(f.Effective()),
		Provenance:   kv,
		Dependencies: deps,
		Axes:         axes,
		Order:        order,
		Runs:         recs,
		Options:      report.Options{Figures: figs, Summary: summaryMetrics(s)},
	})
}

// summaryMetrics is report.summary, or the first metric of
// evaluation.metrics.
func summaryMetrics(s experiment.Spec) []string {
	if len(s.Report.Summary) > 0 {
		return s.Report.Summary
	}
	if len(s.Evaluation.Metrics) > 0 {
		return s.Evaluation.Metrics[:1]
	}
	return nil
}

func revision(p runner.Provenance) string {
	if p.Revision == "" {
		return "unknown (no VCS stamp in the binary and no git checkout in the working directory)"
	}
	r := p.Revision
	if p.RevisionFrom == "git" {
		r += " (from git in the working directory)"
	}
	if p.Modified {
		r += " (with uncommitted changes)"
	}
	return r
}

// specPath is the spec file as the run named it (a report rebuilt from a
// results directory would otherwise name DIR/spec.yaml).
func specPath(f *experiment.File, p runner.Provenance) string {
	if p.SpecPath != "" {
		return p.SpecPath
	}
	return f.Path
}
