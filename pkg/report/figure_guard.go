package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
)

// guarded draws one figure of one data set; a panic in the plotting
// library on values it cannot lay out (an axis range below float64
// resolution, such as a single point at 1e16) becomes a warning naming
// the figure, and the report goes on without it.
func (fw *figureWriter) guarded(fig Figure, ds string, draw func(ds string) error) (err error) {
	defer func() {
		if e := recover(); e != nil {
			subject := string(fig) + " figure"
			if ds != "" {
				subject += " of " + ds
			}
			fw.b.warn.add(subject, fmt.Sprintf("not drawn: the plotting library failed on these values (%v)", e), "")
			err = nil
		}
	}()
	return draw(ds)
}

// sanitizeAxes widens an axis whose data range gonum/plot cannot tick:
// infinite or NaN ends, or a range so narrow against its magnitude that
// gonum's own ±1 padding of a single value is lost to rounding (values of
// 1e16 and more) and its tick search panics with "illegal range". Axes
// gonum handles are left exactly as they are.
func sanitizeAxes(p *plot.Plot) {
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		lo, hi := a.Min, a.Max
		if math.IsNaN(lo) || math.IsInf(lo, 0) {
			lo = 0
		}
		if math.IsNaN(hi) || math.IsInf(hi, 0) {
			hi = 0
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		c := lo/2 + hi/2
		if hi-lo <= 1e-9*math.Abs(c) && c-1 == c {
			pad := math.Abs(c) * 1e-3
			lo, hi = c-pad, c+pad
		}
		if lo != a.Min || hi != a.Max {
			a.Min, a.Max = lo, hi
		}
	}
}
