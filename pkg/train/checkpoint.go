package train

import (
	"encoding/json"
	"fmt"

	"github.com/flowbench/flowbench/pkg/checkpoint"
)

// Checkpoint packs the run's final state for checkpoint.Save: config is the
// model configuration (anything encoding/json marshals, e.g. models.Config),
// with the step count, parameters, EMA and optimiser state of r.
func (r *Result) Checkpoint(config any) (*checkpoint.Checkpoint, error) {
	cfg, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("train: model configuration: %w", err)
	}
	opt := r.Opt
	return &checkpoint.Checkpoint{Config: cfg, Step: r.Steps, Params: r.Params,
		EMA: r.EMA, EMAUpdates: r.EMAUpdates, Opt: &opt}, nil
}
