package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/flowbench/flowbench/pkg/metrics"
	"github.com/flowbench/flowbench/pkg/results"
)

// lossCurves draws the training loss of dataset ds: one line per group of
// training runs that differ only in seed, mean over seeds with a 95% band.
// The flow-matching losses and the CNF's NLL are in separate panels; when
// either has more than maxPanelSeries lines, each is split (seriesParts)
// and every panel gets a row and a legend of its own.
func (fw *figureWriter) lossCurves(ds string) error {
	var trains []*results.Run
	for _, r := range filterDataset(fw.b.okRuns(results.KindTrain), ds) {
		if len(r.Curve) > 0 && r.CurveEvery > 0 {
			trains = append(trains, r)
		}
	}
	if len(trains) == 0 {
		return nil
	}
	rowAxes := present(trains, without(nonSeedAxes(fw.b.in.Axes), DatasetAxis))
	var rows [][]string
	groups := map[string][]*results.Run{}
	for _, r := range trains {
		row := values(r, rowAxes)
		k := tupleKey(row)
		if groups[k] == nil {
			rows = append(rows, row)
		}
		groups[k] = append(groups[k], r)
	}
	rows = fw.b.order.uniqueTuples(rowAxes, rows)
	colors, dashes := seriesStyles(rows)
	// Losses are compared only where they measure the same thing: the
	// CNF's negative log-likelihood (its runs report train_nll) apart
	// from the flow-matching regression losses.
	isCNF := func(runs []*results.Run) bool {
		_, ok := runs[0].Metric("train_nll")
		return ok
	}
	var ss, cnf []series
	for ri, row := range rows {
		runs := groups[tupleKey(row)]
		every := runs[0].CurveEvery
		length := 0
		for _, r := range runs {
			if r.CurveEvery != every {
				fw.b.warn.add(runLabel(r, fw.b.in.Axes), fmt.Sprintf("loss curve every %d steps, not %d like its seed group; left out of the loss figure", r.CurveEvery, every), "")
				continue
			}
			length = max(length, len(r.Curve))
		}
		stride := max(1, (length+maxCurvePoints-1)/maxCurvePoints)
		s := series{name: colLabel(rowAxes, row, "all"), colorIdx: colors[ri], dashIdx: dashes[ri]}
		xs := make([]float64, 0, len(runs))
		for i := 0; i < length; i += stride {
			xs = xs[:0]
			for _, r := range runs {
				if r.CurveEvery == every && i < len(r.Curve) && !math.IsNaN(r.Curve[i]) && !math.IsInf(r.Curve[i], 0) {
					xs = append(xs, r.Curve[i])
				}
			}
			if len(xs) == 0 {
				continue
			}
			sum := metrics.Summarize(xs)
			lo, hi := sum.CI95Lo, sum.CI95Hi
			if sum.N < 2 {
				lo, hi = math.NaN(), math.NaN()
			}
			s.x = append(s.x, float64((i+1)*every))
			s.y, s.lo, s.hi = append(s.y, sum.Mean), append(s.lo, lo), append(s.hi, hi)
		}
		s.withPoints = len(s.x) < 3 // a lone point shows as a marker
		switch {
		case len(s.x) == 0:
		case isCNF(runs):
			cnf = append(cnf, s)
		default:
			s.nonNeg = true // a mean of squares
			ss = append(ss, s)
		}
	}
	if len(ss)+len(cnf) == 0 {
		return nil
	}
	losses := []struct {
		ss           []series
		title, label string
	}{
		{ss, "flow-matching loss", "loss (squared data units)"},
		{cnf, "CNF maximum likelihood", "training NLL (nats)"},
	}
	newPanel := func(title, label string) *plot.Plot {
		p := newPlot()
		p.Title.Text = title
		p.X.Label.Text = "training step"
		p.X.Tick.Marker = stepTicks{}
		p.Y.Label.Text = label
		return p
	}
	var split bool
	parts := make([][][]series, len(losses))
	for gi, g := range losses {
		parts[gi] = seriesParts(g.ss, maxPanelSeries)
		split = split || len(parts[gi]) > 1
	}
	f := &figure{panelW: 4.4 * vg.Inch, panelH: 4 * vg.Inch, name: fileName("loss", ds), svg: fw.b.in.Options.SVG}
	if !split {
		// Side by side, one legend for both panels.
		leg, inLegend := legendPlot(), map[string]bool{}
		var panels []*plot.Plot
		var names []string
		for _, g := range losses {
			if len(g.ss) == 0 {
				continue
			}
			p := newPanel(g.title, g.label)
			linePlot(p, leg, inLegend, g.ss, false, true)
			panels = append(panels, p)
			for _, s := range g.ss {
				names = append(names, s.name)
			}
		}
		f.plots, f.strip, f.stripW = [][]*plot.Plot{panels}, leg, legendWidth(names)
	} else {
		// One panel a row, each with its own legend; the panels of one
		// loss share their axes' ranges.
		for gi, g := range losses {
			var ps []*plot.Plot
			for k, part := range parts[gi] {
				title := g.title
				if len(parts[gi]) > 1 {
					title += fmt.Sprintf(" (%d of %d)", k+1, len(parts[gi]))
				}
				restyle(part)
				p, leg := newPanel(title, g.label), legendPlot()
				linePlot(p, leg, map[string]bool{}, part, false, true)
				var names []string
				for _, s := range part {
					names = append(names, s.name)
				}
				f.plots = append(f.plots, []*plot.Plot{p})
				f.rowStrips = append(f.rowStrips, leg)
				f.stripW = max(f.stripW, legendWidth(names))
				ps = append(ps, p)
			}
			shareRanges(ps)
		}
	}
	png, svg, err := fw.save(f)
	if err != nil {
		return err
	}
	caption := fmt.Sprintf("Training loss, one line per %s, the flow-matching regression losses and the CNF's negative log-likelihood in separate panels (they measure different things): mean over seeds with a shaded 95%% confidence band; curve point i is plotted at step (i + 1) × curve_every (log y where every mean is positive). The losses of different paths regress different targets, so their levels compare the paths' difficulty, not the models' quality.",
		axesPhrase(rowAxes))
	if split {
		caption += fmt.Sprintf(" More than %d lines are split over panels of at most %d, a %s's lines kept together, each panel with its own legend and the panels of one loss on the same axes.",
			maxPanelSeries, maxPanelSeries, rowAxes[0])
	}
	fw.b.figures = append(fw.b.figures, figureRef{title: "Training loss" + dsTitle(ds), caption: caption, png: png, svg: svg})
	return nil
}

// maxPanelSeries is the most lines one loss panel holds, as many as there
// are series colours (the NFE figures' maxLegendMethods).
const maxPanelSeries = maxLegendMethods

// seriesParts cuts ss into parts of at most n series, keeping the series
// of one colour (one method: seriesStyles colours by the first row axis)
// together: the methods' groups, in order of first appearance, share a
// part while they fit, and a group of more than n is cut into pieces of n.
func seriesParts(ss []series, n int) [][]series {
	var groups [][]series
	at := map[int]int{} // colour → index in groups (looked up, never ranged over)
	for _, s := range ss {
		g, ok := at[s.colorIdx]
		if !ok {
			g = len(groups)
			at[s.colorIdx] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], s)
	}
	var out [][]series
	var cur []series
	for _, g := range groups {
		for len(g) > 0 {
			piece := g[:min(n, len(g))]
			g = g[len(piece):]
			if len(cur)+len(piece) > n {
				out = append(out, cur)
				cur = nil
			}
			cur = append(cur, piece...)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// panelDashes is how many dash patterns one panel tells apart: solid,
// long dashes, short dashes, dots (gonum's first four); the further ones
// are hard to tell from these in a thin line.
const panelDashes = 4

// restyle makes the looks of one panel's series distinct. They keep the
// figure-wide colour per method and dash pattern per the rest when those
// stay within the colours and the first panelDashes patterns; else they
// are numbered within the panel, when it holds several methods and
// panelDashes patterns suffice; else each series gets its own colour,
// solid.
func restyle(part []series) {
	var cs, ds []int
	ci, di := make([]int, len(part)), make([]int, len(part))
	keep := true
	for i, s := range part {
		if ci[i] = slices.Index(cs, s.colorIdx); ci[i] < 0 {
			ci[i], cs = len(cs), append(cs, s.colorIdx)
		}
		if di[i] = slices.Index(ds, s.dashIdx); di[i] < 0 {
			di[i], ds = len(ds), append(ds, s.dashIdx)
		}
		keep = keep && s.colorIdx >= 0 && s.colorIdx < len(seriesColors) && s.dashIdx >= 0 && s.dashIdx < panelDashes
	}
	if keep {
		return
	}
	byMethod := len(cs) > 1 && len(ds) <= panelDashes
	for i := range part {
		if byMethod {
			part[i].colorIdx, part[i].dashIdx = ci[i], di[i]
		} else {
			part[i].colorIdx, part[i].dashIdx = i, 0
		}
	}
}

// shareRanges gives plots the union of their x and y ranges, where their
// scales agree (all log or all linear on an axis).
func shareRanges(ps []*plot.Plot) {
	if len(ps) < 2 {
		return
	}
	isLog := func(s plot.Normalizer) bool { _, ok := s.(plot.LogScale); return ok }
	for _, axis := range []func(p *plot.Plot) *plot.Axis{
		func(p *plot.Plot) *plot.Axis { return &p.X },
		func(p *plot.Plot) *plot.Axis { return &p.Y },
	} {
		lo, hi, log0 := math.Inf(1), math.Inf(-1), isLog(axis(ps[0]).Scale)
		same := true
		for _, p := range ps {
			a := axis(p)
			same = same && isLog(a.Scale) == log0
			lo, hi = min(lo, a.Min), max(hi, a.Max)
		}
		if !same {
			continue
		}
		for _, p := range ps {
			axis(p).Min, axis(p).Max = lo, hi
		}
	}
}

// densityGrid is a log-density grid as a plotter.GridXYZ: row i of the
// file is y_i, column j is x_j, at cell centres of the extent.
type densityGrid struct {
	data       []float64
	gy, gx     int
	xmin, xmax float64
	ymin, ymax float64
}

func (g *densityGrid) Dims() (c, r int) { return g.gx, g.gy }
func (g *densityGrid) Z(c, r int) float64 {
	return g.data[r*g.gx+c]
}
func (g *densityGrid) X(c int) float64 {
	return g.xmin + (float64(c)+0.5)*(g.xmax-g.xmin)/float64(g.gx)
}
func (g *densityGrid) Y(r int) float64 {
	return g.ymin + (float64(r)+0.5)*(g.ymax-g.ymin)/float64(g.gy)
}

// parseExtent reads "xmin,xmax,ymin,ymax".
func parseExtent(s string) ([4]float64, error) {
	var e [4]float64
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return e, fmt.Errorf("param %s = %q: want \"xmin,xmax,ymin,ymax\"", ParamDensityExtent, s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return e, fmt.Errorf("param %s = %q: %q is not a finite number", ParamDensityExtent, s, p)
		}
		e[i] = v
	}
	if e[0] >= e[1] || e[2] >= e[3] {
		return e, fmt.Errorf("param %s = %q: want xmin < xmax and ymin < ymax", ParamDensityExtent, s)
	}
	return e, nil
}

// density draws the log-density heat maps of dataset ds on one colour
// scale: from the highest value over all panels down densityRange nats.
func (fw *figureWriter) density(ds string) error {
	ps := fw.panels(ds, RoleDensity)
	if ps == nil {
		return nil
	}
	grids := map[string]*densityGrid{}
	top := math.Inf(-1)
	for _, row := range ps.rows {
		for _, col := range ps.cols {
			r := ps.at(row, col)
			if r == nil {
				continue
			}
			path, _ := fileOf(r, RoleDensity)
			d := fw.load(path)
			if d.err == nil && d.rows*d.cols == 0 {
				d.err = fmt.Errorf("%s is an empty grid", path)
			}
			if d.err != nil {
				fw.b.warn.add(runLabel(r, fw.b.in.Axes), "density figure skipped: "+d.err.Error(), "")
				continue
			}
			ext, _ := r.Get(ParamDensityExtent)
			e, err := parseExtent(ext)
			if err != nil {
				fw.b.warn.add(runLabel(r, fw.b.in.Axes), "density figure skipped: "+err.Error(), "")
				continue
			}
			g := &densityGrid{data: d.data, gy: d.rows, gx: d.cols, xmin: e[0], xmax: e[1], ymin: e[2], ymax: e[3]}
			for _, v := range d.data {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					top = max(top, v)
				}
			}
			grids[cellKey(row, col)] = g
		}
	}
	if len(grids) == 0 || math.IsInf(top, -1) {
		return nil
	}
	cmap := moreland.ExtendedBlackBody()
	cmap.SetMin(top - densityRange)
	cmap.SetMax(top)
	pal := cmap.Palette(128)
	cols := pal.Colors()
	plots := make([][]*plot.Plot, len(ps.rows))
	for j, row := range ps.rows {
		plots[j] = make([]*plot.Plot, len(ps.cols))
		for i, col := range ps.cols {
			g := grids[cellKey(row, col)]
			if g == nil {
				continue
			}
			hm := plotter.NewHeatMap(g, pal)
			hm.Min, hm.Max = top-densityRange, top
			hm.Underflow, hm.Overflow, hm.NaN = cols[0], cols[len(cols)-1], cols[0]
			hm.Rasterized = true
			p := newPlot()
			p.Add(hm)
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = g.xmin, g.xmax, g.ymin, g.ymax
			plots[j][i] = p
		}
	}
	side := panelSide(len(ps.cols))
	var rowLabels []string
	if len(ps.cols) == 1 && len(ps.rows) >= 2 {
		// One column of many rows (the usual case: one density per
		// model) is laid out as a near-square grid, each panel titled.
		n := len(ps.rows)
		nc := int(math.Ceil(math.Sqrt(float64(n))))
		grid := make([][]*plot.Plot, (n+nc-1)/nc)
		for k, row := range ps.rows {
			if grid[k/nc] == nil {
				grid[k/nc] = make([]*plot.Plot, nc)
			}
			if p := plots[k][0]; p != nil {
				p.Title.Text = colLabel(ps.rowAxes, row, "")
				grid[k/nc][k%nc] = p
			}
		}
		plots = grid
		side = 2.4 * vg.Inch
	} else {
		rowLabels = labelGrid(plots, ps)
	}
	bar := newPlot()
	bar.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	bar.HideX()
	bar.Y.Label.Text = "log density (nats)"
	png, _, err := fw.save(&figure{plots: plots, panelW: side, panelH: side, rowLabels: rowLabels, strip: bar, stripW: 0.9 * vg.Inch,
		stripMaxH: min(side, 2*vg.Inch), name: fileName("density", ds)})
	if err != nil {
		return err
	}
	caption := fmt.Sprintf("Model log-density on a grid, lowest seed of each cell; rows %s, columns %s; one colour scale from the highest value down %d nats (lower values take the darkest colour). A density file is a G_y × G_x .npy: row i, column j holds log p at the cell centre (x_j, y_i) of the square given by the run's param `%s` = \"xmin,xmax,ymin,ymax\", row 0 at ymin.",
		axesPhrase(ps.rowAxes), axesPhrase(ps.colAxes), densityRange, ParamDensityExtent)
	fw.b.figures = append(fw.b.figures, figureRef{title: "Log-density" + dsTitle(ds), caption: caption, png: png})
	return nil
}
