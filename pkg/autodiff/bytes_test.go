package autodiff

import "testing"

// TestBytesCountsRecordedGraph: a graph of k matmuls of r×c outputs holds at
// least k·r·c values and as many gradients (the input is a Var); Reset returns the count to the
// same value when the same graph is recorded again, and doubling the graph
// doubles the bytes of its nodes.
func TestBytesCountsRecordedGraph(t *testing.T) {
	const r, c = 16, 8
	w := make([]float64, c*c)
	x := make([]float64, r*c)
	build := func(tp *Tape, k int) {
		h := tp.Var(x, r, c) // a Var, so every product needs a gradient too
		W := tp.Const(w, c, c)
		for range k {
			h = tp.MatMul(h, W)
		}
	}
	var tp Tape
	build(&tp, 4)
	b4 := tp.Bytes()
	if b4 < 2*8*4*r*c {
		t.Fatalf("Bytes() = %d for 4 matmuls of %d×%d, want ≥ %d", b4, r, c, 2*8*4*r*c)
	}
	tp.Reset()
	if got := tp.Bytes(); got != 0 {
		t.Fatalf("Bytes() after Reset = %d, want 0", got)
	}
	build(&tp, 4)
	if got := tp.Bytes(); got != b4 {
		t.Fatalf("same graph recorded again: Bytes() = %d, want %d", got, b4)
	}
	tp.Reset()
	build(&tp, 8)
	if got, want := tp.Bytes()-b4, 2*8*4*r*c; got < want {
		t.Fatalf("4 extra matmuls added %d bytes, want ≥ %d", got, want)
	}
}
