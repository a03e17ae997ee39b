package report

import (
	"slices"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/results"
)

// kindRank orders kinds as the pipeline runs them; unknown kinds follow,
// alphabetically.
func kindRank(kind results.Kind) int {
	switch kind {
	case results.KindTrain:
		return 0
	case results.KindPairs:
		return 1
	case results.KindEval:
		return 2
	}
	return 3
}

func compareKind(a, b results.Kind) int {
	if c := kindRank(a) - kindRank(b); c != 0 {
		return c
	}
	return strings.Compare(string(a), string(b))
}

// compareValue orders two parameter values: numerically when both parse
// as numbers (so seed 2 precedes seed 10), otherwise as strings. An absent
// value ("") sorts first.
func compareValue(a, b string) int {
	if a == b {
		return 0
	}
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil && fa != fb {
		if fa < fb {
			return -1
		}
		return 1
	}
	return strings.Compare(string(a), string(b))
}

// compareTuples orders value tuples element by element.
func compareTuples(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if c := compareValue(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// valueOrder is Input.Order: per axis, its values in the order the report
// lists them.
type valueOrder map[string][]string

// compare orders two values of one axis: an absent value ("") first, then
// the values listed for the axis in their listed order, then the others
// by compareValue (numbers numerically, else as strings).
func (o valueOrder) compare(axis, a, b string) int {
	if a == b {
		return 0
	}
	if a == "" || b == "" {
		return compareValue(a, b)
	}
	list := o[axis]
	ia, ib := slices.Index(list, a), slices.Index(list, b)
	switch {
	case ia >= 0 && ib >= 0:
		return ia - ib
	case ia >= 0:
		return -1
	case ib >= 0:
		return 1
	}
	return compareValue(a, b)
}

// compareTuples orders tuples of the values of axes element by element.
func (o valueOrder) compareTuples(axes, a, b []string) int {
	for i := range min(len(a), len(b), len(axes)) {
		if c := o.compare(axes[i], a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// uniqueTuples returns the distinct tuples of the values of axes, sorted.
func (o valueOrder) uniqueTuples(axes []string, ts [][]string) [][]string {
	out := slices.Clone(ts)
	slices.SortFunc(out, func(a, b []string) int { return o.compareTuples(axes, a, b) })
	return slices.CompactFunc(out, slices.Equal)
}

// values returns r's values for axes, "" where r lacks one.
func values(r *results.Run, axes []string) []string {
	out := make([]string, len(axes))
	for i, a := range axes {
		out[i], _ = r.Get(a)
	}
	return out
}

// sortRuns returns a copy of runs in the deterministic order of runs.csv:
// by kind (train, pairs, eval), then the axis values in axis order, then
// every param in the run's own order, then the key, then status and error.
// The result does not depend on the input order.
func sortRuns(runs []results.Run, axes []string) []results.Run {
	return valueOrder(nil).sortRuns(runs, axes)
}

// sortRuns is the package-level sortRuns with the axis values in o's
// order: the order of report.md's tables, figures and warnings.
func (o valueOrder) sortRuns(runs []results.Run, axes []string) []results.Run {
	out := slices.Clone(runs)
	slices.SortStableFunc(out, func(a, b results.Run) int {
		if c := compareKind(a.Kind, b.Kind); c != 0 {
			return c
		}
		if c := o.compareTuples(axes, values(&a, axes), values(&b, axes)); c != 0 {
			return c
		}
		if c := slices.CompareFunc(a.Params, b.Params, func(x, y results.Param) int {
			if c := strings.Compare(x.Key, y.Key); c != 0 {
				return c
			}
			return compareValue(x.Value, y.Value)
		}); c != 0 {
			return c
		}
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.Status), string(b.Status)); c != 0 {
			return c
		}
		return strings.Compare(a.Error, b.Error)
	})
	return out
}

func tupleKey(t []string) string { return strings.Join(t, "\x00") }

// label renders axis=value pairs, skipping absent values.
func label(axes, vals []string) string {
	var parts []string
	for i, a := range axes {
		if vals[i] != "" {
			parts = append(parts, a+"="+vals[i])
		}
	}
	return strings.Join(parts, ", ")
}

// runLabel is "kind axis=value, …" for messages about one run.
func runLabel(r *results.Run, axes []string) string {
	l := label(axes, values(r, axes))
	if l == "" {
		return string(r.Kind) + " " + shortKey(r.Key)
	}
	return string(r.Kind) + " " + l
}

func shortKey(k string) string {
	if len(k) > 12 {
		return k[:12]
	}
	return k
}
