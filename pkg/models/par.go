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

// pool runs the blocks of one call on the caller and workers−1 helper
// goroutines, which wait on their wake channels between calls. Blocks are
// handed out by an atomic counter; which goroutine computes a block does not
// change its result.
type pool struct {
	wake []chan struct{}
	done chan struct{}
	next atomic.Int64
	nblk int
	task func(w, blk int)
}

func newPool(workers int) *pool {
	p := &pool{wake: make([]chan struct{}, workers-1), done: make(chan struct{}, workers)}
	for i := range p.wake {
		p.wake[i] = make(chan struct{}, 1)
		go p.loop(i + 1)
	}
	return p
}

func (p *pool) loop(id int) {
	for range p.wake[id-1] {
		p.drain(id)
		p.done <- struct{}{}
	}
}

func (p *pool) drain(id int) {
	for {
		b := int(p.next.Add(1)) - 1
		if b >= p.nblk {
			return
		}
		p.task(id, b)
	}
}

// run calls task(w, blk) for blk = 0..nblk−1, w naming the goroutine (and so
// its scratch), and returns when all are done.
func (p *pool) run(nblk int, task func(w, blk int)) {
	p.nblk, p.task = nblk, task
	p.next.Store(0)
	helpers := min(len(p.wake), nblk-1)
	for i := 0; i < helpers; i++ {
		p.wake[i] <- struct{}{}
	}
	p.drain(0)
	for i := 0; i < helpers; i++ {
		<-p.done
	}
	p.task = nil // idle helpers must not keep the MLP alive
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
