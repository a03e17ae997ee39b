package report

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flowbench/flowbench/pkg/results"
)

// Axis names with a fixed meaning in the report. Any other axis is treated
// as one more row axis.
const (
	// SeedAxis is the replicate axis: statistics aggregate over it.
	SeedAxis = "seed"
	// DatasetAxis values become the columns of the metric tables and name
	// one figure each.
	DatasetAxis = "dataset"
	// MethodAxis values colour the lines of the curve figures.
	MethodAxis = "method"
	// SolverAxis, StepsAxis, RTolAxis and ATolAxis form the evaluation
	// setting (EvalAxes): the columns of the summary, of the tables of
	// evaluation metrics and of the sample grids. A fixed-step solver has
	// a step count, an adaptive one tolerances.
	SolverAxis = "solver"
	StepsAxis  = "steps"
	RTolAxis   = "rtol"
	ATolAxis   = "atol"
)

// EvalAxes are the axes of the evaluation setting, in column order.
var EvalAxes = []string{SolverAxis, StepsAxis, RTolAxis, ATolAxis}

// Names of the files and the folder Write creates inside its directory.
const (
	ReportFile = "report.md"
	CSVFile    = "runs.csv"
	FigureDir  = "figures"
)

// File roles read from results.Run.Files (see results.File).
const (
	RoleSamples      = "samples"
	RoleTestset      = "testset"
	RoleTrajectories = "trajectories"
	RoleDensity      = "density"
)

// Params entries that describe a run's files rather than identify it.
const (
	// ParamDensityExtent is "xmin,xmax,ymin,ymax", the square the
	// density grid covers.
	ParamDensityExtent = "density_extent"
	// ParamTrajectoryTimes is K, the number of time points stored in a
	// trajectories file of K·n rows.
	ParamTrajectoryTimes = "trajectory_times"
)

// NFEMetric is the metric holding the number of function evaluations of
// an evaluation run; it is the x axis of the NFE figures and tables.
const NFEMetric = "nfe"

// KV is one provenance entry, printed in the given order.
type KV struct {
	Key, Value string
}

// Input is everything a report is made from. It carries no reference to
// the experiment package: the runner converts its spec into this.
type Input struct {
	// Title heads report.md; Description follows it verbatim (Markdown).
	Title       string
	Description string
	// SpecYAML is the effective spec, printed in a collapsible block.
	SpecYAML string
	// Provenance is printed as a two-column table, in order.
	Provenance []KV
	// Dependencies (module path, version) are printed in a collapsible
	// block under the provenance table.
	Dependencies []KV
	// Axes are the swept parameter keys in spec order. SeedAxis, when
	// present, is the replicate axis; the others identify a table row,
	// column or figure panel.
	Axes []string
	// Order lists, per axis, its values in the order rows, columns,
	// panels and legend entries follow (the spec's order of methods,
	// solvers, stages). Values not listed follow the listed ones, sorted
	// numerically when both are numbers, else as strings; an axis without
	// a list sorts that way throughout. runs.csv keeps the sorted order.
	Order map[string][]string
	// Metrics are the metrics given a table, in order. Nil means every
	// metric found in the runs, in order of first appearance.
	Metrics []string
	// Runs are the records; their order does not matter.
	Runs []results.Run
	// StoreDir is the directory the paths in Runs[i].Files are relative
	// to. Empty means the directory passed to Write.
	StoreDir string
	// Options selects figures and statistics.
	Options Options
	// Published holds published numbers to set beside ours; nil for none.
	Published *Published
}

// Options tunes what Write produces. The zero value draws the default figures as
// PNG, without SVG copies or Welch tests.
type Options struct {
	// Figures to draw. Nil means DefaultFigures() (all but FigureCost);
	// a non-nil empty slice draws none.
	Figures []Figure
	// SVG also writes an .svg beside each line figure (NFE and loss
	// curves). Scatter and heat-map figures stay PNG only: as vector
	// graphics they would be megabytes.
	SVG bool
	// Welch adds, under each metric table, Welch's t test between the
	// best and the second-best row of every column.
	Welch bool
	// MaxScatterPoints caps the points drawn per scatter panel (and per
	// test-set backdrop); 0 means 2000.
	MaxScatterPoints int
	// TrajectoryLines is how many trajectories a trajectory panel draws;
	// 0 means 50.
	TrajectoryLines int
	// DPI of the PNG figures; 0 means 96.
	DPI int
	// Columns are the axes whose values form the columns of the summary
	// and of the detailed metric tables. Nil means the evaluation setting
	// (EvalAxes, those the runs have), one table per dataset, for runs
	// that have one, and DatasetAxis for the others (training).
	Columns []string
	// QualityMetric is the metric of the summary tables; empty means the
	// first of sw2, w2, mmd that an evaluation run has. Summary, when set,
	// takes its place.
	QualityMetric string
	// Summary lists the metrics of the summary tables, each in its own
	// tables; NFEMetric among them adds the mean NFE of each evaluation
	// setting to the column headers. Empty means QualityMetric.
	Summary []string
	// Directions overrides MetricDirection for the named metrics.
	Directions map[string]Direction
}

func (o Options) maxScatter() int {
	if o.MaxScatterPoints > 0 {
		return o.MaxScatterPoints
	}
	return 2000
}

func (o Options) trajLines() int {
	if o.TrajectoryLines > 0 {
		return o.TrajectoryLines
	}
	return 50
}

func (o Options) dpi() int {
	if o.DPI > 0 {
		return o.DPI
	}
	return 96
}

func (o Options) direction(metric string) Direction {
	if d, ok := o.Directions[metric]; ok {
		return d
	}
	return MetricDirection(metric)
}

// Write renders the report of in into dir: runs.csv, report.md and the
// figures under figures/. It reads nothing but in and the files the runs
// reference, so a results store can always be re-reported. Problems with
// referenced files (missing, unreadable, wrong shape) do not stop it: they
// become warnings in the report. The error is for an invalid Input or a
// file that could not be written.
func Write(dir string, in Input) error {
	if dir == "" {
		return errors.New("report: empty output directory")
	}
	if err := in.validate(); err != nil {
		return err
	}
	figs, err := in.figureSet()
	if err != nil {
		return err
	}
	store := in.StoreDir
	if store == "" {
		store = dir
	}
	runs := valueOrder(in.Order).sortRuns(in.Runs, in.Axes)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}

	var csvBuf bytes.Buffer
	if err := WriteCSV(&csvBuf, in.Runs, in.Axes); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, CSVFile), csvBuf.Bytes()); err != nil {
		return err
	}

	b := newBuilder(&in, runs)
	b.tables()
	if len(figs) > 0 {
		if err := os.MkdirAll(filepath.Join(dir, FigureDir), 0o755); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		fw := &figureWriter{b: b, dir: dir, store: store, npy: map[string]npyData{}}
		if err := fw.draw(figs); err != nil {
			return err
		}
	}
	return writeFileAtomic(filepath.Join(dir, ReportFile), b.markdown())
}

func (in *Input) validate() error {
	if len(in.Axes) == 0 {
		return errors.New("report: Input.Axes is empty: list the swept parameter keys in spec order")
	}
	seen := map[string]bool{}
	for _, a := range in.Axes {
		if a == "" {
			return errors.New("report: Input.Axes holds an empty axis name")
		}
		if seen[a] {
			return fmt.Errorf("report: axis %q listed twice in Input.Axes", a)
		}
		seen[a] = true
	}
	for _, a := range slices.Sorted(maps.Keys(in.Order)) {
		if !seen[a] {
			return fmt.Errorf("report: Input.Order names %q, which is not an axis (axes: %s)", a, strings.Join(in.Axes, ", "))
		}
		for i, v := range in.Order[a] {
			if slices.Contains(in.Order[a][:i], v) {
				return fmt.Errorf("report: Input.Order[%q] lists %q twice", a, v)
			}
		}
	}
	for _, c := range in.Options.Columns {
		if !seen[c] || c == SeedAxis {
			return fmt.Errorf("report: Options.Columns names %q, which is not a non-seed axis (axes: %s)", c, strings.Join(in.Axes, ", "))
		}
	}
	for i, r := range in.Runs {
		if r.Kind == "" {
			return fmt.Errorf("report: run %d (key %q) has no kind (want train, pairs or eval)", i, r.Key)
		}
		if r.Status != results.StatusOK && r.Status != results.StatusFailed {
			return fmt.Errorf("report: run %d (key %q) has status %q (want ok or failed)", i, r.Key, r.Status)
		}
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// nonSeedAxes returns the axes without SeedAxis, in order.
func nonSeedAxes(axes []string) []string {
	out := make([]string, 0, len(axes))
	for _, a := range axes {
		if a != SeedAxis {
			out = append(out, a)
		}
	}
	return out
}

// without returns axes minus the named ones, order kept.
func without(axes []string, drop ...string) []string {
	out := make([]string, 0, len(axes))
	for _, a := range axes {
		if !slices.Contains(drop, a) {
			out = append(out, a)
		}
	}
	return out
}
