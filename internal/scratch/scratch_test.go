package scratch

import "testing"

// TestGrow: enough capacity reuses the storage (same backing array, old
// contents kept); too little allocates a new zeroed slice of length n.
func TestGrow(t *testing.T) {
	b := make([]float64, 2, 8)
	b[0] = 7
	g := Grow(b, 5)
	if len(g) != 5 || &g[0] != &b[0] || g[0] != 7 {
		t.Fatalf("Grow within capacity: len %d, same storage %v, g[0] %v", len(g), &g[0] == &b[0], g[0])
	}
	h := Grow(b, 9)
	if len(h) != 9 || &h[0] == &b[0] || h[0] != 0 {
		t.Fatalf("Grow beyond capacity: len %d, new storage %v, h[0] %v", len(h), &h[0] != &b[0], h[0])
	}
}
