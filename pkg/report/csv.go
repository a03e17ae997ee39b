package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/results"
)

// formatFloat is the one number format of runs.csv: the shortest decimal
// that reads back to the same float64, so equal values give equal bytes.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// WriteCSV writes runs in the tidy long layout of runs.csv:
//
//	kind,key,parent,<params…>,metric,value,status,error,<…_seconds>
//
// One row per (run, metric) for every metric whose name does not end in
// "_seconds", sorted by metric name; a run without such metrics (a failed
// run) gets one row with empty metric and value. The param columns are the
// union of every run's param keys in order of first appearance over the
// sorted runs; a run lacking one leaves it empty. Wall times (metrics named
// "*_seconds") are not rows: each gets its own trailing column, named after
// the metric, repeated on every row of its run. So every column except
// those ending in "_seconds" is byte-identical across reruns and worker
// counts. Rows follow the order of sortRuns (kind, then axis values in
// axis order, then key). Numbers use strconv.FormatFloat(v, 'g', -1, 64).
func WriteCSV(w io.Writer, runs []results.Run, axes []string) error {
	sorted := sortRuns(runs, axes)
	var params, seconds []string
	for i := range sorted {
		for _, p := range sorted[i].Params {
			if !slices.Contains(params, p.Key) {
				params = append(params, p.Key)
			}
		}
		for _, m := range sorted[i].Metrics {
			if isSeconds(m.Name) && !slices.Contains(seconds, m.Name) {
				seconds = append(seconds, m.Name)
			}
		}
	}
	header := append([]string{"kind", "key", "parent"}, params...)
	header = append(header, "metric", "value", "status", "error")
	header = append(header, seconds...)
	for i, h := range header {
		if slices.Contains(header[:i], h) {
			return fmt.Errorf("report: runs.csv column %q would appear twice (a param key equals a fixed column or a metric name)", h)
		}
	}

	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("report: runs.csv: %w", err)
	}
	for i := range sorted {
		r := &sorted[i]
		head := []string{string(r.Kind), r.Key, r.Parent}
		for _, p := range params {
			v, _ := r.Get(p)
			head = append(head, v)
		}
		var tail []string
		for _, s := range seconds {
			if v, ok := r.Metric(s); ok {
				tail = append(tail, formatFloat(v))
			} else {
				tail = append(tail, "")
			}
		}
		var ms []results.Metric
		for _, m := range r.Metrics {
			if !isSeconds(m.Name) {
				ms = append(ms, m)
			}
		}
		slices.SortStableFunc(ms, func(a, b results.Metric) int { return strings.Compare(a.Name, b.Name) })
		if len(ms) == 0 {
			ms = []results.Metric{{}}
		}
		for _, m := range ms {
			row := slices.Clone(head)
			val := ""
			if m.Name != "" {
				val = formatFloat(m.Value)
			}
			row = append(row, m.Name, val, string(r.Status), r.Error)
			row = append(row, tail...)
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("report: runs.csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: runs.csv: %w", err)
	}
	return nil
}
