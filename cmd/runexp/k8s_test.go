package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flowbench/flowbench/pkg/experiment"
)

// TestK8sGolden compares `runexp k8s` with testdata/k8s_tiny.golden
// (regenerate with -update), and checks what the golden file cannot: the
// output is two YAML documents, a ConfigMap whose spec.yaml is the same
// effective spec (same hash) as the spec file with its override, and an
// Indexed Job of 3 completions whose pods run shard
// $(JOB_COMPLETION_INDEX)/3 of that spec.
func TestK8sGolden(t *testing.T) {
	args := []string{"k8s", "-shards", "3", "-cpus", "2", "-mem", "2Gi", "-image", "registry.example/flowbench:v1", "testdata/tiny.spec", "training.steps=20"}
	got := runOK(t, args...)
	const golden = "testdata/k8s_tiny.golden"
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("runexp %v differs from %s (rerun with -update if the change is intended):\n%s", args, golden, got)
	}

	var docs []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader([]byte(got)))
	for {
		var d map[string]any
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("manifest is not YAML: %v", err)
		}
		docs = append(docs, d)
	}
	if len(docs) != 2 || docs[0]["kind"] != "ConfigMap" || docs[1]["kind"] != "Job" {
		t.Fatalf("want a ConfigMap and a Job, got %d documents", len(docs))
	}
	specYAML := docs[0]["data"].(map[string]any)["spec.yaml"].(string)
	reg := registry()
	inPod, err := experiment.Parse("/spec/spec.yaml", []byte(specYAML), nil, reg)
	if err != nil {
		t.Fatalf("the ConfigMap's spec does not load: %v", err)
	}
	local, err := experiment.Load("testdata/tiny.spec", []string{"training.steps=20"}, reg)
	if err != nil {
		t.Fatal(err)
	}
	if inPod.Hash() != local.Hash() {
		t.Fatal("the ConfigMap's spec is not the effective spec of tiny.spec with training.steps=20")
	}
	spec := docs[1]["spec"].(map[string]any)
	if spec["completionMode"] != "Indexed" || spec["completions"] != 3 || spec["parallelism"] != 3 {
		t.Fatalf("Job spec: %v", spec)
	}
	pod := spec["template"].(map[string]any)["spec"].(map[string]any)
	ctr := pod["containers"].([]any)[0].(map[string]any)
	var cargs []string
	for _, a := range ctr["args"].([]any) {
		cargs = append(cargs, a.(string))
	}
	i := slices.Index(cargs, "-shard")
	if i < 0 || cargs[i+1] != "$(JOB_COMPLETION_INDEX)/3" || cargs[len(cargs)-1] != "/spec/spec.yaml" || cargs[0] != "run" {
		t.Fatalf("container args %v", cargs)
	}
	if ctr["image"] != "registry.example/flowbench:v1" {
		t.Fatalf("image %v", ctr["image"])
	}
}
