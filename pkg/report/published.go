package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// PublishedCell is one published number: the mean and spread of Metric for
// Method on Dataset, as printed in the source.
//
// Dataset holds our dataset axis value, optionally followed by
// ";key=value" selectors that pin other axes of our runs, so one published
// column can name, say, a source–target pair or an evaluation setting:
// "moons-tong;data.source=8gaussians-r5" or "8gaussians;solver=euler;steps=100"
// (see DatasetSelectors). Method is our method label, Metric our metric
// name, so the file itself maps the paper's names onto ours.
type PublishedCell struct {
	Method, Dataset, Metric string
	Mean, Spread            float64
	// Note explains this cell, e.g. why our number is expected to differ
	// (from a "# note[method,dataset,metric]: ..." line).
	Note string
}

// Published is a table of published results to set beside ours.
type Published struct {
	// Source cites where the numbers come from (paper, table).
	Source string
	// Spread names what PublishedCell.Spread is: "std" or "ci95".
	Spread string
	Cells  []PublishedCell
	// Notes are the file's general "# note: ..." lines, in order: caveats
	// about the protocol that apply to every cell.
	Notes []string
}

// ReadPublished reads a published-results file: comment lines starting with
// '#' (a line "# source: ..." sets Source, "# spread: std|ci95" sets Spread,
// "# note: ..." adds a general note and "# note[method,dataset,metric]: ..."
// a note to that cell, which must be in the file), then a CSV header
// "method,dataset,metric,mean,spread" and one row per published cell. Other
// comment lines are ignored. Errors name the file and the line.
func ReadPublished(path string) (*Published, error) {
	p, _, err := ReadPublishedFile(path)
	return p, err
}

func parsePublished(r io.Reader) (*Published, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	p := &Published{Spread: "std"}
	var body []string
	var bodyLines []int
	type cellNote struct {
		key, text string
		line      int
	}
	var cellNotes []cellNote
	for i, line := range strings.Split(string(raw), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") {
			kv := strings.TrimSpace(strings.TrimPrefix(t, "#"))
			if v, ok := strings.CutPrefix(kv, "source:"); ok {
				p.Source = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(kv, "spread:"); ok {
				p.Spread = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(kv, "note:"); ok {
				p.Notes = append(p.Notes, strings.TrimSpace(v))
			} else if v, ok := strings.CutPrefix(kv, "note["); ok {
				key, text, ok := strings.Cut(v, "]:")
				if !ok || strings.Count(key, ",") != 2 {
					return nil, fmt.Errorf("line %d: a cell note is \"# note[method,dataset,metric]: text\"", i+1)
				}
				cellNotes = append(cellNotes, cellNote{key: key, text: strings.TrimSpace(text), line: i + 1})
			}
			continue
		}
		if t == "" {
			continue
		}
		body = append(body, t)
		bodyLines = append(bodyLines, i+1)
	}
	if p.Spread != "std" && p.Spread != "ci95" {
		return nil, fmt.Errorf("spread %q: valid: std, ci95", p.Spread)
	}
	if len(body) == 0 {
		return nil, fmt.Errorf("no header line")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.Join(body, "\n"))).ReadAll()
	if err != nil {
		return nil, err
	}
	want := []string{"method", "dataset", "metric", "mean", "spread"}
	if strings.Join(rows[0], ",") != strings.Join(want, ",") {
		return nil, fmt.Errorf("line %d: header must be %q", bodyLines[0], strings.Join(want, ","))
	}
	for i, row := range rows[1:] {
		line := bodyLines[i+1]
		mean, err1 := strconv.ParseFloat(row[3], 64)
		spread, err2 := strconv.ParseFloat(row[4], 64)
		if err1 != nil || err2 != nil || spread < 0 {
			return nil, fmt.Errorf("line %d: mean and spread must be numbers, spread ≥ 0", line)
		}
		if _, _, err := DatasetSelectors(row[1]); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		p.Cells = append(p.Cells, PublishedCell{Method: row[0], Dataset: row[1], Metric: row[2], Mean: mean, Spread: spread})
	}
	for _, n := range cellNotes {
		i := slices.IndexFunc(p.Cells, func(c PublishedCell) bool { return c.Method+","+c.Dataset+","+c.Metric == n.key })
		if i < 0 {
			return nil, fmt.Errorf("line %d: note for %q, which is no cell of the file", n.line, n.key)
		}
		p.Cells[i].Note = strings.TrimSpace(p.Cells[i].Note + " " + n.text)
	}
	return p, nil
}

// DatasetSelectors splits a published cell's Dataset into our dataset axis
// value and the ";key=value" selectors that follow it, in order. Keys are
// axis names as in runs.csv (e.g. "data.source", "solver", "steps"); a key
// may appear once.
func DatasetSelectors(s string) (dataset string, sel []KV, err error) {
	parts := strings.Split(s, ";")
	dataset = strings.TrimSpace(parts[0])
	if dataset == "" {
		return "", nil, fmt.Errorf("dataset %q: empty dataset name before the selectors", s)
	}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return "", nil, fmt.Errorf("dataset %q: selector %q is not key=value", s, p)
		}
		if k == DatasetAxis || slices.ContainsFunc(sel, func(x KV) bool { return x.Key == k }) {
			return "", nil, fmt.Errorf("dataset %q: key %q given twice", s, k)
		}
		sel = append(sel, KV{Key: k, Value: v})
	}
	return dataset, sel, nil
}
