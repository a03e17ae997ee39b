//go:build !amd64 || purego

package autodiff

// siluVec is never called in this build (haveSELUKernel is false).
func siluVec(f, d1, d2, z, b *float64, n, flags int) {
	panic("autodiff: no vector SiLU kernel in this build")
}
