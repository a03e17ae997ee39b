package solvers_test

import (
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/solvers/testode"
)

// TestRegistry checks every registry entry against the solver it builds:
// the name round-trips, a fixed-step entry's stage count and order are its
// tableau's and a solve of n steps costs n·Stages evaluations, an adaptive
// entry's evaluations per attempted step are Stages (plus the start-up
// evaluations of the first step), and its order matches the measured
// convergence of TestOrderFixed / the Dopri5 tests.
func TestRegistry(t *testing.T) {
	p := testode.Rotation(rotPts)
	for _, info := range solvers.Registry() {
		got, ok := solvers.Lookup(info.Name)
		if !ok || got.Name != info.Name {
			t.Fatalf("Lookup(%q) = %+v, %v", info.Name, got, ok)
		}
		s, err := solvers.ByName(info.Name, 8, 1e-6, 1e-6)
		if err != nil {
			t.Fatal(err)
		}
		if s.Name() != info.Name {
			t.Errorf("ByName(%q) built %q", info.Name, s.Name())
		}
		if solvers.IsAdaptive(info.Name) != info.Adaptive {
			t.Errorf("%s: IsAdaptive disagrees with the entry", info.Name)
		}
		_, st := solveErr(t, s, p)
		if info.Adaptive {
			if info.Tableau != nil {
				t.Errorf("%s: adaptive with a tableau", info.Name)
			}
			attempts := st.Steps + st.Rejected
			if st.NFE < info.Stages*attempts || st.NFE > info.Stages*attempts+2 {
				t.Errorf("%s: %d evaluations for %d attempted steps, want %d per step (+ at most 2)", info.Name, st.NFE, attempts, info.Stages)
			}
			continue
		}
		tab := info.Tableau
		if tab == nil || tab.Name != info.Name || tab.Stages() != info.Stages || tab.Order != info.Order {
			t.Errorf("%s: entry (stages %d, order %d) disagrees with its tableau %+v", info.Name, info.Stages, info.Order, tab)
		}
		if st.NFE != 8*info.Stages {
			t.Errorf("%s: 8 steps took %d evaluations, want %d", info.Name, st.NFE, 8*info.Stages)
		}
	}
	if _, err := solvers.ByName("rk5", 1, 0, 0); err == nil || !strings.Contains(err.Error(), strings.Join(solvers.Names(), ", ")) {
		t.Errorf("unknown solver: error %v, want one listing the names", err)
	}
	if _, err := solvers.ByName("rk4", 0, 0, 0); err == nil {
		t.Error("rk4 with 0 steps: no error")
	}
}
