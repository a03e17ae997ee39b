package main

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/report"
	"github.com/flowbench/flowbench/pkg/solvers"
)

// TestRegistryFromPackages checks that the command's registry takes its
// names from the packages' own lists (report's figures, solvers' registry,
// experiment's method kinds) and that the spec's documented figure default
// is report's: every figure but those drawn only on request.
func TestRegistryFromPackages(t *testing.T) {
	reg := registry()
	var figs []string
	for _, f := range report.AllFigures() {
		figs = append(figs, string(f))
	}
	if !slices.Equal(reg.Names["figures"], figs) {
		t.Errorf("figures %v, want report.AllFigures %v", reg.Names["figures"], figs)
	}
	if got := slices.Sorted(slices.Values(reg.Names["solvers"])); !slices.Equal(got, slices.Sorted(slices.Values(solvers.Names()))) {
		t.Errorf("solvers %v, want %v", got, solvers.Names())
	}
	for _, s := range solvers.Registry() {
		if reg.Adaptive(s.Name) != s.Adaptive {
			t.Errorf("Adaptive(%s) = %v, registry says %v", s.Name, reg.Adaptive(s.Name), s.Adaptive)
		}
	}
	if !slices.Equal(reg.Names["methods"], experiment.MethodKinds()) {
		t.Errorf("methods %v, want %v", reg.Names["methods"], experiment.MethodKinds())
	}

	var onRequest []string
	for _, f := range report.AllFigures() {
		if !slices.Contains(report.DefaultFigures(), f) {
			onRequest = append(onRequest, string(f))
		}
	}
	f, _ := reflect.TypeFor[experiment.Report]().FieldByName("Figures")
	doc := f.Tag.Get("doc")
	want := "default: all but " + strings.Join(onRequest, ", ") + " "
	if len(onRequest) == 0 {
		want = "default: all"
	}
	if !strings.Contains(doc, want) {
		t.Errorf("report.figures doc %q does not say %q (report.DefaultFigures)", doc, want)
	}
}
