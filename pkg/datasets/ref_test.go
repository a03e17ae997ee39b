package datasets

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSplit: the test and training rows of a seed partition the file's
// rows (no test row is trained on), and the split follows the seed only.
func TestSplit(t *testing.T) {
	n, d := 50, 2
	data := make([]float64, n*d)
	for i := range n {
		data[i*d], data[i*d+1] = float64(i), -float64(i)
	}
	e := NewEmpirical("x", data, n, d)
	tr, te, err := e.Split(7, 12)
	if err != nil {
		t.Fatal(err)
	}
	if tr.N != 38 || te.N != 12 {
		t.Fatalf("sizes %d + %d", tr.N, te.N)
	}
	var ids []int
	for _, s := range []*Empirical{tr, te} {
		for r := range s.N {
			if s.Data[r*d+1] != -s.Data[r*d] {
				t.Fatal("rows torn apart")
			}
			ids = append(ids, int(s.Data[r*d]))
		}
	}
	slices.Sort(ids)
	for i, v := range ids {
		if v != i {
			t.Fatalf("rows are not a partition: %v", ids)
		}
	}
	_, te2, _ := e.Split(7, 12)
	_, te3, _ := e.Split(8, 12)
	if !slices.Equal(te.Data, te2.Data) || slices.Equal(te.Data, te3.Data) {
		t.Error("split not a function of the seed")
	}
	if _, _, err := e.Split(1, 50); err == nil {
		t.Error("no training row left: no error")
	}
}

// TestRegisterFile: whitespace-separated text is read; the reference is
// the sha256 of the bytes, equal for a copy under another name.
func TestRegisterFile(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	body := []byte("# comment\nx y z\n1 2 3\n4\t5  6\n")
	os.WriteFile(a, body, 0o644)
	os.WriteFile(b, body, 0o644)
	ra, err := RegisterFile(a)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := RegisterFile(b)
	// sha256 of the bytes, computed independently: printf '...' | sha256sum
	const want = "file:e60545d3c5dfad718dfb84bd24f5bdc734f72862bc1bd77b457f0a06481e8dec"
	if ra != want || rb != want {
		t.Fatalf("refs %q %q", ra, rb)
	}
	ds, err := New(ra, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := ds.(*Empirical)
	if e.N != 2 || e.D != 3 || !slices.Equal(e.Data, []float64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("read %d×%d %v", e.N, e.D, e.Data)
	}
	if RefLabel(ra) != "a.csv" || Rows(ra) != 2 {
		t.Errorf("label %q rows %d", RefLabel(ra), Rows(ra))
	}
}

// TestGMM8AnyDim: gmm8 exists in every dimension, its means lie at radius
// 4, and its density integrates the right way along one coordinate.
func TestGMM8AnyDim(t *testing.T) {
	for _, d := range []int{1, 2, 8, 128} {
		ds, err := New("gmm8", d, Options{})
		if err != nil || ds.Dim() != d {
			t.Fatalf("d=%d: %v", d, err)
		}
		m, _ := AsMixture(ds)
		for _, mu := range m.Means {
			var r2 float64
			for _, v := range mu {
				r2 += v * v
			}
			if math.Abs(math.Sqrt(r2)-4) > 1e-12 {
				t.Errorf("d=%d: mean radius %v", d, math.Sqrt(r2))
			}
		}
	}
	g, _ := New("gmm8", 0, Options{})
	if g.Dim() != 2 {
		t.Errorf("gmm8 default dim %d", g.Dim())
	}
}
