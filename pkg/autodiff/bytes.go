package autodiff

// used is the number of float64s handed out since the last reset.
func (a *arena) used() int {
	n := a.off
	for i := 0; i < a.cur && i < len(a.blocks); i++ {
		n += len(a.blocks[i])
	}
	return n
}

// Bytes is the memory the recorded graph occupies now: the values and
// gradients of every node since the last Reset, in bytes. It depends only on
// the graph recorded, not on allocation history, so it is a reproducible
// measure of a method's working memory (for a backprop-through-the-solver
// CNF it grows linearly with the number of solver steps).
func (t *Tape) Bytes() int { return 8 * (t.vals.used() + t.grads.used()) }
