package experiment

import (
	"strings"
	"testing"
)

// FuzzParse: any spec text with any -set override gives an error or a
// valid file of at least one grid point, never a panic, and within the
// bounds of limits.go (aliases, error count).
func FuzzParse(f *testing.F) {
	f.Add(small, "training.steps=20")
	f.Add(base, "methods[A].sigma_min=[0, 0.1]")
	f.Add(small, "seeds[=1")
	f.Add("a: &a [1, 2]\nb: [*a, *a]\n", "x=1")
	f.Add(small+"---\nname: t\n", "")
	f.Add("name: s\nsweep: {exclude: [{training.steps: 10}]}\n", "evaluation.solvers=[{name: rk4}]")
	reg := BuiltinRegistry()
	f.Fuzz(func(t *testing.T, src, set string) {
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		file, err := Parse("f.yaml", []byte(src), sets, reg)
		if err != nil {
			if n := strings.Count(err.Error(), "\n") + 1; n > MaxErrors+1 {
				t.Fatalf("%d error lines", n)
			}
			return
		}
		if len(file.Points) == 0 {
			t.Fatal("a valid spec without grid points")
		}
		file.Hash()
		file.Effective()
	})
}
