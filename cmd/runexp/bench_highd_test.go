package main

import (
	"fmt"
	"syscall"
	"testing"
)

// cpuSeconds returns the user+system CPU time of this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkHighd times the highd workload's step (go test -bench Highd
// -cpuprofile … profiles it).
func BenchmarkHighd(b *testing.B) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			m, step := newHighd(1, w)
			defer m.SetWorkers(1)
			step()
			c0 := cpuSeconds()
			for b.Loop() {
				step()
			}
			// CPU seconds per step: on a loaded machine a steadier
			// figure than the wall-clock rate.
			b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e3, "cpu-ms/op")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "it/s")
			b.ReportMetric(2*highdMACs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
