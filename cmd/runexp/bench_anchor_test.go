package main

import (
	"os/exec"
	"testing"
)

// TestTorchAnchorScript runs the repository's PyTorch anchor,
// bench/torch_anchor.py (the default of -torch-script), with tiny counts and
// checks that runTorch finds a positive rate for every workload it asks for:
// the script's command line and output lines are the ones bench parses. It
// is skipped where /usr/bin/python3 cannot import torch.
func TestTorchAnchorScript(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python and PyTorch")
	}
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skipf("%s cannot import torch (%v): the anchor needs python3-torch", python, err)
	}
	o := benchOpts{w: 8, d: 2, batch: 16, steps: 2, iters: 1, threads: 1, repeat: 1,
		python: python, script: "../../bench/torch_anchor.py"}
	if err := o.setOnly("cfm,cnf,sample,highd"); err != nil {
		t.Fatal(err)
	}
	got, err := o.runTorch()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range o.only {
		if r := got[name]; !(r > 0) {
			t.Errorf("%s: rate %v, want > 0", name, r)
		}
	}
}
