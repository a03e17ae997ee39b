//go:build amd64 && !purego

package autodiff

import "golang.org/x/sys/cpu"

// haveSELUKernel reports whether this CPU runs the AVX2/FMA SELU kernel;
// have512 whether it runs the eight-lane AVX-512F ones (seluKernel512 also
// counts mask bits with POPCNT), which seluVec prefers unless a test sets
// force256.
var (
	haveSELUKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	have512        = haveSELUKernel && cpu.X86.HasAVX512F && cpu.X86.HasPOPCNT
	force256       = false
)

// seluVec runs the widest available kernel on z[0:n] and returns how many
// elements it did (a multiple of the lane count); the caller does the rest.
func seluVec(f, d1, d2, z, b *float64, n, flags int) int {
	if have512 && !force256 {
		n &^= 7
		if n > 0 {
			seluKernel512(f, d1, d2, z, b, n, flags, &seluTab[0][0])
		}
		return n
	}
	n &^= 3
	if n > 0 {
		seluKernel(f, d1, d2, z, b, n, flags, &seluTab[0][0])
	}
	return n
}

// seluKernel applies SELU to z[0:n] (n a multiple of 4), adding b first when
// flags has seluFlagB, and stores f, σ', σ″ as flags ask; tab is &seluTab.
// Each lane performs exactly the operations of seluScalar.
//
//go:noescape
func seluKernel(f, d1, d2, z, b *float64, n, flags int, tab *float64)

// seluKernel512 is seluKernel with eight lanes (AVX-512F); n is a multiple
// of 8. It runs the exponential only on the lanes with z ≤ 0 (or NaN),
// packed together; each of those lanes performs exactly the operations of
// seluScalar.
//
//go:noescape
func seluKernel512(f, d1, d2, z, b *float64, n, flags int, tab *float64)
