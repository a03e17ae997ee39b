package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/results"
)

// putArtifact writes a data file and its record, as the runner does.
func putArtifact(t *testing.T, s *Store, key string, data []byte) results.Run {
	t.Helper()
	if err := s.WriteFile(key+".samples.npy", data); err != nil {
		t.Fatal(err)
	}
	r := results.Run{Kind: "eval", Key: key, Status: "ok",
		Metrics: []results.Metric{{Name: "sw2", Value: 0.38}},
		Files:   []results.File{{Role: "samples", Path: s.Rel(key + ".samples.npy")}}}
	if err := s.Put(r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.GetVerified(key)
	if !ok || err != nil {
		t.Fatalf("GetVerified right after Put: ok=%v err=%v", ok, err)
	}
	return got
}

func TestPutRecordsSHA256OfFiles(t *testing.T) {
	s, _ := Open(t.TempDir())
	r := putArtifact(t, s, "k1", []byte("abc"))
	// FIPS 180-2's example: sha256("abc").
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := r.Files[0].SHA256; got != want {
		t.Fatalf("file sha256 %q, want %q", got, want)
	}
}

// TestVerifyDetectsEveryKindOfDamage flips a byte of the data file, of a
// metric in the record, truncates the record, removes the file: each is a
// *CorruptError naming the file at fault.
func TestVerifyDetectsEveryKindOfDamage(t *testing.T) {
	cases := []struct {
		name   string
		damage func(s *Store, key string)
		file   string
	}{
		{"flipped data byte", func(s *Store, key string) {
			p := s.Path(key + ".samples.npy")
			b, _ := os.ReadFile(p)
			b[3] ^= 1
			os.WriteFile(p, b, 0o644)
		}, ".samples.npy"},
		{"missing data file", func(s *Store, key string) { os.Remove(s.Path(key + ".samples.npy")) }, ".samples.npy"},
		{"edited metric", func(s *Store, key string) {
			p := s.Path(key + ".json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("0.38"), []byte("0.37"), 1), 0o644)
		}, ".json"},
		{"truncated record", func(s *Store, key string) {
			p := s.Path(key + ".json")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, ".json"},
		{"data file replaced by a directory", func(s *Store, key string) {
			p := s.Path(key + ".samples.npy")
			os.Remove(p)
			os.Mkdir(p, 0o755)
		}, ".samples.npy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := Open(t.TempDir())
			putArtifact(t, s, "k1", []byte("0123456789abcdef"))
			c.damage(s, "k1")
			_, ok, err := s.GetVerified("k1")
			var ce *CorruptError
			if ok || !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("GetVerified after damage: ok=%v err=%v, want a CorruptError", ok, err)
			}
			if ce.File != "k1"+c.file {
				t.Errorf("error names %s, want k1%s", ce.File, c.file)
			}
		})
	}
}

func TestLegacyRecordWithoutSumsPasses(t *testing.T) {
	s, _ := Open(t.TempDir())
	s.WriteFile("old.samples.npy", []byte("x"))
	r := results.Run{Kind: "eval", Key: "old", Status: "ok", Files: []results.File{{Role: "samples", Path: s.Rel("old.samples.npy")}}}
	b, _ := json.MarshalIndent(r, "", "  ")
	s.WriteFile("old.json", b)
	if _, ok, err := s.GetVerified("old"); !ok || err != nil {
		t.Fatalf("a record without checksums: ok=%v err=%v, want accepted", ok, err)
	}
	os.Remove(s.Path("old.samples.npy"))
	if _, _, err := s.GetVerified("old"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("a record whose file is gone: %v, want ErrCorrupt", err)
	}
}

func TestQuarantineMovesTheArtifactAside(t *testing.T) {
	root := t.TempDir()
	s, _ := Open(root)
	putArtifact(t, s, "k1", []byte("abc"))
	putArtifact(t, s, "k10", []byte("other")) // a key that k1 prefixes: untouched
	dst, err := s.Quarantine("k1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if s.Has("k1") || s.Exists("k1.samples.npy") {
		t.Fatal("the quarantined artifact is still in the store")
	}
	if !s.Has("k10") || !s.Exists("k10.samples.npy") {
		t.Fatal("quarantine touched another artifact")
	}
	for _, n := range []string{"k1.json", "k1.samples.npy", "REASON.txt"} {
		if _, err := os.Stat(filepath.Join(dst, n)); err != nil {
			t.Errorf("quarantine lacks %s: %v", n, err)
		}
	}
	if !strings.HasPrefix(dst, filepath.Join(root, QuarantineDir)) {
		t.Errorf("quarantined into %s, not under %s", dst, QuarantineDir)
	}
	keys, _ := s.Keys()
	if len(keys) != 1 || keys[0] != "k10" {
		t.Errorf("Keys = %v, want [k10]", keys)
	}
}

func TestNonFiniteMetricsRoundTrip(t *testing.T) {
	s, _ := Open(t.TempDir())
	r := results.Run{Kind: "eval", Key: "nf", Status: "ok", Metrics: []results.Metric{
		{Name: "a", Value: math.NaN()}, {Name: "b", Value: math.Inf(1)}, {Name: "c", Value: math.Inf(-1)}, {Name: "d", Value: 0.1}},
		Curve: results.Floats{1, math.NaN(), math.Inf(1)}}
	if err := s.Put(r); err != nil {
		t.Fatalf("Put of non-finite metrics: %v", err)
	}
	got, ok, err := s.GetVerified("nf")
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if v := got.Metrics[0].Value; !math.IsNaN(v) {
		t.Errorf("a = %v, want NaN", v)
	}
	if got.Metrics[1].Value != math.Inf(1) || got.Metrics[2].Value != math.Inf(-1) || got.Metrics[3].Value != 0.1 {
		t.Errorf("metrics %+v", got.Metrics)
	}
	if !math.IsNaN(got.Curve[1]) || got.Curve[2] != math.Inf(1) || got.Curve[0] != 1 {
		t.Errorf("curve %v", got.Curve)
	}
}
