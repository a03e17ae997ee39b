package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowbench/flowbench/internal/linalg"
	ad "github.com/flowbench/flowbench/pkg/autodiff"
)

// The reference paths below are Velocity and FMLossGrad as they were before
// the per-block kernels were tuned (commit e1e4908): one Gemm per layer on
// the whole block, then the bias and σ in a separate pass. The tuned code
// must reproduce them bit for bit.

// refVelocity is the reference Velocity: every layer a Gemm over velRows-row
// blocks, bias and σ applied row by row afterwards.
func refVelocity(m *MLP, dst, x []float64, t float64) {
	d := m.Cfg.Dim
	n := len(x) / d
	l0 := m.layers[0]
	w0, b0 := m.wb(l0)
	bt := append([]float64(nil), b0...)
	fold := func(q int, tau float64) {
		wq := w0[(d+q)*l0.out : (d+q+1)*l0.out]
		for j := range bt {
			bt[j] = math.FMA(tau, wq[j], bt[j])
		}
	}
	fold(0, t)
	for k, w := range m.omega {
		s, c := math.Sincos(w * t)
		fold(1+k, s)
		fold(1+len(m.omega)+k, c)
	}
	for r0 := 0; r0 < n; r0 += velRows {
		nb := min(velRows, n-r0)
		xb, db := x[r0*d:(r0+nb)*d], dst[r0*d:(r0+nb)*d]
		cur := make([]float64, nb*l0.out)
		linalg.Gemm(false, false, nb, l0.out, d, xb, d, w0[:d*l0.out], l0.out, 0, cur, l0.out)
		m.act.ApplyBias(cur, nil, cur, bt)
		for i := 1; i < len(m.layers); i++ {
			l := m.layers[i]
			w, b := m.wb(l)
			out := make([]float64, nb*l.out)
			linalg.Gemm(false, false, nb, l.out, l.in, cur, l.in, w, l.out, 0, out, l.out)
			if i == len(m.layers)-1 {
				copy(db, out)
				addBias(db, b, nb)
				break
			}
			m.act.ApplyBias(out, nil, out, b)
			cur = out
		}
	}
}

// refFMLossGrad is the reference FMLossGrad: per fmRows block, the forward
// Gemms with bias and σ' applied afterwards, the backward Gemms against
// W_lᵀ, and the block sums added into Grad in block order.
func refFMLossGrad(m *MLP, xt, ts, u []float64) float64 {
	d, L := m.Cfg.Dim, len(m.layers)
	n := len(ts)
	np := len(m.Params)
	wT := make([]float64, np)
	for _, l := range m.layers[1:] {
		w, _ := m.wb(l)
		for i := 0; i < l.in; i++ {
			for j := 0; j < l.out; j++ {
				wT[l.w+j*l.in+i] = w[i*l.out+j]
			}
		}
	}
	loss := 0.0
	part := make([]float64, np)
	for r0 := 0; r0 < n; r0 += fmRows {
		nb := min(fmRows, n-r0)
		var buf []float64
		in := m.fillInput(&buf, xt[r0*d:(r0+nb)*d], ts[r0:r0+nb], nb)
		hs, ds := make([][]float64, L-1), make([][]float64, L-1)
		cur := in
		vout := make([]float64, nb*d)
		for i, l := range m.layers {
			w, b := m.wb(l)
			out := vout
			if i < L-1 {
				out = make([]float64, nb*l.out)
			}
			linalg.Gemm(false, false, nb, l.out, l.in, cur, l.in, w, l.out, 0, out, l.out)
			if i < L-1 {
				ds[i] = make([]float64, nb*l.out)
				m.act.ApplyBias(out, ds[i], out, b)
				hs[i] = out
			} else {
				addBias(out, b, nb)
			}
			cur = out
		}
		bl := 0.0
		g := make([]float64, nb*d)
		sc := 2 / float64(n)
		for i, v := range vout {
			r := v - u[r0*d+i]
			bl += r * r
			g[i] = sc * r
		}
		loss += bl
		for i := L - 1; i >= 0; i-- {
			l := m.layers[i]
			hin := in
			if i > 0 {
				hin = hs[i-1]
			}
			linalg.Gemm(true, false, l.in, l.out, nb, hin, l.in, g, l.out, 0, part[l.w:l.b], l.out)
			gb := part[l.b : l.b+l.out]
			copy(gb, g[:l.out])
			for r := 1; r < nb; r++ {
				for j, v := range g[r*l.out : (r+1)*l.out] {
					gb[j] += v
				}
			}
			if i == 0 {
				break
			}
			gn := make([]float64, nb*l.in)
			linalg.Gemm(false, false, nb, l.in, l.out, g, l.out, wT[l.w:l.b], l.in, 0, gn, l.in)
			for j := range gn {
				gn[j] *= ds[i-1][j]
			}
			g = gn
		}
		for i, v := range part {
			m.Grad[i] += v
		}
	}
	return loss / float64(n)
}

// refCfgs covers every activation, both time encodings, widths that are not
// multiples of the 8- and 16-wide kernels, one and several hidden layers, and
// d from 1 to 5.
var refCfgs = []Config{
	DefaultConfig(2),
	{Dim: 1, Hidden: []int{64, 64, 64}, Act: "selu", Time: "concat"},
	{Dim: 3, Hidden: []int{13, 70, 5}, Act: "selu", Time: "fourier", Fourier: 2},
	{Dim: 5, Hidden: []int{17}, Act: "selu", Time: "concat"},
	{Dim: 2, Hidden: []int{32, 31}, Act: "silu", Time: "fourier", Fourier: 1},
	{Dim: 4, Hidden: []int{9, 24, 7}, Act: "tanh", Time: "concat"},
	{Dim: 2, Hidden: []int{64, 64, 64}, Act: "relu", Time: "concat"},
	{Dim: 2, Hidden: []int{40, 3}, Act: "softplus", Time: "fourier", Fourier: 3},
	{Dim: 6, Hidden: []int{33, 20}, Act: "silu", Time: "sinusoidal", Fourier: 5},
}

func sameBits(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestMatchesReference: Velocity and FMLossGrad equal the reference paths
// bit for bit, for every configuration, batch sizes that end in partial
// blocks (and batches smaller than a block), and 1–3 workers. The weights
// are scaled so that some pre-activations are large (SELU's exponential
// clamp, saturated tanh) and some exactly zero.
func TestMatchesReference(t *testing.T) {
	for ci, cfg := range refCfgs {
		base := newTest(t, cfg, uint64(50+ci))
		prng := rand.New(rand.NewPCG(51, uint64(ci)))
		for i := range base.Params {
			switch prng.IntN(20) {
			case 0:
				base.Params[i] = 0
			case 1:
				base.Params[i] *= 300
			}
		}
		d := cfg.Dim
		for _, n := range []int{1, 5, velRows - 1, velRows + 1, 3*velRows + 37, fmRows*4 + 3} {
			rng := rand.New(rand.NewPCG(52, uint64(n)))
			x, u := normals(rng, n*d), normals(rng, n*d)
			x[0] = 0
			ts := make([]float64, n)
			for i := range ts {
				ts[i] = rng.Float64()
			}
			want := make([]float64, n*d)
			for _, tt := range []float64{0, 0.37, 1} {
				refVelocity(base, want, x, tt)
				for _, w := range []int{1, 2, 3} {
					m := base.Clone()
					m.SetWorkers(w)
					got := make([]float64, n*d)
					m.Velocity(got, x, tt)
					if i := sameBits(got, want); i >= 0 {
						t.Fatalf("cfg %d n=%d t=%g workers=%d: Velocity[%d] = %v, reference %v", ci, n, tt, w, i, got[i], want[i])
					}
					m.SetWorkers(1)
				}
			}
			ref := base.Clone()
			ref.ZeroGrad()
			wantL := refFMLossGrad(ref, x, ts, u)
			for _, w := range []int{1, 2, 3} {
				m := base.Clone()
				m.SetWorkers(w)
				m.ZeroGrad()
				l := m.FMLossGrad(x, ts, u)
				if math.Float64bits(l) != math.Float64bits(wantL) {
					t.Fatalf("cfg %d n=%d workers=%d: loss %v, reference %v", ci, n, w, l, wantL)
				}
				if i := sameBits(m.Grad, ref.Grad); i >= 0 {
					t.Fatalf("cfg %d n=%d workers=%d: Grad[%d] = %v, reference %v", ci, n, w, i, m.Grad[i], ref.Grad[i])
				}
				m.SetWorkers(1)
			}
		}
	}
}

// TestReferenceAgreesWithTape: the reference paths themselves compute the
// network (against the tape, whose ops are finite-difference checked), so
// the bit-identity test above compares against a correct value.
func TestReferenceAgreesWithTape(t *testing.T) {
	for ci, cfg := range refCfgs {
		m := newTest(t, cfg, uint64(60+ci))
		rng := rand.New(rand.NewPCG(61, uint64(ci)))
		n, d := 7, cfg.Dim
		x, u := normals(rng, n*d), normals(rng, n*d)
		ts := make([]float64, n)
		for i := range ts {
			ts[i] = rng.Float64()
		}
		v := make([]float64, n*d)
		refVelocity(m, v, x, 0.6)
		tp := &ad.Tape{}
		vt := tp.Value(m.Build(tp, tp.Const(x, n, d), tp.Full(n, 1, 0.6)))
		for i := range v {
			if !near(v[i], vt[i], 1e-12) {
				t.Errorf("cfg %d: reference v[%d] = %g, tape %g", ci, i, v[i], vt[i])
			}
		}
		m.ZeroGrad()
		l := refFMLossGrad(m, x, ts, u)
		g := append([]float64(nil), m.Grad...)
		m.ZeroGrad()
		tp.Reset()
		ln := fmLossTape(m, tp, x, ts, u)
		tp.Backward(ln)
		if !near(l, tp.Scalar(ln), 1e-12) {
			t.Errorf("cfg %d: reference loss %g, tape %g", ci, l, tp.Scalar(ln))
		}
		for i := range g {
			if !near(g[i], m.Grad[i], 1e-10) {
				t.Errorf("cfg %d: reference dL/dθ[%d] = %g, tape %g", ci, i, g[i], m.Grad[i])
			}
		}
	}
}
