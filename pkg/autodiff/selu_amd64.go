//go:build amd64 && !purego

package autodiff

import "golang.org/x/sys/cpu"

// haveSELUKernel reports whether this CPU runs the AVX2/FMA SELU kernel.
var haveSELUKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// seluKernel applies SELU to z[0:n] (n a multiple of 4), adding b first when
// flags has seluFlagB, and stores f, σ', σ″ as flags ask; tab is &seluTab.
// Each lane performs exactly the operations of seluScalar.
//
//go:noescape
func seluKernel(f, d1, d2, z, b *float64, n, flags int, tab *float64)
