package autodiff

import (
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/flowbench/flowbench/internal/linalg"
)

// parMinWork is the smallest product (m·n·k multiply–adds) split over
// workers: below it the hand-off costs more than it saves.
const parMinWork = 1 << 16

// gemmCall holds the arguments of the product being split.
type gemmCall struct {
	transA, transB bool
	m, n, k        int
	a, b, c        []float64
	lda, ldb, ldc  int
	beta           float64
	chunk          int // rows of C per task, a multiple of 6
}

// tapePool runs the row chunks of one product on the caller and workers−1
// helper goroutines.
type tapePool struct {
	wake  []chan struct{}
	done  chan struct{}
	next  atomic.Int64
	tasks int
	call  gemmCall
}

func newTapePool(workers int) *tapePool {
	p := &tapePool{wake: make([]chan struct{}, workers-1), done: make(chan struct{}, workers)}
	for i := range p.wake {
		p.wake[i] = make(chan struct{}, 1)
		go p.loop(p.wake[i])
	}
	return p
}

func (p *tapePool) loop(wake chan struct{}) {
	for range wake {
		p.drain()
		p.done <- struct{}{}
	}
}

func (p *tapePool) drain() {
	g := &p.call
	for {
		i := int(p.next.Add(1)) - 1
		if i >= p.tasks {
			return
		}
		r0 := i * g.chunk
		r1 := min(g.m, r0+g.chunk)
		a := g.a[r0*g.lda:]
		if g.transA {
			a = g.a[r0:]
		}
		linalg.Gemm(g.transA, g.transB, r1-r0, g.n, g.k, a, g.lda, g.b, g.ldb, g.beta, g.c[r0*g.ldc:], g.ldc)
	}
}

func (p *tapePool) stop() {
	for _, c := range p.wake {
		close(c)
	}
}

// SetWorkers makes the tape's matrix products (forward and backward) split
// the rows of their result over the given number of goroutines (1, the
// default, runs everything on the caller). Every entry of a product is still
// one Gemm sum in its fixed order, so results are bit-identical for every
// worker count. The helpers end when the Tape becomes unreachable or
// SetWorkers is called again.
func (t *Tape) SetWorkers(workers int) {
	if workers < 1 {
		panic(fmt.Sprintf("autodiff: SetWorkers(%d), want ≥ 1", workers))
	}
	if t.pool != nil {
		t.cleanup.Stop()
		t.pool.stop()
		t.pool = nil
	}
	if workers > 1 {
		t.pool = newTapePool(workers)
		t.cleanup = runtime.AddCleanup(t, (*tapePool).stop, t.pool)
	}
}

// gemm is linalg.Gemm, split by rows of C over the tape's workers when the
// product is large enough.
func (t *Tape) gemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	p := t.pool
	if p == nil || m < 12 || m*n*k < parMinWork {
		linalg.Gemm(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// About four chunks per worker, handed out in order: a helper that
	// starts late (the machine is shared) leaves its share to the others
	// instead of holding up the product. Whole 6-row tiles, so that only the
	// last chunk has an edge.
	workers := len(p.wake) + 1
	chunk := max(12, (m+4*workers-1)/(4*workers))
	chunk = (chunk + 5) / 6 * 6
	p.call = gemmCall{transA, transB, m, n, k, a, b, c, lda, ldb, ldc, beta, chunk}
	p.tasks = (m + chunk - 1) / chunk
	p.next.Store(0)
	helpers := min(len(p.wake), p.tasks-1)
	for i := 0; i < helpers; i++ {
		p.wake[i] <- struct{}{}
	}
	p.drain()
	for i := 0; i < helpers; i++ {
		<-p.done
	}
	p.call = gemmCall{} // drop the references to the tape's buffers
}
