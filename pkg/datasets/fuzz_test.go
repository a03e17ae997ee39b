package datasets

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// FuzzReadNPY: any bytes give an error or a consistent array (never a
// panic, never memory beyond what the input holds), and what was read
// writes back and reads again to the same bits.
func FuzzReadNPY(f *testing.F) {
	var b bytes.Buffer
	WriteNPY(&b, []float64{1, 2.5, -3, math.Inf(1), math.NaN(), 0}, 3, 2)
	f.Add(b.Bytes())
	b.Reset()
	WriteNPY(&b, nil, 0, 2)
	f.Add(b.Bytes())
	f.Add([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }          \n\x00\x00\x80\x3f\x00\x00\x00\x40"))
	f.Add([]byte("\x93NUMPY\x01\x00\x46\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1, 99999999999), }\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		data, rows, cols, err := ReadNPY(bytes.NewReader(in))
		if err != nil {
			return
		}
		if rows < 0 || cols < 0 || len(data) != rows*cols {
			t.Fatalf("%d values for shape %d×%d", len(data), rows, cols)
		}
		if cols == 0 {
			return
		}
		var out bytes.Buffer
		if err := WriteNPY(&out, data, rows, cols); err != nil {
			t.Fatal(err)
		}
		back, r2, c2, err := ReadNPY(&out)
		if err != nil || r2 != rows || c2 != cols {
			t.Fatalf("round trip: %v, %d×%d", err, r2, c2)
		}
		for i := range data {
			if math.Float64bits(back[i]) != math.Float64bits(data[i]) {
				t.Fatalf("value %d: %v became %v", i, data[i], back[i])
			}
		}
	})
}

// FuzzReadCSV: any text gives an error or a rectangular array of finite
// numbers.
func FuzzReadCSV(f *testing.F) {
	f.Add("x,y\n1,2\n3,4\n")
	f.Add("# comment\n1 2 3\n\n4 5 6\n")
	f.Add("1,2\n3\n")
	f.Add("1,NaN\n")
	f.Add("a,b\n")
	f.Fuzz(func(t *testing.T, in string) {
		data, rows, cols, err := ReadCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		if rows <= 0 || cols <= 0 || len(data) != rows*cols {
			t.Fatalf("%d values for %d×%d", len(data), rows, cols)
		}
		for _, v := range data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite %v accepted", v)
			}
		}
	})
}
