package runner

import (
	"fmt"
	"slices"
)

// Lineage is a root artifact with every artifact that descends from it
// through first inputs: a first training with its pair sets, reflow and
// distillation stages and all their evaluations; or, for artifacts that no
// training precedes, a test set with its transport.
type Lineage struct {
	Root      *Artifact
	Artifacts []*Artifact // plan order
	Cost      float64     // sum of the artifacts' estimated costs
}

// Shared reports whether a is needed by several lineages: it has no
// training among its ancestors (a test set, a source-target transport).
// Shards compute what they share themselves rather than wait for each
// other; the result is bit-identical.
func Shared(a *Artifact) bool { return rootOf(a).Kind != KindTrain }

// rootOf follows first inputs to an artifact without inputs.
func rootOf(a *Artifact) *Artifact {
	for len(a.Inputs) > 0 {
		a = a.Inputs[0]
	}
	return a
}

// Lineages splits the plan into lineages, in plan order of their roots.
// Shared artifacts (Shared) form lineages of their own only when no
// training lineage needs them.
func (p *Plan) Lineages() []Lineage {
	byRoot := map[*Artifact]int{}
	var out []Lineage
	for _, a := range p.Artifacts {
		r := rootOf(a)
		i, ok := byRoot[r]
		if !ok {
			i = len(out)
			byRoot[r] = i
			out = append(out, Lineage{Root: r})
		}
		out[i].Artifacts = append(out[i].Artifacts, a)
		out[i].Cost += a.Cost
	}
	// Drop shared lineages whose artifacts some training lineage reads:
	// every shard that needs them computes them.
	needed := map[*Artifact]bool{}
	for _, l := range out {
		if l.Root.Kind != KindTrain {
			continue
		}
		for _, a := range l.Artifacts {
			markAncestors(a, needed)
		}
	}
	kept := out[:0]
	for _, l := range out {
		if l.Root.Kind == KindTrain || slices.ContainsFunc(l.Artifacts, func(a *Artifact) bool { return !needed[a] }) {
			kept = append(kept, l)
		}
	}
	return kept
}

func markAncestors(a *Artifact, seen map[*Artifact]bool) {
	for _, in := range a.Inputs {
		if !seen[in] {
			seen[in] = true
			markAncestors(in, seen)
		}
	}
}

// Assign deals the lineages to n shards, balanced by estimated cost:
// largest first (ties in plan order), each to the least loaded shard
// (ties to the lowest index). It depends only on the plan and n, so every
// shard of a job array computes the same assignment. It returns the shard
// of each lineage and the estimated cost of each shard.
func Assign(ls []Lineage, n int) (shard []int, load []float64) {
	order := make([]int, len(ls))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		switch {
		case ls[x].Cost > ls[y].Cost:
			return -1
		case ls[x].Cost < ls[y].Cost:
			return 1
		}
		return 0
	})
	shard = make([]int, len(ls))
	load = make([]float64, n)
	for _, i := range order {
		best := 0
		for s := 1; s < n; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		shard[i] = best
		load[best] += ls[i].Cost
	}
	return shard, load
}

// Shard returns the sub-plan of shard i of n (0 ≤ i < n): the lineages
// Assign gives it, with the shared artifacts they read. The sub-plan keeps
// the plan's order and keys; its artifacts are copies wired to each other.
func (p *Plan) Shard(i, n int) (*Plan, error) {
	if n < 1 || i < 0 || i >= n {
		return nil, fmt.Errorf("shard %d/%d: want 0 ≤ I < N", i, n)
	}
	ls := p.Lineages()
	shard, _ := Assign(ls, n)
	keep := map[*Artifact]bool{}
	for li, l := range ls {
		if shard[li] != i {
			continue
		}
		for _, a := range l.Artifacts {
			keep[a] = true
			markAncestors(a, keep)
		}
	}
	sub := &Plan{File: p.File, byKey: map[string]*Artifact{}}
	copies := map[*Artifact]*Artifact{}
	for _, a := range p.Artifacts {
		if !keep[a] {
			continue
		}
		c := *a
		c.index = len(sub.Artifacts)
		c.dependents = nil
		c.Inputs = make([]*Artifact, len(a.Inputs))
		for j, in := range a.Inputs {
			c.Inputs[j] = copies[in]
			copies[in].dependents = append(copies[in].dependents, &c)
		}
		copies[a] = &c
		sub.byKey[c.Key] = &c
		sub.Artifacts = append(sub.Artifacts, &c)
	}
	return sub, nil
}
