package store

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestClaimIsExclusive(t *testing.T) {
	root := t.TempDir()
	a, err := NewLeases(root, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewLeases(root, time.Minute)
	b.owner.Owner += "-b" // a second writer of the same process
	la, err := a.Claim("k1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Claim("k1"); !errors.Is(err, ErrClaimed) {
		t.Fatalf("second claim of a held key: %v, want ErrClaimed", err)
	}
	if _, err := b.Claim("k2"); err != nil {
		t.Fatalf("claim of another key: %v", err)
	}
	cs, err := Claims(root, time.Minute)
	if err != nil || len(cs) != 2 || cs["k1"].Info.Owner != a.Owner() || cs["k1"].Stale {
		t.Fatalf("Claims = %+v, %v; want k1 held by %s and k2", cs, err, a.Owner())
	}
	la.Release()
	la.Release() // idempotent
	if _, err := os.Stat(filepath.Join(root, LeaseDir, "k1")); !os.IsNotExist(err) {
		t.Fatalf("lease file after Release: %v", err)
	}
	lb, err := b.Claim("k1")
	if err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	lb.Release()
}

// TestClaimRace: of many writers racing for one key, exactly one wins.
func TestClaimRace(t *testing.T) {
	root := t.TempDir()
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, _ := NewLeases(root, time.Minute)
			l.owner.Owner += string(rune('a' + i))
			if _, err := l.Claim("key"); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			} else if !errors.Is(err, ErrClaimed) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d writers won the claim, want 1", won)
	}
}

// TestStaleLeaseTakenOver: a lease without heartbeat for longer than TTL
// is taken over, and its old holder's Release leaves the new one alone.
func TestStaleLeaseTakenOver(t *testing.T) {
	root := t.TempDir()
	old, _ := NewLeases(root, time.Hour)
	old.host = "elsewhere" // not judged by its pid
	old.owner.Host = "elsewhere"
	lo, err := old.Claim("k")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, LeaseDir, "k")
	past := time.Now().Add(-10 * time.Minute)
	os.Chtimes(p, past, past)

	fresh, _ := NewLeases(root, time.Hour)
	fresh.owner.Owner += "-fresh"
	if _, err := fresh.Claim("k"); !errors.Is(err, ErrClaimed) {
		t.Fatalf("10-minute-old heartbeat with a 1 h TTL: %v, want ErrClaimed", err)
	}
	fresh.TTL = time.Minute
	ln, err := fresh.Claim("k")
	if err != nil {
		t.Fatalf("stale lease not taken over: %v", err)
	}
	lo.Release() // the old holder wakes up and finishes
	info, _, err := readLease(p)
	if err != nil || info.Owner != fresh.Owner() {
		t.Fatalf("after the old holder's Release the lease is %+v, %v; want the new holder's", info, err)
	}
	ln.Release()
}

// TestDeadOwnerTakenOver: a lease of a process of this host that no longer
// runs is stale at once, whatever its heartbeat.
func TestDeadOwnerTakenOver(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no `true` to get a dead pid:", err)
	}
	dead := cmd.Process.Pid
	root := t.TempDir()
	l, _ := NewLeases(root, time.Hour)
	info := l.owner
	info.Owner, info.PID = "killed", dead
	b, _ := json.Marshal(info)
	os.WriteFile(filepath.Join(root, LeaseDir, "k"), b, 0o644)
	cs, _ := Claims(root, time.Hour)
	if !cs["k"].Stale {
		t.Fatalf("lease of dead pid %d not reported stale: %+v", dead, cs["k"])
	}
	lk, err := l.Claim("k")
	if err != nil {
		t.Fatalf("lease of a dead process not taken over: %v", err)
	}
	lk.Release()
}

// TestHeartbeat: a held lease's modification time advances.
func TestHeartbeat(t *testing.T) {
	root := t.TempDir()
	l, _ := NewLeases(root, 80*time.Millisecond)
	lk, err := l.Claim("k")
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Release()
	p := filepath.Join(root, LeaseDir, "k")
	past := time.Now().Add(-time.Hour)
	os.Chtimes(p, past, past)
	time.Sleep(150 * time.Millisecond)
	fi, err := os.Stat(p)
	if err != nil || time.Since(fi.ModTime()) > 100*time.Millisecond {
		t.Fatalf("heartbeat did not touch the lease: %v %v", fi.ModTime(), err)
	}
}

// TestCleanTempShared: in a shared store, a temporary file whose pid is
// not a process of this host may be another host's write in progress: it
// stays until it has gone unwritten for SharedTempAge.
func TestCleanTempShared(t *testing.T) {
	s, _ := Open(t.TempDir())
	// pid 1 runs with another start time than this one: "gone" by CleanTemp's rule.
	fresh := s.Path(".a.json.tmp-1-99999999-123")
	old := s.Path(".b.json.tmp-1-99999999-456")
	os.WriteFile(fresh, []byte("{"), 0o644)
	os.WriteFile(old, []byte("{"), 0o644)
	past := time.Now().Add(-SharedTempAge - time.Minute)
	os.Chtimes(old, past, past)
	if err := s.CleanTempShared(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("a fresh temporary file of another writer was removed: %v", err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatalf("an abandoned temporary file was kept: %v", err)
	}
}
