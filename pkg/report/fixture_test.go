package report

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/datasets"
	"github.com/flowbench/flowbench/pkg/results"
)

// The synthetic store: 2 methods × 2 datasets × 3 seeds of training, each
// evaluated with 2 solvers × 2 step counts. Metric values follow a known
// formula so the tests can recompute every statistic on their own.
var (
	fxMethods  = []string{"ot", "cfm"}
	fxDatasets = []string{"moons", "8gaussians"}
	fxSeeds    = []string{"1", "2", "3"}
	fxSolvers  = []string{"euler", "rk4"}
	fxSteps    = []int{2, 8}
	fxAxes     = []string{"method", "dataset", "seed", "solver", "steps"}
	// fxBase is the sw2 floor of each method on each dataset.
	fxBase = map[string]float64{"ot/moons": 0.10, "ot/8gaussians": 0.20, "cfm/moons": 0.15, "cfm/8gaussians": 0.25}
	// fxSolverErr / steps is the discretisation part of sw2.
	fxSolverErr = map[string]float64{"euler": 0.8, "rk4": 0.1}
	// fxStages is the NFE per step: Euler 1, RK4 4 (its Butcher tableau).
	fxStages = map[string]int{"euler": 1, "rk4": 4}
	// fxJitter is the seed-to-seed variation of sw2.
	fxJitter = map[string]float64{"1": 0, "2": 0.012, "3": -0.005}
)

// fxFailed is the training run that fails, with its evaluations.
const fxFailed = "cfm/8gaussians/3"

// fxSW2 is the sw2 of one evaluation run.
func fxSW2(method, ds, solver string, steps int, seed string) float64 {
	scale := 1.0
	if method == "cfm" {
		scale = 1.5
	}
	return fxBase[method+"/"+ds] + fxSolverErr[solver]/float64(steps) + scale*fxJitter[seed]
}

// fxCurve is a decaying loss curve of 30 points.
func fxCurve(method, seed string, points int) []float64 {
	s, _ := strconv.Atoi(seed)
	c := make([]float64, points)
	for i := range c {
		c[i] = 2/(1+0.2*float64(i)) + 0.05*float64(s) + float64(len(method))*0.1
	}
	return c
}

// writeNPY writes a store file and returns its relative path.
func writeNPY(t testing.TB, store, rel string, data []float64, rows, cols int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := datasets.WriteNPY(&buf, data, rows, cols); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(store, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return rel
}

// fixture builds the synthetic runs and writes their .npy files into store.
// salt changes only the wall times, as a rerun would.
func fixture(t testing.TB, store string, salt float64) []results.Run {
	t.Helper()
	const nTest, nSample = 1500, 1000
	var runs []results.Run
	testsets := map[string]string{}
	for di, ds := range fxDatasets {
		d, err := datasets.New(ds, 0, datasets.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(7, uint64(di)))
		testsets[ds] = writeNPY(t, store, "data/"+ds+"_test.npy", d.Sample(rng, nTest), nTest, 2)
	}
	for mi, m := range fxMethods {
		for di, ds := range fxDatasets {
			data, _ := datasets.New(ds, 0, datasets.Options{})
			for si, seed := range fxSeeds {
				id := m + "/" + ds + "/" + seed
				trainKey := fmt.Sprintf("train-%s-%s-%s", m, ds, seed)
				train := results.Run{
					Kind: "train", Key: trainKey, Status: "ok",
					Params:     []results.Param{prm("method", m), prm("dataset", ds), prm("seed", seed)},
					CurveEvery: 10,
				}
				failed := id == fxFailed
				if failed {
					train.Status, train.Error = "failed", "loss became NaN"
					train.Curve = fxCurve(m, seed, 4)
					train.Metrics = []results.Metric{met("train_seconds", 1.5+salt)}
				} else {
					train.Curve = fxCurve(m, seed, 30)
					train.Metrics = []results.Metric{met("train_seconds", 10+salt+float64(si)), met("loss_final", train.Curve[29])}
				}
				runs = append(runs, train)
				for _, solver := range fxSolvers {
					for _, steps := range fxSteps {
						ev := results.Run{
							Kind: "eval", Parent: trainKey, Status: "ok",
							Key: fmt.Sprintf("eval-%s-%s-%d", trainKey, solver, steps),
							Params: []results.Param{prm("method", m), prm("dataset", ds), prm("seed", seed),
								prm("solver", solver), prm("steps", strconv.Itoa(steps))},
						}
						if failed {
							ev.Status, ev.Error = "failed", "parent "+trainKey+" failed"
							runs = append(runs, ev)
							continue
						}
						sw2 := fxSW2(m, ds, solver, steps, seed)
						nfe := float64(fxStages[solver] * steps)
						ev.Metrics = []results.Metric{met("sw2", sw2), met("w2", 1.3*sw2), met("nfe", nfe), met("eval_seconds", 0.5+salt)}
						ev.Files = []results.File{{Role: RoleTestset, Path: testsets[ds]}}
						if seed == "1" {
							rng := rand.New(rand.NewPCG(uint64(mi), uint64(100*di+steps)))
							x := data.Sample(rng, nSample)
							for i := range x {
								x[i] += sw2 * rng.NormFloat64()
							}
							base := fmt.Sprintf("eval/%s_%s_%s_%d", m, ds, solver, steps)
							ev.Files = append(ev.Files, results.File{Role: RoleSamples, Path: writeNPY(t, store, base+"_samples.npy", x, nSample, 2)})
							if solver == "rk4" && steps == 8 {
								ev.Params = append(ev.Params, prm(ParamTrajectoryTimes, strconv.Itoa(steps+1)))
								ev.Files = append(ev.Files, results.File{Role: RoleTrajectories, Path: writeNPY(t, store, base+"_traj.npy", fxTrajectories(rng, x, nSample, steps+1, mi), (steps+1)*nSample, 2)})
								if m == "ot" {
									const g = 40
									ev.Params = append(ev.Params, prm(ParamDensityExtent, "-4,4,-4,4"))
									ev.Files = append(ev.Files, results.File{Role: RoleDensity, Path: writeNPY(t, store, base+"_density.npy", fxDensity(x, g, -4, 4), g, g)})
								}
							}
						}
						if m == "ot" && ds == "moons" && solver == "euler" && steps == 2 && seed == "2" {
							ev.Warnings = []string{"3 samples beyond |x| > 10"}
						}
						runs = append(runs, ev)
					}
				}
			}
		}
	}
	return runs
}

// fxTrajectories bends straight lines from N(0, I) draws to x: point i at
// time k/(K−1) is (1−t) x0 + t x1 plus a bump t(1−t)·bend.
func fxTrajectories(rng *rand.Rand, x1 []float64, n, K, bend int) []float64 {
	x0 := make([]float64, len(x1))
	for i := range x0 {
		x0[i] = rng.NormFloat64()
	}
	out := make([]float64, 0, K*len(x1))
	for k := range K {
		tt := float64(k) / float64(K-1)
		for i := range n {
			for j := range 2 {
				v := (1-tt)*x0[i*2+j] + tt*x1[i*2+j]
				if j == 0 {
					v += float64(bend) * 2 * tt * (1 - tt)
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// fxDensity is a Gaussian kernel density estimate (bandwidth 0.3) of the
// first 200 points of x on a g×g grid over [lo, hi]².
func fxDensity(x []float64, g int, lo, hi float64) []float64 {
	const h = 0.3
	out := make([]float64, g*g)
	for r := range g {
		y := lo + (float64(r)+0.5)*(hi-lo)/float64(g)
		for c := range g {
			xx := lo + (float64(c)+0.5)*(hi-lo)/float64(g)
			s := 0.0
			for i := range 200 {
				dx, dy := xx-x[2*i], y-x[2*i+1]
				s += math.Exp(-(dx*dx + dy*dy) / (2 * h * h))
			}
			out[r*g+c] = math.Log(s/200/(2*math.Pi*h*h) + 1e-300)
		}
	}
	return out
}

// fxInput is the Input of the synthetic store.
func fxInput(store string, runs []results.Run) Input {
	return Input{
		Title:       "Synthetic benchmark",
		Description: "Two methods on two toy data sets, with made-up metric values.",
		SpecYAML:    "name: synthetic\nmethods: [ot, cfm]\ndatasets: [moons, 8gaussians]\nseeds: [1, 2, 3]\n",
		Provenance:  []KV{{"commit", "0123abcd"}, {"go", "go1.26"}},
		// A made-up dependency list, shown in a collapsible block.
		Dependencies: []KV{{"gonum.org/v1/gonum", "v0.17.0"}, {"gonum.org/v1/plot", "v0.17.0"}},
		Axes:         fxAxes,
		// Spec order, unlike the alphabetical: ot before cfm, moons
		// before 8gaussians.
		Order:    map[string][]string{"method": fxMethods, "dataset": fxDatasets, "solver": fxSolvers},
		Metrics:  []string{"sw2", "w2", "nfe", "loss_final"},
		Runs:     runs,
		StoreDir: store,
		Options:  Options{Welch: true, SVG: true},
	}
}

// mdTable returns the header and rows of the first Markdown table after
// the line that starts with heading, and after each of the lines starting
// with more that follow it in turn (a dataset's table inside a section).
func mdTable(t *testing.T, md, heading string, more ...string) (header []string, rows [][]string) {
	t.Helper()
	i := -1
	for _, h := range append([]string{heading}, more...) {
		j := strings.Index(md[i+1:], "\n"+h)
		if j < 0 {
			t.Fatalf("line %q not in report (after %q)", h, heading)
		}
		i += 1 + j
	}
	split := func(l string) []string {
		parts := strings.Split(strings.Trim(l, "|"), "|")
		for k := range parts {
			parts[k] = strings.TrimSpace(parts[k])
		}
		return parts
	}
	// The summary has one table per solver, with the same rows: they are
	// joined side by side, up to the next heading or findings paragraph.
	merge := heading == "## Summary"
	var lines []string
	for _, l := range strings.Split(md[i+1:], "\n")[1:] {
		if strings.HasPrefix(l, "|") {
			lines = append(lines, l)
			continue
		}
		if merge && header != nil && (strings.HasPrefix(l, "#") || strings.HasPrefix(l, "**Findings")) {
			break
		}
		if len(lines) == 0 {
			continue
		}
		if !merge {
			break
		}
		if len(lines) >= 3 {
			h, rs := split(lines[0]), lines[2:]
			if header == nil {
				header = h
				for _, r := range rs {
					rows = append(rows, split(r))
				}
			} else {
				if len(rs) != len(rows) {
					t.Fatalf("tables under %q differ in rows: %q then %q", heading, rows, rs)
				}
				header = append(header, h[1:]...)
				for k, r := range rs {
					rows[k] = append(rows[k], split(r)[1:]...)
				}
			}
		}
		lines = nil
	}
	if len(lines) >= 3 {
		h, rs := split(lines[0]), lines[2:]
		if header == nil {
			header = h
			for _, r := range rs {
				rows = append(rows, split(r))
			}
		} else {
			header = append(header, h[1:]...)
			for k, r := range rs {
				rows[k] = append(rows[k], split(r)[1:]...)
			}
		}
	}
	if header == nil {
		t.Fatalf("no table under %q", heading)
	}
	return header, rows
}

func prm(k, v string) results.Param          { return results.Param{Key: k, Value: v} }
func met(n string, v float64) results.Metric { return results.Metric{Name: n, Value: v} }
