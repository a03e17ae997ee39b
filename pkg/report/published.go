package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// PublishedCell is one published number: the mean and spread of Metric for
// Method on Dataset, as printed in the source.
type PublishedCell struct {
	Method, Dataset, Metric string
	Mean, Spread            float64
}

// Published is a table of published results to set beside ours.
type Published struct {
	// Source cites where the numbers come from (paper, table).
	Source string
	// Spread names what PublishedCell.Spread is: "std" or "ci95".
	Spread string
	Cells  []PublishedCell
}

// ReadPublished reads a published-results file: comment lines starting with
// '#' (a line "# source: ..." sets Source, "# spread: std|ci95" sets Spread),
// then a CSV header "method,dataset,metric,mean,spread" and one row per
// published cell. Errors name the file and the line.
func ReadPublished(path string) (*Published, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := parsePublished(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

func parsePublished(r io.Reader) (*Published, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	p := &Published{Spread: "std"}
	var body []string
	var bodyLines []int
	for i, line := range strings.Split(string(raw), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") {
			kv := strings.TrimSpace(strings.TrimPrefix(t, "#"))
			if v, ok := strings.CutPrefix(kv, "source:"); ok {
				p.Source = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(kv, "spread:"); ok {
				p.Spread = strings.TrimSpace(v)
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
		p.Cells = append(p.Cells, PublishedCell{Method: row[0], Dataset: row[1], Metric: row[2], Mean: mean, Spread: spread})
	}
	return p, nil
}
