// Package scratch holds the buffer helper the allocation-free hot loops
// share: reuse a slice's storage when it is large enough.
package scratch

// Grow returns b resliced to length n when its capacity allows, else a new
// zeroed slice of length n. Reused storage keeps its old contents.
func Grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}
