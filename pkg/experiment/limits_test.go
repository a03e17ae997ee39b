package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const small = `name: s
data: {target: moons}
training: {steps: 10}
methods: [{label: A, kind: ot}]
evaluation: {solvers: [{name: euler, steps: [1]}]}
`

func parseErr(t *testing.T, src string, sets ...string) string {
	t.Helper()
	_, err := Parse("s.yaml", []byte(src), sets, BuiltinRegistry())
	if err == nil {
		t.Fatalf("accepted:\n%s\n-set %q", src, sets)
	}
	return err.Error()
}

// TestAliasBomb: nested aliases (each level doubling the expansion) under
// an unknown key: 30 levels would be 2^30 nodes; the parser refuses in
// milliseconds and little memory instead of expanding them.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString(small + "junk:\n  l0: &l0 [x, x]\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "  l%d: &l%d [*l%d, *l%d]\n", i, i, i-1, i-1)
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	msg := parseErr(t, b.String())
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if !strings.Contains(msg, "aliases") {
		t.Errorf("error %q does not say aliases", msg)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
	// A modest alias is fine and means its expansion.
	shared := `name: s
data: {target: moons}
training: {steps: 10}
methods: [{label: A, kind: ot, coupling: &c ot}, {label: B, kind: ot, coupling: *c}]
evaluation: {solvers: [{name: euler, steps: [1]}]}
`
	f, err := Parse("s.yaml", []byte(shared), nil, BuiltinRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if m := f.Points[0].Spec.Methods; m[1].Coupling != "ot" || m[0].Coupling != "ot" {
		t.Errorf("alias not expanded: %+v", m)
	}
}

// TestErrorCap: a spec with 3000 unknown keys prints the first 50
// problems and one line counting the rest.
func TestErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(small)
	for i := range 3000 {
		fmt.Fprintf(&b, "bogus%d: 1\n", i)
	}
	lines := strings.Split(parseErr(t, b.String()), "\n")
	if len(lines) != MaxErrors+1 {
		t.Fatalf("%d lines, want %d", len(lines), MaxErrors+1)
	}
	if !strings.HasSuffix(lines[MaxErrors], "and 2950 more problems") {
		t.Errorf("last line %q", lines[MaxErrors])
	}
	if !strings.Contains(lines[0], "s.yaml:6:1: bogus0: unknown field") {
		t.Errorf("first line %q", lines[0])
	}
}

func TestTooManyNodes(t *testing.T) {
	var b strings.Builder
	b.WriteString(small)
	for i := range MaxExpandedNodes {
		fmt.Fprintf(&b, "k%d: 1\n", i)
	}
	if msg := parseErr(t, b.String()); !strings.Contains(msg, "a spec has hundreds") || strings.Contains(msg, "alias") {
		t.Errorf("error %q", msg)
	}
}

func TestBoundedInputMessages(t *testing.T) {
	cases := []struct {
		src  string
		sets []string
		want string
	}{
		{small + "---\nname: other\n", nil, "s.yaml:6:1: a second YAML document"},
		{small, []string{"seeds[=1"}, "'[' is never closed"},
		{small, []string{"seeds]=1"}, "']' without '['"},
		{small, []string{"methods[]=1"}, "empty brackets"},
		{strings.Replace(small, "steps: 10", "steps: 1e18", 1), nil, "training.steps: 1e18 is too large: integers in a spec are at most 2^53"},
		{strings.Replace(small, "name: s", "name: "+strings.Repeat("n", 300), 1), nil, "name: must be 1 to 100 letters"},
		{strings.Replace(small, "label: A", `label: "A\nB"`, 1), nil, "must not contain control characters"},
		{strings.Replace(small, "label: A", "label: "+strings.Repeat("é", 101), 1), nil, "is 101 characters long"},
		{strings.Replace(small, "{label: A, kind: ot}", "{label: A, kind: ot, train_steps: 10}", 1), []string{"training.steps=200", "training.schedule.warmup=100"},
			"methods[0].train_steps: 10 steps are not more than the warm-up training.schedule.warmup = 100"},
	}
	for _, c := range cases {
		if msg := parseErr(t, c.src, c.sets...); !strings.Contains(msg, c.want) {
			t.Errorf("error %q, want it to contain %q", msg, c.want)
		}
	}
}

func TestLoadOnlyRegularFilesOfBoundedSize(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir, nil, BuiltinRegistry()); err == nil || !strings.Contains(err.Error(), "a directory") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := Load("/dev/zero", nil, BuiltinRegistry()); err == nil || !strings.Contains(err.Error(), "a device") {
			t.Errorf("/dev/zero: %v", err)
		}
	}
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(big, []byte(small+"#"+strings.Repeat("x", MaxSpecBytes)+"\n"), 0o644)
	if _, err := Load(big, nil, BuiltinRegistry()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a %d-byte spec: %v", MaxSpecBytes, err)
	}
}
