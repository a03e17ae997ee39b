//go:build !amd64 || purego

package autodiff

// haveSELUKernel is false: this build has no vector SELU kernel.
const haveSELUKernel = false

// seluKernel is never called in this build.
func seluKernel(f, d1, d2, z, b *float64, n, flags int, tab *float64) {
	panic("autodiff: no SELU kernel in this build")
}
