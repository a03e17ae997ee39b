package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowbench/flowbench/pkg/results"
)

// Dir is the name of the store directory inside a results directory.
const Dir = "store"

// Store is a content-addressed directory of artifacts.
type Store struct {
	root string // the results directory; files live in root/store
}

// Open opens (creating if needed) the store of the results directory root.
func Open(root string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(root, Dir), 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Store{root: root}, nil
}

// OpenExisting opens the store of root, failing if there is none.
func OpenExisting(root string) (*Store, error) {
	fi, err := os.Stat(filepath.Join(root, Dir))
	if err != nil {
		return nil, fmt.Errorf("store: %s holds no results: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("store: %s is not a directory", filepath.Join(root, Dir))
	}
	return &Store{root: root}, nil
}

// Root returns the results directory.
func (s *Store) Root() string { return s.root }

// Rel returns the path, relative to the results directory, of the store
// file with the given name (e.g. "<key>.samples.npy"); results.File paths
// use it.
func (s *Store) Rel(name string) string { return Dir + "/" + name }

// Path returns the absolute-or-relative path of a store file on disk.
func (s *Store) Path(name string) string { return filepath.Join(s.root, Dir, name) }

func checkName(name string) {
	if name == "" || strings.ContainsAny(name, "/\\") || name[0] == '.' {
		panic("store: bad file name " + name)
	}
}

// Has reports whether the record of key is present (the artifact is complete).
func (s *Store) Has(key string) bool {
	_, err := os.Stat(s.Path(key + ".json"))
	return err == nil
}

// Get reads the record of key. ok is false when it is absent.
func (s *Store) Get(key string) (r results.Run, ok bool, err error) {
	b, err := os.ReadFile(s.Path(key + ".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("store: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, false, &parseError{fmt.Errorf("store: %s: %w", s.Path(key+".json"), err)}
	}
	if r.Key != key {
		return r, false, &parseError{fmt.Errorf("store: %s holds key %s", s.Path(key+".json"), r.Key)}
	}
	return r, true, nil
}

// parseError is a record that exists but cannot be read as one.
type parseError struct{ err error }

func (e *parseError) Error() string { return e.err.Error() }
func (e *parseError) Unwrap() error { return e.err }

// Put writes the record r under r.Key, atomically. Write the artifact's
// data files first: the record marks the artifact complete. Put fills the
// sha256 of each of r's files from the bytes on disk (where r has none)
// and the record's own checksum.
// It panics if r has no key.
func (s *Store) Put(r results.Run) error {
	_, err := s.PutRecord(r)
	return err
}

// PutRecord is Put returning the record as stored, checksums filled.
// It panics if r has no key.
func (s *Store) PutRecord(r results.Run) (results.Run, error) {
	if r.Key == "" {
		panic("store: record without key")
	}
	if err := s.seal(&r); err != nil {
		return r, err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return r, fmt.Errorf("store: %w", err)
	}
	return r, s.WriteFile(r.Key+".json", append(b, '\n'))
}

// WriteFile writes a store file atomically.
// It panics if name is empty, starts with a dot or contains a path separator.
func (s *Store) WriteFile(name string, data []byte) error {
	checkName(name)
	return WriteAtomic(s.Path(name), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Create writes a store file atomically from a writer function, e.g. an
// .npy encoder.
// It panics if name is empty, starts with a dot or contains a path separator.
func (s *Store) Create(name string, write func(io.Writer) error) error {
	checkName(name)
	return WriteAtomic(s.Path(name), write)
}

// ReadFile reads a store file.
// It panics if name is empty, starts with a dot or contains a path separator.
func (s *Store) ReadFile(name string) ([]byte, error) {
	checkName(name)
	return os.ReadFile(s.Path(name))
}

// Exists reports whether a store file exists.
// It panics if name is empty, starts with a dot or contains a path separator.
func (s *Store) Exists(name string) bool {
	checkName(name)
	_, err := os.Stat(s.Path(name))
	return err == nil
}

// WriteAtomic writes path so that readers see the old file or the whole
// new one, never a part: temporary file in the same directory, fsync,
// rename, fsync of the directory.
func WriteAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPattern(filepath.Base(path)))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return fmt.Errorf("store: writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: some file systems cannot sync a directory
		d.Close()
	}
	return nil
}

// WriteFileAtomic is WriteAtomic for a byte slice.
func WriteFileAtomic(path string, data []byte) error {
	return WriteAtomic(path, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}
