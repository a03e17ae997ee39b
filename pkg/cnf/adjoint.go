package cnf

import "github.com/flowbench/flowbench/internal/scratch"

// The adjoint method (Chen et al. 2018, §2 and Appendix B). The augmented
// state z = [x, ℓ, K, F] follows f(z, t; θ) = [v, −tr J, −|v|², −|J|_F²]
// from t = 1 to t = 0, and the loss is
//
//	L = (1/n) Σ_r [½|x_r(0)|² + (d/2) ln 2π + ℓ_r(0) + λ_K K_r(0) + λ_J F_r(0)].
//
// The adjoint a(t) = ∂L/∂z(t) obeys da/dt = −aᵀ ∂f/∂z whatever the direction
// of integration, and a perturbation of θ on the path from t = 1 to t = 0
// changes L by dL/dθ = ∫_1^0 aᵀ ∂f/∂θ dt. Since f does not depend on ℓ, K,
// F, their adjoints are the constants 1/n, λ_K/n, λ_J/n, and only
//
//	x:   dx/dt   = v_t(x)                     (re-integrated, x(0) from the forward solve)
//	a_x: da_x/dt = −(a_xᵀ ∂v/∂x − (1/n) ∂tr J/∂x − (λ_K/n) ∂|v|²/∂x − (λ_J/n) ∂|J|_F²/∂x)
//	g:   dg/dt   = −(a_xᵀ ∂v/∂θ − (1/n) ∂tr J/∂θ − …),   g(0) = 0
//
// are integrated, forward in time from t = 0 (a_x(0) = x(0)/n) to t = 1,
// where g(1) = −∫_0^1 aᵀ ∂f/∂θ dt = dL/dθ. Every evaluation records the
// field once on a fresh tape (Var x, Param θ with its gradient written into
// the g part of the derivative) and runs one tape.VJP with the cotangents
// (a_x, −1/n, −λ_K/n, −λ_J/n); the tape is Reset at the next evaluation, so
// memory does not grow with the number of steps.

// fwdSystem is f on y = [x (n·d), ℓ (n), K (n, if λ_K > 0), F (n, if λ_J > 0)].
type fwdSystem struct{ tr *Trainer }

func (s *fwdSystem) Eval(t float64, y, dydt []float64) {
	tr := s.tr
	tp, n, d := &tr.tp, tr.n, tr.m.Cfg.Dim
	nd := n * d
	tp.Reset()
	tr.useProbes(n)
	v, div, sq := tr.nt.build(tp, nil, tp.Const(y[:nd], n, d), t, tr.wantJ)
	vv := tp.Value(v)
	copy(dydt[:nd], vv)
	off := nd
	for r, dv := range tp.Value(div) {
		dydt[off+r] = -dv
	}
	off += n
	if tr.wantK {
		for r := 0; r < n; r++ {
			s := 0.0
			for _, x := range vv[r*d : (r+1)*d] {
				s += x * x
			}
			dydt[off+r] = -s
		}
		off += n
	}
	if tr.wantJ {
		for r, q := range tp.Value(sq) {
			dydt[off+r] = -q
		}
	}
}

// adjSystem is the adjoint ODE on Y = [x (n·d), a_x (n·d), g (len θ)].
type adjSystem struct{ tr *Trainer }

func (s *adjSystem) Eval(t float64, y, dydt []float64) {
	tr := s.tr
	tp, n, d := &tr.tp, tr.n, tr.m.Cfg.Dim
	nd := n * d
	tp.Reset()
	tr.useProbes(n)
	g := dydt[2*nd:]
	clear(g)
	x := tp.Var(y[:nd], n, d)
	v, div, sq := tr.nt.build(tp, g, x, t, tr.wantJ)
	outs, cots := tr.outs[:0], tr.cots[:0]
	outs = append(outs, v, div)
	cots = append(cots, y[nd:2*nd], tr.cotDiv)
	if tr.wantK {
		outs = append(outs, tp.RowSum(tp.Square(v)))
		cots = append(cots, tr.cotKin)
	}
	if tr.wantJ {
		outs = append(outs, sq)
		cots = append(cots, tr.cotJac)
	}
	tp.VJP(outs, cots)
	copy(dydt[:nd], tp.Value(v))
	for i, a := range tp.Grad(x) {
		dydt[nd+i] = -a
	}
	for i := range g {
		g[i] = -g[i]
	}
}

// prepare sizes the adjoint buffers for n points.
func (tr *Trainer) prepare(n int) {
	d := tr.m.Cfg.Dim
	tr.n = n
	m := n * d
	m += n
	if tr.wantK {
		m += n
	}
	if tr.wantJ {
		m += n
	}
	tr.y = scratch.Grow(tr.y, m)
	tr.ya = scratch.Grow(tr.ya, 2*n*d+len(tr.m.Params))
	tr.cotDiv = fill(scratch.Grow(tr.cotDiv, n), -1/float64(n))
	tr.cotKin = fill(scratch.Grow(tr.cotKin, n), -tr.cfg.Kinetic/float64(n))
	tr.cotJac = fill(scratch.Grow(tr.cotJac, n), -tr.cfg.Jacobian/float64(n))
}

func fill(s []float64, v float64) []float64 {
	for i := range s {
		s[i] = v
	}
	return s
}

// forward solves the augmented state from t = 1 to t = 0 with the
// configured solver and returns the loss terms and the final state
// (tr.y: x(0), ℓ(0), K(0), F(0)).
func (tr *Trainer) forward(x1 []float64) (StepInfo, []float64, error) {
	d := tr.m.Cfg.Dim
	n := len(x1) / d
	tr.prepare(n)
	y := tr.y
	copy(y, x1)
	clear(y[n*d:])
	res, err := tr.fwdS.Solve(&tr.fwd, y, 1, 0, nil)
	info := StepInfo{NFEForward: res.Stats.NFE}
	if err != nil {
		return info, y, err
	}
	nd := n * d
	for r := 0; r < n; r++ {
		info.NLL += nllPoint(y[r*d:(r+1)*d], y[nd+r])
	}
	info.NLL /= float64(n)
	info.Loss = info.NLL
	off := nd + n
	if tr.wantK {
		info.Kinetic = mean(y[off : off+n])
		info.Loss += tr.cfg.Kinetic * info.Kinetic
		off += n
	}
	if tr.wantJ {
		info.Jacobian = mean(y[off : off+n])
		info.Loss += tr.cfg.Jacobian * info.Jacobian
	}
	return info, y, nil
}

func mean(s []float64) float64 {
	t := 0.0
	for _, v := range s {
		t += v
	}
	return t / float64(len(s))
}

// adjointGrad runs the forward solve, then the adjoint solve from t = 0 to
// t = 1, and writes dL/dθ = g(1) into the MLP's Grad.
func (tr *Trainer) adjointGrad(x1 []float64) (StepInfo, error) {
	info, y, err := tr.forward(x1)
	if err != nil {
		return info, err
	}
	n, d := tr.n, tr.m.Cfg.Dim
	nd := n * d
	ya := tr.ya
	copy(ya[:nd], y[:nd])
	inv := 1 / float64(n)
	for i, x := range y[:nd] {
		ya[nd+i] = inv * x // ∂L/∂x(0) = x(0)/n
	}
	clear(ya[2*nd:])
	res, err := tr.adjS.Solve(&tr.adj, ya, 0, 1, nil)
	info.NFEBackward = res.Stats.NFE
	if err != nil {
		return info, err
	}
	copy(tr.m.Grad, ya[2*nd:])
	return info, nil
}
