package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Data references. data.target and data.source take a registry name or a
// mapping, which the decoder turns into a reference string (the string
// that enters the artifact keys):
//
//	{file: PATH}   a CSV or .npy file, PATH relative to the spec file →
//	               "file:<sha256 of the file's bytes>"; Parse rewrites the
//	               mapping of the effective spec to {file: ABSOLUTE PATH,
//	               sha256: HEX} so that `runexp report DIR` plans the same
//	               keys from DIR/spec.yaml alone
//	{mixture: {weights, means, stds | covs}}
//	               a Gaussian mixture → "mixture:<json>" (weights, means,
//	               per-coordinate variances, canonical number spelling)
//	{images: mnist | fashion-mnist, size: 28 | 14 | 7, classes: [...], alpha: 1e-6}
//	               image data → "images:SET:SIZE:ALPHA:CLASSES"

// MixtureSpec is the mixture mapping of a data reference.
type MixtureSpec struct {
	Weights []float64     `yaml:"weights" doc:"component weights (non-negative, summing to 1)" min:"0"`
	Means   [][]float64   `yaml:"means" doc:"component means: one list of d numbers per component"`
	Stds    []float64     `yaml:"stds" doc:"isotropic standard deviation of each component (or covs)" min:"0"`
	Covs    [][][]float64 `yaml:"covs" doc:"covariance matrix of each component, d×d; diagonal only (the exact marginal field of pkg/oracle is diagonal)"`
}

// dataRefKeys are the keys a data mapping may hold.
var dataRefKeys = []string{"file", "sha256", "mixture", "images", "size", "classes", "alpha"}

// ImagesSpec is the image mapping of a data reference: {images: mnist,
// size: 14, classes: [0, 1], alpha: 1e-6}.
type ImagesSpec struct {
	Images  string  `yaml:"images" doc:"image collection" enum:"mnist,fashion-mnist"`
	Size    int     `yaml:"size" doc:"pixels per side: 28, or average-pooled 14 or 7" min:"7" max:"28"`
	Classes []int   `yaml:"classes" doc:"keep the images of these labels only (default: all)" min:"0" max:"9"`
	Alpha   float64 `yaml:"alpha" doc:"α of the logit transform (FFJORD: 1e-6)" min:"0" maxx:"0.5"`
}

// resolveDataFiles rewrites every {file: PATH} mapping at data.target and
// data.source of root: PATH becomes absolute (relative paths are taken
// from the spec file's directory) and sha256 the hex digest of the file's
// bytes, after reg.LoadFile accepted the contents. A mapping that already
// holds sha256 keeps it when the file is unreadable (a results directory's
// spec.yaml whose data moved: the keys are still known); when the file is
// readable its digest must match.
func resolveDataFiles(root *yaml.Node, specPath string, reg Registry, errs *errorSet) {
	data := resolve(mapValue(root, "data"))
	if data == nil || data.Kind != yaml.MappingNode {
		return
	}
	for _, key := range []string{"target", "source"} {
		n := resolve(mapValue(data, key))
		if n == nil || n.Kind != yaml.MappingNode {
			continue
		}
		fn := resolve(mapValue(n, "file"))
		if fn == nil {
			continue
		}
		fail := func(msg string) { errs.add(fn.Line, fn.Column, "data."+key+".file", msg, nil) }
		if fn.Kind != yaml.ScalarNode || fn.Value == "" {
			fail("expected a file path (.csv or .npy)")
			continue
		}
		p := fn.Value
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(specPath), p)
		}
		var recorded string
		if sn := resolve(mapValue(n, "sha256")); sn != nil && sn.Kind == yaml.ScalarNode {
			recorded = sn.Value
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			if recorded != "" && validSHA(recorded) {
				continue // keys known; running would say the data is missing
			}
			fail(fmt.Sprintf("%s: cannot read the data file: %v", p, unwrapPath(err)))
			continue
		}
		h := sha256.Sum256(raw)
		sum := hex.EncodeToString(h[:])
		if recorded != "" && recorded != sum {
			fail(fmt.Sprintf("%s: the file's sha256 is %s, not the recorded %s (the file changed)", p, sum, recorded))
			continue
		}
		if reg.LoadFile != nil {
			if _, err := reg.LoadFile(p); err != nil {
				fail(err.Error())
				continue
			}
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			fail(err.Error())
			continue
		}
		fn.Value, fn.Tag, fn.Style = abs, "!!str", 0
		if sn := mapValue(n, "sha256"); sn != nil {
			sn.Value = sum
		} else {
			n.Content = append(n.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "sha256"},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: sum})
		}
	}
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// decodeDataRef decodes a data mapping into its reference string.
func (d *decoder) decodeDataRef(n *yaml.Node, v reflect.Value, path string) {
	var file, sum string
	var mix *yaml.Node
	seen := map[string]bool{}
	if mapValue(n, "images") != nil {
		im := ImagesSpec{Size: 28, Alpha: 1e-6}
		before := len(d.errs.list)
		d.decode(n, reflect.ValueOf(&im).Elem(), path, "")
		if len(d.errs.list) != before {
			return
		}
		if im.Size != 28 && im.Size != 14 && im.Size != 7 {
			d.fail(n, join(path, "size"), fmt.Sprintf("size %d", im.Size), "28", "14", "7")
			return
		}
		cs := slices.Sorted(slices.Values(im.Classes))
		var parts []string
		for i, c := range cs {
			if i > 0 && cs[i-1] == c {
				d.fail(n, join(path, "classes"), fmt.Sprintf("class %d listed twice", c))
				return
			}
			parts = append(parts, strconv.Itoa(c))
		}
		// The reference pkg/datasets reads (datasets.ImageRef).
		v.SetString(fmt.Sprintf("images:%s:%d:%s:%s", im.Images, im.Size, strconv.FormatFloat(im.Alpha, 'g', -1, 64), strings.Join(parts, ",")))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], resolve(n.Content[i+1])
		if seen[k.Value] {
			d.fail(k, join(path, k.Value), "duplicate field")
			return
		}
		seen[k.Value] = true
		switch k.Value {
		case "file":
			file = val.Value
		case "sha256":
			sum = val.Value
		case "mixture":
			mix = val
		default:
			d.fail(k, join(path, k.Value), "unknown field", dataRefKeys...)
			return
		}
	}
	switch {
	case file != "" && mix != nil:
		d.fail(n, path, "give either file or mixture, not both")
	case file != "":
		if !validSHA(sum) {
			d.fail(n, path, "the data file's sha256 is missing (the spec loader adds it)")
			return
		}
		v.SetString("file:" + sum)
	case mix != nil:
		var ms MixtureSpec
		before := len(d.errs.list)
		d.decode(mix, reflect.ValueOf(&ms).Elem(), join(path, "mixture"), "")
		if len(d.errs.list) != before {
			return
		}
		ref, msg := mixtureRef(ms)
		if msg != "" {
			d.fail(mix, join(path, "mixture"), msg)
			return
		}
		v.SetString(ref)
	default:
		d.fail(n, path, "a data mapping needs file or mixture", dataRefKeys...)
	}
}

// mixtureRef checks a mixture spec and spells its reference
// "mixture:{"weights":[…],"means":[[…]…],"vars":[[…]…]}" with numbers in the
// shortest round-trip form (pkg/datasets parses it).
func mixtureRef(m MixtureSpec) (string, string) {
	k := len(m.Weights)
	if k == 0 {
		return "", "weights: at least one component is required"
	}
	if len(m.Means) != k {
		return "", fmt.Sprintf("means: %d components, weights has %d", len(m.Means), k)
	}
	dim := len(m.Means[0])
	if dim == 0 {
		return "", "means[0]: empty mean"
	}
	for i, mu := range m.Means {
		if len(mu) != dim {
			return "", fmt.Sprintf("means[%d]: %d coordinates, means[0] has %d", i, len(mu), dim)
		}
	}
	sum := 0.0
	for _, w := range m.Weights {
		sum += w
	}
	if sum < 1-1e-9 || sum > 1+1e-9 {
		return "", fmt.Sprintf("weights sum to %v, want 1", sum)
	}
	vars := make([][]float64, k)
	switch {
	case m.Stds != nil && m.Covs != nil:
		return "", "give either stds or covs, not both"
	case m.Stds != nil:
		if len(m.Stds) != k {
			return "", fmt.Sprintf("stds: %d values, weights has %d components", len(m.Stds), k)
		}
		for c, s := range m.Stds {
			if !(s > 0) {
				return "", fmt.Sprintf("stds[%d] = %v must be > 0", c, s)
			}
			vars[c] = make([]float64, dim)
			for i := range vars[c] {
				vars[c][i] = s * s
			}
		}
	case m.Covs != nil:
		if len(m.Covs) != k {
			return "", fmt.Sprintf("covs: %d matrices, weights has %d components", len(m.Covs), k)
		}
		for c, cv := range m.Covs {
			if len(cv) != dim {
				return "", fmt.Sprintf("covs[%d]: %d rows, want %d", c, len(cv), dim)
			}
			vars[c] = make([]float64, dim)
			for i, row := range cv {
				if len(row) != dim {
					return "", fmt.Sprintf("covs[%d][%d]: %d entries, want %d", c, i, len(row), dim)
				}
				for j, x := range row {
					if i != j && x != 0 {
						return "", fmt.Sprintf("covs[%d][%d][%d] = %v: only diagonal covariances are supported (the exact marginal field is diagonal)", c, i, j, x)
					}
				}
				if !(row[i] > 0) {
					return "", fmt.Sprintf("covs[%d][%d][%d] = %v: variances must be > 0", c, i, i, row[i])
				}
				vars[c][i] = row[i]
			}
		}
	default:
		return "", "stds or covs is required"
	}
	num := func(v []float64) []json.Number {
		out := make([]json.Number, len(v))
		for i, x := range v {
			out[i] = json.Number(strconv.FormatFloat(x, 'g', -1, 64))
		}
		return out
	}
	var j struct {
		Weights []json.Number   `json:"weights"`
		Means   [][]json.Number `json:"means"`
		Vars    [][]json.Number `json:"vars"`
	}
	j.Weights = num(m.Weights)
	for c := range m.Weights {
		j.Means = append(j.Means, num(m.Means[c]))
		j.Vars = append(j.Vars, num(vars[c]))
	}
	b, err := json.Marshal(j)
	if err != nil {
		return "", err.Error()
	}
	return "mixture:" + string(b), ""
}
