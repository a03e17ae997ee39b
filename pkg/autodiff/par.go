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

// gemmJob is one split product: its arguments, the chunk counter the
// goroutines draw from, the count of finished chunks, and references held by
// the caller and by wake-ups sent to helpers (a job is reused only when none
// is left, so a helper that wakes late finds its job exhausted, never a newer
// one).
type gemmJob struct {
	call      gemmCall
	tasks     int
	next      atomic.Int64
	completed atomic.Int64
	refs      atomic.Int32
}

// drain computes chunks of j until none is left.
func (j *gemmJob) drain() {
	g := &j.call
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.tasks {
			return
		}
		r0 := i * g.chunk
		r1 := min(g.m, r0+g.chunk)
		a := g.a[r0*g.lda:]
		if g.transA {
			a = g.a[r0:]
		}
		linalg.Gemm(g.transA, g.transB, r1-r0, g.n, g.k, a, g.lda, g.b, g.ldb, g.beta, g.c[r0*g.ldc:], g.ldc)
		j.completed.Add(1)
	}
}

// tapePool runs the row chunks of one product on the caller and workers−1
// helper goroutines. The caller never waits for a helper to wake: it takes
// the chunks nobody has started and waits only for chunks in progress, so a
// helper descheduled on a busy machine costs little.
type tapePool struct {
	wake []chan *gemmJob
	jobs []*gemmJob
}

func newTapePool(workers int) *tapePool {
	p := &tapePool{wake: make([]chan *gemmJob, workers-1)}
	// A helper holds at most the job it works on and one pending wake-up,
	// so 2 per helper plus the caller's suffice: no allocation later.
	for i := 0; i < 2*workers; i++ {
		p.jobs = append(p.jobs, new(gemmJob))
	}
	for i := range p.wake {
		p.wake[i] = make(chan *gemmJob, 1)
		go loopTape(p.wake[i])
	}
	return p
}

func loopTape(wake chan *gemmJob) {
	for j := range wake {
		j.drain()
		j.refs.Add(-1)
	}
}

func (p *tapePool) free() *gemmJob {
	for _, j := range p.jobs {
		if j.refs.Load() == 0 {
			return j
		}
	}
	j := new(gemmJob) // unreachable by the bound above; kept for safety
	p.jobs = append(p.jobs, j)
	return j
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
// It panics if workers < 1.
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
	j := p.free()
	j.call = gemmCall{transA, transB, m, n, k, a, b, c, lda, ldb, ldc, beta, chunk}
	j.tasks = (m + chunk - 1) / chunk
	j.next.Store(0)
	j.completed.Store(0)
	j.refs.Store(1)
	for i := 0; i < min(len(p.wake), j.tasks-1); i++ {
		j.refs.Add(1)
		select {
		case p.wake[i] <- j:
		default: // that helper has not taken its last wake-up yet
			j.refs.Add(-1)
		}
	}
	j.drain()
	for j.completed.Load() < int64(j.tasks) {
		runtime.Gosched() // a helper is finishing a chunk
	}
	j.call = gemmCall{} // drop the references to the tape's buffers
	j.refs.Add(-1)
}
