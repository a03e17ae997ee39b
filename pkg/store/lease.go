package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// LeaseDir is the directory, inside a results directory, of the claims
// that writers sharing the directory take before computing an artifact.
const LeaseDir = "leases"

// DefaultLeaseTTL is how long a claim survives without a heartbeat before
// another writer may take it over. Heartbeats come every TTL/4.
const DefaultLeaseTTL = 2 * time.Minute

// ErrClaimed is returned by Claim when another live writer holds the claim.
var ErrClaimed = errors.New("store: claimed by another writer")

// LeaseInfo is the content of a lease file: who holds it and since when.
// The file's modification time is the heartbeat.
type LeaseInfo struct {
	Owner   string    `json:"owner"` // host:pid:start, unique per process
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	// Job names the batch job holding the lease (SLURM_JOB_ID and
	// SLURM_ARRAY_TASK_ID, or the Kubernetes pod), for `runexp status`.
	Job string `json:"job,omitempty"`
}

// Leases hands out the claims of one process on one results directory.
//
// A claim is a lease file leases/<key> created exclusively (O_EXCL: of
// several writers racing for it exactly one succeeds) holding the owner,
// and touched every TTL/4 while the artifact is computed. It is removed
// when the artifact is stored or abandoned. A lease whose heartbeat is
// older than TTL, or whose owner is a dead process on this host, is stale:
// the next writer takes it over (under a takeover lock, so that two
// writers cannot both replace the same stale lease). Clocks of the hosts
// sharing a directory must agree to well within TTL.
//
// Leases only save work: every artifact is a pure function of its key and
// is written by atomic rename, so two writers that compute the same
// artifact anyway (a lease taken over from a writer that was only slow)
// write the same bytes.
type Leases struct {
	dir   string
	TTL   time.Duration
	owner LeaseInfo
	host  string
}

// NewLeases returns the lease manager of the results directory root for
// this process, with the given TTL (DefaultLeaseTTL when ttl <= 0).
func NewLeases(root string, ttl time.Duration) (*Leases, error) {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	dir := filepath.Join(root, LeaseDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	host, _ := os.Hostname()
	now := time.Now()
	job := ""
	if id := os.Getenv("SLURM_JOB_ID"); id != "" {
		job = "slurm " + id
		if t := os.Getenv("SLURM_ARRAY_TASK_ID"); t != "" {
			job += " task " + t
		}
	} else if idx := os.Getenv("JOB_COMPLETION_INDEX"); idx != "" {
		job = "k8s index " + idx
	}
	info := LeaseInfo{
		Owner: fmt.Sprintf("%s:%d:%d", host, os.Getpid(), now.UnixNano()),
		Host:  host, PID: os.Getpid(), Started: now.UTC().Truncate(time.Second), Job: job,
	}
	return &Leases{dir: dir, TTL: ttl, owner: info, host: host}, nil
}

// Owner is this process's owner string.
func (l *Leases) Owner() string { return l.owner.Owner }

func (l *Leases) path(key string) string {
	checkName(key)
	return filepath.Join(l.dir, key)
}

// Lease is a held claim. Release it when the artifact is stored or
// abandoned.
type Lease struct {
	l    *Leases
	key  string
	stop chan struct{}
	once sync.Once
	done chan struct{}
}

// Claim takes the claim of key: it returns ErrClaimed if a live writer
// holds it, and takes a stale lease over.
func (l *Leases) Claim(key string) (*Lease, error) {
	p := l.path(key)
	for attempt := 0; attempt < 3; attempt++ {
		err := l.create(p)
		if err == nil {
			return l.hold(key), nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("store: claiming %s: %w", key, err)
		}
		info, age, err := readLease(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released as we looked: try again
		}
		if err == nil && !l.stale(info, age) {
			return nil, ErrClaimed
		}
		// Stale (or unreadable, e.g. a writer killed between create and
		// write, once it has aged): take it over under the takeover lock.
		if err != nil && age < l.TTL {
			return nil, ErrClaimed
		}
		if ok, err := l.takeOver(p, info); err != nil {
			return nil, err
		} else if ok {
			return l.hold(key), nil
		}
	}
	return nil, ErrClaimed
}

// create makes the lease file exclusively and writes the owner into it.
func (l *Leases) create(p string) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(l.owner)
	_, werr := f.Write(append(b, '\n'))
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(p)
		return fmt.Errorf("writing lease: %v %v", werr, cerr)
	}
	return nil
}

// takeOver replaces the stale lease at p (whose owner was seen as old)
// with one of ours. The takeover lock p+".takeover", itself created
// exclusively, makes the check-remove-create sequence atomic among
// writers; a takeover lock older than TTL (its writer died within those
// few system calls) is removed.
func (l *Leases) takeOver(p string, old LeaseInfo) (bool, error) {
	lock := p + ".takeover"
	f, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if fi, serr := os.Stat(lock); serr == nil && time.Since(fi.ModTime()) > l.TTL {
			os.Remove(lock)
		}
		return false, nil
	}
	f.Close()
	defer os.Remove(lock)
	info, age, err := readLease(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err == nil && (info.Owner != old.Owner || !l.stale(info, age)):
		return false, nil // renewed or replaced meanwhile
	case err != nil && age < l.TTL:
		return false, nil
	default:
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("store: removing stale lease: %w", err)
		}
	}
	if err := l.create(p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("store: %w", err)
	}
	return true, nil
}

// stale reports whether a lease may be taken over: its heartbeat is older
// than TTL, or its owner is a process of this host that no longer runs.
func (l *Leases) stale(info LeaseInfo, age time.Duration) bool {
	if age > l.TTL {
		return true
	}
	return info.Host == l.host && info.PID > 0 && !alive(info.PID)
}

// alive reports whether a process of this host exists (signal 0 on
// Unix; on Windows, whether it can be opened).
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	if runtime.GOOS == "windows" {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// readLease reads a lease file and the age of its heartbeat.
func readLease(p string) (LeaseInfo, time.Duration, error) {
	var info LeaseInfo
	fi, err := os.Stat(p)
	if err != nil {
		return info, 0, err
	}
	age := time.Since(fi.ModTime())
	b, err := os.ReadFile(p)
	if err != nil {
		return info, age, err
	}
	if err := json.Unmarshal(b, &info); err != nil || info.Owner == "" {
		return info, age, fmt.Errorf("store: unreadable lease %s", p)
	}
	return info, age, nil
}

// hold starts the heartbeat of a claim just taken.
func (l *Leases) hold(key string) *Lease {
	ls := &Lease{l: l, key: key, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(ls.done)
		t := time.NewTicker(l.TTL / 4)
		defer t.Stop()
		for {
			select {
			case <-ls.stop:
				return
			case <-t.C:
				if !ls.mine() {
					return // taken over: the other writer's result is the same
				}
				now := time.Now()
				os.Chtimes(l.path(key), now, now)
			}
		}
	}()
	return ls
}

// mine reports whether the lease file still names this process.
func (ls *Lease) mine() bool {
	info, _, err := readLease(ls.l.path(ls.key))
	return err == nil && info.Owner == ls.l.owner.Owner
}

// Release stops the heartbeat and removes the lease file if it is still
// this process's. It is safe to call more than once.
func (ls *Lease) Release() {
	ls.once.Do(func() {
		close(ls.stop)
		<-ls.done
		if ls.mine() {
			os.Remove(ls.l.path(ls.key))
		}
	})
}

// Claims lists the lease files of a results directory (for `runexp
// status`): key → holder and whether the lease is stale by ttl.
func Claims(root string, ttl time.Duration) (map[string]ClaimState, error) {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	ents, err := os.ReadDir(filepath.Join(root, LeaseDir))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]ClaimState{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	host, _ := os.Hostname()
	l := &Leases{TTL: ttl, host: host}
	out := map[string]ClaimState{}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".") {
			continue // takeover locks
		}
		info, age, err := readLease(filepath.Join(root, LeaseDir, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		out[e.Name()] = ClaimState{Info: info, Age: age, Stale: err != nil && age > ttl || err == nil && l.stale(info, age)}
	}
	return out, nil
}

// ClaimState is one lease as `runexp status` shows it.
type ClaimState struct {
	Info  LeaseInfo
	Age   time.Duration // since the last heartbeat
	Stale bool
}

// SharedTempAge is how long a temporary file must have gone unwritten
// before CleanTempShared may remove it.
const SharedTempAge = 10 * time.Minute

// CleanTempShared is CleanTemp for a store that writers on other hosts
// may share: a pid in a temporary file's name identifies a process of the
// writing host only, so a file is removed only when CleanTemp's rule says
// its owner is gone and it has not been written for SharedTempAge (a
// write in progress lasts seconds).
func (s *Store) CleanTempShared() error { return s.cleanTemp(SharedTempAge) }
