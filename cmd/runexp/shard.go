package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/runner"
)

// shardSpec is the value of -shard I/N; n == 0 when not sharding.
type shardSpec struct{ i, n int }

func (s shardSpec) String() string { return fmt.Sprintf("%d/%d", s.i, s.n) }

// parseShard parses -shard I/N ("" is no sharding).
func parseShard(v string) (shardSpec, error) {
	if v == "" {
		return shardSpec{}, nil
	}
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return shardSpec{}, fmt.Errorf("-shard %q: want I/N with 0 ≤ I < N, e.g. -shard 0/4", v)
	}
	return shardSpec{i, n}, nil
}

// shardPlan cuts the plan down to one shard; with show, it says which
// share of the lineages and estimated cost the shard got.
func shardPlan(w io.Writer, p *runner.Plan, s shardSpec, show bool) (*runner.Plan, error) {
	sub, err := p.Shard(s.i, s.n)
	if err != nil {
		return nil, err
	}
	if show {
		ls := p.Lineages()
		who, load := runner.Assign(ls, s.n)
		mine := 0
		total := 0.0
		for li := range ls {
			total += ls[li].Cost
			if who[li] == s.i {
				mine++
			}
		}
		share := 0.0
		if total > 0 {
			share = 100 * load[s.i] / total
		}
		fmt.Fprintf(w, "shard %s: %d of %d lineages, %.0f%% of the estimated cost\n", s, mine, len(ls), share)
	}
	return sub, nil
}

// shardDone closes a shard's run: it counts what the shard computed and
// says how to build the report, since a shard writes none.
func shardDone(stdout, stderr io.Writer, f *experiment.File, dir string, s shardSpec, recs []results.Run, quiet bool) int {
	bad := 0
	for _, r := range recs {
		if r.Status != runner.StatusOK {
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "runexp: %s shard %s: %d of %d artifacts failed or were skipped (runexp status %s)\n", f.Path, s, bad, len(recs), dir)
		return exitFailed
	}
	if !quiet {
		fmt.Fprintf(stdout, "shard %s: %d artifacts stored in %s; once every shard is done: runexp report %s\n", s, len(recs), filepath.Join(dir, "store"), dir)
	}
	return exitOK
}
