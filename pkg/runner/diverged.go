package runner

import (
	"fmt"
	"math"
)

// A training whose loss stays finite but explodes is as useless as one
// whose loss turns NaN (which pkg/train stops): it is recorded as failed,
// with an Error starting "training diverged: ", instead of "ok" with a
// final loss of 1e58. The thresholds are far outside any sane training:
// a flow-matching or reflow loss starts at O(d) and falls, a CNF's NLL
// moves by a few nats.
const (
	// DivergedLossRatio: the last block's mean loss above this many times
	// max(|first block's mean loss|, 1).
	DivergedLossRatio = 1e4
	// DivergedWeight: a weight beyond ±DivergedWeight.
	DivergedWeight = 1e8
)

// diverged says why a finished training counts as diverged, or "".
func diverged(curve []float64, params []float64) string {
	if n := len(curve); n > 0 {
		first, last := curve[0], curve[n-1]
		if math.IsNaN(last) || math.IsInf(last, 0) {
			return fmt.Sprintf("final loss %g", last)
		}
		if last > DivergedLossRatio*max(math.Abs(first), 1) {
			return fmt.Sprintf("final loss %.3g is over %g × the initial %.3g", last, DivergedLossRatio, first)
		}
	}
	for i, w := range params {
		if math.IsNaN(w) || math.IsInf(w, 0) || math.Abs(w) > DivergedWeight {
			return fmt.Sprintf("weight %d is %.3g (bound ±%g)", i, w, DivergedWeight)
		}
	}
	return ""
}
