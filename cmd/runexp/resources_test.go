package main

import (
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/experiment"
)

const resSpec = `name: r
seeds: [1]
data: {target: moons, test_size: 100}
model: {hidden: [16, 16]}
training: {steps: 100, batch: 32}
methods: [{label: OT, kind: ot}]
evaluation: {samples: 100, solvers: [{name: euler, steps: [2]}], metrics: [sw2]}
`

// TestResourceCheck: values that pass the field checks but cannot fit in
// memory are refused at validation with the field to lower; the default
// sizes pass. The machine is 8 GiB here, whatever runs the test.
func TestResourceCheck(t *testing.T) {
	const mem = 8 << 30
	reg := registry()
	for _, c := range []struct{ set, want string }{
		{"", ""},
		{"data.test_size=1e9", "lower data.test_size"},
		{"evaluation.samples=1e9", "lower evaluation.samples"},
		{"training.batch=1e8", "lower training.batch"},
		{"training.batch=1e15", "lower training.batch"},
		{"model.hidden=[100000, 100000]", "lower model.hidden"},
		{"training.steps=1e12", "lower training.steps"},
	} {
		var sets []string
		if c.set != "" {
			sets = []string{c.set}
		}
		f, err := experiment.Parse("r.yaml", []byte(resSpec), sets, reg)
		if err != nil {
			t.Fatalf("%s: %v", c.set, err)
		}
		err = checkResources(f, reg, mem)
		if c.want == "" {
			if err != nil {
				t.Errorf("default sizes refused: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "8.0 GiB") {
			t.Errorf("-set %s: %v, want an error saying %q", c.set, err, c.want)
		}
	}
}
