package datasets

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// npyBytes builds a .npy file by hand (independently of WriteNPY): version
// major, the header dict, and payload.
func npyBytes(major byte, dict string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	hdr := dict + "\n"
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(hdr)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(hdr)))
	}
	b.WriteString(hdr)
	b.Write(payload)
	return b.Bytes()
}

func f32bytes(x []float32) []byte {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func TestNPYRoundTrip(t *testing.T) {
	data := []float64{1, -2.5, math.Pi, 1e-300, -0.0, 7}
	var b bytes.Buffer
	if err := WriteNPY(&b, data, 3, 2); err != nil {
		t.Fatal(err)
	}
	// The header must end at a multiple of 64 bytes (NumPy format 1.0).
	hlen := int(binary.LittleEndian.Uint16(b.Bytes()[8:10]))
	if (10+hlen)%64 != 0 || b.Bytes()[10+hlen-1] != '\n' {
		t.Errorf("header length %d: data offset %d not 64-aligned or no trailing newline", hlen, 10+hlen)
	}
	if b.Len() != 10+hlen+8*len(data) {
		t.Errorf("file size %d, want %d", b.Len(), 10+hlen+8*len(data))
	}
	got, r, c, err := ReadNPY(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r != 3 || c != 2 || !bytes.Equal(f64bytes(got), f64bytes(data)) {
		t.Errorf("round trip: %d×%d %v, want 3×2 %v", r, c, got, data)
	}
	if err := WriteNPY(&b, data, 4, 2); err == nil {
		t.Error("WriteNPY with a wrong shape: no error")
	}
}

func TestNPYVariants(t *testing.T) {
	f32 := []float32{1.5, -2, 0.25}
	cases := []struct {
		name       string
		file       []byte
		rows, cols int
		want       []float64
	}{
		{"f4 1-D", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f32bytes(f32)), 3, 1, []float64{1.5, -2, 0.25}},
		{"f8 v2.0", npyBytes(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", f64bytes([]float64{3, 4})), 1, 2, []float64{3, 4}},
		{"double quotes, no spaces", npyBytes(1, `{"descr":"<f8","fortran_order":False,"shape":(2,1)}`, f64bytes([]float64{5, 6})), 2, 1, []float64{5, 6}},
	}
	for _, c := range cases {
		got, r, cl, err := ReadNPY(bytes.NewReader(c.file))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if r != c.rows || cl != c.cols || !bytes.Equal(f64bytes(got), f64bytes(c.want)) {
			t.Errorf("%s: %d×%d %v, want %d×%d %v", c.name, r, cl, got, c.rows, c.cols, c.want)
		}
	}
}

func writeTemp(t *testing.T, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadFiles(t *testing.T) {
	hdr := func(descr, fortran, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }"
	}
	cases := []struct {
		name, file string
		content    []byte
		want       []string // substrings the error must contain
	}{
		{"npy empty file", "a.npy", nil, []string{"a.npy", "empty file"}},
		{"npy bad magic", "b.npy", []byte("PK\x03\x04 not numpy at all"), []string{"b.npy", "not a .npy"}},
		{"npy int dtype", "c.npy", npyBytes(1, hdr("<i8", "False", "(1, 1)"), make([]byte, 8)), []string{"c.npy", "'<i8'", "valid: '<f8', '<f4'"}},
		{"npy big endian", "d.npy", npyBytes(1, hdr(">f8", "False", "(1, 1)"), make([]byte, 8)), []string{"d.npy", "'>f8'"}},
		{"npy fortran", "e.npy", npyBytes(1, hdr("<f8", "True", "(2, 2)"), make([]byte, 32)), []string{"e.npy", "fortran_order"}},
		{"npy zero rows", "f.npy", npyBytes(1, hdr("<f8", "False", "(0, 2)"), nil), []string{"f.npy", "0 rows"}},
		{"npy truncated", "g.npy", npyBytes(1, hdr("<f8", "False", "(3, 2)"), f64bytes([]float64{1, 2, 3, 4, 5})), []string{"g.npy", "truncated", "row 2"}},
		{"npy NaN", "h.npy", npyBytes(1, hdr("<f8", "False", "(3, 2)"), f64bytes([]float64{1, 2, 3, math.NaN(), 5, 6})), []string{"h.npy", "row 1", "NaN"}},
		{"npy Inf f4", "i.npy", npyBytes(1, hdr("<f4", "False", "(2, 1)"), f32bytes([]float32{1, float32(math.Inf(1))})), []string{"i.npy", "row 1", "Inf"}},
		{"npy 3-D", "j.npy", npyBytes(1, hdr("<f8", "False", "(1, 1, 1)"), make([]byte, 8)), []string{"j.npy", "3 dimensions"}},
		{"npy header cut", "k.npy", []byte("\x93NUMPY\x01\x00\x40\x00{'descr'"), []string{"k.npy", "truncated .npy header"}},
		{"csv empty", "l.csv", nil, []string{"l.csv", "no data rows"}},
		{"csv header only", "m.csv", []byte("x,y\n"), []string{"m.csv", "no data rows"}},
		{"csv ragged", "n.csv", []byte("x,y\n1,2\n3,4,5\n"), []string{"n.csv:3:3", "ragged"}},
		{"csv nan", "o.csv", []byte("1,2\nNaN,4\n"), []string{"o.csv:2:1", "non-finite"}},
		{"csv inf", "p.csv", []byte("1,2\n3,-Inf\n"), []string{"p.csv:2:2", "non-finite"}},
		{"csv text", "q.csv", []byte("1,2\n3,abc\n"), []string{"q.csv:2:2", "not a number"}},
		{"extension", "r.txt", []byte("1,2\n"), []string{"r.txt", "valid: .csv, .npy"}},
	}
	for _, c := range cases {
		p := writeTemp(t, c.file, c.content)
		_, err := Load(p)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
		if strings.Count(err.Error(), "\n") != 0 {
			t.Errorf("%s: error spans several lines: %q", c.name, err)
		}
	}
}

func TestLoadGoodFilesAndEmpiricalSample(t *testing.T) {
	csvPath := writeTemp(t, "d.csv", []byte("x, y\n1, 2\n\n3,4\n5,6\n"))
	var b bytes.Buffer
	WriteNPY(&b, []float64{1, 2, 3, 4, 5, 6}, 3, 2)
	npyPath := writeTemp(t, "d.npy", b.Bytes())
	for _, p := range []string{csvPath, npyPath} {
		ds, err := New("file", 2, Options{File: p})
		if err != nil {
			t.Fatal(err)
		}
		e := ds.(*Empirical)
		if e.N != 3 || e.D != 2 || !bytes.Equal(f64bytes(e.All()), f64bytes([]float64{1, 2, 3, 4, 5, 6})) {
			t.Fatalf("%s: %d×%d %v", p, e.N, e.D, e.All())
		}
		// With replacement, uniform over rows: 30000 draws, each row 1/3 ± 5σ
		// (σ = sqrt(n·(1/3)(2/3)) ≈ 81.6).
		x := e.Sample(newRNG(4), 30000)
		counts := map[float64]int{}
		for r := 0; r < 30000; r++ {
			if x[2*r+1] != x[2*r]+1 {
				t.Fatalf("row %v is not a data row", x[2*r:2*r+2])
			}
			counts[x[2*r]]++
		}
		for _, v := range []float64{1, 3, 5} {
			if math.Abs(float64(counts[v])-10000) > 5*81.7 {
				t.Errorf("row starting %v drawn %d times, want 10000 ± 408", v, counts[v])
			}
		}
		if !bytes.Equal(f64bytes(x), f64bytes(e.Sample(newRNG(4), 30000))) {
			t.Error("same seed, different draws")
		}
		m := e.AsMixture()
		if err := m.Validate(); err != nil || len(m.Weights) != 3 || m.Means[2][1] != 6 {
			t.Errorf("AsMixture: %v %+v", err, m)
		}
	}
	if _, err := New("file", 3, Options{File: csvPath}); err == nil || !strings.Contains(err.Error(), "2 columns") {
		t.Errorf("dimension mismatch: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	names := Names()
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Fatalf("Names not sorted: %v", names)
		}
	}
	for _, want := range []string{"swissroll", "circles", "rings", "moons", "8gaussians", "pinwheel", "2spirals", "checkerboard", "8gaussians-r5", "moons-tong", "scurve", "normal", "mixture", "file"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("%q not registered", want)
		}
	}
	_, err := New("banana", 2, Options{})
	if err == nil || !strings.Contains(err.Error(), "banana") || !strings.Contains(err.Error(), strings.Join(names, ", ")) {
		t.Errorf("unknown name error %v does not list the valid names", err)
	}
	if _, err := New("moons", 3, Options{}); err == nil {
		t.Error("moons in 3-D: no error")
	}
	nz := 0.3
	if _, err := New("checkerboard", 0, Options{Noise: &nz}); err == nil || !strings.Contains(err.Error(), "noise") {
		t.Errorf("noise on checkerboard: %v", err)
	}
	ds, err := New("moons", 0, Options{Noise: &nz})
	if err != nil || ds.(*Toy).Noise != 0.3 {
		t.Errorf("noise override: %v", err)
	}
	g, err := New("8gaussians", 0, Options{Noise: &nz})
	if err != nil || g.(*EightGaussians).Std != 0.3 || g.(*EightGaussians).AsMixture().Vars[3][1] != 0.09 {
		t.Errorf("8gaussians noise override: %v", err)
	}
	n5, err := New("normal", 5, Options{})
	if err != nil || n5.Dim() != 5 {
		t.Errorf("normal 5-D: %v", err)
	}
	if _, err := New("mixture", 2, Options{}); err == nil {
		t.Error("mixture without Options.Mixture: no error")
	}
	bad := Mixture{Weights: []float64{0.5}, Means: [][]float64{{0}}, Vars: [][]float64{{1}}}
	if _, err := New("mixture", 0, Options{Mixture: &bad}); err == nil || !strings.Contains(err.Error(), "sum to") {
		t.Errorf("invalid mixture: %v", err)
	}
	if _, err := New("file", 0, Options{}); err == nil || !strings.Contains(err.Error(), "Options.File") {
		t.Errorf("file without path: %v", err)
	}
}
