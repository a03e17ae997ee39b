package runner

import (
	"context"

	"github.com/flowbench/flowbench/pkg/store"
	"math"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/results"
)

func TestDiverged(t *testing.T) {
	cases := []struct {
		curve, params []float64
		want          string // substring; "" = not diverged
	}{
		{[]float64{2.9, 1.2, 0.9}, []float64{0.1, -3}, ""},
		{[]float64{-1.5, -2.8}, []float64{1}, ""}, // a CNF's NLL goes negative
		{[]float64{0.01, 50}, []float64{1}, ""},   // below 1e4 × max(|first|, 1)
		{[]float64{2.1, 1e5, 2.9e58}, []float64{1}, "final loss 2.9e+58"},
		{[]float64{2.1, math.Inf(1)}, []float64{1}, "final loss +Inf"},
		{[]float64{2.1, 1.0}, []float64{1, 3e8}, "weight 1 is 3e+08"},
		{[]float64{2.1, 1.0}, []float64{math.NaN()}, "weight 0 is NaN"},
	}
	for _, c := range cases {
		got := diverged(c.curve, c.params)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("diverged(%v, %v) = %q, want %q", c.curve, c.params, got, c.want)
		}
	}
}

// nanFake returns a NaN metric for its evaluations.
type nanFake struct{ fake }

func (f *nanFake) Execute(ctx context.Context, j *Job) (results.Run, error) {
	r, err := f.fake.Execute(ctx, j)
	if j.Artifact.Kind == KindEval {
		r.Metrics = append(r.Metrics, results.Metric{Name: "sw2", Value: math.NaN()}, results.Metric{Name: "straightness", Value: math.Inf(1)})
	}
	return r, err
}

// TestNonFiniteMetricsAreData: NaN and Inf metrics are stored and read
// back, and the run goes on (they used to abort the whole sweep with
// "json: unsupported value: NaN").
func TestNonFiniteMetricsAreData(t *testing.T) {
	p := load(t, spec)
	dir := t.TempDir()
	st, _ := store.Open(dir)
	recs, err := Run(t.Context(), p, st, &nanFake{}, Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Status != StatusOK {
			t.Fatalf("%s is %s: %s", r.Kind, r.Status, r.Error)
		}
		if r.Kind == KindEval {
			n++
			back, ok, err := st.GetVerified(r.Key)
			v, _ := back.Metric("sw2")
			s, _ := back.Metric("straightness")
			if !ok || err != nil || !math.IsNaN(v) || !math.IsInf(s, 1) {
				t.Fatalf("stored eval: ok=%v err=%v sw2=%v straightness=%v", ok, err, v, s)
			}
			if len(back.NonFinite()) != 2 {
				t.Errorf("NonFinite = %v", back.NonFinite())
			}
		}
	}
	if n == 0 {
		t.Fatal("no evaluations")
	}
}

// TestLabelsTellArtifactsApart: every artifact of a sweep with reflow
// stages has its own progress label (sweep point values and stages
// included).
func TestLabelsTellArtifactsApart(t *testing.T) {
	p := load(t, spec)
	seen := map[string]string{}
	for _, a := range p.Artifacts {
		if prev, dup := seen[a.Label]; dup {
			t.Fatalf("label %q names %s and %s", a.Label, prev[:12], a.Key[:12])
		}
		seen[a.Label] = a.Key
	}
}

type panicky struct{ fake }

func (f *panicky) Execute(ctx context.Context, j *Job) (results.Run, error) {
	if j.Artifact.Kind == KindEval {
		var s []float64
		_ = s[len(j.Artifact.Key)] // index out of range
	}
	return f.fake.Execute(ctx, j)
}

// TestPanicIsOneLine: a panicking executor (a bug) fails its artifact with
// a one-line error naming the panic and where it happened, not a stack
// trace, and the rest of the plan goes on.
func TestPanicIsOneLine(t *testing.T) {
	p := load(t, spec)
	st, _ := store.Open(t.TempDir())
	recs, err := Run(t.Context(), p, st, &panicky{}, Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, r := range recs {
		if r.Kind != KindEval {
			if r.Status == StatusOK {
				ok++
			}
			continue
		}
		if r.Status != StatusFailed || strings.Contains(r.Error, "\n") || strings.Contains(r.Error, "goroutine") ||
			!strings.Contains(r.Error, "internal error") || !strings.Contains(r.Error, "index out of range") || !strings.Contains(r.Error, "diverged_test.go:") {
			t.Fatalf("eval record: %s %q", r.Status, r.Error)
		}
	}
	if ok == 0 {
		t.Fatal("nothing else succeeded")
	}
}
