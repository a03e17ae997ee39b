package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/results"
)

// densityRange is how many nats below the highest log-density the heat
// maps' colour scale reaches; lower values take the lowest colour.
const densityRange = 12

// maxCurvePoints caps the points of one loss curve (every k-th is kept).
const maxCurvePoints = 400

// npyData is one array read from the store, or why it could not be.
type npyData struct {
	data       []float64
	rows, cols int
	err        error
}

// figureWriter draws the figures into dir/figures and records them in b.
type figureWriter struct {
	b          *builder
	dir, store string
	npy        map[string]npyData // by path; a file is read once
}

func (fw *figureWriter) draw(figs map[Figure]bool) error {
	steps := []struct {
		fig  Figure
		draw func(ds string) error
	}{
		{FigureSamples, fw.samples},
		{FigureTrajectories, fw.trajectories},
		{FigureNFE, fw.nfeCurves},
		{FigureLoss, fw.lossCurves},
		{FigureDensity, fw.density},
		{FigureCost, fw.trainingCost},
		{FigureMosaic, fw.mosaic},
	}
	all := make([]*results.Run, len(fw.b.runs))
	for i := range fw.b.runs {
		all[i] = &fw.b.runs[i]
	}
	dss := fw.b.datasets(all)
	for _, s := range steps {
		if !figs[s.fig] {
			continue
		}
		for _, ds := range dss {
			if err := fw.guarded(s.fig, ds, s.draw); err != nil {
				return err
			}
		}
	}
	return nil
}

// load reads a .npy file of the store, once.
func (fw *figureWriter) load(path string) npyData {
	if d, ok := fw.npy[path]; ok {
		return d
	}
	var d npyData
	f, err := os.Open(filepath.Join(fw.store, filepath.FromSlash(path)))
	if err != nil {
		d.err = err
	} else {
		d.data, d.rows, d.cols, d.err = datasets.ReadNPY(f)
		f.Close()
		if d.err != nil {
			d.err = fmt.Errorf("%s: %w", path, d.err)
		}
	}
	fw.npy[path] = d
	return d
}

// fileOf returns the path of r's file with the given role.
func fileOf(r *results.Run, role string) (string, bool) {
	for _, f := range r.Files {
		if f.Role == role {
			return f.Path, true
		}
	}
	return "", false
}

// panelSet is a grid of runs, one per (row, column), the lowest seed of
// each group.
type panelSet struct {
	rowAxes, colAxes []string
	rows, cols       [][]string
	runs             map[string]*results.Run
}

// panels picks the successful runs of dataset ds that have a file of the
// given role: rows are the non-seed axes other than dataset and the
// evaluation setting; columns are the evaluation setting (EvalAxes). The first run of a cell in report
// order (the lowest seed) stands for it.
func (fw *figureWriter) panels(ds, role string) *panelSet {
	var runs []*results.Run
	for i := range fw.b.runs {
		r := &fw.b.runs[i]
		if r.Status != results.StatusOK {
			continue
		}
		if _, ok := fileOf(r, role); ok {
			runs = append(runs, r)
		}
	}
	runs = filterDataset(runs, ds)
	if len(runs) == 0 {
		return nil
	}
	ps := &panelSet{runs: map[string]*results.Run{}}
	ps.colAxes = present(runs, fw.b.evalAxes())
	ps.rowAxes = present(runs, without(nonSeedAxes(fw.b.in.Axes), append([]string{DatasetAxis}, EvalAxes...)...))
	var rows, cols [][]string
	for _, r := range runs {
		row, col := values(r, ps.rowAxes), values(r, ps.colAxes)
		k := cellKey(row, col)
		if _, ok := ps.runs[k]; ok {
			continue
		}
		ps.runs[k] = r
		rows, cols = append(rows, row), append(cols, col)
	}
	ps.rows, ps.cols = fw.b.order.uniqueTuples(ps.rowAxes, rows), fw.b.order.uniqueTuples(ps.colAxes, cols)
	return ps
}

func (ps *panelSet) at(row, col []string) *results.Run { return ps.runs[cellKey(row, col)] }

// maxGridCols is the most columns of one scatter grid: wider grids are
// split (see panelSet.split) so a figure stays legible at the width
// GitHub shows it.
const maxGridCols = 7

// split cuts ps into grids of at most maxCols columns without cutting a
// solver's columns apart unless it alone has more: consecutive solvers
// share a grid while they fit. A single grid is ps itself.
func (ps *panelSet) split(maxCols int) []*panelSet {
	if len(ps.cols) <= maxCols {
		return []*panelSet{ps}
	}
	si := slices.Index(ps.colAxes, SolverAxis)
	// groups of consecutive columns with one solver (one group without a
	// solver axis), each cut into pieces of at most maxCols.
	var groups [][][]string
	for _, c := range ps.cols {
		n := len(groups)
		if n > 0 && len(groups[n-1]) < maxCols && (si < 0 || groups[n-1][0][si] == c[si]) {
			groups[n-1] = append(groups[n-1], c)
		} else {
			groups = append(groups, [][]string{c})
		}
	}
	var out []*panelSet
	var cur [][]string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, &panelSet{rowAxes: ps.rowAxes, colAxes: ps.colAxes, rows: ps.rows, cols: cur, runs: ps.runs})
			cur = nil
		}
	}
	for _, g := range groups {
		if len(cur)+len(g) > maxCols {
			flush()
		}
		cur = append(cur, g...)
	}
	flush()
	return out
}

// gridName is the file name and title suffix of part i of n grids:
// none for a single grid, else "_<i+1>" and the solvers it shows.
func gridName(ps *panelSet, i, n int) (file, title string) {
	if n == 1 {
		return "", ""
	}
	var solvers []string
	if si := slices.Index(ps.colAxes, SolverAxis); si >= 0 {
		for _, c := range ps.cols {
			if !slices.Contains(solvers, c[si]) {
				solvers = append(solvers, c[si])
			}
		}
	}
	title = fmt.Sprintf(" (%d of %d", i+1, n)
	if len(solvers) > 0 {
		title += ": " + strings.Join(solvers, ", ")
	}
	return fmt.Sprintf("_%d", i+1), title + ")"
}

// testset returns the 2-D test set of dataset ds (the first "testset" file
// of its runs), or nil.
func (fw *figureWriter) testset(ds string) *npyData {
	for i := range fw.b.runs {
		r := &fw.b.runs[i]
		if v, _ := r.Get(DatasetAxis); ds != "" && v != ds {
			continue
		}
		if p, ok := fileOf(r, RoleTestset); ok {
			d := fw.load(p)
			if d.err != nil {
				fw.b.warn.add(runLabel(r, fw.b.in.Axes), "test set unreadable: "+d.err.Error(), "")
				return nil
			}
			if d.cols < 2 || d.rows == 0 {
				fw.b.warn.add(runLabel(r, fw.b.in.Axes), fmt.Sprintf("test set %s is %d×%d; the figures need at least 1 row and 2 columns", p, d.rows, d.cols), "")
				return nil
			}
			return &d
		}
	}
	return nil
}

// fileName turns a dataset name into a safe file-name part.
func fileName(kind, ds string) string {
	if ds == "" {
		ds = "all"
	}
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, ds)
	return kind + "_" + clean
}

func dsTitle(ds string) string {
	if ds == "" {
		return ""
	}
	return " — " + ds
}

// newPlot returns a plot with the report's fonts: large enough that a
// hyphen survives rasterising at 96 dpi (at 7 pt "OT-CFM" read "OTCFM").
func newPlot() *plot.Plot {
	p := plot.New()
	small := vg.Points(9)
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.X.Label.TextStyle.Font.Size = small
	p.Y.Label.TextStyle.Font.Size = small
	p.X.Tick.Label.Font.Size = vg.Points(8)
	p.Y.Tick.Label.Font.Size = vg.Points(8)
	p.Legend.TextStyle.Font.Size = small
	// Linear axes label 1-2-5 steps written short ("7.5", not "7.50");
	// log axes and training-step axes set their own markers.
	p.X.Tick.Marker, p.Y.Tick.Marker = linearTicks{}, linearTicks{}
	return p
}

// legendPlot is a tile holding only a legend.
func legendPlot() *plot.Plot {
	p := newPlot()
	p.HideAxes()
	p.Legend.Top = true
	p.Legend.Left = true
	return p
}

// figure is a grid of equal panels (nil tiles stay blank), an optional
// margin on the left holding a label per row, and an optional strip on
// the right for a legend or a colour bar (strip, over the whole height
// or its top stripMaxH) or for one legend per row (rowStrips).
type figure struct {
	plots     [][]*plot.Plot
	panelW    vg.Length
	panelH    vg.Length
	rowLabels []string // "" or nil: none
	strip     *plot.Plot
	rowStrips []*plot.Plot // nil entries: none
	stripW    vg.Length
	stripMaxH vg.Length // 0: the full height
	name      string
	svg       bool
}

// rowLabelPad is the space on either side of the row labels' margin.
const rowLabelPad = 6 * vg.Millimeter / 4

// rowLabelStyle is the style of the row labels: the axis-label font,
// horizontal (a rotated label's hyphen is lost when rasterised: "OT-CFM"
// read "OTCFM"), left-aligned and centred on the row.
func rowLabelStyle() text.Style {
	sty := newPlot().Y.Label.TextStyle
	sty.Rotation = 0
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	return sty
}

// labelW is the width of the row labels' margin: the widest line plus
// padding, 0 without labels.
func (f *figure) labelW() vg.Length {
	sty := rowLabelStyle()
	var w vg.Length
	for _, l := range f.rowLabels {
		if l != "" {
			w = max(w, sty.Width(l)+2*rowLabelPad)
		}
	}
	return w
}

func (f *figure) size() (w, h vg.Length) {
	return f.labelW() + f.panelW*vg.Length(len(f.plots[0])) + f.stripW, f.panelH * vg.Length(len(f.plots))
}

func (f *figure) render(c vg.CanvasSizer) {
	dc := draw.New(c)
	tiles := draw.Tiles{
		Rows: len(f.plots), Cols: len(f.plots[0]),
		PadX: vg.Millimeter, PadY: 5 * vg.Millimeter, // room between a panel's x label and the title below
		PadTop: 3 * vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: 2 * vg.Millimeter,
	}
	lw := f.labelW()
	canvases := plot.Align(f.plots, tiles, draw.Crop(dc, lw, -f.stripW, 0, 0))
	for j, row := range f.plots {
		for i, p := range row {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	// Each row label in the margin, level with the middle of the row's
	// first data area (of its tile where the row has no plot).
	sty := rowLabelStyle()
	for j, l := range f.rowLabels {
		if l == "" || j >= len(f.plots) {
			continue
		}
		mid := (canvases[j][0].Min.Y + canvases[j][0].Max.Y) / 2
		for i, p := range f.plots[j] {
			if p != nil {
				da := p.DataCanvas(canvases[j][i])
				mid = (da.Min.Y + da.Max.Y) / 2
				break
			}
		}
		dc.FillText(sty, vg.Point{X: dc.Min.X + rowLabelPad, Y: mid}, l)
	}
	w, h := f.size()
	if f.strip != nil {
		sc := draw.Crop(dc, w-f.stripW, 0, 0, 0)
		if f.stripMaxH > 0 && f.stripMaxH < h {
			sc = draw.Crop(sc, 0, 0, h-f.stripMaxH, 0)
		}
		f.strip.Draw(sc)
	}
	for j, s := range f.rowStrips {
		if s == nil {
			continue
		}
		// Row j of n is the band from (n-1-j)·panelH to (n-j)·panelH
		// above the bottom.
		n := vg.Length(len(f.plots))
		s.Draw(draw.Crop(dc, w-f.stripW, 0, (n-1-vg.Length(j))*f.panelH, -vg.Length(j)*f.panelH))
	}
}

// save renders f to figures/<name>.png, and .svg when f.svg is set, and
// returns the paths relative to the report.
func (fw *figureWriter) save(f *figure) (pngRel, svgRel string, err error) {
	for _, row := range f.plots {
		for _, p := range row {
			if p != nil {
				sanitizeAxes(p)
			}
		}
	}
	w, h := f.size()
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(fw.b.in.Options.dpi()))
	f.render(img)
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return "", "", fmt.Errorf("report: encoding %s.png: %w", f.name, err)
	}
	pngRel = FigureDir + "/" + f.name + ".png"
	if err := writeFileAtomic(filepath.Join(fw.dir, filepath.FromSlash(pngRel)), buf.Bytes()); err != nil {
		return "", "", err
	}
	if !f.svg {
		return pngRel, "", nil
	}
	sc := vgsvg.New(w, h)
	f.render(sc)
	buf.Reset()
	if _, err := sc.WriteTo(&buf); err != nil {
		return "", "", fmt.Errorf("report: encoding %s.svg: %w", f.name, err)
	}
	svgRel = FigureDir + "/" + f.name + ".svg"
	if err := writeFileAtomic(filepath.Join(fw.dir, filepath.FromSlash(svgRel)), buf.Bytes()); err != nil {
		return "", "", err
	}
	return pngRel, svgRel, nil
}

// legendWidth is the strip width that fits the longest legend entry.
func legendWidth(names []string) vg.Length {
	longest := 0
	for _, n := range names {
		longest = max(longest, len([]rune(n)))
	}
	// About 4.7 pt per character at the 9 pt legend font, plus the
	// thumbnail and margins.
	return vg.Length(longest)*vg.Points(4.7) + vg.Points(44)
}

// panelSide sizes the square panels of a grid with cols columns: about
// 11 inches in all (a page width at 96 dpi), each panel 1.3 to 4.2 inches
// (a grid of one or two columns gets panels of over 400 px at 96 dpi).
func panelSide(cols int) vg.Length {
	side := 11 * vg.Inch / vg.Length(max(cols, 1))
	return min(max(side, 1.3*vg.Inch), 4.2*vg.Inch)
}

// xy2 takes the first two columns of every stride-th row of a rows×cols
// array, at most limit rows, and returns the points inside box (nil: all)
// and how many of the taken rows fell outside.
func xy2(d []float64, rows, cols, limit int, box *bounds) (pts plotter.XYs, outside int) {
	stride := max(1, (rows+limit-1)/limit)
	pts = make(plotter.XYs, 0, rows/stride+1)
	for i := 0; i < rows; i += stride {
		x, y := d[i*cols], d[i*cols+1]
		if box != nil && !box.contains(x, y) {
			outside++
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
	}
	return pts, outside
}

// backdrop is the test set as a grey scatter.
func backdrop(test *npyData, limit int, radius vg.Length) *plotter.Scatter {
	pts, _ := xy2(test.data, test.rows, test.cols, limit, nil)
	return scatter(pts, testsetColor, radius)
}

type bounds struct{ xmin, xmax, ymin, ymax float64 }

func (b *bounds) contains(x, y float64) bool {
	return x >= b.xmin && x <= b.xmax && y >= b.ymin && y <= b.ymax
}

// boundsOf is the box around the first two columns of d, widened by 10%
// on each side.
func boundsOf(d []float64, rows, cols int) *bounds {
	b := &bounds{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for i := range rows {
		x, y := d[i*cols], d[i*cols+1]
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			continue
		}
		b.xmin, b.xmax = min(b.xmin, x), max(b.xmax, x)
		b.ymin, b.ymax = min(b.ymin, y), max(b.ymax, y)
	}
	if b.xmin > b.xmax {
		return nil
	}
	px, py := 0.1*(b.xmax-b.xmin)+1e-9, 0.1*(b.ymax-b.ymin)+1e-9
	return &bounds{b.xmin - px, b.xmax + px, b.ymin - py, b.ymax + py}
}

func (b *bounds) apply(p *plot.Plot) {
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = b.xmin, b.xmax, b.ymin, b.ymax
}

var (
	testsetColor = color.NRGBA{R: 175, G: 175, B: 175, A: 255}
	sampleColor  = color.NRGBA{R: 31, G: 119, B: 180, A: 140}
	pathColor    = color.NRGBA{R: 31, G: 119, B: 180, A: 150}
	startColor   = color.NRGBA{R: 20, G: 60, B: 200, A: 255} // blue triangles: unlike the grey test set
	endColor     = color.NRGBA{R: 214, G: 39, B: 40, A: 255}
)

func scatter(pts plotter.XYs, c color.Color, radius vg.Length) *plotter.Scatter {
	s, err := plotter.NewScatter(pts)
	if err != nil {
		panic("report: " + err.Error())
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: radius, Shape: draw.CircleGlyph{}}
	return s
}

// labelGrid puts column titles on the top row of a panel grid and returns
// its row labels, broken at spaces, for the figure's left margin (where
// they cannot overlap the first column's tick labels).
func labelGrid(plots [][]*plot.Plot, ps *panelSet) []string {
	labels := make([]string, len(ps.rows))
	for j, row := range ps.rows {
		labels[j] = strings.ReplaceAll(colLabel(ps.rowAxes, row, ""), " ", "\n")
		for i, col := range ps.cols {
			if p := plots[j][i]; p != nil && j == 0 {
				p.Title.Text = colLabel(ps.colAxes, col, "")
			}
		}
	}
	return labels
}

// samples draws the sample scatter grids of dataset ds.
func (fw *figureWriter) samples(ds string) error {
	if fw.above2D(ds) {
		return nil
	}
	return fw.grids(ds, RoleSamples, fw.samplesGrid)
}

// grids draws the panels of the runs with files of role as one or more
// grids of at most maxGridCols columns, each by draw.
func (fw *figureWriter) grids(ds, role string, draw func(ds string, ps *panelSet, file, title string) error) error {
	ps := fw.panels(ds, role)
	if ps == nil {
		return nil
	}
	parts := ps.split(maxGridCols)
	for i, part := range parts {
		file, title := gridName(part, i, len(parts))
		if err := draw(ds, part, file, title); err != nil {
			return err
		}
	}
	return nil
}

// samplesGrid draws one sample scatter grid.
func (fw *figureWriter) samplesGrid(ds string, ps *panelSet, file, title string) error {
	limit := fw.b.in.Options.maxScatter()
	test := fw.testset(ds)
	var box *bounds
	if test != nil {
		box = boundsOf(test.data, test.rows, test.cols)
	}
	plots := make([][]*plot.Plot, len(ps.rows))
	dropped := 0
	for j, row := range ps.rows {
		plots[j] = make([]*plot.Plot, len(ps.cols))
		for i, col := range ps.cols {
			r := ps.at(row, col)
			if r == nil {
				continue
			}
			path, _ := fileOf(r, RoleSamples)
			d := fw.load(path)
			if d.err != nil || d.cols < 2 || d.rows == 0 {
				fw.sampleProblem(r, path, d)
				continue
			}
			p := newPlot()
			if test != nil {
				p.Add(backdrop(test, limit, 0.6))
			}
			pb := box
			if pb == nil {
				pb = boundsOf(d.data, d.rows, d.cols)
			}
			pts, out := xy2(d.data, d.rows, d.cols, limit, pb)
			dropped += out
			p.Add(scatter(pts, sampleColor, 0.8))
			if pb != nil {
				pb.apply(p)
			}
			plots[j][i] = p
		}
	}
	if !anyPlot(plots) {
		return nil
	}
	rowLabels := labelGrid(plots, ps)
	side := panelSide(len(ps.cols))
	png, _, err := fw.save(&figure{plots: plots, panelW: side, panelH: side, rowLabels: rowLabels, name: fileName("samples", ds) + file})
	if err != nil {
		return err
	}
	caption := fmt.Sprintf("Samples (blue, at most %d per panel, every k-th point) over the held-out test set (grey), lowest seed of each cell; rows %s, columns %s.",
		limit, axesPhrase(ps.rowAxes), axesPhrase(ps.colAxes))
	if dropped > 0 {
		caption += fmt.Sprintf(" %d drawn samples fell outside the test set's box and are not shown.", dropped)
	}
	fw.b.figures = append(fw.b.figures, figureRef{title: "Samples" + dsTitle(ds) + title, caption: caption, png: png})
	return nil
}

func (fw *figureWriter) sampleProblem(r *results.Run, path string, d npyData) {
	msg := fmt.Sprintf("figure skipped: %s is %d×%d; the figure needs at least 1 row and 2 columns", path, d.rows, d.cols)
	if d.err != nil {
		msg = "figure skipped: " + d.err.Error()
	}
	fw.b.warn.add(runLabel(r, fw.b.in.Axes), msg, "")
}

func anyPlot(plots [][]*plot.Plot) bool {
	for _, row := range plots {
		for _, p := range row {
			if p != nil {
				return true
			}
		}
	}
	return false
}

func axesPhrase(axes []string) string {
	if len(axes) == 0 {
		return "(none)"
	}
	return strings.Join(axes, " × ")
}

// trajectoryBox is the box every trajectory panel of a dataset shares:
// the union of the test set's box and of every readable trajectories
// file's box (all of them, not only those of one split grid), nil when
// there is none.
func (fw *figureWriter) trajectoryBox(ps *panelSet, test *npyData) *bounds {
	var boxes []*bounds
	if test != nil {
		boxes = append(boxes, boundsOf(test.data, test.rows, test.cols))
	}
	for _, r := range ps.runs {
		path, _ := fileOf(r, RoleTrajectories)
		if d := fw.load(path); d.err == nil && d.cols >= 2 && d.rows > 0 {
			boxes = append(boxes, boundsOf(d.data, d.rows, d.cols))
		}
	}
	var u *bounds
	for _, b := range boxes {
		switch {
		case b == nil:
		case u == nil:
			c := *b
			u = &c
		default:
			u.xmin, u.xmax = min(u.xmin, b.xmin), max(u.xmax, b.xmax)
			u.ymin, u.ymax = min(u.ymin, b.ymin), max(u.ymax, b.ymax)
		}
	}
	return u
}

// trajectories draws a few ODE paths per run of dataset ds.
func (fw *figureWriter) trajectories(ds string) error {
	if fw.above2D(ds) {
		return nil
	}
	return fw.grids(ds, RoleTrajectories, fw.trajectoryGrid)
}

// trajectoryGrid draws one grid of trajectory panels.
func (fw *figureWriter) trajectoryGrid(ds string, ps *panelSet, file, title string) error {
	lines := fw.b.in.Options.trajLines()
	limit := fw.b.in.Options.maxScatter()
	test := fw.testset(ds)
	box := fw.trajectoryBox(ps, test)
	plots := make([][]*plot.Plot, len(ps.rows))
	for j, row := range ps.rows {
		plots[j] = make([]*plot.Plot, len(ps.cols))
		for i, col := range ps.cols {
			r := ps.at(row, col)
			if r == nil {
				continue
			}
			path, _ := fileOf(r, RoleTrajectories)
			d := fw.load(path)
			if d.err != nil || d.cols < 2 || d.rows == 0 {
				fw.sampleProblem(r, path, d)
				continue
			}
			ks, _ := r.Get(ParamTrajectoryTimes)
			K, err := strconv.Atoi(ks)
			if err != nil || K < 2 || d.rows%K != 0 {
				fw.b.warn.add(runLabel(r, fw.b.in.Axes), fmt.Sprintf("trajectory figure skipped: param %s = %q must be an integer K ≥ 2 dividing the %d rows of %s",
					ParamTrajectoryTimes, ks, d.rows, path), "")
				continue
			}
			n := d.rows / K
			p := newPlot()
			if test != nil {
				p.Add(backdrop(test, limit, 0.5))
			}
			m := min(lines, n)
			stride := n / m
			var starts, ends plotter.XYs
			own := &bounds{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
			for t := range m {
				idx := t * stride
				path := make(plotter.XYs, K)
				for k := range K {
					o := (k*n + idx) * d.cols
					path[k] = plotter.XY{X: d.data[o], Y: d.data[o+1]}
				}
				l, err := plotter.NewLine(path)
				if err != nil { // a non-finite point: skip this path
					continue
				}
				l.LineStyle = draw.LineStyle{Color: pathColor, Width: vg.Points(0.6)}
				p.Add(l)
				starts = append(starts, path[0])
				ends = append(ends, path[K-1])
				for _, q := range path {
					own.xmin, own.xmax = min(own.xmin, q.X), max(own.xmax, q.X)
					own.ymin, own.ymax = min(own.ymin, q.Y), max(own.ymax, q.Y)
				}
			}
			st := scatter(starts, startColor, 1.6)
			st.GlyphStyle.Shape = draw.TriangleGlyph{}
			p.Add(st, scatter(ends, endColor, 1.4))
			// Each panel shows its own paths' range (padded 5%), not the
			// union over panels: one far path elsewhere no longer
			// shrinks every panel.
			if own.xmin < own.xmax && own.ymin < own.ymax {
				px, py := 0.05*(own.xmax-own.xmin), 0.05*(own.ymax-own.ymin)
				(&bounds{own.xmin - px, own.xmax + px, own.ymin - py, own.ymax + py}).apply(p)
			} else if box != nil {
				box.apply(p)
			}
			plots[j][i] = p
		}
	}
	if !anyPlot(plots) {
		return nil
	}
	rowLabels := labelGrid(plots, ps)
	side := panelSide(len(ps.cols))
	png, _, err := fw.save(&figure{plots: plots, panelW: side, panelH: side, rowLabels: rowLabels, name: fileName("trajectories", ds) + file})
	if err != nil {
		return err
	}
	caption := fmt.Sprintf("ODE trajectories of %d points from t = 0 (blue triangles) to t = 1 (red dots) over the test set (light grey); each panel spans its own paths' range; rows %s, columns %s. Each trajectories file holds K time points × n points × d stacked as K·n rows of d (row k·n + i is point i at time index k), K given by the run's param `%s`.",
		lines, axesPhrase(ps.rowAxes), axesPhrase(ps.colAxes), ParamTrajectoryTimes)
	fw.b.figures = append(fw.b.figures, figureRef{title: "Trajectories" + dsTitle(ds) + title, caption: caption, png: png})
	return nil
}

// series is one line of a curve figure with its confidence band.
type series struct {
	name       string
	colorIdx   int
	dashIdx    int
	x, y       []float64
	lo, hi     []float64 // NaN where the band is undefined
	withPoints bool
	// shapeIdx is the marker of the points (withPoints); nonNeg clips the
	// band at zero.
	shapeIdx int
	nonNeg   bool
	// noLine draws the points alone (a single setting, such as an
	// adaptive solver's).
	noLine bool
}

// seriesStyles gives each row a colour by its first axis value (the
// method) and a dash pattern by the rest (e.g. the solver).
func seriesStyles(rows [][]string) (colors, dashes []int) {
	var firsts, rests []string
	for _, r := range rows {
		f, rest := "", ""
		if len(r) > 0 {
			f, rest = r[0], tupleKey(r[1:])
		}
		ci, di := slices.Index(firsts, f), slices.Index(rests, rest)
		if ci < 0 {
			ci = len(firsts)
			firsts = append(firsts, f)
		}
		if di < 0 {
			di = len(rests)
			rests = append(rests, rest)
		}
		colors, dashes = append(colors, ci), append(dashes, di)
	}
	return colors, dashes
}

// linePlot draws series onto p (log axes when asked and possible) and adds
// to leg the entries it does not hold yet.
func linePlot(p, leg *plot.Plot, inLegend map[string]bool, ss []series, logX, logY bool) {
	// A log axis needs positive values spanning a range: a single value
	// would be padded by ±1 by gonum/plot, possibly to zero.
	logOK := func(f func(s series) []float64) bool {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range ss {
			for _, v := range f(s) {
				if !math.IsNaN(v) {
					lo, hi = min(lo, v), max(hi, v)
				}
			}
		}
		return lo > 0 && hi > lo && !math.IsInf(hi, 1)
	}
	if logX && logOK(func(s series) []float64 { return s.x }) {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	// Log y is decided on the means; a band reaching below the axis (or
	// below zero for a non-negative metric) is clipped there, so no band
	// claims values the metric cannot take.
	floor := math.Inf(-1)
	if logY && logOK(func(s series) []float64 { return s.y }) {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
		lo := math.Inf(1)
		for _, s := range ss {
			for _, v := range s.y {
				if v > 0 {
					lo = min(lo, v)
				}
			}
		}
		floor = lo / 4
	}
	for _, s := range ss {
		if s.nonNeg {
			floor = max(floor, 0)
		}
		for i := range s.lo {
			if !math.IsNaN(s.lo[i]) {
				s.lo[i] = max(s.lo[i], floor)
			}
		}
		c := seriesColor(s.colorIdx)
		var band []plotter.XY
		for i := range s.x {
			if !math.IsNaN(s.lo[i]) {
				band = append(band, plotter.XY{X: s.x[i], Y: s.lo[i]})
			}
		}
		for i := len(s.x) - 1; i >= 0; i-- {
			if !math.IsNaN(s.hi[i]) {
				band = append(band, plotter.XY{X: s.x[i], Y: s.hi[i]})
			}
		}
		if len(band) >= 4 {
			poly, err := plotter.NewPolygon(plotter.XYs(band))
			if err == nil {
				r, g, b, _ := c.RGBA()
				poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 50}
				poly.LineStyle.Width = 0
				p.Add(poly)
			}
		}
		pts := make(plotter.XYs, len(s.x))
		for i := range s.x {
			pts[i] = plotter.XY{X: s.x[i], Y: s.y[i]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: plotutil.Dashes(s.dashIdx)}
		var thumbs []plot.Thumbnailer
		if !s.noLine {
			p.Add(l)
			thumbs = append(thumbs, l)
		}
		if s.withPoints {
			sc := scatter(pts, c, 2.4)
			sc.GlyphStyle.Shape = plotutil.Shape(s.shapeIdx)
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if leg == nil {
			continue
		}
		if !inLegend[s.name] {
			inLegend[s.name] = true
			leg.Legend.Add(s.name, thumbs...)
		}
	}
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
