package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Data references. Besides registry names, New accepts two reference
// strings that a spec builds from a mapping:
//
//	file:<sha256>      the data file whose bytes have this sha256, loaded
//	                   earlier with RegisterFile (the path is not part of
//	                   the reference: the same bytes under another name are
//	                   the same data set)
//	mixture:<json>     a diagonal Gaussian mixture, JSON
//	                   {"weights":[…],"means":[[…]…],"vars":[[…]…]}
//	                   (MixtureRef builds it in a canonical spelling)
const (
	FileRefPrefix    = "file:"
	MixtureRefPrefix = "mixture:"
)

type fileEntry struct {
	path string
	data *Empirical
}

var (
	filesMu sync.Mutex
	files   = map[string]fileEntry{} // sha256 hex → file
)

// RegisterFile reads a data file (.csv or .npy, see Load), checks it and
// records it under the sha256 of its bytes; it returns the reference
// "file:<sha256>". The table is content-addressed: registering the same
// bytes again (under any name) returns the same reference. Errors read
// "PATH:LINE:COLUMN: message" for CSV files.
func RegisterFile(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("datasets: %w", err)
	}
	h := sha256.Sum256(raw)
	sum := hex.EncodeToString(h[:])
	filesMu.Lock()
	_, ok := files[sum]
	filesMu.Unlock()
	if ok {
		return FileRefPrefix + sum, nil
	}
	e, err := Load(path)
	if err != nil {
		return "", err
	}
	filesMu.Lock()
	files[sum] = fileEntry{path: path, data: e}
	filesMu.Unlock()
	return FileRefPrefix + sum, nil
}

func fileByRef(ref string) (fileEntry, error) {
	sum := strings.TrimPrefix(ref, FileRefPrefix)
	filesMu.Lock()
	e, ok := files[sum]
	filesMu.Unlock()
	if !ok {
		return fileEntry{}, fmt.Errorf("datasets: no data file with sha256 %s is loaded (the spec's file moved or changed since?)", sum)
	}
	return e, nil
}

// RefLabel returns a short name of a data reference for tables: a file's
// base name, "mixture-" and 8 hex digits of a mixture's sha256, or the name
// itself.
func RefLabel(ref string) string {
	switch {
	case strings.HasPrefix(ref, FileRefPrefix):
		if e, err := fileByRef(ref); err == nil {
			return filepath.Base(e.path)
		}
		return "file-" + strings.TrimPrefix(ref, FileRefPrefix)[:min(8, len(ref)-len(FileRefPrefix))]
	case strings.HasPrefix(ref, ImageRefPrefix):
		return imageLabel(ref)
	case strings.HasPrefix(ref, MixtureRefPrefix):
		h := sha256.Sum256([]byte(ref))
		return "mixture-" + hex.EncodeToString(h[:4])
	}
	return ref
}

// Rows returns the number of rows of a file reference, 0 for any other
// data set (unlimited draws).
func Rows(ref string) int {
	if !strings.HasPrefix(ref, FileRefPrefix) {
		return 0
	}
	if e, err := fileByRef(ref); err == nil {
		return e.data.N
	}
	return 0
}

type mixtureJSON struct {
	Weights []json.Number   `json:"weights"`
	Means   [][]json.Number `json:"means"`
	Vars    [][]json.Number `json:"vars"`
}

func numbers(v []float64) []json.Number {
	out := make([]json.Number, len(v))
	for i, x := range v {
		out[i] = json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	}
	return out
}

// MixtureRef validates m and returns its reference "mixture:<json>", with
// numbers in the shortest spelling that round-trips (equal mixtures give
// equal references).
func MixtureRef(m Mixture) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	j := mixtureJSON{Weights: numbers(m.Weights)}
	for k := range m.Weights {
		j.Means = append(j.Means, numbers(m.Means[k]))
		j.Vars = append(j.Vars, numbers(m.Vars[k]))
	}
	b, err := json.Marshal(j)
	if err != nil {
		return "", err
	}
	return MixtureRefPrefix + string(b), nil
}

func parseMixtureRef(ref string) (Mixture, error) {
	var j struct {
		Weights []float64   `json:"weights"`
		Means   [][]float64 `json:"means"`
		Vars    [][]float64 `json:"vars"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(ref, MixtureRefPrefix)), &j); err != nil {
		return Mixture{}, fmt.Errorf("datasets: bad mixture reference: %v", err)
	}
	m := Mixture{Weights: j.Weights, Means: j.Means, Vars: j.Vars}
	return m, m.Validate()
}

// newRef builds the data set of a reference; ok is false when ref is not
// a reference (a registry name).
func newRef(ref string, dim int) (Dataset, bool, error) {
	switch {
	case strings.HasPrefix(ref, FileRefPrefix):
		e, err := fileByRef(ref)
		if err != nil {
			return nil, true, err
		}
		if dim != 0 && dim != e.data.D {
			return nil, true, fmt.Errorf("datasets: %s: dim %d requested but the file has %d columns", e.path, dim, e.data.D)
		}
		return e.data, true, nil
	case strings.HasPrefix(ref, ImageRefPrefix):
		m, err := NewImages(ref)
		if err != nil {
			return nil, true, err
		}
		if dim != 0 && dim != m.Dim() {
			return nil, true, fmt.Errorf("datasets: %s is %d-dimensional; dim %d requested", m.Label, m.Dim(), dim)
		}
		return m, true, nil
	case strings.HasPrefix(ref, MixtureRefPrefix):
		m, err := parseMixtureRef(ref)
		if err != nil {
			return nil, true, err
		}
		if dim != 0 && dim != m.Dim() {
			return nil, true, fmt.Errorf("datasets: mixture: dim %d requested but the mixture is %d-dimensional", dim, m.Dim())
		}
		g, err := NewGMM(RefLabel(ref), m)
		return g, true, err
	}
	return nil, false, nil
}

// Split is the documented train/test split of a file's rows for one seed:
// the rows are permuted by a Fisher–Yates shuffle drawn from
// PCG(seed, 0x5eed_da7a) and the first nTest rows of the permutation are
// the test set, the rest the training set. Test rows are never trained on.
// It returns the two sets as Empiricals (copies of the rows).
func (e *Empirical) Split(seed uint64, nTest int) (train, test *Empirical, err error) {
	if nTest < 1 || nTest >= e.N {
		return nil, nil, fmt.Errorf("datasets: %s: %d rows cannot give %d test rows and at least one training row", e.Path, e.N, nTest)
	}
	perm := make([]int, e.N)
	for i := range perm {
		perm[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eedda7a))
	for i := e.N - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	take := func(idx []int) *Empirical {
		out := make([]float64, len(idx)*e.D)
		for r, j := range idx {
			copy(out[r*e.D:(r+1)*e.D], e.Data[j*e.D:(j+1)*e.D])
		}
		return NewEmpirical(e.Path, out, len(idx), e.D)
	}
	return take(perm[nTest:]), take(perm[:nTest]), nil
}

// AnyDimGMM8 is the mixture of "gmm8": 8 equal-weight isotropic Gaussians
// with std 0.5 whose means are 4·u_k, u_k = z_k/|z_k| with z_k ∈ R^d the
// standard normals drawn in order from PCG(8, d); the same d gives the same
// means.
func AnyDimGMM8(d int) Mixture {
	rng := rand.New(rand.NewPCG(8, uint64(d)))
	means := make([][]float64, 8)
	w := make([]float64, 8)
	for k := range means {
		z := make([]float64, d)
		var n2 float64
		for i := range z {
			z[i] = rng.NormFloat64()
			n2 += z[i] * z[i]
		}
		for i := range z {
			z[i] *= 4 / math.Sqrt(n2)
		}
		means[k] = z
		w[k] = 1.0 / 8
	}
	return Isotropic(w, means, 0.5)
}
