//go:build !amd64 || purego

package optim

// haveAdamKernel is false: Step's Go loop does all the work in this build.
const haveAdamKernel = false

func adamKernel(theta, grad, m, v *float64, n int, c *[6]float64) {
	panic("optim: no vector kernel in this build")
}
