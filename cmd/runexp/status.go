package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/flowbench/flowbench/pkg/experiment"
	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/runner"
	"github.com/flowbench/flowbench/pkg/store"
)

func init() {
	register(&Command{
		UsageLine: "runexp status [-lease-ttl D] DIR",
		Short:     "what a (shared, possibly running) results directory holds: done, claimed, failed, missing per kind",
		Long: `Status counts the artifacts the spec of DIR (DIR/spec.yaml) plans, per kind:
done (stored), claimed (a live writer holds the claim, e.g. a running
shard), failed (stored as failed: a diverged training) and missing (not
stored, not claimed; stale claims count here). It lists who holds the
claims (host:pid:start, and the Slurm job and array task or Kubernetes
index). It changes nothing.

Examples:

	runexp status results/quickstart
	watch -n 10 runexp status /shared/results/sweep`,
		Main: runStatus,
	})
}

// runStatus is `runexp status DIR`: what a (possibly shared, possibly
// still running) results directory holds, per kind of artifact: done,
// claimed by a live writer, failed, missing.
func runStatus(stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("runexp status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ttl := fs.Duration("lease-ttl", store.DefaultLeaseTTL, "claims without a heartbeat for this long count as stale (missing)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: runexp status [-lease-ttl D] DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	dir := fs.Arg(0)
	reg := registry()
	f, err := experiment.Load(filepath.Join(dir, specFile), nil, reg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	st, err := store.OpenExisting(dir)
	if err != nil {
		fmt.Fprintln(stderr, "runexp:", err)
		return exitFailed
	}
	claims, err := store.Claims(dir, *ttl)
	if err != nil {
		fmt.Fprintln(stderr, "runexp:", err)
		return exitFailed
	}
	plan := runner.NewPlan(f, reg)
	type counts struct{ total, done, claimed, failed, missing int }
	per := map[results.Kind]*counts{}
	var kinds []results.Kind // plan order, for kinds the list below does not know
	var all counts
	holders := map[string]int{}
	stale := 0
	for _, a := range plan.Artifacts {
		c := per[a.Kind]
		if c == nil {
			c = &counts{}
			per[a.Kind] = c
			kinds = append(kinds, a.Kind)
		}
		c.total++
		all.total++
		r, ok, err := st.Get(a.Key)
		if err != nil {
			fmt.Fprintln(stderr, "runexp:", err)
			return exitFailed
		}
		cl, held := claims[a.Key]
		switch {
		case ok && r.Status == runner.StatusOK:
			c.done++
			all.done++
		case ok:
			c.failed++
			all.failed++
		case held && !cl.Stale:
			c.claimed++
			all.claimed++
			who := cl.Info.Owner
			if cl.Info.Job != "" {
				who += " (" + cl.Info.Job + ")"
			}
			holders[who]++
		default:
			if held {
				stale++
			}
			c.missing++
			all.missing++
		}
	}
	fmt.Fprintf(stdout, "%s (%s)\n", dir, f.Name())
	fmt.Fprintf(stdout, "%-10s %6s %6s %8s %7s %8s\n", "kind", "total", "done", "claimed", "failed", "missing")
	row := func(k string, c counts) {
		fmt.Fprintf(stdout, "%-10s %6d %6d %8d %7d %8d\n", k, c.total, c.done, c.claimed, c.failed, c.missing)
	}
	order := []results.Kind{runner.KindTestSet, runner.KindTransport, runner.KindTrain, runner.KindPairs, runner.KindEval, runner.KindModelEval}
	for _, k := range kinds {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	for _, k := range order {
		if c := per[k]; c != nil {
			row(string(k), *c)
		}
	}
	row("all", all)
	if len(holders) > 0 {
		var ws []string
		for w, n := range holders {
			ws = append(ws, fmt.Sprintf("  %s: %d", w, n))
		}
		sort.Strings(ws)
		fmt.Fprintf(stdout, "claims held by:\n%s\n", strings.Join(ws, "\n"))
	}
	if stale > 0 {
		fmt.Fprintf(stdout, "%d stale claims (counted as missing): the next writer takes them over\n", stale)
	}
	return exitOK
}
