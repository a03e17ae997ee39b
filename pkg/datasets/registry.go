package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

// Options are the optional settings of New.
type Options struct {
	// File is the data file of "file" (.csv or .npy).
	File string
	// Noise, if non-nil, overrides the noise standard deviation of a toy set
	// that has one (swissroll, circles, rings, moons, moons-tong, scurve,
	// 2spirals) and the component std of 8gaussians (in final units, FFJORD
	// default 0.5/1.414) and 8gaussians-r5.
	Noise *float64
	// Mixture is the distribution of "mixture".
	Mixture *Mixture
}

// FFJORD8GaussiansStd is the per-coordinate std of FFJORD's 8gaussians,
// 0.5/1.414 (MATH.md §5); FFJORD8GaussiansRadius its centre radius 4/1.414.
const (
	FFJORD8GaussiansStd    = 0.5 / 1.414
	FFJORD8GaussiansRadius = 4 / 1.414
)

// Tong8GaussiansStd is the per-coordinate std of torchcfm's 8gaussians,
// 0.1^(1/4) ≈ 0.5623: torchcfm passes sqrt(var)·I with var = 0.1 as the
// covariance matrix (MATH.md §5).
var Tong8GaussiansStd = math.Pow(0.1, 0.25)

type entry struct {
	fixedDim int // 2 for the toys, 0 when the dimension comes from the caller or the data
	noise    float64
	hasNoise bool
	image    bool // MNIST-like: loaded from files on first use
	build    func(dim int, noise float64, o Options) (Dataset, error)
}

func toy(name string, noise float64, hasNoise bool, gen func(*rand.Rand, int, float64) []float64) entry {
	return entry{fixedDim: 2, noise: noise, hasNoise: hasNoise, build: func(_ int, nz float64, _ Options) (Dataset, error) {
		return &Toy{Label: name, Noise: nz, gen: gen}, nil
	}}
}

var registry = map[string]entry{
	"swissroll":  toy("swissroll", 1.0, true, genSwissRoll),
	"circles":    toy("circles", 0.08, true, genCircles),
	"rings":      toy("rings", 0.08, true, genRings),
	"moons":      toy("moons", 0.1, true, genMoons),
	"pinwheel":   toy("pinwheel", 0, false, genPinwheel),
	"2spirals":   toy("2spirals", 0.1, true, gen2Spirals),
	"moons-tong": toy("moons-tong", 0.05, true, genMoonsTong),
	"scurve":     toy("scurve", 0.05, true, genSCurve),
	"checkerboard": {fixedDim: 2, build: func(int, float64, Options) (Dataset, error) {
		return &Checkerboard{Label: "checkerboard", Scale: 2}, nil
	}},
	"checkerboard-fm": {fixedDim: 2, build: func(int, float64, Options) (Dataset, error) {
		return &Checkerboard{Label: "checkerboard-fm", Scale: 1 / 0.45}, nil
	}},
	"8gaussians": {fixedDim: 2, noise: FFJORD8GaussiansStd, hasNoise: true, build: func(_ int, nz float64, _ Options) (Dataset, error) {
		return NewEightGaussians("8gaussians", FFJORD8GaussiansRadius, nz), nil
	}},
	"8gaussians-r5": {fixedDim: 2, noise: Tong8GaussiansStd, hasNoise: true, build: func(_ int, nz float64, _ Options) (Dataset, error) {
		return NewEightGaussians("8gaussians-r5", 5, nz), nil
	}},
	"normal": {build: func(dim int, _ float64, _ Options) (Dataset, error) {
		if dim == 0 {
			dim = 2
		}
		return Normal{D: dim}, nil
	}},
	"gmm8": {build: func(dim int, _ float64, _ Options) (Dataset, error) {
		if dim == 0 {
			dim = 2
		}
		return NewGMM("gmm8", AnyDimGMM8(dim))
	}},
	"mixture": {build: func(dim int, _ float64, o Options) (Dataset, error) {
		if o.Mixture == nil {
			return nil, fmt.Errorf("datasets: \"mixture\" needs Options.Mixture")
		}
		g, err := NewGMM("mixture", *o.Mixture)
		if err != nil {
			return nil, err
		}
		if dim != 0 && dim != g.Dim() {
			return nil, fmt.Errorf("datasets: \"mixture\": dim %d does not match the mixture's dimension %d", dim, g.Dim())
		}
		return g, nil
	}},
	"file": {build: func(dim int, _ float64, o Options) (Dataset, error) {
		if o.File == "" {
			return nil, fmt.Errorf("datasets: \"file\" needs Options.File (a .csv or .npy path)")
		}
		e, err := Load(o.File)
		if err != nil {
			return nil, err
		}
		if dim != 0 && dim != e.D {
			return nil, fmt.Errorf("datasets: %s: dim %d requested but the file has %d columns", o.File, dim, e.D)
		}
		return e, nil
	}},
}

func init() {
	for _, set := range ImageSets {
		for _, side := range []int{28, 14, 7} {
			name := set
			if side != 28 {
				name += strconv.Itoa(side)
			}
			registry[name] = entry{fixedDim: side * side, image: true, build: func(int, float64, Options) (Dataset, error) {
				ref, err := ImageRef(set, side, DefaultAlpha, nil)
				if err != nil {
					return nil, err
				}
				return NewImages(ref)
			}}
		}
	}
}

// IsImage reports whether name is a registered image data set (reading it
// loads its files) or an image reference.
func IsImage(name string) bool {
	return registry[name].image || strings.HasPrefix(name, ImageRefPrefix)
}

// Names returns the registered data set names, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// New returns the data set called name. dim 0 means the data set's own
// dimension (2 for the toys and for "normal" and "gmm8"); a toy asked for
// another dimension is an error. Unknown names are an error listing the
// valid ones. name may also be a data reference (ref.go): "file:<sha256>"
// or "mixture:<json>".
func New(name string, dim int, opts Options) (Dataset, error) {
	if dim < 0 {
		return nil, fmt.Errorf("datasets: %s: dim %d must be ≥ 0", name, dim)
	}
	if ds, ok, err := newRef(name, dim); ok {
		return ds, err
	}
	e, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("datasets: unknown data set %q (valid: %s)", name, strings.Join(Names(), ", "))
	}
	if dim < 0 {
		return nil, fmt.Errorf("datasets: %s: dim %d must be ≥ 0", name, dim)
	}
	if e.fixedDim != 0 && dim != 0 && dim != e.fixedDim {
		return nil, fmt.Errorf("datasets: %s is %d-dimensional; dim %d requested", name, e.fixedDim, dim)
	}
	noise := e.noise
	if opts.Noise != nil {
		if !e.hasNoise {
			return nil, fmt.Errorf("datasets: %s has no noise setting (noise applies to: %s)", name, strings.Join(noiseNames(), ", "))
		}
		if v := *opts.Noise; !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("datasets: %s: noise %v must be finite and ≥ 0", name, v)
		}
		noise = *opts.Noise
	}
	return e.build(dim, noise, opts)
}

func noiseNames() []string {
	var out []string
	for _, n := range Names() {
		if registry[n].hasNoise {
			out = append(out, n)
		}
	}
	return out
}
