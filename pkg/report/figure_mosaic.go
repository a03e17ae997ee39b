package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/flowbench/flowbench/pkg/datasets"
)

// FigureMosaic: for image data sets (MNIST, Fashion-MNIST), mosaics of
// generated images: rows the methods (and other non-seed axes), columns
// solver × steps, the first column held-out test images; each cell shows
// the first mosaicSide² samples of the lowest seed, mapped back from the
// logit space to grey levels.
const FigureMosaic Figure = "mosaic"

const (
	mosaicSide  = 4 // images per side of a cell
	mosaicPad   = 6 // pixels between cells
	mosaicLabel = 16
)

// mosaic draws the sample mosaics of dataset ds when it is image data.
func (fw *figureWriter) mosaic(ds string) error {
	alpha, ok := datasets.ImageLabelAlpha(ds)
	if !ok {
		return nil
	}
	ps := fw.panels(ds, RoleSamples)
	if ps == nil {
		return nil
	}
	test := fw.testset(ds)
	side := -1
	if test != nil {
		side = squareSide(test.cols)
	}
	if side <= 0 {
		return nil
	}
	scale := max(1, 56/(side*mosaicSide)*2/2)
	if side*mosaicSide*scale < 100 {
		scale = (100 + side*mosaicSide - 1) / (side * mosaicSide)
	}
	cell := side * mosaicSide * scale
	labelW := 0
	for _, row := range ps.rows {
		labelW = max(labelW, 7*len(colLabel(ps.rowAxes, row, ""))+8)
	}
	cols := len(ps.cols) + 1
	w := labelW + cols*(cell+mosaicPad)
	h := mosaicLabel + len(ps.rows)*(cell+mosaicPad) + mosaicLabel
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	text := func(x, y int, s string) {
		d := &font.Drawer{Dst: img, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	tile := func(x0, y0 int, data []float64, rows int) {
		d := side * side
		for k := 0; k < min(rows, mosaicSide*mosaicSide); k++ {
			px := pixelsOf(data[k*d:(k+1)*d], alpha)
			ox, oy := x0+(k%mosaicSide)*side*scale, y0+(k/mosaicSide)*side*scale
			for i, v := range px {
				g := color.Gray{Y: uint8(math.Round(255 * (1 - v)))} // dark digits on white
				for a := range scale {
					for b := range scale {
						img.SetGray(ox+(i%side)*scale+b, oy+(i/side)*scale+a, g)
					}
				}
			}
		}
	}
	text(labelW, mosaicLabel-4, "test data")
	for i, col := range ps.cols {
		text(labelW+(i+1)*(cell+mosaicPad), mosaicLabel-4, colLabel(ps.colAxes, col, ""))
	}
	for j, row := range ps.rows {
		y := mosaicLabel + j*(cell+mosaicPad)
		text(2, y+cell/2, colLabel(ps.rowAxes, row, ""))
		tile(labelW, y, test.data, test.rows)
		for i, col := range ps.cols {
			r := ps.at(row, col)
			if r == nil {
				continue
			}
			path, _ := fileOf(r, RoleSamples)
			d := fw.load(path)
			if d.err != nil || d.cols != test.cols {
				fw.sampleProblem(r, path, d)
				continue
			}
			tile(labelW+(i+1)*(cell+mosaicPad), y, d.data, d.rows)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("report: encoding the mosaic: %w", err)
	}
	rel := FigureDir + "/" + fileName("mosaic", ds) + ".png"
	if err := writeFileAtomic(filepath.Join(fw.dir, filepath.FromSlash(rel)), buf.Bytes()); err != nil {
		return err
	}
	caption := fmt.Sprintf("Generated %d×%d images (the first %d samples of the lowest seed of each cell, grey level (sigmoid(x) − α)/(1 − 2α) of the logit-space sample, α = %g; dark = ink); first column: held-out test images; rows %s, columns %s.",
		side, side, mosaicSide*mosaicSide, alpha, axesPhrase(ps.rowAxes), axesPhrase(ps.colAxes))
	fw.b.figures = append(fw.b.figures, figureRef{title: "Image samples" + dsTitle(ds), caption: caption, png: rel})
	return nil
}

// squareSide returns s when n = s², else 0.
func squareSide(n int) int {
	s := int(math.Round(math.Sqrt(float64(n))))
	if s*s != n {
		return 0
	}
	return s
}

// pixelsOf maps logit-space values to grey levels in [0, 1].
func pixelsOf(x []float64, alpha float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		s := 1 / (1 + math.Exp(-v))
		out[i] = min(1, max(0, (s-alpha)/(1-2*alpha)))
	}
	return out
}

// above2D reports whether dataset ds has more than 2 dimensions: the
// scatter figures (samples, trajectories) show two coordinates and are
// skipped there (image data gets the mosaic instead).
func (fw *figureWriter) above2D(ds string) bool {
	t := fw.testset(ds)
	return t != nil && t.cols > 2
}
