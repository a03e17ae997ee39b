package report

import (
	"image/color"

	"gonum.org/v1/plot/plotutil"
)

// seriesColors are the colours of methods (series) in a figure: gonum's
// seven soft colours, then a dark grey, so that the maxLegendMethods
// methods of one NFE panel never share a colour.
var seriesColors = append(append([]color.Color{}, plotutil.SoftColors...), color.RGBA{R: 77, G: 77, B: 77, A: 255})

// seriesColor returns the ith series colour, wrapping past the end.
func seriesColor(i int) color.Color {
	n := len(seriesColors)
	return seriesColors[((i%n)+n)%n]
}
