package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"
	"unicode"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/flowbench/flowbench/pkg/results"
)

func init() {
	// Labels are plain text: the default LaTeX handler typesets them as
	// mathematics, which drops spaces and hyphens ("OT-CFM" became
	// "OTCFM", "VP euler" "VPeuler").
	plot.DefaultTextHandler = hyphenText{text.Plain{Fonts: font.DefaultCache}}
}

// hyphenText is the plain handler with word hyphens drawn as U+2010
// HYPHEN: Liberation's kerning pulls an ASCII hyphen after a "T" under its
// bar, so "OT-CFM" read as "OTCFM"; U+2010 has the same glyph and no kerning
// pairs. Minus signs ("-4", "1e-4") keep the ASCII character.
type hyphenText struct{ text.Plain }

func (h hyphenText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	return h.Plain.Box(wordHyphens(txt), fnt)
}

func (h hyphenText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	h.Plain.Draw(c, wordHyphens(txt), sty, pt)
}

// wordHyphens replaces each '-' between a letter, digit or closing bracket
// and a letter by U+2010.
func wordHyphens(s string) string {
	if !strings.Contains(s, "-") {
		return s
	}
	r := []rune(s)
	for i := 1; i+1 < len(r); i++ {
		if r[i] != '-' {
			continue
		}
		prev, next := r[i-1], r[i+1]
		if (unicode.IsLetter(prev) || unicode.IsDigit(prev) || strings.ContainsRune(")]", prev)) && unicode.IsLetter(next) {
			r[i] = '\u2010'
		}
	}
	return string(r)
}

// metricUnits names the unit of each metric's first word, for axis labels.
var metricUnits = map[string]string{
	"sw2":          "data units",
	"w2":           "data units",
	"w2sq":         "squared data units",
	"mmd":          "squared kernel distance",
	"straightness": "squared data units",
	"npe":          "ratio",
	"nll":          "nats",
	"bpd":          "bits per dimension",
	"loss":         "squared data units",
	"nfe":          "evaluations per sample",
	"energy":       "squared data units",
	"path":         "squared data units", // path_energy
}

// metricAxisLabel is a metric's name with its unit, for a y axis.
func metricAxisLabel(m string) string {
	if isSeconds(m) {
		return m + " (s)"
	}
	word, _, _ := strings.Cut(m, "_")
	if u, ok := metricUnits[word]; ok {
		return m + " (" + u + ")"
	}
	return m
}

// nonNegative reports whether a metric cannot be negative (distances,
// counts, energies), so its confidence bands are clipped at zero.
func nonNegative(m string) bool {
	if isSeconds(m) {
		return true
	}
	word, _, _ := strings.Cut(m, "_")
	switch word {
	case "sw2", "w2", "w2sq", "mmd", "straightness", "npe", "nfe", "energy", "path":
		return true
	}
	return false
}

// maxLegendMethods is the most colours one NFE figure tells apart; rows
// beyond it are drawn in further figures.
const maxLegendMethods = 8

// nfeCurves draws, for dataset ds, each quality metric against the mean
// NFE: one panel per metric (two panels a row, each about 4.4 × 4.2
// inches, over 400 pixels at 96 dpi), one colour per method (the row axes
// other than the solver and its tolerances), one marker and dash per
// solver, the legend in a strip to the right with one block of colours
// and one of markers. A solver run at one setting only (an adaptive one)
// is a point without a line.
func (fw *figureWriter) nfeCurves(ds string) error {
	evals := filterDataset(fw.b.okRuns(results.KindEval), ds)
	if len(evals) == 0 || !slices.Contains(fw.b.in.Axes, StepsAxis) {
		return nil
	}
	rowAxes := present(evals, without(nonSeedAxes(fw.b.in.Axes), DatasetAxis, StepsAxis))
	colAxes := []string{StepsAxis}
	nfe := fw.b.aggregate(results.KindEval, NFEMetric, evals, rowAxes, colAxes)
	if len(nfe.cells) == 0 {
		return nil
	}
	// A row is (method axes…, solver axes…): colour by the former,
	// marker by the latter.
	var methodIdx, solverIdx []int
	for i, a := range rowAxes {
		if a == SolverAxis || a == RTolAxis || a == ATolAxis {
			solverIdx = append(solverIdx, i)
		} else {
			methodIdx = append(methodIdx, i)
		}
	}
	pick := func(r []string, idx []int) []string {
		out := make([]string, len(idx))
		for k, i := range idx {
			out[k] = r[i]
		}
		return out
	}
	var methods, solvers [][]string
	for _, r := range nfe.rows {
		m, s := pick(r, methodIdx), pick(r, solverIdx)
		if !slices.ContainsFunc(methods, func(x []string) bool { return slices.Equal(x, m) }) {
			methods = append(methods, m)
		}
		if !slices.ContainsFunc(solvers, func(x []string) bool { return slices.Equal(x, s) }) {
			solvers = append(solvers, s)
		}
	}
	methodAxes, solverAxes := pick(rowAxes, methodIdx), pick(rowAxes, solverIdx)
	index := func(list [][]string, x []string) int {
		return slices.IndexFunc(list, func(y []string) bool { return slices.Equal(x, y) })
	}
	var metricsDrawn []string
	nParts := (len(methods) + maxLegendMethods - 1) / maxLegendMethods
	for part := 0; part < nParts; part++ {
		lo, hi := part*maxLegendMethods, min(len(methods), (part+1)*maxLegendMethods)
		var panels []*plot.Plot
		for _, m := range fw.b.metricNames() {
			if m == NFEMetric || isSeconds(m) {
				continue
			}
			g := fw.b.aggregate(results.KindEval, m, evals, rowAxes, colAxes)
			if len(g.cells) == 0 {
				continue
			}
			var ss []series
			for _, r := range g.rows {
				mi, si := index(methods, pick(r, methodIdx)), index(solvers, pick(r, solverIdx))
				if mi < lo || mi >= hi {
					continue
				}
				s := series{name: colLabel(rowAxes, r, "all"), colorIdx: mi, dashIdx: si, shapeIdx: si, withPoints: true, nonNeg: nonNegative(m)}
				type pt struct{ x, y, lo, hi float64 }
				var pts []pt
				for _, col := range g.cols {
					c, n := g.at(r, col), nfe.at(r, col)
					if c == nil || n == nil {
						continue
					}
					l, h := c.sum.CI95Lo, c.sum.CI95Hi
					if c.sum.N < 2 {
						l, h = math.NaN(), math.NaN()
					}
					pts = append(pts, pt{n.sum.Mean, c.sum.Mean, l, h})
				}
				if len(pts) == 0 {
					continue
				}
				slices.SortStableFunc(pts, func(a, b pt) int { return compareFloat(a.x, b.x) })
				for _, q := range pts {
					s.x, s.y, s.lo, s.hi = append(s.x, q.x), append(s.y, q.y), append(s.lo, q.lo), append(s.hi, q.hi)
				}
				s.noLine = len(pts) == 1
				ss = append(ss, s)
			}
			if len(ss) == 0 {
				continue
			}
			p := newPlot()
			p.Title.Text = m
			p.X.Label.Text = "NFE (function evaluations per sample)"
			p.Y.Label.Text = metricAxisLabel(m)
			linePlot(p, nil, nil, ss, true, true)
			panels = append(panels, p)
			if part == 0 {
				metricsDrawn = append(metricsDrawn, m)
			}
		}
		if len(panels) == 0 {
			return nil
		}
		var grid [][]*plot.Plot
		for i := 0; i < len(panels); i += 2 {
			row := []*plot.Plot{panels[i], nil}
			if i+1 < len(panels) {
				row[1] = panels[i+1]
			}
			grid = append(grid, row)
		}
		if len(panels) == 1 {
			grid = [][]*plot.Plot{{panels[0]}}
		}
		leg := legendPlot()
		var names []string
		for mi := lo; mi < hi; mi++ {
			name := colLabel(methodAxes, methods[mi], "all")
			l := &plotter.Line{LineStyle: draw.LineStyle{Color: seriesColor(mi), Width: vg.Points(3)}}
			leg.Legend.Add(name, l)
			names = append(names, name)
		}
		if len(solvers) > 1 || len(solverAxes) > 0 {
			for si, s := range solvers {
				name := colLabel(solverAxes, s, "all")
				l := &plotter.Line{LineStyle: draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(1.2), Dashes: plotutil.Dashes(si)}}
				sc, _ := plotter.NewScatter(plotter.XYs{{}})
				sc.GlyphStyle = draw.GlyphStyle{Color: color.Gray{Y: 90}, Radius: vg.Points(2.4), Shape: plotutil.Shape(si)}
				leg.Legend.Add(name, l, sc)
				names = append(names, name)
			}
		}
		name := fileName("nfe", ds)
		title := "Quality against NFE" + dsTitle(ds)
		if nParts > 1 {
			name += fmt.Sprintf("_%d", part+1)
			title += fmt.Sprintf(" (%d of %d)", part+1, nParts)
		}
		png, svg, err := fw.save(&figure{plots: grid, panelW: 4.4 * vg.Inch, panelH: 4.2 * vg.Inch,
			strip: leg, stripW: legendWidth(names), stripMaxH: vg.Length(len(names)+2) * vg.Points(14), name: name, svg: fw.b.in.Options.SVG})
		if err != nil {
			return err
		}
		caption := fmt.Sprintf("%s against the mean NFE (log x; log y where every mean is positive), one panel per metric: one colour per %s, one marker and dash pattern per %s, one point per step count (a solver run at a single setting, such as adaptive Dopri5, is a lone marker); mean over seeds with a shaded 95%% confidence band, clipped at zero (or at the log axis' floor) for metrics that cannot be negative.",
			strings.Join(metricsDrawn, ", "), axesPhrase(methodAxes), axesPhrase(solverAxes))
		fw.b.figures = append(fw.b.figures, figureRef{title: title, caption: caption, png: png, svg: svg})
	}
	return nil
}
