package report

import (
	"math"
	"strings"
	"testing"
)

// TestCompareRuns matches cells by their parameters other than the seed,
// computes the change and the paired p-value (checked against the closed
// form of Student's t for ν = 2), prints "~" for a change that is not
// significant and counts the cells found on one side only.
func TestCompareRuns(t *testing.T) {
	old := `kind,key,parent,method,seed,steps,trajectory_times,metric,value,status,error,wall_seconds
eval,k1,,OT,1,4,5,w2,1.0,ok,,0.1
eval,k2,,OT,2,4,5,w2,2.0,ok,,0.1
eval,k3,,OT,3,4,5,w2,3.0,ok,,0.1
eval,k4,,VP,1,4,5,w2,1.0,ok,,0.1
eval,k5,,VP,2,4,5,w2,1.2,ok,,0.1
eval,k6,,VP,3,4,5,w2,0.9,ok,,0.1
eval,k7,,RF,1,4,5,w2,5,ok,,0.1
eval,k8,,OT,4,4,5,w2,7,failed,boom,0.1
`
	// OT's differences new − old over seeds 1..3 are 1, 2, 4 (and the
	// descriptive trajectory_times differs, which must not split the
	// cell): t = sqrt(7), ν = 2, p = 1 − sqrt(7)/3 = 0.1181, so not
	// significant. VP's are −0.5 on every seed: no spread, p = 0,
	// significant, delta −0.5/1.0333 = −48.39%.
	new := `kind,key,parent,method,seed,steps,trajectory_times,metric,value,status,error,wall_seconds
eval,a,,OT,1,4,9,w2,2.0,ok,,0.2
eval,b,,OT,2,4,9,w2,4.0,ok,,0.2
eval,c,,OT,3,4,9,w2,7.0,ok,,0.2
eval,d,,VP,1,4,9,w2,0.5,ok,,0.2
eval,e,,VP,2,4,9,w2,0.7,ok,,0.2
eval,f,,VP,3,4,9,w2,0.4,ok,,0.2
eval,g,,CNF,1,4,9,w2,0.4,ok,,0.2
`
	res, err := CompareRuns(strings.NewReader(old), strings.NewReader(new), []string{"trajectory_times"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cells) != 2 || len(res.OnlyOld) != 1 || len(res.OnlyNew) != 1 {
		t.Fatalf("cells %d, only old %q, only new %q", len(res.Cells), res.OnlyOld, res.OnlyNew)
	}
	ot, vp := res.Cells[0], res.Cells[1]
	if ot.Params != "method=OT, steps=4" || vp.Params != "method=VP, steps=4" {
		t.Fatalf("cells %q, %q", ot.Params, vp.Params)
	}
	if want := 1 - math.Sqrt(7)/3; math.Abs(ot.P-want) > 1e-12 || ot.Test != "paired t" || ot.Significant() {
		t.Errorf("OT: p %v (%s), want %v, not significant", ot.P, ot.Test, want)
	}
	if ot.OldSum.N != 3 || math.Abs(ot.Delta-100*(13.0/3-2)/2) > 1e-9 {
		t.Errorf("OT: n %d delta %v", ot.OldSum.N, ot.Delta)
	}
	if vp.P != 0 || !vp.Significant() || math.Abs(vp.Delta-100*(-0.5)/(3.1/3)) > 1e-9 {
		t.Errorf("VP: p %v delta %v", vp.P, vp.Delta)
	}
	var sb strings.Builder
	FormatAB(&sb, res)
	out := sb.String()
	for _, want := range []string{"eval method=OT, steps=4", "  ~  p=0.12 paired t", "-48.39%", "1 cells only in old, 1 only in new"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
