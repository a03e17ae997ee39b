package oracle

import (
	"testing"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/paths"
)

// BenchmarkVelocityDiv8Gaussians: one evaluation of u_t and ∇·u_t on a batch
// of 1024 points for the 8gaussians target (K = 8, d = 2).
func BenchmarkVelocityDiv8Gaussians(b *testing.B) {
	f, _ := NewField(eight(), paths.OT{})
	x := datasets.Normal{D: 2}.Sample(newRNG(1), 1024)
	dst, div := make([]float64, len(x)), make([]float64, 1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f.VelocityDiv(dst, div, x, 0.5+1e-6*float64(i%100))
	}
}
