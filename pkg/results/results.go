// Package results defines the records the runner writes into the results
// store and the report reads back. One Run per artifact, of one of the six
// Kinds (test set, training, reflow pairs, evaluation, model evaluation,
// transport cost), serialised as JSON, one file per artifact.
package results

// Param is one identifying field of a run: a swept or fixed spec value, e.g.
// {"method","ot"}, {"dataset","moons"}, {"seed","1"}, {"solver","rk4"},
// {"steps","8"}. Params are kept in a fixed, documented order (spec order),
// never in map order.
type Param struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Metric is one measured number. Names ending in "_seconds" are wall-clock
// times and are the only values allowed to differ between reruns.
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// File is a file written beside the record, path relative to the results
// directory, with its role: "testset" (.npy n×d), "samples" (.npy n×d),
// "trajectories" (.npy K×n×d), "density" (.npy grid of log-densities),
// "checkpoint", "pairs".
//
// SHA256 is the hex sha256 of the file's bytes, filled by the store when
// the record is written and checked before the file is used (empty in
// records written before the store carried checksums).
type File struct {
	Role   string `json:"role"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
}

// Kind is the kind of artifact a Run records.
type Kind string

// The artifact kinds.
const (
	KindTestSet   Kind = "testset"   // held-out points of a (data set, seed)
	KindTrain     Kind = "train"     // a trained vector field (checkpoint)
	KindPairs     Kind = "pairs"     // reflow pairs (x0, φ_1(x0)) of a trained model
	KindEval      Kind = "eval"      // samples of one (model, solver, steps) and their metrics
	KindModelEval Kind = "modeleval" // solver-independent metrics of a model (nll, learning_error)
	KindTransport Kind = "transport" // W2² between source draws and a test set (NPE's denominator)
)

// Status says whether a Run's computation succeeded.
type Status string

// The statuses of a Run.
const (
	StatusOK     Status = "ok"
	StatusFailed Status = "failed"
)

// Run is the record of one artifact.
type Run struct {
	Kind    Kind     `json:"kind"`
	Key     string   `json:"key"` // content hash of everything that determines it
	Parent  string   `json:"parent,omitempty"`
	Params  []Param  `json:"params"`
	Metrics []Metric `json:"metrics"`
	// Curve is the training loss recorded every CurveEvery steps (train only).
	Curve      Floats   `json:"curve,omitempty"`
	CurveEvery int      `json:"curve_every,omitempty"`
	Files      []File   `json:"files,omitempty"`
	Status     Status   `json:"status"`
	Error      string   `json:"error,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
	// RecordSHA256 is the hex sha256 of the record's own JSON written with
	// this field empty: the store fills it and checks it on every read, so
	// a flipped digit in a stored metric is detected (empty in records
	// written before the store carried checksums).
	RecordSHA256 string `json:"record_sha256,omitempty"`
}

// Get returns the value of the named param and whether it is present.
func (r *Run) Get(key string) (string, bool) {
	for _, p := range r.Params {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// Metric returns the value of the named metric and whether it is present.
func (r *Run) Metric(name string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}
