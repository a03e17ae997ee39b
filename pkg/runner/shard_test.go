package runner

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flowbench/flowbench/pkg/results"
	"github.com/flowbench/flowbench/pkg/store"
)

// TestShardsPartitionPlan: for every N, the shards' own artifacts
// partition the plan, a lineage never straddles shards, each sub-plan
// holds the inputs of its artifacts before them, the assignment is the
// same on every call, and the greedy balance is within one lineage of the
// ideal.
func TestShardsPartitionPlan(t *testing.T) {
	p := load(t, spec)
	ls := p.Lineages()
	if got, want := len(ls), p.Count(KindTrain)-p.Count(KindPairs); got != want {
		t.Fatalf("%d lineages, want %d (one per first training)", got, want)
	}
	lineageOf := map[string]int{}
	for li, l := range ls {
		for _, a := range l.Artifacts {
			lineageOf[a.Key] = li
		}
	}
	for n := 1; n <= 5; n++ {
		owner := map[string]int{}
		shardOfLineage := map[int]int{}
		for i := range n {
			sub, err := p.Shard(i, n)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := p.Shard(i, n)
			if !slices.Equal(keys(sub), keys(again)) {
				t.Fatalf("shard %d/%d differs between two calls", i, n)
			}
			seen := map[string]bool{}
			for _, a := range sub.Artifacts {
				for _, in := range a.Inputs {
					if !seen[in.Key] {
						t.Fatalf("shard %d/%d: %s before its input %s", i, n, a.Label, in.Label)
					}
					if c, _ := sub.Lookup(in.Key); c != in {
						t.Fatalf("shard %d/%d: input of %s not wired to the sub-plan's copy", i, n, a.Label)
					}
				}
				seen[a.Key] = true
				if Shared(a) {
					continue
				}
				if prev, dup := owner[a.Key]; dup {
					t.Fatalf("%s in shards %d and %d of %d", a.Label, prev, i, n)
				}
				owner[a.Key] = i
				li := lineageOf[a.Key]
				if s, ok := shardOfLineage[li]; ok && s != i {
					t.Fatalf("lineage of %s split between shards %d and %d of %d", a.Label, s, i, n)
				}
				shardOfLineage[li] = i
			}
		}
		for _, a := range p.Artifacts {
			if _, ok := owner[a.Key]; !ok && !Shared(a) {
				t.Fatalf("N=%d: %s in no shard", n, a.Label)
			}
		}
		_, load := Assign(ls, n)
		total, biggest := 0.0, 0.0
		for _, l := range ls {
			total += l.Cost
			biggest = max(biggest, l.Cost)
		}
		if m := slices.Max(load); m > total/float64(n)+biggest {
			t.Fatalf("N=%d: heaviest shard %g > ideal %g + largest lineage %g", n, m, total/float64(n), biggest)
		}
	}
	if _, err := p.Shard(3, 3); err == nil {
		t.Fatal("shard 3/3 accepted")
	}
}

func keys(p *Plan) []string {
	var out []string
	for _, a := range p.Artifacts {
		out = append(out, a.Key)
	}
	return out
}

// slow is fake that takes a little while per artifact, so that writers
// running at once overlap, and counts calls per key.
type slow struct {
	fake
	mu    sync.Mutex
	count map[string]int
}

func (s *slow) Execute(ctx context.Context, j *Job) (results.Run, error) {
	s.mu.Lock()
	if s.count == nil {
		s.count = map[string]int{}
	}
	s.count[j.Artifact.Key]++
	s.mu.Unlock()
	time.Sleep(2 * time.Millisecond)
	return s.fake.Execute(ctx, j)
}

// TestWritersShareStore: several writers on one store at once — whole
// plans (two processes on one directory) and the three shards of a plan —
// compute every claimed artifact once, and the store then holds exactly
// the records of a single run.
func TestWritersShareStore(t *testing.T) {
	p := load(t, spec)
	want, err := run(t, p, t.TempDir(), &fake{}, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		plans func() []*Plan
	}{
		{"two whole plans", func() []*Plan { return []*Plan{p, p} }},
		{"three shards", func() []*Plan {
			var ps []*Plan
			for i := range 3 {
				s, _ := p.Shard(i, 3)
				ps = append(ps, s)
			}
			return ps
		}},
	} {
		dir := t.TempDir()
		st, _ := store.Open(dir)
		ex := &slow{}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		plans := c.plans()
		for w, sub := range plans {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ls, err := store.NewLeases(dir, time.Minute)
				if err != nil {
					errs[w] = err
					return
				}
				opts := Options{Jobs: 2, Leases: ls}
				if len(plans) == 3 {
					opts.NoClaim = Shared
				}
				_, errs[w] = Run(context.Background(), sub, st, ex, opts)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		for _, a := range p.Artifacts {
			n := ex.count[a.Key]
			if n == 0 || n > 1 && !(len(plans) == 3 && Shared(a)) {
				t.Errorf("%s: %s computed %d times", c.name, a.Label, n)
			}
		}
		got, missing, err := Load(p, st)
		if err != nil || missing != 0 {
			t.Fatalf("%s: Load: %d missing, %v", c.name, missing, err)
		}
		if strip(got) != strip(want) {
			t.Fatalf("%s: the shared store's records differ from a single run's", c.name)
		}
		if cs, _ := store.Claims(dir, time.Minute); len(cs) != 0 {
			t.Fatalf("%s: %d claims left after every writer finished", c.name, len(cs))
		}
	}
}
