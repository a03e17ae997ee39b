package runner

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/models"
	"github.com/flowbench/flowbench/pkg/solvers"
	"github.com/flowbench/flowbench/pkg/store"
)

// drawSamples draws n source points from rng and integrates them from t = 0
// to 1 with s: the sampling of every evaluation, and of SampleModel.
func drawSamples(m *models.MLP, src datasets.Dataset, s solvers.Solver, rng *rand.Rand, n int) (x0, x []float64, res solvers.Result, err error) {
	x0 = src.Sample(rng, n)
	x = slices.Clone(x0)
	res, err = flow.Sample(s, m, x, 0, 1, nil)
	return x0, x, res, err
}

// SampleRequest says which stored model to sample and how.
type SampleRequest struct {
	Model  *Artifact // a KindTrain artifact of the plan, present in the store
	Solver string    // an ODE solver of pkg/solvers, or euler-maruyama
	Steps  int       // fixed-step solvers and euler-maruyama
	RTol   float64   // adaptive solvers
	ATol   float64
	N      int
}

// SampleResult is the output of SampleModel.
type SampleResult struct {
	X    []float64 // N×D row-major
	D    int
	NFE  int
	Eval *Artifact // the stored evaluation whose stream was used, or nil
	// Stream names the random stream of the source draws.
	Stream string
	// NoiseStream names the stream of the Brownian increments of an SDE
	// (euler-maruyama on a model with a score); "" when none was drawn.
	NoiseStream string
	// Warnings are the evaluation's warnings for these settings (e.g.
	// euler-maruyama on a model without a score is Euler's method).
	Warnings []string
}

// SampleModel draws N samples from a stored trained model as an evaluation
// does: an ODE solver integrates the flow; euler-maruyama samples the
// learned SDE of an sf2m model (its record's score checkpoint and
// sde_sigma, see sampleSDE) and is Euler's method for any other model.
// When the plan holds an evaluation of this model with the same solver,
// steps (or tolerances) and sample count, the source points come from that
// evaluation's "x0" stream and the SDE's noise from its "sde" stream, so
// the output equals its stored samples bit for bit; otherwise from
// Stream(model key, "sample/<solver>/<steps|rtol,atol>/<N>") and, for the
// noise, the same purpose plus "/sde".
func SampleModel(p *Plan, st *store.Store, req SampleRequest) (SampleResult, error) {
	if req.Model == nil || req.Model.Kind != KindTrain {
		return SampleResult{}, fmt.Errorf("runner: SampleModel needs a train artifact")
	}
	rec, ok, err := st.GetVerified(req.Model.Key)
	if err != nil {
		return SampleResult{}, err
	}
	if !ok {
		return SampleResult{}, fmt.Errorf("runner: the model %s (%s) is not in the store; run the spec first", req.Model.Key[:12], req.Model.Label)
	}
	if rec.Status != StatusOK {
		return SampleResult{}, fmt.Errorf("runner: the model %s did not train: %s", req.Model.Key[:12], rec.Error)
	}
	m, err := loadModel(st, rec)
	if err != nil {
		return SampleResult{}, err
	}
	tc := req.Model.Config.(TrainConfig)
	d := m.Dim()
	src, err := source(tc.Data.Source, d)
	if err != nil {
		return SampleResult{}, err
	}
	sde := req.Solver == solvers.NameEulerMaruyama
	var s solvers.Solver
	if sde {
		if req.Steps < 1 {
			return SampleResult{}, fmt.Errorf("runner: euler-maruyama needs steps ≥ 1, got %d", req.Steps)
		}
	} else if _, ok := solvers.Lookup(req.Solver); !ok {
		valid := slices.Sorted(slices.Values(append(solvers.Names(), solvers.NameEulerMaruyama)))
		return SampleResult{}, fmt.Errorf("runner: unknown sampling solver %q (valid: %s)", req.Solver, strings.Join(valid, ", "))
	} else if s, err = solvers.ByName(req.Solver, req.Steps, req.RTol, req.ATol); err != nil {
		return SampleResult{}, err
	}
	adaptive := req.Steps == 0
	out := SampleResult{D: d}
	for _, a := range p.Artifacts {
		if a.Kind != KindEval || len(a.Inputs) == 0 || a.Inputs[0] != req.Model {
			continue
		}
		ec := a.Config.(EvalConfig)
		if ec.Solver == req.Solver && ec.Samples == req.N && ec.Source == tc.Data.Source &&
			((!adaptive && ec.Steps == req.Steps) || (adaptive && ec.Steps == 0 && ec.RTol == req.RTol && ec.ATol == req.ATol)) {
			out.Eval = a
			break
		}
	}
	var rng, noise *rand.Rand
	var noiseName string
	if out.Eval != nil {
		rng, out.Stream = out.Eval.RNG("x0"), out.Eval.Key+"/x0"
		noise, noiseName = out.Eval.RNG("sde"), out.Eval.Key+"/sde"
	} else {
		setting := strconv.Itoa(req.Steps)
		if adaptive {
			setting = strconv.FormatFloat(req.RTol, 'g', -1, 64) + "," + strconv.FormatFloat(req.ATol, 'g', -1, 64)
		}
		purpose := fmt.Sprintf("sample/%s/%s/%d", req.Solver, setting, req.N)
		rng, out.Stream = Stream(req.Model.Key, purpose), req.Model.Key+"/"+purpose
		noise, noiseName = Stream(req.Model.Key, purpose+"/sde"), out.Stream+"/sde"
	}
	if sde {
		score, sigma, err := loadSDE(st, rec)
		if err != nil {
			return SampleResult{}, err
		}
		x := src.Sample(rng, req.N)
		stats, warn, err := sampleSDE(m, score, sigma, x, req.Steps, noise)
		if err != nil {
			return SampleResult{}, err
		}
		if score != nil {
			out.NoiseStream = noiseName
		}
		out.X, out.NFE, out.Warnings = x, stats.NFE, warn
		return out, nil
	}
	_, x, res, err := drawSamples(m, src, s, rng, req.N)
	if err != nil {
		return SampleResult{}, err
	}
	out.X, out.NFE = x, res.Stats.NFE
	return out, nil
}

// StoredSamples returns the samples file of an evaluation record.
func StoredSamples(st *store.Store, eval *Artifact) ([]float64, int, int, error) {
	rec, ok, err := st.GetVerified(eval.Key)
	if err != nil || !ok {
		return nil, 0, 0, fmt.Errorf("runner: evaluation %s not in the store (%v)", eval.Key[:12], err)
	}
	return readNPY(st, rec, "samples")
}
