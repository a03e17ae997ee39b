package runner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/store"
)

// Status values of results.Run.
const (
	StatusOK     = results.StatusOK
	StatusFailed = results.StatusFailed
)

// SkippedPrefix starts the Error of an artifact not computed because an
// input failed (status failed, not stored).
const SkippedPrefix = "skipped: "

// Job is what an Executor receives: the artifact, the records of its
// inputs (in Artifact.Inputs order), the store to write files into, and a
// progress callback for long computations.
type Job struct {
	Artifact *Artifact
	Inputs   []results.Run
	Store    *store.Store
	// Progress reports done of total steps (training steps, solver steps).
	Progress func(done, total int)
}

// Executor computes artifacts. It writes the artifact's data files into
// the store (named by the key, e.g. Key+".samples.npy") and returns the
// record with Metrics, Curve, Files, Warnings and Status filled; the
// runner sets Kind, Key, Parent and Params and stores the record last.
//
// A deterministic failure of the computation (a diverged training: NaN or
// Inf loss) is a record with Status "failed" and Error saying why and at
// which step; it is stored like a success, since rerunning would fail the
// same way (-force retries). A returned error is a failure of the
// machinery (I/O, cancellation): nothing is stored and a rerun retries.
type Executor interface {
	Execute(ctx context.Context, job *Job) (results.Run, error)
}

// Options control a run.
type Options struct {
	// Jobs is the number of artifacts computed at once (default NumCPU).
	Jobs int
	// Force recomputes artifacts already in the store.
	Force bool
	// Progress receives events; nil is quiet.
	Progress Progress
	// Notice receives one line for each stored artifact that failed
	// verification and was quarantined; nil discards them.
	Notice func(msg string)
	// Leases, when set, makes the run safe beside other writers of the same
	// store (another process, another shard): an artifact is computed only
	// under its claim, one claimed by a live writer is left for later and
	// read back once that writer has stored it, and the store is read
	// again just before each artifact starts.
	Leases *store.Leases
	// NoClaim marks artifacts computed without a claim even when Leases is
	// set: shards recompute what they share (test sets) rather than wait
	// for each other; the result is bit-identical, the write atomic.
	NoClaim func(*Artifact) bool
}

// pollClaims is how often a run looks again at artifacts claimed by
// another writer.
var pollClaims = 200 * time.Millisecond

// Progress receives the events of a run, from one goroutine at a time.
type Progress interface {
	Start(total, cached int, cost float64)
	Begin(a *Artifact)
	Step(a *Artifact, done, total int)
	End(a *Artifact, r results.Run, took time.Duration)
	Finish()
}

// Cached reports which artifacts of the plan are already in the store.
func Cached(p *Plan, st *store.Store) map[string]bool {
	out := map[string]bool{}
	for _, a := range p.Artifacts {
		if st.Has(a.Key) {
			out[a.Key] = true
		}
	}
	return out
}

type done struct {
	a    *Artifact
	r    results.Run
	err  error
	took time.Duration
}

type stepEvent struct {
	a           *Artifact
	done, total int
}

// Run executes the plan: artifacts present in the store are read back,
// the others computed by exec on a pool of opts.Jobs workers, each as soon
// as its inputs are complete. It returns one record per artifact, in plan
// order, with the plan's Params. If ctx is cancelled it stops starting
// artifacts, waits for the running ones (which should return promptly on
// ctx) and returns ctx's error; everything completed is in the store.
//
// A failed artifact's dependents are recorded as failed with an Error
// starting with SkippedPrefix (and not stored); the rest of the plan goes on.
func Run(ctx context.Context, p *Plan, st *store.Store, exec Executor, opts Options) ([]results.Run, error) {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	prog := opts.Progress
	if prog == nil {
		prog = Quiet{}
	}
	clean := st.CleanTemp
	if opts.Leases != nil {
		// Writers on other hosts may be writing into the store: their pids
		// mean nothing here.
		clean = st.CleanTempShared
	}
	if err := clean(); err != nil {
		return nil, err
	}
	recs := make([]results.Run, len(p.Artifacts))
	have := make([]bool, len(p.Artifacts))
	pending := make([]int, len(p.Artifacts))
	var ready []*Artifact
	cached, cost := 0, 0.0
	notice := opts.Notice
	if notice == nil {
		notice = func(string) {}
	}
	// An artifact that fails verification is quarantined and recomputed,
	// and so is every cached artifact downstream of it (inputs precede
	// their dependents in plan order).
	redo := make([]bool, len(p.Artifacts))
	for i, a := range p.Artifacts {
		pending[i] = len(a.Inputs)
		if !opts.Force {
			r, ok, err := st.GetVerified(a.Key)
			if errors.Is(err, store.ErrCorrupt) {
				dst, qerr := st.Quarantine(a.Key, err.Error())
				if qerr != nil {
					return nil, fmt.Errorf("%w (and quarantining it failed: %v)", err, qerr)
				}
				notice(fmt.Sprintf("%s (%s): %v; moved to %s, recomputing it and what depends on it", a.Label, a.Kind, err, dst))
				redo[i] = true
			} else if err != nil {
				return nil, err
			}
			for _, in := range a.Inputs {
				if redo[in.index] {
					redo[i] = true
				}
			}
			if ok && !redo[i] {
				recs[i], have[i] = withPlan(r, a), true
				cached++
				continue
			}
		}
		cost += a.Cost
	}
	prog.Start(len(p.Artifacts), cached, cost)
	defer prog.Finish()

	// complete marks a finished artifact and releases its dependents, once:
	// a cached artifact with inputs is completed when the plan is read and
	// reaches the ready list again when its own inputs complete.
	completed := make([]bool, len(p.Artifacts))
	complete := func(a *Artifact) {
		if completed[a.index] {
			return
		}
		completed[a.index] = true
		for _, d := range a.dependents {
			pending[d.index]--
			if pending[d.index] == 0 {
				ready = append(ready, d)
			}
		}
	}
	for i, a := range p.Artifacts {
		if have[i] {
			complete(a)
		} else if len(a.Inputs) == 0 {
			ready = append(ready, a) // the others become ready as their inputs complete
		}
	}

	finished := make(chan done)
	steps := make(chan stepEvent, 64)
	running := 0
	leases := make([]*store.Lease, len(p.Artifacts))
	release := func(a *Artifact) {
		if l := leases[a.index]; l != nil {
			l.Release()
			leases[a.index] = nil
		}
	}
	defer func() {
		for _, l := range leases {
			if l != nil {
				l.Release()
			}
		}
	}()
	var waiting []*Artifact // claimed by another writer
	var ticker *time.Ticker
	for {
		// Start what may start, in plan order.
		slices.SortFunc(ready, func(x, y *Artifact) int { return x.index - y.index })
		for running < jobs && len(ready) > 0 && ctx.Err() == nil {
			a := ready[0]
			ready = ready[1:]
			if have[a.index] {
				complete(a)
				continue
			}
			if opts.Leases != nil {
				wait, err := claim(st, opts, a, redo[a.index], recs, have, leases)
				if err != nil {
					return compact(recs, have), err
				}
				if have[a.index] { // stored by another writer meanwhile
					if e, ok := prog.(elsewhere); ok {
						e.Elsewhere(a, recs[a.index])
					} else {
						prog.End(a, recs[a.index], 0)
					}
					complete(a)
					continue
				}
				if wait {
					waiting = append(waiting, a)
					continue
				}
			}
			ins := make([]results.Run, len(a.Inputs))
			failed := ""
			for j, in := range a.Inputs {
				ins[j] = recs[in.index]
				if ins[j].Status != StatusOK && failed == "" {
					failed = fmt.Sprintf("input %s %s is %s", in.Kind, in.Key[:12], ins[j].Status)
				}
			}
			if failed != "" {
				r := withPlan(results.Run{Status: StatusFailed, Error: SkippedPrefix + failed}, a)
				recs[a.index], have[a.index] = r, true
				prog.End(a, r, 0)
				complete(a)
				continue
			}
			running++
			prog.Begin(a)
			go func() {
				start := time.Now()
				job := &Job{Artifact: a, Inputs: ins, Store: st, Progress: func(d, t int) {
					select {
					case steps <- stepEvent{a, d, t}:
					default: // a slow display drops steps rather than slowing the work
					}
				}}
				r, err := execute(ctx, exec, job)
				finished <- done{a, r, err, time.Since(start)}
			}()
		}
		if running == 0 && (len(waiting) == 0 || ctx.Err() != nil) {
			break
		}
		var poll <-chan time.Time
		if len(waiting) > 0 {
			if ticker == nil {
				ticker = time.NewTicker(pollClaims)
				defer ticker.Stop()
			}
			poll = ticker.C
		}
		select {
		case <-poll:
			ready, waiting = append(ready, waiting...), nil
			continue
		case ev := <-steps:
			prog.Step(ev.a, ev.done, ev.total)
			continue
		case d := <-finished:
			running--
			a := d.a
			var r results.Run
			switch {
			case d.err != nil && ctx.Err() != nil:
				// Cancelled: not recorded, resumed next run.
				release(a)
				continue
			case d.err != nil:
				// A failed artifact is reported in its record (not stored,
				// so a rerun retries it); the sweep goes on.
				r = withPlan(results.Run{Status: StatusFailed, Error: d.err.Error()}, a)
			default:
				r = withPlan(d.r, a)
				if r.Status == "" {
					r.Status = StatusOK
				}
				r.Metrics = append(r.Metrics, results.Metric{Name: "wall_seconds", Value: d.took.Seconds()})
				sealed, err := st.PutRecord(r)
				if err != nil {
					return nil, err
				}
				r = sealed
			}
			release(a)
			recs[a.index], have[a.index] = r, true
			prog.End(a, r, d.took)
			complete(a)
		}
	}
	if err := ctx.Err(); err != nil {
		return compact(recs, have), err
	}
	return recs, nil
}

// claim prepares artifact a for computing beside other writers: if the
// store now holds it (another writer finished it), its record goes into
// recs; otherwise a takes its claim (leases[a.index]), or wait is true
// when another live writer holds that claim.
func claim(st *store.Store, opts Options, a *Artifact, redo bool, recs []results.Run, have []bool, leases []*store.Lease) (wait bool, err error) {
	// Another writer's record counts if it verifies, and unless a is to
	// be recomputed (downstream of a damaged artifact).
	reuse := !opts.Force && !redo
	if reuse {
		r, ok, err := st.GetVerified(a.Key)
		if err != nil && !errors.Is(err, store.ErrCorrupt) {
			return false, err
		}
		if ok && err == nil {
			recs[a.index], have[a.index] = withPlan(r, a), true
			return false, nil
		}
	}
	if opts.NoClaim != nil && opts.NoClaim(a) {
		return false, nil
	}
	l, err := opts.Leases.Claim(a.Key)
	if errors.Is(err, store.ErrClaimed) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if reuse {
		// Stored between the look above and the claim: nothing to do.
		if r, ok, err := st.GetVerified(a.Key); err == nil && ok {
			l.Release()
			recs[a.index], have[a.index] = withPlan(r, a), true
			return false, nil
		}
	}
	leases[a.index] = l
	return false, nil
}

// compact keeps the records that exist (after an interruption).
func compact(recs []results.Run, have []bool) []results.Run {
	var out []results.Run
	for i, r := range recs {
		if have[i] {
			out = append(out, r)
		}
	}
	return out
}

// execute calls the executor, turning a panic into an error that names
// the artifact (a bug must not take the whole sweep down silently).
func execute(ctx context.Context, exec Executor, job *Job) (r results.Run, err error) {
	defer func() {
		if e := recover(); e != nil {
			err = fmt.Errorf("internal error (a bug; please report it with the spec): panic: %v, at %s", e, panicSite(debug.Stack()))
		}
	}()
	return exec.Execute(ctx, job)
}

// panicSite is the innermost frame of a panic's stack outside the Go
// runtime, "pkg.Func (file.go:123)", instead of the whole stack.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i := 0; i+1 < len(lines); i++ {
		fn := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(lines[i+1], "\t") || strings.HasPrefix(fn, "runtime") || strings.HasPrefix(fn, "panic(") ||
			strings.HasPrefix(fn, "goroutine ") || strings.Contains(fn, "runtime/debug.Stack") || strings.Contains(fn, "runner.execute") {
			continue
		}
		loc := strings.TrimSpace(lines[i+1])
		if j := strings.LastIndex(loc, " +0x"); j > 0 {
			loc = loc[:j]
		}
		if j := strings.LastIndex(fn, "("); j > 0 {
			fn = fn[:j]
		}
		return fmt.Sprintf("%s (%s)", fn, filepath.Base(loc))
	}
	return "unknown location"
}

// Reconcile replaces the records of recs (one per artifact of p, in plan
// order) that are not ok with the store's verified record of the same
// key, where the store has one: another process sharing the store may
// have computed an artifact this one failed or skipped, and the report
// is to show the store's complete state.
func Reconcile(p *Plan, st *store.Store, recs []results.Run) []results.Run {
	if len(recs) != len(p.Artifacts) {
		return recs
	}
	out := slices.Clone(recs)
	for i, a := range p.Artifacts {
		if out[i].Status == StatusOK {
			continue
		}
		if r, ok, err := st.GetVerified(a.Key); ok && err == nil {
			out[i] = withPlan(r, a)
		}
	}
	return out
}

// DescriptiveParams are the params an executor may add to a record: they
// describe its files (for the report) rather than identify it.
var DescriptiveParams = []string{"density_extent", "trajectory_times"}

// withPlan stamps a record with the plan's identity of the artifact: the
// plan's params, then the descriptive params the executor wrote.
func withPlan(r results.Run, a *Artifact) results.Run {
	r.Kind, r.Key = a.Kind, a.Key
	params := slices.Clone(a.Params)
	for _, p := range r.Params {
		if slices.Contains(DescriptiveParams, p.Key) {
			params = append(params, p)
		}
	}
	r.Params = params
	r.Parent = ""
	if len(a.Inputs) > 0 {
		r.Parent = a.Inputs[0].Key
	}
	return r
}

// Load reads the records of a plan from the store without computing
// anything (for rebuilding a report). Artifacts absent from the store, or
// failing verification, are left out and counted in missing.
func Load(p *Plan, st *store.Store) (recs []results.Run, missing int, err error) {
	recs, missing, _, err = LoadChecked(p, st)
	return recs, missing, err
}

// LoadChecked is Load that also returns the verification failures (one
// *store.CorruptError per damaged artifact, counted in missing). It moves
// nothing: a run of the spec quarantines and recomputes them.
func LoadChecked(p *Plan, st *store.Store) (recs []results.Run, missing int, corrupt []error, err error) {
	for _, a := range p.Artifacts {
		r, ok, err := st.GetVerified(a.Key)
		if errors.Is(err, store.ErrCorrupt) {
			corrupt = append(corrupt, err)
			missing++
			continue
		}
		if err != nil {
			return nil, 0, nil, err
		}
		if !ok {
			missing++
			continue
		}
		recs = append(recs, withPlan(r, a))
	}
	return recs, missing, corrupt, nil
}
