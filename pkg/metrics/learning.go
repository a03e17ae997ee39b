package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/flow"
	"github.com/flowbench/flowbench/pkg/paths"
)

// LearningErrorConfig fixes what LearningError averages over.
type LearningErrorConfig struct {
	Schedule   paths.Schedule   // the path (a_t, s_t); t is drawn on [0, TMax]
	Source     datasets.Dataset // x0 (datasets.Normal{D: d} for the usual N(0, I))
	Target     datasets.Dataset // x1, the data distribution
	Strata     int              // number of time strata (≥ 1)
	PerStratum int              // points drawn per stratum (≥ 2)
}

// Validate names the first invalid field.
func (c LearningErrorConfig) Validate() error {
	switch {
	case c.Schedule == nil:
		return fmt.Errorf("metrics: learning error: Schedule is nil")
	case c.Source == nil:
		return fmt.Errorf("metrics: learning error: Source is nil")
	case c.Target == nil:
		return fmt.Errorf("metrics: learning error: Target is nil")
	case c.Source.Dim() != c.Target.Dim():
		return fmt.Errorf("metrics: learning error: Source dimension %d differs from Target dimension %d", c.Source.Dim(), c.Target.Dim())
	case c.Strata < 1:
		return fmt.Errorf("metrics: learning error: Strata = %d, want ≥ 1", c.Strata)
	case c.PerStratum < 2:
		return fmt.Errorf("metrics: learning error: PerStratum = %d, want ≥ 2", c.PerStratum)
	}
	return c.Schedule.Validate()
}

// LearningErrorResult is the estimate with its standard error and design.
type LearningErrorResult struct {
	Mean       float64   // estimate of E_{t, x∼p_t} |v_t(x) − u_t(x)|²
	StdErr     float64   // standard error of Mean (stratified)
	Times      []float64 // the drawn t of each stratum
	PerTime    []float64 // mean squared error in each stratum
	PerStratum int       // points per stratum
	TMax       float64   // t was drawn on [0, TMax]
	NFE        int       // batch evaluations: 2 per stratum (model and oracle)
}

// LearningError estimates the mean squared distance between a field and the
// exact marginal field (the "oracle", MATH.md §3),
//
//	E_{t ∼ U[0, TMax]} E_{x ∼ p_t} |v_t(x) − u_t(x)|²,
//
// with x_t = s_t·x0 + a_t·x1, x0 ∼ Source, x1 ∼ Target independent (the
// marginal path of MATH.md §2 under the independent coupling). Time is
// stratified: stratum k draws one t_k uniform on [k, k+1)·TMax/Strata and
// PerStratum points at that t (both fields take one t per batch). The
// standard error is sqrt(Σ_k s_k²/PerStratum)/Strata from the within-stratum
// sample variances s_k². Draw order from rng, per stratum: t, then the source
// batch, then the target batch. Cost: 2·Strata batch evaluations of
// PerStratum points.
// It panics if rng is nil.
func LearningError(model, oracle flow.Field, cfg LearningErrorConfig, rng *rand.Rand) (LearningErrorResult, error) {
	if err := cfg.Validate(); err != nil {
		return LearningErrorResult{}, err
	}
	if rng == nil {
		panic("metrics: LearningError needs an rng")
	}
	d := cfg.Target.Dim()
	if model.Dim() != d || oracle.Dim() != d {
		return LearningErrorResult{}, fmt.Errorf("metrics: learning error: model dimension %d and oracle dimension %d, want the Target's %d", model.Dim(), oracle.Dim(), d)
	}
	m := cfg.PerStratum
	tmax := cfg.Schedule.TMax()
	res := LearningErrorResult{
		Times:      make([]float64, cfg.Strata),
		PerTime:    make([]float64, cfg.Strata),
		PerStratum: m,
		TMax:       tmax,
		NFE:        2 * cfg.Strata,
	}
	xt := make([]float64, m*d)
	vm := make([]float64, m*d)
	vo := make([]float64, m*d)
	errs := make([]float64, m)
	var varSum float64
	for k := 0; k < cfg.Strata; k++ {
		t := tmax * (float64(k) + rng.Float64()) / float64(cfg.Strata)
		x0 := cfg.Source.Sample(rng, m)
		x1 := cfg.Target.Sample(rng, m)
		c := cfg.Schedule.At(t)
		for i := range xt {
			xt[i] = c.S*x0[i] + c.A*x1[i]
		}
		model.Velocity(vm, xt, t)
		oracle.Velocity(vo, xt, t)
		var mean float64
		for i := 0; i < m; i++ {
			e := sqDist(vm[i*d:(i+1)*d], vo[i*d:(i+1)*d])
			errs[i] = e
			mean += e
		}
		mean /= float64(m)
		var ss float64
		for _, e := range errs {
			ss += (e - mean) * (e - mean)
		}
		varSum += ss / float64(m-1)
		res.Times[k] = t
		res.PerTime[k] = mean
		res.Mean += mean
	}
	res.Mean /= float64(cfg.Strata)
	res.StdErr = math.Sqrt(varSum/float64(m)) / float64(cfg.Strata)
	return res, nil
}
