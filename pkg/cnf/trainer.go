package cnf

import (
	"fmt"
	"math"
	"math/rand/v2"

	ad "github.com/flowbench/flowbench/pkg/autodiff"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/optim"
	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/train"
)

// ErrDiverged is wrapped by the error a training step returns when the loss
// or the gradient is NaN or infinite; the message names the step. It is
// train.ErrDiverged, so errors.Is matches either name.
var ErrDiverged = train.ErrDiverged

// log2Pi is ln(2π).
var log2Pi = math.Log(2 * math.Pi)

// StepInfo is what one loss (and gradient) evaluation measured. The terms
// are batch means in nats; Kinetic and Jacobian are zero when their weight
// is zero (they are not integrated then).
type StepInfo struct {
	Loss     float64 // NLL + Kinetic·λ_K + Jacobian·λ_J
	NLL      float64 // −(1/n) Σ log p_1(x1_r) (a Hutchinson estimate when the divergence is)
	Kinetic  float64 // (1/n) Σ ∫_0^1 |v|² dt
	Jacobian float64 // (1/n) Σ ∫_0^1 |∂v/∂x|_F² dt (estimated with the probes under Hutchinson)
	GradNorm float64 // global L2 norm of ∂Loss/∂θ before clipping (Step only)
	LR       float64 // learning rate of the update (Step only)
	// NFEForward counts evaluations of the field in the forward solve,
	// NFEBackward the vector–Jacobian products of the gradient (backprop:
	// one per recorded evaluation; adjoint: the adjoint solve's NFE).
	NFEForward, NFEBackward int
}

// Trainer computes the CNF maximum-likelihood loss and its gradient for a
// models.MLP and takes optimiser steps. It owns its scratch (tape, solver
// buffers, probes), allocates nothing per step once warmed up, and is not
// safe for concurrent use.
type Trainer struct {
	m     *models.MLP
	cfg   Config
	st    *train.Stepper // clipping, divergence check, optimiser, schedule, EMA
	nt    *net
	tp    ad.Tape
	rng   *rand.Rand
	exact bool
	wantK bool
	wantJ bool
	tab   solvers.Tableau
	fwdS  solvers.Solver // forward solve (adjoint mode)
	adjS  solvers.Solver // adjoint solve

	probes []float64 // P·n·d, probe p of point r at [(p·n + r)·d, …)

	// backprop scratch: LinComb coefficients and terms, and per stage of
	// the tableau the recorded velocity, divergence, |v|² and |∂v/∂x|_F²
	stageV, stageDiv   []ad.Node
	stageKin, stageJac []ad.Node
	coefs              []float64
	terms              []ad.Node
	// the recorded per-point NLL, the batch means of NLL, kinetic and
	// Jacobian terms, and the loss
	nllRow, nllNode, kinNode, jacNode, lossNode ad.Node

	// adjoint state: batch size, forward and adjoint states, and the
	// cotangents of the divergence, kinetic and Jacobian outputs
	n                      int
	y, ya                  []float64
	cotDiv, cotKin, cotJac []float64
	fwd                    fwdSystem
	adj                    adjSystem
	outs                   [4]ad.Node
	cots                   [4][]float64
}

// NewTrainer validates cfg and tcfg and returns a Trainer for m with the
// optimiser, schedule, clipping and EMA of tcfg (its Steps, Batch, TrainSet,
// CurveEvery and Progress are Train's business). rng supplies the
// Hutchinson probes (it is not used with the exact divergence).
// It panics if m or rng is nil.
func NewTrainer(m *models.MLP, cfg Config, tcfg train.Config, rng *rand.Rand) (*Trainer, error) {
	if m == nil || rng == nil {
		panic("cnf: NewTrainer with a nil model or rng")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := tcfg.Validate(); err != nil {
		return nil, fmt.Errorf("cnf: %w", err)
	}
	tr := &Trainer{m: m, cfg: cfg, nt: newNet(m), rng: rng, exact: cfg.exact(m.Cfg.Dim),
		wantK: cfg.Kinetic > 0, wantJ: cfg.Jacobian > 0}
	if info, _ := solvers.Lookup(cfg.Solver); info.Tableau != nil {
		tr.tab = *info.Tableau
	}
	if cfg.Gradient == GradAdjoint {
		s, err := solvers.ByName(cfg.Solver, cfg.Steps, cfg.RTol, cfg.ATol)
		if err != nil {
			return nil, fmt.Errorf("cnf: %w", err)
		}
		if dp, ok := s.(*solvers.Dopri5); ok {
			dp.MaxSteps = cfg.MaxSteps
		}
		tr.fwdS = s
		tr.adjS = s.(interface{ Clone() solvers.Solver }).Clone()
	}
	var err error
	if tr.st, err = train.NewStepper(tcfg, m.Params, m.Grad); err != nil {
		return nil, fmt.Errorf("cnf: %w", err)
	}
	s := max(len(tr.tab.B), 1)
	tr.coefs, tr.terms = make([]float64, max(s+1, 3)), make([]ad.Node, max(s+1, 3)) // stages + y, or NLL + 2 regularisers
	tr.stageV, tr.stageDiv, tr.stageKin, tr.stageJac = make([]ad.Node, s), make([]ad.Node, s), make([]ad.Node, s), make([]ad.Node, s)
	tr.fwd.tr, tr.adj.tr = tr, tr
	return tr, nil
}

// SetWorkers makes the trainer's tape split its matrix products over the
// given number of goroutines (autodiff.Tape.SetWorkers: results are
// bit-identical for every count); 1, the default, stops the helpers.
// It panics if workers < 1.
func (tr *Trainer) SetWorkers(workers int) { tr.tp.SetWorkers(workers) }

// Model returns the trained model.
func (tr *Trainer) Model() *models.MLP { return tr.m }

// Config returns the configuration.
func (tr *Trainer) Config() Config { return tr.cfg }

// Exact reports whether the divergence is computed exactly (not estimated).
func (tr *Trainer) Exact() bool { return tr.exact }

// Steps returns the number of optimiser steps taken.
func (tr *Trainer) Steps() int { return tr.st.Steps() }

// EMA returns the weight average, or nil when Config.EMA is 0.
func (tr *Trainer) EMA() *optim.EMA { return tr.st.EMA() }

// Optimizer returns the optimiser (for checkpointing its state).
func (tr *Trainer) Optimizer() *optim.Adam { return tr.st.Optimizer() }

// Stepper returns the update half of Step (pkg/train's Stepper).
func (tr *Trainer) Stepper() *train.Stepper { return tr.st }

func (tr *Trainer) rows(x1 []float64) int {
	d := tr.m.Cfg.Dim
	if len(x1) == 0 || len(x1)%d != 0 {
		panic(fmt.Sprintf("cnf: batch of %d values for dimension %d", len(x1), d))
	}
	return len(x1) / d
}

// drawProbes fills the probes for n points (Hutchinson only).
func (tr *Trainer) drawProbes(n int) {
	if tr.exact {
		return
	}
	p := tr.cfg.Probes * n * tr.m.Cfg.Dim
	if cap(tr.probes) < p {
		tr.probes = make([]float64, p)
	}
	tr.probes = tr.probes[:p]
	if tr.cfg.ProbeKind == ProbeGaussian {
		for i := range tr.probes {
			tr.probes[i] = tr.rng.NormFloat64()
		}
		return
	}
	var bits uint64
	for i := range tr.probes {
		if i%64 == 0 {
			bits = tr.rng.Uint64()
		}
		tr.probes[i] = float64(int(bits&1)*2 - 1)
		bits >>= 1
	}
}

// useProbes records the probes on the tape for n points.
func (tr *Trainer) useProbes(n int) {
	if tr.exact {
		tr.nt.setProbes(ad.None, 0)
		return
	}
	p := tr.cfg.Probes
	tr.nt.setProbes(tr.tp.Const(tr.probes, p*n, tr.m.Cfg.Dim), p)
}

// LossGrad evaluates the loss on the n×d batch x1 and overwrites the MLP's
// Grad with ∂Loss/∂θ, by backprop through the fixed-step solve or by the
// adjoint method as configured. Hutchinson probes are drawn once for the
// call. It returns an error only when an adaptive solve fails.
// It panics if x1 is empty or not a multiple of the model's dimension.
func (tr *Trainer) LossGrad(x1 []float64) (StepInfo, error) {
	n := tr.rows(x1)
	tr.drawProbes(n)
	if tr.cfg.Gradient == GradBackprop {
		info := tr.tapeSolve(x1, tr.m.Grad)
		clear(tr.m.Grad)
		tr.tp.Backward(tr.lossNode)
		info.NFEBackward = info.NFEForward
		return info, nil
	}
	return tr.adjointGrad(x1)
}

// Loss evaluates the loss terms on x1 without a gradient (drawing fresh
// probes under Hutchinson), with the training solver.
// It panics if x1 is empty or not a multiple of the model's dimension.
func (tr *Trainer) Loss(x1 []float64) (StepInfo, error) {
	n := tr.rows(x1)
	tr.drawProbes(n)
	if tr.cfg.Gradient == GradBackprop {
		return tr.tapeSolve(x1, nil), nil
	}
	info, _, err := tr.forward(x1)
	return info, err
}

// LogProb writes log p_1(x1_r) for every row of x1 into dst (len n), with
// the training solver and divergence (a Hutchinson estimate when the
// divergence is), and returns the forward NFE.
// It panics if x1 is empty or not a multiple of the model's dimension, or if
// len(dst) is not its number of rows.
func (tr *Trainer) LogProb(dst, x1 []float64) (int, error) {
	n := tr.rows(x1)
	if len(dst) != n {
		panic(fmt.Sprintf("cnf: LogProb dst of length %d for %d points", len(dst), n))
	}
	tr.drawProbes(n)
	if tr.cfg.Gradient == GradBackprop {
		info := tr.tapeSolve(x1, nil)
		for r, v := range tr.tp.Value(tr.nllRow) {
			dst[r] = -v
		}
		return info.NFEForward, nil
	}
	info, y, err := tr.forward(x1)
	if err != nil {
		return info.NFEForward, err
	}
	d := tr.m.Cfg.Dim
	for r := range dst {
		dst[r] = -nllPoint(y[r*d:(r+1)*d], y[n*d+r])
	}
	return info.NFEForward, nil
}

// nllPoint is −log N(x0; 0, I) + ℓ(0) = −log p_1(x1) with ℓ(0) = ∫_0^1 tr dt.
func nllPoint(x0 []float64, ell float64) float64 {
	s := 0.0
	for _, v := range x0 {
		s += v * v
	}
	return 0.5*s + 0.5*float64(len(x0))*log2Pi + ell
}

// Step takes one training step on the batch x1: LossGrad, then the
// Stepper's update (gradient clipping, a divergence check, the optimiser
// update with the scheduled learning rate, the EMA update). A non-finite
// loss or gradient returns an error wrapping ErrDiverged that names the
// step (1-based, as pkg/train) and leaves the parameters unchanged; so does
// a failed adaptive solve.
// It panics if x1 is empty or not a multiple of the model's dimension.
func (tr *Trainer) Step(x1 []float64) (StepInfo, error) {
	info, err := tr.LossGrad(x1)
	if err != nil {
		return info, fmt.Errorf("cnf: step %d of %d: %w", tr.st.Steps()+1, tr.st.Total(), err)
	}
	p, err := tr.st.Update(info.Loss)
	info.GradNorm, info.LR = p.GradNorm, p.LR
	if err != nil {
		return info, fmt.Errorf("cnf: %w (nll %v)", err, info.NLL)
	}
	return info, nil
}

// tapeSolve records on the tape the fixed-step solve of the augmented state
// [x, ℓ, K, F] from t = 1 to t = 0 (h = −1/steps) with
//
//	dx/dt = v,  dℓ/dt = −tr J,  dK/dt = −|v|²,  dF/dt = −|J|_F²,
//
// so that ℓ(0), K(0), F(0) are the integrals over [0, 1], and the loss
// mean_r[−log N(x_r(0)) + ℓ_r(0)] + λ_K mean K(0) + λ_J mean F(0). grads nil
// records constants (no gradient).
func (tr *Trainer) tapeSolve(x1 []float64, grads []float64) StepInfo {
	tp, nt, tab := &tr.tp, tr.nt, &tr.tab
	d := tr.m.Cfg.Dim
	n := len(x1) / d
	tp.Reset()
	tr.useProbes(n)
	x := tp.Const(x1, n, d)
	ell, kin, jac := ad.None, ad.None, ad.None
	steps, s := tr.cfg.Steps, len(tab.B)
	h := -1 / float64(steps)
	for step := 0; step < steps; step++ {
		t := 1 + float64(step)*h
		for i := 0; i < s; i++ {
			xi := x
			tr.coefs[0], tr.terms[0] = 1, x
			cnt := 1
			for j, a := range tab.A[i] {
				if a != 0 {
					tr.coefs[cnt], tr.terms[cnt] = h*a, tr.stageV[j]
					cnt++
				}
			}
			if cnt > 1 {
				xi = tp.LinComb(tr.coefs[:cnt], tr.terms[:cnt])
			}
			var sq ad.Node
			tr.stageV[i], tr.stageDiv[i], sq = nt.build(tp, grads, xi, t+tab.C[i]*h, tr.wantJ)
			if tr.wantK {
				tr.stageKin[i] = tp.RowSum(tp.Square(tr.stageV[i]))
			}
			tr.stageJac[i] = sq
		}
		x = tr.combine(x, tr.stageV[:s], h)
		ell = tr.combine(ell, tr.stageDiv[:s], -h)
		if tr.wantK {
			kin = tr.combine(kin, tr.stageKin[:s], -h)
		}
		if tr.wantJ {
			jac = tr.combine(jac, tr.stageJac[:s], -h)
		}
	}
	// −log N(x; 0, I) = ½|x|² + (d/2) ln 2π.
	tr.nllRow = tp.Add(tp.AddConst(tp.Scale(tp.RowSum(tp.Square(x)), 0.5), 0.5*float64(d)*log2Pi), ell)
	tr.nllNode = tp.Mean(tr.nllRow)
	tr.lossNode = tr.nllNode
	info := StepInfo{NLL: tp.Scalar(tr.nllNode), NFEForward: steps * s}
	cnt := 1
	tr.coefs[0], tr.terms[0] = 1, tr.nllNode
	if tr.wantK {
		tr.kinNode = tp.Mean(kin)
		info.Kinetic = tp.Scalar(tr.kinNode)
		tr.coefs[cnt], tr.terms[cnt] = tr.cfg.Kinetic, tr.kinNode
		cnt++
	}
	if tr.wantJ {
		tr.jacNode = tp.Mean(jac)
		info.Jacobian = tp.Scalar(tr.jacNode)
		tr.coefs[cnt], tr.terms[cnt] = tr.cfg.Jacobian, tr.jacNode
		cnt++
	}
	if cnt > 1 {
		tr.lossNode = tp.LinComb(tr.coefs[:cnt], tr.terms[:cnt])
	}
	info.Loss = tp.Scalar(tr.lossNode)
	return info
}

// combine records y + c Σ_i b_i k_i (y None means 0).
func (tr *Trainer) combine(y ad.Node, ks []ad.Node, c float64) ad.Node {
	cnt := 0
	if y != ad.None {
		tr.coefs[0], tr.terms[0] = 1, y
		cnt = 1
	}
	for i, b := range tr.tab.B {
		if b != 0 {
			tr.coefs[cnt], tr.terms[cnt] = c*b, ks[i]
			cnt++
		}
	}
	return tr.tp.LinComb(tr.coefs[:cnt], tr.terms[:cnt])
}
