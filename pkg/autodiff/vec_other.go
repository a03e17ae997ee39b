//go:build !amd64 || purego

package autodiff

// haveVec is false: vec.go's Go loops do all the work in this build.
const haveVec = false

func vecMul(dst, a, b *float64, n int)        { panic("autodiff: no vector kernels in this build") }
func vecMulAdd(dst, a, b *float64, n int)     { panic("autodiff: no vector kernels in this build") }
func vecMul3Add(dst, a, b, c *float64, n int) { panic("autodiff: no vector kernels in this build") }
func vecAdd(dst, a *float64, n int)           { panic("autodiff: no vector kernels in this build") }
