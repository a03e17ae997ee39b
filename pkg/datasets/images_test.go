package datasets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

func counts(labels []byte) []int {
	c := make([]int, 10)
	for _, l := range labels {
		c[l]++
	}
	return c
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestMNISTReader checks our IDX reader on the GoMNIST module's files
// against known facts: 60,000 and 10,000 images of 28×28, the per-class
// label counts of the published set, and sha256 digests of fixed images
// computed independently (python3: gzip.open(...).read()[16:][k*784:(k+1)*784]
// hashed with hashlib.sha256).
func TestMNISTReader(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err) // MNIST ships in a Go module required by go.mod: never skipped
	}
	tr, trl, te, tel, err := LoadIDXSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(trl) != 60000 || len(tel) != 10000 || len(tr) != 60000*784 || len(te) != 10000*784 {
		t.Fatalf("sizes: %d/%d train, %d/%d test", len(trl), len(tr), len(tel), len(te))
	}
	if got, want := counts(trl), []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}; !slices.Equal(got, want) {
		t.Errorf("train label counts %v, want %v", got, want)
	}
	if got, want := counts(tel), []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}; !slices.Equal(got, want) {
		t.Errorf("test label counts %v, want %v", got, want)
	}
	for _, c := range []struct {
		name string
		img  []byte
		want string
	}{
		{"train[0]", tr[:784], "23ceaef5eb61f0e70d64ac18fdf0f60df3d5971cf30bbadac7b6ebf07f782d2c"},
		{"train[59999]", tr[59999*784:], "a4d26ec9c55ad38391292cd307292ee5d75fb27652874c1c4aadda20d04d4866"},
		{"test[0]", te[:784], "8f6a418c9a639f9e14e96feca47a97df2a35a0a68ae2875431c5c80e05536941"},
		{"train[0] pooled 14×14", Pool(tr[:784], 1, 28, 2), "335ac7cfdce7025af104a1ea6fb89a6829a90bcfb50d11e11c7dec2e342108be"},
	} {
		if got := sha(c.img); got != c.want {
			t.Errorf("%s: sha256 %s, want %s", c.name, got, c.want)
		}
	}
	if trl[0] != 5 || tel[0] != 7 {
		t.Errorf("first labels %d, %d; want 5 (train) and 7 (test)", trl[0], tel[0])
	}
	// Registry names and a class filter.
	m, err := New("mnist7", 0, Options{})
	if err != nil || m.Dim() != 49 {
		t.Fatalf("mnist7: %v", err)
	}
	ref, _ := ImageRef("mnist", 14, DefaultAlpha, []int{3, 1})
	f, err := New(ref, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	im := f.(*Images)
	if im.NTrain() != 6742+6131 || im.NTest() != 1135+1010 || im.Label != "mnist14-c1,3" {
		t.Errorf("class filter: %d train, %d test, label %q", im.NTrain(), im.NTest(), im.Label)
	}
}

// TestFashionMNISTReader: 60,000/10,000 images, 6,000/1,000 per class.
// Skipped (with a message) only when the Debian package is absent outside
// CI; .ci/run installs it.
func TestFashionMNISTReader(t *testing.T) {
	dir, err := FashionMNISTDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	tr, trl, _, tel, err := LoadIDXSet(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range counts(trl) {
		if c != 6000 {
			t.Errorf("train class %d: %d images, want 6000", i, c)
		}
	}
	for i, c := range counts(tel) {
		if c != 1000 {
			t.Errorf("test class %d: %d images, want 1000", i, c)
		}
	}
	if got := sha(tr[:784]); got != "5bd44e331a6d6998daf675700cd0c13dcd7af8ab954b7585124124da61459e7b" {
		t.Errorf("train[0] sha256 %s", got)
	}
}

// TestReadIDX: plain and gzip files give the same bytes; bad files give
// errors that say what is wrong.
func TestReadIDX(t *testing.T) {
	raw := []byte{0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	for _, in := range [][]byte{raw, z.Bytes()} {
		dims, data, err := ReadIDX(bytes.NewReader(in))
		if err != nil || !slices.Equal(dims, []int{2, 3}) || !slices.Equal(data, []byte{1, 2, 3, 4, 5, 6}) {
			t.Errorf("ReadIDX: %v %v %v", dims, data, err)
		}
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{raw[:len(raw)-1], "truncated data"},
		{[]byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "only 0x08"},
		{[]byte{1, 2, 8, 1}, "bad magic"},
		{raw[:6], "truncated header"},
	} {
		if _, _, err := ReadIDX(bytes.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.in, err, c.want)
		}
	}
}

// TestBitsPerDimClosedForm checks the preprocessing's log-determinant
// (package doc) two ways.
//
// 1. Exactness: pixels uniform on {0..255} with uniform dequantisation make
// v uniform on [0, 256)^D; the exact density of x = logit(α + (1−2α)v/256)
// is Π s_i(1 − s_i)/(1 − 2α), and under it every point scores exactly 8
// bits/dim.
//
// 2. Normalisation: for a model N(0, σ²) of one logit pixel, the implied
// density of v, p_V(v) = p_X(x(v))·exp(DataLogDet(x(v))), must integrate over
// [0, 256) to P(logit(α) ≤ x < logit(1 − α)) = Φ(b/σ) − Φ(a/σ), a closed
// form; a midpoint sum on 2^16 cells checks it for several α and σ.
func TestBitsPerDimClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const D = 49
	for _, alpha := range []float64{1e-6, 0.05} {
		p := make([]byte, D)
		u := make([]float64, D)
		x := make([]float64, D)
		for trial := 0; trial < 100; trial++ {
			for i := range p {
				p[i], u[i] = byte(rng.IntN(256)), rng.Float64()
			}
			Preprocess(x, p, u, alpha)
			var logpx float64
			for _, v := range x {
				s := 1 / (1 + math.Exp(-v))
				logpx += math.Log(s * (1 - s) / (1 - 2*alpha))
			}
			bpd := -(logpx + LogitLogDet(x, alpha)) / (D * math.Ln2)
			if math.Abs(bpd-8) > 1e-9 {
				t.Fatalf("α=%g: uniform data scores %.12f bits/dim, want 8", alpha, bpd)
			}
		}
		for _, sigma := range []float64{1, 3, 10} {
			// Cells of v whose ends are the images of an even grid in x
			// (v(x) = 256(sigmoid(x) − α)/(1 − 2α), the inverse map), so
			// the steep ends of the map are resolved; p_V is evaluated at
			// each cell's middle v through Preprocess and LogitLogDet.
			const cells = 1 << 16
			a, b := math.Log(alpha/(1-alpha)), math.Log((1-alpha)/alpha)
			vOf := func(x float64) float64 { return 256 * (1/(1+math.Exp(-x)) - alpha) / (1 - 2*alpha) }
			var integral float64
			one := make([]float64, 1)
			for k := 0; k < cells; k++ {
				v0, v1 := vOf(a+(b-a)*float64(k)/cells), vOf(a+(b-a)*float64(k+1)/cells)
				v := min(max((v0+v1)/2, 0), math.Nextafter(256, 0))
				Preprocess(one, []byte{byte(v)}, []float64{v - math.Floor(v)}, alpha)
				xv := one[0]
				logp := -0.5*xv*xv/(sigma*sigma) - math.Log(sigma*math.Sqrt(2*math.Pi))
				integral += math.Exp(logp+LogitLogDet(one, alpha)) * (v1 - v0)
			}
			phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
			want := phi(b/sigma) - phi(a/sigma)
			if math.Abs(integral-want) > 1e-6 {
				t.Errorf("α=%g σ=%g: ∫ p_V = %.9f, want Φ(b/σ) − Φ(a/σ) = %.9f", alpha, sigma, integral, want)
			}
		}
	}
}

// TestGoMNISTVersionInGoMod: the version MNISTDir looks for is the one
// go.mod requires (so `go mod download` fetches what the code reads).
func TestGoMNISTVersionInGoMod(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), GoMNISTModule+" "+GoMNISTVersion+"\n") {
		t.Errorf("go.mod does not require %s %s", GoMNISTModule, GoMNISTVersion)
	}
	if got := escapeModulePath(GoMNISTModule); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escaped module path %q", got)
	}
}
