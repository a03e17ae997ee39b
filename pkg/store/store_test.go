package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

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
	if got.RecordSHA256 == "" {
		t.Error("Put stored no record checksum")
	}
	got.RecordSHA256 = ""
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

// TestCleanTemp: a temporary file is removed only when its writer is
// provably gone (no such process, or the pid now belongs to a process
// started at another time) or, where that cannot be told, when it is
// older than StaleTempAge; a live writer's file stays.
func TestCleanTemp(t *testing.T) {
	if !procAvailable() {
		t.Skip("no /proc here: only the age rule applies")
	}
	s, _ := Open(t.TempDir())
	self, start := os.Getpid(), selfStart()
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Skip("cannot start a child process:", err)
	}
	dead := child.Process.Pid // exited and reaped
	write := func(name string, age time.Duration) {
		p := s.Path(name)
		os.WriteFile(p, []byte("{"), 0o644)
		old := time.Now().Add(-age)
		os.Chtimes(p, old, old)
	}
	keep := []string{
		fmt.Sprintf(".a.json.tmp-%d-%s-1", self, start), // this live process
		".b.json.tmp-123",                       // unknown owner, fresh
		fmt.Sprintf(".c.json.tmp-%d-0-1", dead), // start unknown, fresh
	}
	gone := []string{
		fmt.Sprintf(".d.json.tmp-%d-%s1-1", self, start), // pid reused by another start
		fmt.Sprintf(".e.json.tmp-%d-12345-1", dead),      // no such process
	}
	for _, n := range keep {
		write(n, time.Minute)
	}
	for _, n := range gone {
		write(n, time.Minute)
	}
	write(".f.json.tmp-123", StaleTempAge+time.Hour) // unknown owner, stale
	gone = append(gone, ".f.json.tmp-123")
	s.WriteFile("k.json", []byte("{}"))
	if err := s.CleanTemp(); err != nil {
		t.Fatal(err)
	}
	for _, n := range append(keep, "k.json") {
		if _, err := os.Stat(s.Path(n)); err != nil {
			t.Errorf("%s was removed: %v", n, err)
		}
	}
	for _, n := range gone {
		if _, err := os.Stat(s.Path(n)); err == nil {
			t.Errorf("%s was kept", n)
		}
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
