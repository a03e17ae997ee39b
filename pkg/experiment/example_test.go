package experiment_test

import (
	"fmt"

	"github.com/flowbench/flowbench/pkg/experiment"
)

// A spec with a misspelt solver name fails with one error that names the
// file, line and column, the field, the valid choices and the nearest one.
func ExampleParse() {
	spec := []byte(`name: demo
data: {target: 8gaussians}
methods:
  - {label: OT-CFM, kind: ot}
evaluation:
  solvers:
    - {name: rk5, steps: [8]}
`)
	_, err := experiment.Parse("demo.yaml", spec, nil, experiment.BuiltinRegistry())
	fmt.Println(err)
	// Output:
	// demo.yaml:7:14: evaluation.solvers[0].name: unknown value "rk5" (valid: dopri5, euler, euler-maruyama, heun, midpoint, rk4); did you mean "rk4"?
}
