package store

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/flowbench/flowbench/pkg/results"
)

func TestPutGetRoundTrip(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := results.Run{Kind: "eval", Key: "abc", Params: []results.Param{{Key: "solver", Value: "rk4"}},
		Metrics: []results.Metric{{Name: "sw2", Value: 0.125}}, Status: "ok"}
	if _, ok, err := s.Get("abc"); ok || err != nil {
		t.Fatalf("Get before Put: ok=%v err=%v, want absent", ok, err)
	}
	if err := s.Put(r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get("abc")
	if !ok || err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("Get = %+v, %v, %v; want %+v", got, ok, err, r)
	}
	if !s.Has("abc") || s.Has("abd") {
		t.Fatal("Has disagrees with what was written")
	}
}

// TestFailedWriteLeavesNothing checks atomicity: a write that fails half
// way leaves neither a partial file nor a temporary file behind, and an
// existing file keeps its old contents.
func TestFailedWriteLeavesNothing(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile("x.npy", []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	err = s.Create("x.npy", func(w io.Writer) error {
		w.Write([]byte("partial new content"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Create error = %v, want %v", err, boom)
	}
	b, _ := s.ReadFile("x.npy")
	if string(b) != "old" {
		t.Fatalf("after a failed write the file holds %q, want the old %q", b, "old")
	}
	err = s.Create("y.npy", func(w io.Writer) error { return boom })
	if err == nil || s.Exists("y.npy") {
		t.Fatal("a failed first write left a file")
	}
	ents, _ := os.ReadDir(filepath.Join(s.Root(), Dir))
	if len(ents) != 1 {
		t.Fatalf("store holds %d entries after failed writes, want 1 (x.npy)", len(ents))
	}
}

func TestCleanTemp(t *testing.T) {
	s, _ := Open(t.TempDir())
	// A temporary file as a killed writer leaves it.
	os.WriteFile(s.Path(".k.json.tmp-123"), []byte("{"), 0o644)
	s.WriteFile("k.json", []byte("{}"))
	if err := s.CleanTemp(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(s.Root(), Dir))
	if len(ents) != 1 || ents[0].Name() != "k.json" {
		t.Fatalf("after CleanTemp: %v, want only k.json", ents)
	}
}

func TestGetRejectsMismatchedKey(t *testing.T) {
	s, _ := Open(t.TempDir())
	s.Put(results.Run{Kind: "train", Key: "aaa", Status: "ok"})
	os.Rename(s.Path("aaa.json"), s.Path("bbb.json"))
	if _, _, err := s.Get("bbb"); err == nil {
		t.Fatal("a record stored under the wrong key was accepted")
	}
}
