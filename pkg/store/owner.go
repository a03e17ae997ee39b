package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Temporary files are named ".<name>.tmp-<pid>-<start>-<random>", where
// <start> is the writing process's start time (Linux: field 22 of
// /proc/<pid>/stat, clock ticks since boot; "0" where unknown). CleanTemp
// removes one only when its owner is provably gone: no process has that
// pid, or the process that has it started at another time (the pid was
// reused). Where the start time cannot be read, and for names in no known
// format, a temporary file is removed only once it is older than
// StaleTempAge. So two processes sharing a store never delete each
// other's writes in progress.

// StaleTempAge is the age past which a temporary file whose owner cannot
// be checked is taken as abandoned (a write takes seconds).
const StaleTempAge = 24 * time.Hour

var selfStart = sync.OnceValue(func() string { return startTime(os.Getpid()) })

// startTime is the start time of process pid as a decimal string, or ""
// when the process does not exist or the system cannot say.
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19] // field 22 overall
}

// procAvailable reports whether /proc describes processes here.
func procAvailable() bool { return selfStart() != "" }

// tempPattern is the os.CreateTemp pattern of a temporary file for base.
func tempPattern(base string) string {
	st := selfStart()
	if st == "" {
		st = "0"
	}
	return fmt.Sprintf(".%s.tmp-%d-%s-*", base, os.Getpid(), st)
}

// ownerGone reports whether the temporary file named name (modified at
// mod) may be removed.
func ownerGone(name string, mod time.Time, now time.Time) bool {
	_, rest, ok := strings.Cut(name, ".tmp-")
	if ok {
		parts := strings.SplitN(rest, "-", 3)
		if len(parts) == 3 && procAvailable() && parts[1] != "0" {
			pid, err := strconv.Atoi(parts[0])
			if err == nil && pid > 0 {
				return startTime(pid) != parts[1]
			}
		}
	}
	return now.Sub(mod) > StaleTempAge
}

// CleanTemp removes the temporary files of interrupted writes whose
// writer is gone (see ownerGone); those of live processes stay.
func (s *Store) CleanTemp() error { return s.cleanTemp(0) }

// cleanTemp removes the temporary files whose writer is gone (ownerGone)
// and that have not been written for longer than minAge.
func (s *Store) cleanTemp(minAge time.Duration) error {
	dir := filepath.Join(s.root, Dir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	now := time.Now()
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, ".") || !strings.Contains(n, ".tmp-") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if (minAge == 0 || now.Sub(fi.ModTime()) > minAge) && ownerGone(n, fi.ModTime(), now) {
			os.Remove(filepath.Join(dir, n))
		}
	}
	return nil
}
