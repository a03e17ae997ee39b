package experiment

import (
	"fmt"
	"strings"
	"testing"
)

const base = `name: s
data: {target: moons}
training: {steps: [10, 20], optimizer: {lr: [0.1, 0.2, 0.3]}}
methods: [{label: A, kind: ot, sigma_min: [0, 0.5]}]
evaluation: {solvers: [{name: euler, steps: [1]}]}
`

func points(t *testing.T, src string, sets ...string) []string {
	t.Helper()
	f, err := Parse("s.yaml", []byte(src), sets, BuiltinRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range f.Points {
		out = append(out, strings.Join(p.Values, " "))
	}
	return out
}

// TestGridOrder: file order of axes, first axis slowest (documented in
// SCHEMA.md); 2 × 3 × 2 = 12 points.
func TestGridOrder(t *testing.T) {
	got := points(t, base)
	var want []string
	for _, s := range []string{"10", "20"} {
		for _, lr := range []string{"0.1", "0.2", "0.3"} {
			for _, sm := range []string{"0", "0.5"} {
				want = append(want, fmt.Sprintf("%s %s %s", s, lr, sm))
			}
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("grid\n got %v\nwant %v", got, want)
	}
}

// TestIncludeExclude: an exclude entry drops every matching point (3 of
// 12 here); include appends a point built on the first values, once.
func TestIncludeExclude(t *testing.T) {
	src := base + `sweep:
  exclude:
    - training.steps: 20
      methods[A].sigma_min: 0.5
    - {training.optimizer.lr: 0.3, training.steps: 10}
  include: [{training.optimizer.lr: 1.0e-4}, {training.optimizer.lr: 0.1}]
`
	got := points(t, src)
	// 12 − 3 (steps 20, σ 0.5) − 2 (lr 0.3, steps 10) = 7, plus one new
	// point (lr 1e-4); lr 0.1 with the first values already exists.
	if len(got) != 8 || got[7] != "10 0.0001 0" {
		t.Fatalf("points %v", got)
	}
	for _, p := range got {
		if strings.HasPrefix(p, "20 ") && strings.HasSuffix(p, " 0.5") || strings.HasPrefix(p, "10 0.3 ") {
			t.Fatalf("excluded point %q kept", p)
		}
	}
}

func TestSetOverrides(t *testing.T) {
	if got := points(t, base, "training.steps=5", "methods[A].sigma_min=0.1"); len(got) != 3 {
		t.Fatalf("after fixing two axes: %d points, want 3", len(got))
	}
	for _, c := range []struct{ set, want string }{
		{"training.stepz=1", "-set: training.stepz: unknown field (valid: steps, batch, optimizer, schedule, grad_clip, ema, curve_every); did you mean \"steps\"?"},
		{"methods[B].sigma_min=1", "-set: methods[B]: no such element (valid: A)"},
		{"training.batch=abc", "s.yaml: training.batch: expected an integer, got string \"abc\" (set by -set)"},
	} {
		_, err := Parse("s.yaml", []byte(base), []string{c.set}, BuiltinRegistry())
		if err == nil || err.Error() != c.want {
			t.Errorf("-set %s: error %v\nwant %s", c.set, err, c.want)
		}
	}
}

// TestHashIgnoresSpelling: the effective-spec hash depends on values only.
func TestHashIgnoresSpelling(t *testing.T) {
	f1, _ := Parse("a", []byte(base), nil, BuiltinRegistry())
	re := strings.Replace(base, "lr: [0.1, 0.2, 0.3]", "lr: [1e-1, 2.0e-1, 0.30]", 1)
	f2, err := Parse("b", []byte("# c\n"+re), nil, BuiltinRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if f1.Hash() != f2.Hash() {
		t.Fatal("respelled spec hashes differently")
	}
	f3, _ := Parse("c", []byte(base), []string{"training.batch=7"}, BuiltinRegistry())
	if f3.Hash() == f1.Hash() {
		t.Fatal("an override did not change the hash")
	}
}
