package report

import (
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/flowbench/flowbench/pkg/results"
)

// Metrics of the training-cost figure. The x axes are recorded on every
// training run; the quality metrics come from the runs that evaluate the
// trained model (Run.Parent is the training's key).
const (
	// TrainSecondsMetric is the wall time of a training's optimisation loop.
	TrainSecondsMetric = "train_seconds"
	// TrainNFEMetric is the network evaluations a training spent.
	TrainNFEMetric = "train_nfe"
	// TrueNLLMetric, when an evaluation run records it, is the true NLL of
	// the points it scored; otherwise the figure uses nll − nll_gap.
	TrueNLLMetric = "nll_true"
)

// costQualityMetrics are the quality metrics the cost figure plots, in
// row order, when the evaluation runs have them.
var costQualityMetrics = []string{"nll", "sw2", "w2"}

var trueLineColor = color.NRGBA{R: 60, G: 60, B: 60, A: 255}

// costSeries is one series of a cost panel: its legend name, its points
// (training cost, quality) and its colour and marker indices.
type costSeries struct {
	name         string
	xy           plotter.XYs
	color, shape int
}

// costPanel is one panel of the cost figure: a quality metric against a
// cost metric. Empty panels have no series.
type costPanel struct {
	quality, cost string
	series        []costSeries
	xmin, xmax    float64
	// trueNLL is the true NLL of the scored points (nll panels, when known).
	trueNLL    float64
	hasTrueNLL bool
}

// costData is what the cost figure of a dataset shows, selected from the
// runs: rows of panels by quality metric (rows without any point left
// out), columns by cost metric, and the axes that tell series apart.
type costData struct {
	quals, costs []string
	rows         [][]costPanel
	axes         []string
}

// The cost figure's panels are as large as the NFE figure's: over 400
// pixels each way at 96 dpi.
const (
	costPanelW = 4.4 * vg.Inch
	costPanelH = 4.2 * vg.Inch
)

// costAxisLabel is a training-cost metric's name with its unit.
func costAxisLabel(m string) string {
	if m == TrainNFEMetric {
		return m + " (network evaluations in training)"
	}
	return metricAxisLabel(m)
}

// trainingCost draws, for dataset ds, every quality metric of the models
// against their training cost (selectCost chooses the points): one panel
// per (quality metric, cost metric), one point per (series, seed), where a
// series is a method and the other non-seed axes that vary among the runs
// of the metric (training steps, stage, solver, ...). For nll a horizontal
// line marks the true NLL of the scored points when it is known.
func (fw *figureWriter) trainingCost(ds string) error {
	data, ok := fw.selectCost(ds)
	if !ok {
		return nil
	}
	leg, inLegend := legendPlot(), map[string]bool{}
	var grid [][]*plot.Plot
	trueNLL := false
	for _, panels := range data.rows {
		var row []*plot.Plot
		for _, pn := range panels {
			if len(pn.series) == 0 {
				row = append(row, blankPlot())
				continue
			}
			p := newPlot()
			p.Title.Text = pn.quality + " vs " + pn.cost
			p.X.Label.Text = costAxisLabel(pn.cost)
			p.Y.Label.Text = metricAxisLabel(pn.quality)
			p.Y.Tick.Marker = linearTicks{}
			for _, sr := range pn.series {
				sc := scatter(sr.xy, seriesColor(sr.color), 2.2)
				sc.GlyphStyle.Shape = plotutil.Shape(sr.shape)
				p.Add(sc)
				if !inLegend[sr.name] {
					inLegend[sr.name] = true
					leg.Legend.Add(sr.name, sc)
				}
			}
			if pn.xmax > pn.xmin {
				p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
			}
			if pn.hasTrueNLL {
				trueNLL = true
				v := pn.trueNLL
				l, err := plotter.NewLine(plotter.XYs{{X: pn.xmin, Y: v}, {X: pn.xmax, Y: v}})
				if err == nil {
					l.LineStyle = draw.LineStyle{Color: trueLineColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
					p.Add(l)
					name := fmt.Sprintf("true NLL %.4g", v)
					if !inLegend[name] {
						inLegend[name] = true
						leg.Legend.Add(name, l)
					}
				}
			}
			row = append(row, p)
		}
		grid = append(grid, row)
	}
	// Panels grow taller when the legend (a series per method and
	// evaluation setting can make dozens) would not fit beside them.
	panelH := max(costPanelH, (leg.Legend.Rectangle(draw.Canvas{}).Size().Y+4*vg.Millimeter)/vg.Length(len(grid)))
	png, svg, err := fw.save(&figure{plots: grid, panelW: costPanelW, panelH: panelH,
		strip: leg, stripW: legendWidth(slices.Sorted(maps.Keys(inLegend))), name: fileName("cost", ds), svg: fw.b.in.Options.SVG})
	if err != nil {
		return err
	}
	caption := fmt.Sprintf("Model quality (%s) against training cost (%s, log axis): one point per trained model (seed), one marker per %s.",
		strings.Join(data.quals, ", "), strings.Join(data.costs, ", "), axesPhrase(data.axes))
	if trueNLL {
		caption += " The dashed line is the true NLL of the scored test points (" + TrueNLLMetric + ", else nll − nll_gap, mean over runs)."
	}
	fw.b.figures = append(fw.b.figures, figureRef{title: "Quality against training cost" + dsTitle(ds), caption: caption, png: png, svg: svg})
	return nil
}

// selectCost selects the cost figure's data for dataset ds: the successful
// trainings that record a cost metric, the successful runs evaluating them
// (Run.Parent) with a quality metric, grouped into series. It reports false
// when there is nothing to draw.
func (fw *figureWriter) selectCost(ds string) (costData, bool) {
	var data costData
	trains := map[string]*results.Run{}
	for _, r := range filterDataset(fw.b.okRuns(results.KindTrain), ds) {
		trains[r.Key] = r
	}
	for _, m := range []string{TrainSecondsMetric, TrainNFEMetric} {
		for _, r := range trains {
			if _, ok := r.Metric(m); ok {
				data.costs = append(data.costs, m)
				break
			}
		}
	}
	if len(data.costs) == 0 {
		return data, false
	}
	// The evaluations of those trainings, in report order.
	var evals []*results.Run
	for i := range fw.b.runs {
		r := &fw.b.runs[i]
		if r.Status == results.StatusOK && r.Kind != results.KindTrain && trains[r.Parent] != nil {
			evals = append(evals, r)
		}
	}
	for _, q := range costQualityMetrics {
		if slices.ContainsFunc(evals, func(r *results.Run) bool { _, ok := r.Metric(q); return ok }) {
			data.quals = append(data.quals, q)
		}
	}
	if len(data.quals) == 0 {
		return data, false
	}
	// A series is a method and whatever else varies among the runs of a
	// metric (training steps, stage, solver, ...): axes with one value are
	// left out, so a model-level nll and a sample-level sw2 of the same
	// trainings share a legend entry.
	seriesAxes := func(runs []*results.Run) []string {
		var out []string
		for _, a := range without(nonSeedAxes(fw.b.in.Axes), DatasetAxis) {
			var vals []string
			for _, r := range runs {
				if v, ok := r.Get(a); ok && !slices.Contains(vals, v) {
					vals = append(vals, v)
				}
			}
			if len(vals) > 1 || a == MethodAxis && len(vals) > 0 {
				out = append(out, a)
			}
		}
		return out
	}
	// Colours by method and marker shapes by the rest, fixed over panels.
	var methods, rests []string
	style := func(r *results.Run, axes []string) (int, int) {
		m, _ := r.Get(MethodAxis)
		rest := label(without(axes, MethodAxis), values(r, without(axes, MethodAxis)))
		ci, si := slices.Index(methods, m), slices.Index(rests, rest)
		if ci < 0 {
			ci, methods = len(methods), append(methods, m)
		}
		if si < 0 {
			si, rests = len(rests), append(rests, rest)
		}
		return ci, si
	}
	for _, q := range data.quals {
		var row []costPanel
		for _, cm := range data.costs {
			pn := costPanel{quality: q, cost: cm, xmin: math.Inf(1), xmax: math.Inf(-1)}
			var withQ []*results.Run
			for _, r := range evals {
				if _, ok := r.Metric(q); ok {
					withQ = append(withQ, r)
				}
			}
			axes := seriesAxes(withQ)
			for _, a := range axes {
				if !slices.Contains(data.axes, a) {
					data.axes = append(data.axes, a)
				}
			}
			var rows [][]string
			for _, r := range withQ {
				rows = append(rows, values(r, axes))
			}
			for _, sr := range fw.b.order.uniqueTuples(axes, rows) {
				series := costSeries{name: label(axes, sr)}
				for _, r := range withQ {
					if !slices.Equal(values(r, axes), sr) {
						continue
					}
					y, _ := r.Metric(q)
					x, ok := trains[r.Parent].Metric(cm)
					if !ok || !finiteAll(x, y) || x <= 0 {
						continue
					}
					series.color, series.shape = style(r, axes)
					series.xy = append(series.xy, plotter.XY{X: x, Y: y})
					pn.xmin, pn.xmax = min(pn.xmin, x), max(pn.xmax, x)
				}
				if len(series.xy) > 0 {
					pn.series = append(pn.series, series)
				}
			}
			if len(pn.series) > 0 && q == "nll" {
				pn.trueNLL, pn.hasTrueNLL = meanTrueNLL(evals)
			}
			row = append(row, pn)
		}
		if slices.ContainsFunc(row, func(p costPanel) bool { return len(p.series) > 0 }) {
			data.rows = append(data.rows, row)
		}
	}
	return data, len(data.rows) > 0
}

// meanTrueNLL is the mean true NLL over the runs that know it: the metric
// nll_true, else nll − nll_gap.
func meanTrueNLL(runs []*results.Run) (float64, bool) {
	sum, n := 0.0, 0
	for _, r := range runs {
		v, ok := r.Metric(TrueNLLMetric)
		if !ok {
			nll, ok1 := r.Metric("nll")
			gap, ok2 := r.Metric("nll_gap")
			if !ok1 || !ok2 {
				continue
			}
			v = nll - gap
		}
		if finiteAll(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

func finiteAll(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// blankPlot is an empty tile with hidden axes.
func blankPlot() *plot.Plot {
	p := newPlot()
	p.HideAxes()
	return p
}
