package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/store"
)

// TestCorruptRecordIsQuarantinedAndRecomputed: a stored record edited
// after the fact (one digit of a metric) fails its checksum; the next run
// names it once, moves it to the quarantine, recomputes it and every
// cached artifact downstream of it, and ends with the records of a clean
// run.
func TestCorruptRecordIsQuarantinedAndRecomputed(t *testing.T) {
	p := load(t, spec)
	dir := t.TempDir()
	clean, err := run(t, p, dir, &fake{}, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	// The first training of a reflow chain: its pairs, the next stage and
	// all their evaluations depend on it.
	var victim *Artifact
	for _, a := range p.Artifacts {
		if a.Kind == KindTrain && len(a.dependents) > 3 {
			victim = a
			break
		}
	}
	if victim == nil {
		t.Fatal("no training with dependents in the plan")
	}
	downstream := map[string]bool{victim.Key: true}
	for _, a := range p.Artifacts {
		for _, in := range a.Inputs {
			if downstream[in.Key] {
				downstream[a.Key] = true
			}
		}
	}
	path := filepath.Join(dir, store.Dir, victim.Key+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), `"value": 0.`) + len(`"value": 0.`)
	b[i] = "1234567890"[(b[i]-'0'+1)%10]
	os.WriteFile(path, b, 0o644)

	st, _ := store.Open(dir)
	f := &fake{}
	var notices []string
	got, err := Run(t.Context(), p, st, f, Options{Jobs: 2, Notice: func(m string) { notices = append(notices, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], victim.Key[:12]) {
		t.Fatalf("notices %q, want one naming %s", notices, victim.Key[:12])
	}
	if int(f.calls.Load()) != len(downstream) {
		t.Errorf("recomputed %d artifacts, want the %d of the damaged one and its dependents", f.calls.Load(), len(downstream))
	}
	for _, k := range f.order {
		if !downstream[k] {
			t.Errorf("recomputed %s, which does not depend on the damaged artifact", k[:12])
		}
	}
	if strip(got) != strip(clean) {
		t.Error("records after healing differ from the clean run's")
	}
	q, _ := filepath.Glob(filepath.Join(dir, store.QuarantineDir, victim.Key+"-*", victim.Key+".json"))
	if len(q) != 1 {
		t.Errorf("the damaged record is not in the quarantine: %v", q)
	}
	// A third run finds everything intact.
	f3 := &fake{}
	if _, err := Run(t.Context(), p, st, f3, Options{Jobs: 2, Notice: func(m string) { t.Errorf("unexpected notice %s", m) }}); err != nil || f3.calls.Load() != 0 {
		t.Errorf("third run: %v, %d computed", err, f3.calls.Load())
	}
}
