package report

import (
	"strconv"
	"strings"
	"testing"
)

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

// TestStepTicksIntegers: step-axis labels are plain integers where gonum's
// default ticks would print them with decimals.
func TestStepTicksIntegers(t *testing.T) {
	for _, tk := range (stepTicks{}).Ticks(50, 24000) {
		if tk.Label == "" {
			continue
		}
		if strings.Contains(tk.Label, ".") {
			t.Errorf("tick %v labelled %q", tk.Value, tk.Label)
		}
		if v, err := strconv.ParseFloat(tk.Label, 64); err != nil || v != tk.Value {
			t.Errorf("tick %v labelled %q", tk.Value, tk.Label)
		}
	}
}
