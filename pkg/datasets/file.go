package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Empirical is a file-backed data set: Sample draws rows uniformly with
// replacement. Its mixture is the equal-weight point set with zero variances
// (the memorising field of MATH.md §3).
type Empirical struct {
	Path string    // file it was read from ("" when built from memory)
	N, D int       // rows and columns
	Data []float64 // N×D row-major; treat as read-only
}

// NewEmpirical wraps an n×d slice (not copied). It panics if the shape is
// inconsistent; it does not check the values.
func NewEmpirical(path string, data []float64, n, d int) *Empirical {
	if n <= 0 || d <= 0 || len(data) != n*d {
		panic("datasets: NewEmpirical: data does not fill an n×d array with n, d > 0")
	}
	return &Empirical{Path: path, N: n, D: d, Data: data}
}

// Name returns "file".
func (e *Empirical) Name() string { return "file" }

// Dim returns D.
func (e *Empirical) Dim() int { return e.D }

// Sample draws n rows with replacement, one rng.IntN per row.
func (e *Empirical) Sample(rng *rand.Rand, n int) []float64 {
	out := make([]float64, n*e.D)
	for r := 0; r < n; r++ {
		j := rng.IntN(e.N)
		copy(out[r*e.D:(r+1)*e.D], e.Data[j*e.D:(j+1)*e.D])
	}
	return out
}

// All returns a copy of all rows (N×D).
func (e *Empirical) All() []float64 { return append([]float64(nil), e.Data...) }

// AsMixture returns the equal-weight point set with zero variances.
func (e *Empirical) AsMixture() Mixture {
	m := Mixture{Weights: make([]float64, e.N), Means: make([][]float64, e.N), Vars: make([][]float64, e.N)}
	zero := make([]float64, e.D)
	for j := range m.Weights {
		m.Weights[j] = 1 / float64(e.N)
		m.Means[j] = e.Data[j*e.D : (j+1)*e.D : (j+1)*e.D]
		m.Vars[j] = zero
	}
	return m
}

// Load reads a data file by extension: ".csv" (LoadCSV) or ".npy" (LoadNPY).
func Load(path string) (*Empirical, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return LoadCSV(path)
	case ".npy":
		return LoadNPY(path)
	}
	return nil, fmt.Errorf("datasets: %s: unknown data file extension %q (valid: .csv, .npy)", path, filepath.Ext(path))
}

// LoadNPY reads a .npy file (see ReadNPY) and rejects empty arrays and
// non-finite values, naming the row (0-based, as NumPy indexes it).
func LoadNPY(path string) (*Empirical, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	data, rows, cols, err := ReadNPY(f)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", path, err)
	}
	if rows == 0 {
		return nil, fmt.Errorf("datasets: %s: empty array (0 rows)", path)
	}
	if err := checkFinite(data, cols, 0); err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", path, err)
	}
	return NewEmpirical(path, data, rows, cols), nil
}

// checkFinite names the first row (0-based + offset) holding NaN or ±Inf.
func checkFinite(data []float64, cols, offset int) error {
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("row %d column %d (0-based, as NumPy indexes): non-finite value %v", i/cols+offset, i%cols, v)
		}
	}
	return nil
}

// LoadCSV reads a CSV file of numeric columns (see ReadCSV). Errors have
// the form "PATH:LINE:COLUMN: message" (both 1-based; COLUMN counts fields).
func LoadCSV(path string) (*Empirical, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	data, rows, cols, err := ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s:%w", path, err)
	}
	return NewEmpirical(path, data, rows, cols), nil
}

// ReadCSV parses numeric text data into rows×cols row-major. Fields are
// separated by commas when the first non-blank line holds a comma, by runs
// of spaces and tabs otherwise. If the first non-blank line has a field
// that does not parse as a number it is a header and skipped. Blank lines
// and lines starting with '#' are skipped. An error reads
// "LINE:COLUMN: message" (1-based line and field numbers): ragged rows,
// non-numeric fields, NaN or Inf, no data rows.
func ReadCSV(r io.Reader) (data []float64, rows, cols int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<26)
	line := 0
	first := true
	comma := false
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if first {
			comma = strings.Contains(text, ",")
		}
		var rec []string
		if comma {
			rec = strings.Split(text, ",")
		} else {
			rec = strings.Fields(text)
		}
		if first {
			first = false
			cols = len(rec)
			if !allNumeric(rec) {
				continue // header row
			}
		}
		if len(rec) != cols {
			return nil, 0, 0, fmt.Errorf("%d:%d: %d fields, want %d (ragged rows)", line, min(len(rec), cols)+1, len(rec), cols)
		}
		for c, s := range rec {
			s = strings.TrimSpace(s)
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("%d:%d: %q is not a number", line, c+1, s)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, 0, fmt.Errorf("%d:%d: non-finite value %q", line, c+1, s)
			}
			data = append(data, v)
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		return nil, 0, 0, fmt.Errorf("%d: %v", line+1, err)
	}
	if rows == 0 {
		return nil, 0, 0, errors.New("1:1: no data rows")
	}
	return data, rows, cols, nil
}

func allNumeric(rec []string) bool {
	for _, s := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return false
		}
	}
	return true
}
