package main

import (
	"path/filepath"
	"testing"

	"github.com/flowbench/flowbench/pkg/experiment"
)

// TestCommittedLabels: in every committed spec (experiments/*.yaml), a method label that names a known
// algorithm (OT-CFM, I-CFM, SB-CFM, RF, FM, VP, [SF]2M) names the method's
// kind and coupling (experiment.CheckLabel). testdata/mislabelled.yaml is
// the failing case, checked by TestValidateGolden.
func TestCommittedLabels(t *testing.T) {
	specs, _ := filepath.Glob("../../experiments/*.yaml")
	if len(specs) == 0 {
		t.Fatal("no specs in experiments/")
	}
	n := 0
	for _, p := range specs {
		s, err := experiment.Load(p, nil, registry())
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		for _, pt := range s.Points {
			for i, m := range pt.Spec.Methods {
				n++
				if why := experiment.CheckLabel(m); why != "" {
					t.Errorf("%s: methods[%d]: %s", p, i, why)
				}
			}
		}
	}
	if _, err := experiment.Load("testdata/mislabelled.yaml", nil, registry()); err == nil {
		t.Error("testdata/mislabelled.yaml validates")
	}
	t.Logf("%d methods (over grid points) in %d specs", n, len(specs))
}
