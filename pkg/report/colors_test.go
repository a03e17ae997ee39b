package report

import "testing"

// TestSeriesColorsDistinct: the methods one NFE panel can hold
// (maxLegendMethods) get pairwise different colours.
func TestSeriesColorsDistinct(t *testing.T) {
	seen := map[[4]uint32]int{}
	for i := range maxLegendMethods {
		r, g, b, a := seriesColor(i).RGBA()
		k := [4]uint32{r, g, b, a}
		if j, ok := seen[k]; ok {
			t.Fatalf("series %d and %d share a colour", j, i)
		}
		seen[k] = i
	}
	if seriesColor(-1) != seriesColor(len(seriesColors)-1) {
		t.Error("negative index does not wrap")
	}
}
