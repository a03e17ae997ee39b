//go:build !amd64 || purego

package autodiff

// haveSELUKernel is false: this build has no vector SELU kernel.
const haveSELUKernel = false

// force256 exists for the tests; this build has no kernel to force.
var force256 = false

// seluVec does nothing in this build: the Go loop handles every element.
func seluVec(f, d1, d2, z, b *float64, n, flags int) int { return 0 }
