package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/store"
)

func init() { subcommands["merge"] = runMerge }

// mergeItem is one artifact to copy into the destination.
type mergeItem struct {
	src   *store.Store
	rec   results.Run
	raw   []byte            // the record file as stored
	sums  map[string]string // store file name → sha256 of its bytes
	ident string            // what must agree between two copies of the key
}

// runMerge is `runexp merge DST SRC...`: copy into DST the artifacts of
// results directories written apart (shards run without a shared file
// system). Every artifact is verified first — its record names its own key,
// its files exist and match the checksums the record carries — and a key
// present in two places with different contents (records apart from
// *_seconds metrics, file bytes) is a conflict: nothing is copied. DST
// gets the sources' spec.yaml, which must be the same in all of them.
func runMerge(stdout, stderr io.Writer, args []string) int {
	if len(args) < 2 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: runexp merge DST SRC...")
		return exitUsage
	}
	dst, srcs := args[0], args[1:]
	items := map[string]*mergeItem{}
	var order []string
	var problems []string
	var spec []byte
	specFrom := ""
	have := func(dir string) {
		if b, err := os.ReadFile(filepath.Join(dir, specFile)); err == nil {
			switch {
			case spec == nil:
				spec, specFrom = b, dir
			case !bytes.Equal(spec, b):
				problems = append(problems, fmt.Sprintf("%s and %s hold different specs (%s): merge stores of one spec only", specFrom, dir, specFile))
			}
		}
	}
	var dstStore *store.Store
	if _, err := os.Stat(filepath.Join(dst, store.Dir)); err == nil {
		have(dst)
		s, err := store.OpenExisting(dst)
		if err != nil {
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		}
		dstStore = s
	}
	for _, dir := range srcs {
		if filepath.Clean(dir) == filepath.Clean(dst) {
			fmt.Fprintf(stderr, "runexp: merge: %s is both source and destination\n", dir)
			return exitUsage
		}
		src, err := store.OpenExisting(dir)
		if err != nil {
			fmt.Fprintln(stderr, "runexp: merge:", err)
			return exitFailed
		}
		have(dir)
		keys, err := recordKeys(src)
		if err != nil {
			fmt.Fprintln(stderr, "runexp: merge:", err)
			return exitFailed
		}
		for _, k := range keys {
			it, err := readItem(src, k)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			if prev, ok := items[k]; ok {
				if prev.ident != it.ident {
					problems = append(problems, fmt.Sprintf("conflict: artifact %s differs between %s and %s", k, prev.src.Root(), dir))
				}
				continue
			}
			if dstStore != nil && dstStore.Exists(k+".json") {
				old, err := readItem(dstStore, k)
				if err != nil {
					problems = append(problems, err.Error())
					continue
				}
				if old.ident != it.ident {
					problems = append(problems, fmt.Sprintf("conflict: artifact %s differs between %s and %s", k, dir, dst))
				}
				continue // already there
			}
			items[k] = it
			order = append(order, k)
		}
	}
	if spec == nil {
		problems = append(problems, fmt.Sprintf("no %s in %s", specFile, strings.Join(srcs, " ")))
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "runexp: merge:", p)
		}
		fmt.Fprintf(stderr, "runexp: merge: %d problems; nothing copied into %s\n", len(problems), dst)
		return exitFailed
	}
	out, err := store.Open(dst)
	if err != nil {
		fmt.Fprintln(stderr, "runexp:", err)
		return exitFailed
	}
	// Data files first, the record last: its presence marks the artifact
	// complete, as in a run.
	for _, k := range order {
		it := items[k]
		for _, name := range slices.Sorted(maps.Keys(it.sums)) {
			b, err := it.src.ReadFile(name)
			if err == nil && hexSum(b) != it.sums[name] {
				err = fmt.Errorf("%s changed while merging", it.src.Path(name))
			}
			if err == nil {
				err = out.WriteFile(name, b)
			}
			if err != nil {
				fmt.Fprintln(stderr, "runexp: merge:", err)
				return exitFailed
			}
		}
		if err := out.WriteFile(k+".json", it.raw); err != nil {
			fmt.Fprintln(stderr, "runexp: merge:", err)
			return exitFailed
		}
	}
	for _, name := range []string{specFile, provenanceFile, publishedFile} {
		if _, err := os.Stat(filepath.Join(dst, name)); err == nil {
			continue
		}
		for _, dir := range srcs {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				if err := store.WriteFileAtomic(filepath.Join(dst, name), b); err != nil {
					fmt.Fprintln(stderr, "runexp: merge:", err)
					return exitFailed
				}
				break
			}
		}
	}
	fmt.Fprintf(stdout, "merged %d artifacts into %s from %d sources (%d already there or duplicated); next: runexp report %s\n",
		len(order), dst, len(srcs), countRecords(srcs)-len(order), dst)
	return exitOK
}

// recordKeys lists the keys of the records (<key>.json) of a store, sorted.
func recordKeys(s *store.Store) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.Root(), store.Dir))
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range ents {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".json") {
			continue
		}
		keys = append(keys, strings.TrimSuffix(n, ".json"))
	}
	return keys, nil
}

func countRecords(dirs []string) int {
	n := 0
	for _, d := range dirs {
		if s, err := store.OpenExisting(d); err == nil {
			if ks, err := recordKeys(s); err == nil {
				n += len(ks)
			}
		}
	}
	return n
}

// readItem reads and verifies the record of key and its files.
func readItem(s *store.Store, key string) (*mergeItem, error) {
	raw, err := s.ReadFile(key + ".json")
	if err != nil {
		return nil, err
	}
	r, ok, err := s.Get(key) // checks the record names its own key
	if err != nil || !ok {
		return nil, fmt.Errorf("%s: unreadable record: %v", s.Path(key+".json"), err)
	}
	it := &mergeItem{src: s, rec: r, raw: raw, sums: map[string]string{}}
	for _, f := range r.Files {
		name, ok := strings.CutPrefix(f.Path, store.Dir+"/")
		if !ok || strings.ContainsAny(name, "/\\") || name == "" || name[0] == '.' {
			return nil, fmt.Errorf("%s: file %q is not in the store", s.Path(key+".json"), f.Path)
		}
		b, err := s.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: its %s file %s is missing", s.Path(key+".json"), f.Role, name)
		}
		if err != nil {
			return nil, err
		}
		sum := hexSum(b)
		if want := recordedSum(f); want != "" && want != sum {
			return nil, fmt.Errorf("%s: file %s does not match the checksum in its record", s.Path(key+".json"), name)
		}
		it.sums[name] = sum
	}
	it.ident = identity(r, it.sums)
	return it, nil
}

// identity is what two copies of one artifact must share: the record with
// its wall times and checksums left out, and the sha256 of every file.
func identity(r results.Run, sums map[string]string) string {
	var ms []results.Metric
	for _, m := range r.Metrics {
		if !strings.HasSuffix(m.Name, "_seconds") {
			ms = append(ms, m)
		}
	}
	r.Metrics = ms
	b, _ := json.Marshal(struct {
		Kind, Key, Parent, Status, Error string
		Params                           []results.Param
		Metrics                          []results.Metric
		Curve                            any
		Warnings                         []string
		Files                            map[string]string
	}{r.Kind, r.Key, r.Parent, r.Status, r.Error, r.Params, r.Metrics, r.Curve, r.Warnings, sums})
	return string(b)
}

// recordedSum is the checksum a record carries for a file ("" when none).
func recordedSum(f results.File) string {
	var m map[string]any
	b, _ := json.Marshal(f)
	json.Unmarshal(b, &m)
	s, _ := m["sha256"].(string)
	return s
}

func hexSum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
