//go:build amd64 && !purego

package optim

import "golang.org/x/sys/cpu"

// adamKernel applies the update of Step without weight decay to n elements
// (n a multiple of 8) with AVX2, rounding every operation as the Go loop
// does (no fused multiply–add, IEEE square root and division), so the
// result is bit-identical; c holds b1c = 1−β1, β2, b2c = 1−β2, bc2Sqrt, ε
// and stepSize.
//
//go:noescape
func adamKernel(theta, grad, m, v *float64, n int, c *[6]float64)

var haveAdamKernel = cpu.X86.HasAVX2
