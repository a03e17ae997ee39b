package report

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/recorder"

	"github.com/flowbench/flowbench/pkg/results"
)

// methodSeries is n series for each group size: group g has colour g and
// dash patterns 0, 1, ...
func methodSeries(sizes ...int) []series {
	var ss []series
	for g, n := range sizes {
		for k := range n {
			ss = append(ss, series{name: fmt.Sprintf("m%d s%d", g, k), colorIdx: g, dashIdx: k})
		}
	}
	return ss
}

func TestSeriesParts(t *testing.T) {
	cases := []struct {
		sizes []int
		parts []int
	}{
		{[]int{4, 4, 4, 4}, []int{8, 8}}, // 4 methods × 4 sizes: two methods a panel
		{[]int{3, 3, 3}, []int{6, 3}},
		{[]int{8}, []int{8}},
		{[]int{10, 3}, []int{8, 5}}, // a method of 10 is cut, its rest joins the next
		{[]int{1, 1, 1, 1, 1, 1, 1, 1, 1}, []int{8, 1}},
		{nil, nil},
	}
	for _, c := range cases {
		var got []int
		for _, p := range seriesParts(methodSeries(c.sizes...), maxPanelSeries) {
			got = append(got, len(p))
		}
		if !slices.Equal(got, c.parts) {
			t.Errorf("sizes %v: parts %v, want %v", c.sizes, got, c.parts)
		}
	}
	// Random groups: order kept, no part over 8, and a method of at most
	// 8 series never spread over two parts.
	rng := rand.New(rand.NewPCG(15, 3))
	for range 500 {
		sizes := make([]int, 1+rng.IntN(12))
		for i := range sizes {
			sizes[i] = 1 + rng.IntN(12)
		}
		ss := methodSeries(sizes...)
		parts := seriesParts(ss, maxPanelSeries)
		var flat []string
		where := map[int][]int{}
		for pi, p := range parts {
			if len(p) == 0 || len(p) > maxPanelSeries {
				t.Fatalf("sizes %v: a part of %d series", sizes, len(p))
			}
			for _, s := range p {
				flat = append(flat, s.name)
				if !slices.Contains(where[s.colorIdx], pi) {
					where[s.colorIdx] = append(where[s.colorIdx], pi)
				}
			}
		}
		var want []string
		for _, s := range ss {
			want = append(want, s.name)
		}
		if !slices.Equal(flat, want) {
			t.Fatalf("sizes %v: series reordered or lost", sizes)
		}
		for g, n := range sizes {
			if need := (n + maxPanelSeries - 1) / maxPanelSeries; len(where[g]) > need+1 || n <= maxPanelSeries && len(where[g]) != 1 {
				t.Fatalf("sizes %v: method %d (%d series) over parts %v", sizes, g, n, where[g])
			}
		}
	}
}

// TestRestyle: within a panel no two series look alike, and the
// figure-wide styles are kept where they fit.
func TestRestyle(t *testing.T) {
	distinct := func(p []series) bool {
		seen := map[[2]int]bool{}
		for _, s := range p {
			k := [2]int{s.colorIdx % len(seriesColors), s.dashIdx % len(plotutil.DefaultDashes)}
			if seen[k] {
				return false
			}
			seen[k] = true
		}
		return true
	}
	for _, c := range []struct {
		name string
		ss   []series
		kept bool
	}{
		{"two methods of four", methodSeries(0, 0, 4, 4)[0:8], true},
		{"one method of eight", methodSeries(8), false},
		{"three methods, five sizes", methodSeries(3, 5), false},
		{"methods 9 and 10", methodSeries(0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3)[0:6], false},
	} {
		before := slices.Clone(c.ss)
		restyle(c.ss)
		if !distinct(c.ss) {
			t.Errorf("%s: two series look alike: %+v", c.name, c.ss)
		}
		if same := slices.EqualFunc(before, c.ss, func(a, b series) bool {
			return a.colorIdx == b.colorIdx && a.dashIdx == b.dashIdx
		}); same != c.kept {
			t.Errorf("%s: styles kept %v, want %v", c.name, same, c.kept)
		}
	}
}

// textSpy records the boxes of the strings drawn on it.
type textSpy struct {
	recorder.Canvas
	w, h  vg.Length
	texts []drawnText
}

type drawnText struct {
	s                      string
	xmin, xmax, ymin, ymax vg.Length
}

func (c *textSpy) Size() (vg.Length, vg.Length) { return c.w, c.h }

func (c *textSpy) FillString(f font.Face, pt vg.Point, s string) {
	e := f.Extents()
	// Word hyphens are drawn as U+2010 (hyphenText); the spy records the
	// label as written.
	c.texts = append(c.texts, drawnText{strings.ReplaceAll(s, "\u2010", "-"), pt.X, pt.X + f.Width(s), pt.Y - e.Descent, pt.Y + e.Ascent})
}

// TestGridRowLabelsInTheirMargin draws a sample-style grid and checks
// that the row labels sit in their own margin, clear of every tick label
// and title, each line kept whole with its punctuation.
func TestGridRowLabelsInTheirMargin(t *testing.T) {
	ps := &panelSet{
		rowAxes: []string{MethodAxis, "stage", "model.hidden"},
		rows:    [][]string{{"OT-CFM", "", "[64,64]"}, {"RF", "2-rectified", "[64,64]"}, {"CNF", "", "[8,8]"}},
		colAxes: []string{SolverAxis, StepsAxis},
		cols:    [][]string{{"euler", "1"}, {"euler", "2"}, {"dopri5", ""}},
	}
	plots := make([][]*plot.Plot, len(ps.rows))
	for j := range ps.rows {
		plots[j] = make([]*plot.Plot, len(ps.cols))
		for i := range ps.cols {
			if j == 2 && i == 0 {
				continue // a missing cell
			}
			p := newPlot()
			p.Add(scatter(plotter.XYs{{X: -4, Y: -4000}, {X: 4, Y: 4000}}, sampleColor, 1))
			plots[j][i] = p
		}
	}
	labels := labelGrid(plots, ps)
	wantLines := [][]string{{"OT-CFM", "hidden=[64,64]"}, {"RF", "2-rectified", "hidden=[64,64]"}, {"CNF", "hidden=[8,8]"}}
	for j, l := range labels {
		if got := strings.Split(l, "\n"); !slices.Equal(got, wantLines[j]) {
			t.Errorf("row %d label lines %q, want %q", j, got, wantLines[j])
		}
	}
	side := panelSide(len(ps.cols))
	f := &figure{plots: plots, panelW: side, panelH: side, rowLabels: labels}
	w, h := f.size()
	spy := &textSpy{w: w, h: h}
	f.render(spy)
	margin := f.labelW()
	if margin <= 0 || w != margin+3*side {
		t.Fatalf("margin %v, width %v, want %v + 3 × %v", margin, w, margin, side)
	}
	var rowTexts, others []drawnText
	for _, d := range spy.texts {
		if d.xmin < margin {
			rowTexts = append(rowTexts, d)
		} else {
			others = append(others, d)
		}
	}
	var drawn []string
	for _, d := range rowTexts {
		drawn = append(drawn, d.s)
		if d.xmax > margin {
			t.Errorf("row label line %q reaches %v past its margin %v", d.s, d.xmax, margin)
		}
		for _, o := range others {
			if d.xmin < o.xmax && o.xmin < d.xmax && d.ymin < o.ymax && o.ymin < d.ymax {
				t.Errorf("row label line %q overlaps %q", d.s, o.s)
			}
		}
	}
	if want := slices.Concat(wantLines...); !slices.Equal(drawn, want) {
		t.Errorf("drawn in the margin %q, want the label lines %q", drawn, want)
	}
	// Each label within its row's band.
	k := 0
	for j, lines := range wantLines {
		top, bottom := h-vg.Length(j)*side, h-vg.Length(j+1)*side
		for range lines {
			if d := rowTexts[k]; d.ymin < bottom || d.ymax > top {
				t.Errorf("row %d line %q at y %v..%v, outside its row %v..%v", j, d.s, d.ymin, d.ymax, bottom, top)
			}
			k++
		}
	}
	// The first column's tick labels (the widest here: "-4000") were
	// drawn, so the test saw what could overlap.
	if !slices.ContainsFunc(others, func(d drawnText) bool { return d.s == "-4000" }) {
		t.Errorf("no y tick label -4000 among %d texts", len(others))
	}
}

// lossRuns are trainings of the given methods × hidden sizes, two seeds
// each, with loss curves; CNF trainings report train_nll.
func lossRuns(methods []string, sizes int) []results.Run {
	var runs []results.Run
	for _, m := range methods {
		for h := range sizes {
			for s := 1; s <= 2; s++ {
				c := make([]float64, 20)
				for i := range c {
					c[i] = (1 + float64(h)) * (1 + 1/(1+float64(i))) * (1 + 0.01*float64(s))
				}
				r := results.Run{Kind: "train", Key: fmt.Sprintf("%s-%d-%d", m, h, s), Status: "ok", CurveEvery: 10, Curve: c,
					Params: []results.Param{{Key: "dataset", Value: "moons"}, {Key: "method", Value: m},
						{Key: "model.hidden", Value: fmt.Sprintf("[%d,%d]", 16*(h+1), 16*(h+1))}, {Key: "seed", Value: strconv.Itoa(s)}}}
				if m == "CNF" {
					r.Metrics = []results.Metric{{Name: "train_nll", Value: c[19]}}
				}
				runs = append(runs, r)
			}
		}
	}
	return runs
}

// TestLossFigureSplit: 16 flow-matching lines (4 methods × 4 sizes) and
// 4 CNF lines are drawn as three panels a row each (8 + 8 lines, 4
// lines), each line named once in a legend; 8 lines stay one panel.
func TestLossFigureSplit(t *testing.T) {
	axes := []string{"dataset", "method", "model.hidden", "seed"}
	for _, c := range []struct {
		name    string
		methods []string
		sizes   int
		rows    int
		titles  []string
	}{
		{"split", []string{"OT-CFM", "I-CFM", "VP", "cosine", "CNF"}, 4, 3,
			[]string{"flow-matching loss (1 of 2)", "flow-matching loss (2 of 2)", "CNF maximum likelihood"}},
		{"whole", []string{"OT-CFM", "VP", "CNF"}, 4, 1, []string{"flow-matching loss", "CNF maximum likelihood"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(dir, Input{Axes: axes, Runs: lossRuns(c.methods, c.sizes), Options: Options{Figures: []Figure{FigureLoss}, SVG: true}}); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, FigureDir, "loss_moons.png"))
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			// Panels of 4 in at 96 dpi, one row each when split.
			if want := int(math.Round(float64(c.rows) * 4 * 96)); cfg.Height != want {
				t.Errorf("loss figure %d px high, want %d (%d rows of panels)", cfg.Height, want, c.rows)
			}
			// Word hyphens are drawn as U+2010 (hyphenText).
			svg := strings.ReplaceAll(readFile(t, filepath.Join(dir, FigureDir, "loss_moons.svg")), "\u2010", "-")
			for _, title := range c.titles {
				if strings.Count(svg, ">"+title+"<") != 1 {
					t.Errorf("panel title %q not drawn once", title)
				}
			}
			for _, m := range c.methods {
				for h := range c.sizes {
					name := fmt.Sprintf("%s hidden=[%d,%d]", m, 16*(h+1), 16*(h+1))
					if n := strings.Count(svg, ">"+name+"<"); n != 1 {
						t.Errorf("legend entry %q drawn %d times, want once", name, n)
					}
				}
			}
			md := readFile(t, filepath.Join(dir, ReportFile))
			if split := strings.Contains(md, "split over panels of at most 8"); split != (c.rows > 1) {
				t.Errorf("caption mentions the split: %v, want %v", split, c.rows > 1)
			}
		})
	}
}

// TestWordHyphens: hyphens inside words are drawn as U+2010, whose glyph
// Liberation does not kern into a preceding "T" ("OT-CFM" read "OTCFM");
// minus signs stay ASCII.
func TestWordHyphens(t *testing.T) {
	for in, want := range map[string]string{
		"OT-CFM":              "OT\u2010CFM",
		"[SF]2M-I":            "[SF]2M\u2010I",
		"RF 2-rectified":      "RF 2\u2010rectified",
		"-4":                  "-4",
		"1e-4":                "1e-4",
		"x − 1, -x":           "x − 1, -x",
		"hidden=[64,64]":      "hidden=[64,64]",
		"train_nfe (network)": "train_nfe (network)",
	} {
		if got := wordHyphens(in); got != want {
			t.Errorf("wordHyphens(%q) = %q, want %q", in, got, want)
		}
	}
	// The handler measures what it draws: the box of a hyphenated label is
	// that of its U+2010 spelling.
	h := hyphenText{text.Plain{Fonts: font.DefaultCache}}
	fnt := font.Font{Typeface: "Liberation", Variant: "Serif", Size: 10}
	w1, _, _ := h.Box("OT-CFM", fnt)
	w2, _, _ := h.Plain.Box("OT\u2010CFM", fnt)
	if w1 != w2 {
		t.Errorf("Box(OT-CFM) width %v, U+2010 spelling %v", w1, w2)
	}
}

// TestPanelSide: grids of one to two columns get panels of at least 400 px
// at 96 dpi; wide grids shrink to fit about 11 inches, never below 1.3 in.
func TestPanelSide(t *testing.T) {
	px := func(l vg.Length) float64 { return float64(l/vg.Inch) * 96 }
	for cols := 1; cols <= 2; cols++ {
		if p := px(panelSide(cols)); p < 400 {
			t.Errorf("panelSide(%d) = %.0f px, want ≥ 400", cols, p)
		}
	}
	for cols := 3; cols <= 12; cols++ {
		if w := float64(cols) * float64(panelSide(cols)/vg.Inch); w > 11.01 && panelSide(cols) > 1.3*vg.Inch {
			t.Errorf("%d columns: %.2f in wide", cols, w)
		}
	}
}
