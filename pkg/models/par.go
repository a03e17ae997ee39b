package models

import (
	"fmt"
	"runtime"
	"sync/atomic"
)

// Row blocks. The batch kernels cut the n rows into consecutive blocks of a
// fixed size that does not depend on the worker count; each block is
// computed on its own, and anything summed over rows (the loss, dW = Xᵀ·dY,
// db) is first summed within each block and then over the blocks in block
// order. So the result is bit-identical for every worker count.
const (
	velRows = 96 // Velocity: a multiple of the 6-row Gemm tile
	fmRows  = 64 // FMLossGrad: 256 = 4 blocks, even for 2 and 4 workers
)

func numBlocks(n, rows int) int { return (n + rows - 1) / rows }

// blockJob is one call's blocks: the task, the block counter the goroutines
// draw from, the count of finished blocks, and references held by the
// caller and by wake-ups sent to helpers (a job is reused only when none is
// left, so a helper that wakes late finds its job exhausted).
type blockJob struct {
	task      func(w, blk int)
	nblk      int
	next      atomic.Int64
	completed atomic.Int64
	refs      atomic.Int32
}

func (j *blockJob) drain(id int) {
	for {
		b := int(j.next.Add(1)) - 1
		if b >= j.nblk {
			return
		}
		j.task(id, b)
		j.completed.Add(1)
	}
}

// pool runs the blocks of one call on the caller and workers−1 helper
// goroutines, which wait on their wake channels between calls. Blocks are
// handed out by an atomic counter; which goroutine computes a block does not
// change its result. The caller never waits for a helper to wake: it takes
// the blocks nobody has started and waits only for blocks in progress.
type pool struct {
	wake []chan *blockJob
	jobs []*blockJob
}

func newPool(workers int) *pool {
	p := &pool{wake: make([]chan *blockJob, workers-1)}
	// A helper holds at most the job it works on and one pending wake-up,
	// so 2 per helper plus the caller's suffice: no allocation later.
	for i := 0; i < 2*workers; i++ {
		p.jobs = append(p.jobs, new(blockJob))
	}
	for i := range p.wake {
		p.wake[i] = make(chan *blockJob, 1)
		go loopBlocks(p.wake[i], i+1)
	}
	return p
}

func loopBlocks(wake chan *blockJob, id int) {
	for j := range wake {
		j.drain(id)
		j.refs.Add(-1)
	}
}

// run calls task(w, blk) for blk = 0..nblk−1, w naming the goroutine (and so
// its scratch), and returns when all are done.
func (p *pool) run(nblk int, task func(w, blk int)) {
	var j *blockJob
	for _, c := range p.jobs {
		if c.refs.Load() == 0 {
			j = c
			break
		}
	}
	if j == nil { // unreachable by the bound in newPool; kept for safety
		j = new(blockJob)
		p.jobs = append(p.jobs, j)
	}
	j.task, j.nblk = task, nblk
	j.next.Store(0)
	j.completed.Store(0)
	j.refs.Store(1)
	for i := 0; i < min(len(p.wake), nblk-1); i++ {
		j.refs.Add(1)
		select {
		case p.wake[i] <- j:
		default: // that helper has not taken its last wake-up yet
			j.refs.Add(-1)
		}
	}
	j.drain(0)
	for j.completed.Load() < int64(nblk) {
		runtime.Gosched() // a helper is finishing a block
	}
	j.task = nil // idle helpers must not keep the MLP alive
	j.refs.Add(-1)
}

func (p *pool) stop() {
	for _, c := range p.wake {
		close(c)
	}
}

// SetWorkers makes Velocity and FMLossGrad split their rows over the given
// number of goroutines (1, the default, computes everything on the caller).
// Results are bit-identical for every worker count. The helper goroutines
// end when the MLP becomes unreachable or SetWorkers is called again.
// It panics if workers < 1.
func (m *MLP) SetWorkers(workers int) {
	if workers < 1 {
		panic(fmt.Sprintf("models: SetWorkers(%d), want ≥ 1", workers))
	}
	if m.pool != nil {
		m.cleanup.Stop()
		m.pool.stop()
		m.pool = nil
	}
	m.workers = workers
	if len(m.wsw) < workers {
		m.wsw = append(m.wsw, make([]blockScratch, workers-len(m.wsw))...)
	}
	// Size every worker's block scratch now: which goroutine computes which
	// block is up to the scheduler, so a helper may take its first block in
	// any later call, and that call must not allocate.
	for i := range m.wsw {
		m.reserveVel(&m.wsw[i])
		m.reserveFM(&m.wsw[i])
	}
	if workers > 1 {
		m.pool = newPool(workers)
		m.cleanup = runtime.AddCleanup(m, (*pool).stop, m.pool)
	}
}

// Workers returns the worker count set by SetWorkers.
func (m *MLP) Workers() int { return m.workers }

// forBlocks runs task over nblk blocks on the pool, or inline with one
// worker.
func (m *MLP) forBlocks(nblk int, task func(w, blk int)) {
	if m.pool == nil || nblk == 1 {
		for b := 0; b < nblk; b++ {
			task(0, b)
		}
		return
	}
	m.pool.run(nblk, task)
}
