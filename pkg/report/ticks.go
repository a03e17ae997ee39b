package report

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// maxLogTickLabels is the most labelled ticks logTicks puts on an axis
// (the 1, 2, 5 marks of NFE 1 to 200); minTickLabels is the fewest the
// tick markers aim for (a narrow range gets finer marks rather than one
// or two labels).
const (
	maxLogTickLabels = 8
	minTickLabels    = 3
)

// stepTicks marks an axis of counts (training steps) where gonum's
// default ticks put them, labelled as integers ("2500", not "2500.00")
// whenever the tick is one.
type stepTicks struct{}

func (stepTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if t.Label != "" && t.Value == math.Trunc(t.Value) && math.Abs(t.Value) < 1<<53 {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'f', -1, 64)
		}
	}
	return ticks
}

// tickLabel writes a tick value short: rounded to 6 significant digits,
// plainly between 0.001 and 99999, else as "2e6" or "5e-4".
func tickLabel(v float64) string {
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if v == 0 {
		v = 0 // −0 (a rounded multiple of the step just below zero) reads "0"
	}
	if a := math.Abs(v); v == 0 || a >= 1e-3 && a < 1e5 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := ""
	if exp[0] == '-' {
		sign = "-"
	}
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + exp
}

// linearTicks marks a linear range at multiples of the largest 1, 2 or 5
// × 10^k step that gives at least minTickLabels labels (so at most eight:
// the next coarser step, at most 2.5 times this one, gave two or fewer),
// with unlabelled minor ticks between them. A degenerate range gets gonum's
// default ticks.
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	// Start from a step above the whole range and go down 5, 2, 1, 0.5...
	e := math.Ceil(math.Log10(hi - lo))
	steps := []float64{5, 2, 1}
	var step, minor float64
	for k := 0; k < 60; k++ {
		m := steps[k%3]
		s := m * math.Pow(10, e-float64(k/3))
		n := math.Floor(hi/s) - math.Ceil(lo/s) + 1
		if n >= minTickLabels {
			step = s
			minor = s / 5
			if m == 2 {
				minor = s / 4
			}
			break
		}
	}
	if step == 0 {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / minor); i*minor <= hi; i++ {
		v := i * minor
		t := plot.Tick{Value: v}
		// A multiple of the step (up to rounding): labelled.
		if q := v / step; math.Abs(q-math.Round(q)) < 1e-6 {
			t.Value = math.Round(q) * step
			t.Label = tickLabel(t.Value)
		}
		if t.Value >= lo && t.Value <= hi {
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// logMantissas are the mantissa sets a log axis may label, finest first.
var logMantissas = [][]int{
	{1, 2, 3, 4, 5, 6, 7, 8, 9},
	{1, 2, 3, 5},
	{1, 2, 5},
	{1, 3},
	{1},
}

// logTicks marks a log axis. Labels go at the finest of the mantissa sets
// logMantissas (every integer × 10^k; 1, 2, 3, 5; 1, 2, 5; 1, 3; 1) that
// gives at most maxLogTickLabels of them, then at every second, third, ...
// power of ten over many decades. When even every integer × 10^k gives
// fewer than minTickLabels — a range within a factor of about two, where
// the axis is nearly linear — the labels follow linearTicks. The other
// integers × 10^k (over many decades, the other powers) are unlabelled
// minor ticks.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 1) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	// One decade more each way than the logarithms say: marks outside
	// [lo, hi] are dropped, and none is lost to rounding.
	eLo, eHi := int(math.Floor(math.Log10(lo)))-1, int(math.Floor(math.Log10(hi)))+1
	// marks returns the values m × 10^e within [lo, hi] for the mantissas
	// ms and the exponents e ≡ 0 mod every.
	marks := func(ms []int, every int) []float64 {
		var out []float64
		for e := eLo; e <= eHi; e++ {
			if e%every != 0 {
				continue
			}
			p := math.Pow(10, float64(e))
			for _, m := range ms {
				if v := float64(m) * p; v >= lo && v <= hi {
					out = append(out, v)
				}
			}
		}
		return out
	}
	withMinor := func(labelled, minor []float64) []plot.Tick {
		var ticks []plot.Tick
		for _, v := range labelled {
			ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v)})
		}
		for _, v := range minor {
			dup := false
			for _, l := range labelled {
				dup = dup || math.Abs(v-l) <= 1e-9*l
			}
			if !dup {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
		return ticks
	}
	for i, ms := range logMantissas {
		l := marks(ms, 1)
		switch {
		case i == 0 && len(l) < minTickLabels:
			return linearTicks{}.Ticks(lo, hi)
		case len(l) <= maxLogTickLabels:
			return withMinor(l, marks(logMantissas[0], 1))
		}
	}
	// Many decades: every k-th power of ten, the others minor.
	// (every > eHi − eLo leaves at most one label: the loop returns.)
	for every := 2; every <= eHi-eLo+1; every++ {
		if l := marks([]int{1}, every); len(l) <= maxLogTickLabels {
			return withMinor(l, marks([]int{1}, 1))
		}
	}
	return plot.DefaultTicks{}.Ticks(lo, hi)
}
