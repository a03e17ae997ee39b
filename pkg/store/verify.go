package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/flowbench/flowbench/pkg/results"
)

// QuarantineDir is the directory, inside a results directory (beside the
// store, not in it), where artifacts that failed verification are moved.
const QuarantineDir = "quarantine"

// ErrCorrupt is wrapped by every integrity failure of a stored artifact:
// a record that cannot be read or parsed, holds another key, or fails its
// own checksum; a referenced file that is missing or whose bytes do not
// match the record's sha256.
var ErrCorrupt = errors.New("corrupt artifact")

// CorruptError names the artifact and the file that failed verification.
type CorruptError struct {
	Key  string // the artifact's key
	File string // the store file at fault, e.g. "<key>.testset.npy"
	Why  string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("store: artifact %s: %s: %s", short(e.Key), e.File, e.Why)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

func short(key string) string {
	if len(key) > 12 {
		return key[:12]
	}
	return key
}

// sum is the hex sha256 of b.
func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// fileName is the store file name of a record's file path
// ("store/<name>"), or an error for a path outside the store.
func fileName(p string) (string, error) {
	name, ok := strings.CutPrefix(p, Dir+"/")
	if !ok || name == "" || strings.ContainsAny(name, "/\\") || name[0] == '.' {
		return "", fmt.Errorf("path %q is not a file of the store", p)
	}
	return name, nil
}

// hashFile is the hex sha256 of a store file.
func (s *Store) hashFile(name string) (string, error) {
	f, err := os.Open(s.Path(name))
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// seal fills the sha256 of every file of r that has none, from the bytes
// on disk, and then the record's own checksum.
func (s *Store) seal(r *results.Run) error {
	r.Files = slices.Clone(r.Files)
	for i, f := range r.Files {
		if f.SHA256 != "" {
			continue
		}
		name, err := fileName(f.Path)
		if err != nil {
			return fmt.Errorf("store: record %s: %w", short(r.Key), err)
		}
		h, err := s.hashFile(name)
		if err != nil {
			return fmt.Errorf("store: record %s: %w", short(r.Key), err)
		}
		r.Files[i].SHA256 = h
	}
	r.RecordSHA256 = ""
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("store: record %s: %w", short(r.Key), err)
	}
	r.RecordSHA256 = sum(b)
	return nil
}

// RecordSum is the checksum a record carries in RecordSHA256: the hex
// sha256 of its indented JSON with that field empty.
func RecordSum(r results.Run) (string, error) {
	r.RecordSHA256 = ""
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return sum(b), nil
}

// VerifyRecord checks a record against the store: its own checksum, then
// every file it references, which must exist, be a regular file and hash
// to the record's sha256. Records written before the store carried
// checksums (empty sums) pass on the files' presence alone. An integrity
// failure is a *CorruptError (errors.Is(err, ErrCorrupt)).
func (s *Store) VerifyRecord(r results.Run) error {
	bad := func(file, why string) error { return &CorruptError{Key: r.Key, File: file, Why: why} }
	if r.RecordSHA256 != "" {
		want, err := RecordSum(r)
		if err != nil {
			return bad(r.Key+".json", err.Error())
		}
		if want != r.RecordSHA256 {
			return bad(r.Key+".json", "the record does not match its own checksum (edited or damaged)")
		}
	}
	for _, f := range r.Files {
		name, err := fileName(f.Path)
		if err != nil {
			return bad(r.Key+".json", err.Error())
		}
		fi, err := os.Lstat(s.Path(name))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return bad(name, "missing")
			}
			return fmt.Errorf("store: %w", err) // I/O, not integrity
		}
		if !fi.Mode().IsRegular() {
			return bad(name, "not a regular file")
		}
		if f.SHA256 == "" {
			continue
		}
		h, err := s.hashFile(name)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if h != f.SHA256 {
			return bad(name, fmt.Sprintf("sha256 %s…, the record says %s… (the file changed after it was written)", h[:12], short(f.SHA256)))
		}
	}
	return nil
}

// GetVerified is Get followed by VerifyRecord: ok is true only for a
// complete, intact artifact. A record that cannot be parsed is a
// *CorruptError too.
func (s *Store) GetVerified(key string) (r results.Run, ok bool, err error) {
	r, ok, err = s.Get(key)
	if err != nil {
		var pe *parseError
		if errors.As(err, &pe) {
			return r, false, &CorruptError{Key: key, File: key + ".json", Why: pe.err.Error()}
		}
		return r, false, err
	}
	if !ok {
		return r, false, nil
	}
	if err := s.VerifyRecord(r); err != nil {
		return r, false, err
	}
	return r, true, nil
}

// ReadVerified reads a record's file, checking its sha256 (when the
// record has one) before returning the bytes.
func (s *Store) ReadVerified(key string, f results.File) ([]byte, error) {
	name, err := fileName(f.Path)
	if err != nil {
		return nil, &CorruptError{Key: key, File: key + ".json", Why: err.Error()}
	}
	b, err := s.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &CorruptError{Key: key, File: name, Why: "missing"}
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if f.SHA256 != "" {
		if h := sum(b); h != f.SHA256 {
			return nil, &CorruptError{Key: key, File: name, Why: fmt.Sprintf("sha256 %s…, the record says %s… (the file changed after it was written)", h[:12], short(f.SHA256))}
		}
	}
	return b, nil
}

// Quarantine moves the record of key and every store file named
// <key>.* out of the store into <root>/quarantine/<key>-<time>/, with a
// note saying why, so that the artifact is recomputed and the damaged
// bytes are kept for inspection. It returns that directory.
// It panics if key is empty, starts with a dot or contains a path separator.
func (s *Store) Quarantine(key, why string) (string, error) {
	checkName(key)
	ents, err := os.ReadDir(filepath.Join(s.root, Dir))
	if err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	dst := filepath.Join(s.root, QuarantineDir, fmt.Sprintf("%s-%s", key, time.Now().UTC().Format("20060102T150405.000000000")))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	// The record first: once it is gone the artifact is absent, whatever
	// happens to the rest.
	var names []string
	for _, e := range ents {
		n := e.Name()
		if n == key+".json" {
			names = append([]string{n}, names...)
		} else if strings.HasPrefix(n, key+".") {
			names = append(names, n)
		}
	}
	for _, n := range names {
		if err := os.Rename(s.Path(n), filepath.Join(dst, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return dst, fmt.Errorf("store: quarantine: %w", err)
		}
	}
	note := fmt.Sprintf("artifact %s moved out of the store at %s\nreason: %s\n", key, time.Now().UTC().Format(time.RFC3339), why)
	if err := WriteFileAtomic(filepath.Join(dst, "REASON.txt"), []byte(note)); err != nil {
		return dst, err
	}
	return dst, nil
}

// Keys lists the keys of the records in the store, sorted.
func (s *Store) Keys() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, Dir))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var keys []string
	for _, e := range ents {
		n := e.Name()
		if k, ok := strings.CutSuffix(n, ".json"); ok && !strings.HasPrefix(n, ".") && !strings.Contains(k, ".") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}
