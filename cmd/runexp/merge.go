package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/store"
)

func init() {
	register(&Command{
		UsageLine: "runexp merge DST SRC...",
		Short:     "merge results directories written apart (verified, conflicts refused) into DST",
		Long: `Merge copies into DST the artifacts of the results directories SRC... that
shards wrote without a shared file system. Every artifact is verified
first (its record's own checksum, every file's sha256); an artifact
present in two places with different contents (its record apart from
*_seconds wall times, or its files' bytes) is a conflict, and then
nothing is copied. The SRC directories must hold the same spec.yaml,
which DST receives (with provenance.json and published.csv). Then
"runexp report DST" writes the report of the whole sweep.

Examples:

	runexp merge results/sweep shard0/sweep shard1/sweep shard2/sweep
	runexp report results/sweep`,
		Main: runMerge,
	})
}

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
		keys, err := src.Keys()
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

func countRecords(dirs []string) int {
	n := 0
	for _, d := range dirs {
		if s, err := store.OpenExisting(d); err == nil {
			if ks, err := s.Keys(); err == nil {
				n += len(ks)
			}
		}
	}
	return n
}

// readItem reads the record of key and its files, verified as a run
// verifies them before use (pkg/store: the record's own checksum, each
// file's sha256).
func readItem(s *store.Store, key string) (*mergeItem, error) {
	raw, err := s.ReadFile(key + ".json")
	if err != nil {
		return nil, err
	}
	r, ok, err := s.GetVerified(key)
	if err != nil || !ok {
		return nil, fmt.Errorf("%s: %v", s.Root(), err)
	}
	it := &mergeItem{src: s, rec: r, raw: raw, sums: map[string]string{}}
	for _, f := range r.Files {
		b, err := s.ReadVerified(key, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", s.Root(), err)
		}
		it.sums[filepath.Base(f.Path)] = hexSum(b)
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
	r.Files = slices.Clone(r.Files)
	for i := range r.Files {
		r.Files[i].SHA256 = "" // the bytes' sums are compared instead
	}
	b, _ := json.Marshal(struct {
		Kind               results.Kind
		Status             results.Status
		Key, Parent, Error string
		Params             []results.Param
		Metrics            []results.Metric
		Curve              any
		Warnings           []string
		Files              map[string]string
	}{r.Kind, r.Status, r.Key, r.Parent, r.Error, r.Params, r.Metrics, r.Curve, r.Warnings, sums})
	return string(b)
}

func hexSum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
