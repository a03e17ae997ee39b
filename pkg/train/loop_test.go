package train

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestStepperUpdate checks one update against its closed form. The
// gradient (3, −4) has norm 5 (reported before clipping) and is clipped to
// norm 1, i.e. scaled by 1/(5 + 1e-6) (optim.ClipNorm's PyTorch rule).
// Adam's bias-corrected first step is −lr·ĝ/(|ĝ| + ε) per coordinate, so θ
// moves by ∓lr up to lr·ε/|ĝ| ≈ 1.7e-8 (ε = 1e-8, |ĝ| ≥ 0.6); tolerance
// 1e-7. The EMA with decay 0.5 and no warm-up averages θ_0 and θ_1.
func TestStepperUpdate(t *testing.T) {
	cfg := Config{Steps: 3, Batch: 1, Optim: adam(t, 0.1), Clip: 1, EMADecay: 0.5}
	params, grad := []float64{1, 1}, []float64{3, -4}
	s, err := NewStepper(cfg, params, grad)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Update(2.5)
	if err != nil {
		t.Fatal(err)
	}
	if p.Step != 1 || p.Steps != 3 || p.Loss != 2.5 || p.LR != 0.1 || p.GradNorm != 5 {
		t.Errorf("progress %+v, want step 1 of 3, loss 2.5, lr 0.1 (constant default), norm 5", p)
	}
	if c := 1 / (5 + 1e-6); math.Abs(grad[0]-3*c) > 1e-15 || math.Abs(grad[1]+4*c) > 1e-15 {
		t.Errorf("clipped gradient %v, want (3, −4)/(5 + 1e-6)", grad)
	}
	for i, want := range []float64{0.9, 1.1} {
		if math.Abs(params[i]-want) > 1e-7 {
			t.Errorf("θ_%d = %v after one Adam step, want %v", i, params[i], want)
		}
		if e := s.EMA().Params()[i]; math.Abs(e-(1+want)/2) > 1e-7 {
			t.Errorf("θ̄_%d = %v, want the mean of θ_0 and θ_1, %v", i, e, (1+want)/2)
		}
	}
	if s.Steps() != 1 || s.Optimizer().Steps() != 1 || s.EMA().Updates() != 1 {
		t.Errorf("counts %d, %d, %d after one update, want 1 each", s.Steps(), s.Optimizer().Steps(), s.EMA().Updates())
	}
}

// TestStepperDiverged: a non-finite loss or gradient is an error wrapping
// ErrDiverged that names the step, and nothing is updated.
func TestStepperDiverged(t *testing.T) {
	for _, c := range []struct {
		name string
		loss float64
		grad []float64
	}{
		{"nan loss", math.NaN(), []float64{1, 1}},
		{"inf loss", math.Inf(1), []float64{1, 1}},
		{"nan gradient", 1, []float64{math.NaN(), 1}},
	} {
		params := []float64{1, 2}
		s, err := NewStepper(Config{Steps: 4, Batch: 1, Optim: adam(t, 0.1), EMADecay: 0.9}, params, c.grad)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Update(c.loss)
		if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "step 1 of 4") {
			t.Errorf("%s: error %v, want ErrDiverged at step 1 of 4", c.name, err)
		}
		if params[0] != 1 || params[1] != 2 || s.Steps() != 0 || s.EMA().Updates() != 0 {
			t.Errorf("%s: θ = %v, %d steps, %d EMA updates after a diverged step, want unchanged", c.name, params, s.Steps(), s.EMA().Updates())
		}
	}
}

// TestLoopBookkeeping feeds the losses 1, …, 7 with CurveEvery = 3: the
// block means are (1+2+3)/3 = 2, (4+5+6)/3 = 5 and the partial block 7.
// Gradient norms alternate 0.5 and 2 against Clip = 1, so the steps with
// even numbers (3 of 7) count as clipped. The context is cancelled after
// step 4, so Begin fails before step 5.
func TestLoopBookkeeping(t *testing.T) {
	progress := 0
	stopErr := context.Canceled
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{Steps: 7, Batch: 1, Optim: adam(t, 0.1), Clip: 1, CurveEvery: 3,
		Progress: func(Progress) {
			if progress++; progress == 4 {
				cancel()
			}
		}}
	params, grad := []float64{0}, []float64{0}
	s, err := NewStepper(cfg, params, grad)
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{}
	l := NewLoop(ctx, cfg, s, res)
	for k := 1; k <= 7; k++ {
		if k <= 5 {
			err := l.Begin()
			if k < 5 && err != nil || k == 5 && (!errors.Is(err, stopErr) || !strings.Contains(err.Error(), "stopped before step 5 of 7")) {
				t.Fatalf("Begin before step %d: %v", k, err)
			}
		}
		norm := 0.5
		if k%2 == 0 {
			norm = 2
		}
		l.Record(Progress{Step: k, Steps: 7, Loss: float64(k), GradNorm: norm})
	}
	r := l.Result()
	if r != res || r.Steps != 7 || r.Clipped != 3 || progress != 7 || r.CurveEvery != 3 {
		t.Errorf("steps %d, clipped %d, progress calls %d, every %d; want 7, 3, 7, 3", r.Steps, r.Clipped, progress, r.CurveEvery)
	}
	if want := []float64{2, 5, 7}; len(r.Curve) != 3 || r.Curve[0] != want[0] || r.Curve[1] != want[1] || r.Curve[2] != want[2] {
		t.Errorf("curve %v, want %v", r.Curve, want)
	}
	if r.Opt.Name != "adam" || len(r.Params) != 1 || r.EMA != nil {
		t.Errorf("result state: opt %q, %d params, EMA %v; want adam, 1, nil", r.Opt.Name, len(r.Params), r.EMA)
	}
	// CurveEvery 0 means max(1, Steps/100): 250 steps give blocks of 2.
	if l := NewLoop(context.Background(), Config{Steps: 250}, s, &Result{}); l.res.CurveEvery != 2 || cap(l.res.Curve) != 125 {
		t.Errorf("default curve interval %d (capacity %d), want 2 (125)", l.res.CurveEvery, cap(l.res.Curve))
	}
}
