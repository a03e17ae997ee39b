package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowbench/flowbench/pkg/optim"
)

type modelConfig struct {
	Dim    int    `json:"dim"`
	Hidden []int  `json:"hidden"`
	Act    string `json:"act"`
}

// special holds values whose bit patterns a text format would lose.
var special = []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1),
	math.Float64frombits(0x7ff8_0000_dead_beef), // NaN with a payload
	5e-324, math.MaxFloat64, 1.0 / 3, -2.5}

func sample(withEMA, withOpt bool) *Checkpoint {
	cfg, _ := json.Marshal(modelConfig{Dim: 2, Hidden: []int{64, 64}, Act: "selu"})
	c := &Checkpoint{Config: cfg, Step: 12345, Params: append([]float64(nil), special...)}
	if withEMA {
		c.EMA = make([]float64, len(special))
		for i := range c.EMA {
			c.EMA[i] = special[len(special)-1-i]
		}
		c.EMAUpdates = 12000
	}
	if withOpt {
		c.Opt = &optim.State{Name: "adamw", Step: 12345, M: make([]float64, len(special)), V: make([]float64, len(special))}
		for i := range special {
			c.Opt.M[i] = float64(i) * 1e-3
			c.Opt.V[i] = math.Nextafter(float64(i), 100)
		}
	}
	return c
}

func sameBits(a, b []float64) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name         string
		withEMA, opt bool
	}{{"params only", false, false}, {"ema", true, false}, {"opt", false, true}, {"all", true, true}} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".ckpt")
		in := sample(tc.withEMA, tc.opt)
		if err := Save(path, in); err != nil {
			t.Fatal(err)
		}
		out, err := LoadFor(path, modelConfig{Dim: 2, Hidden: []int{64, 64}, Act: "selu"}, len(special))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(out.Config) != string(in.Config) || out.Step != in.Step || out.EMAUpdates != in.EMAUpdates {
			t.Errorf("%s: header fields differ: %+v vs %+v", tc.name, out, in)
		}
		if !sameBits(out.Params, in.Params) || !sameBits(out.EMA, in.EMA) {
			t.Errorf("%s: vectors not bit-identical", tc.name)
		}
		if (out.Opt == nil) != (in.Opt == nil) {
			t.Fatalf("%s: optimiser state presence differs", tc.name)
		}
		if in.Opt != nil && (out.Opt.Name != in.Opt.Name || out.Opt.Step != in.Opt.Step ||
			!sameBits(out.Opt.M, in.Opt.M) || !sameBits(out.Opt.V, in.Opt.V)) {
			t.Errorf("%s: optimiser state differs", tc.name)
		}
	}
	// Atomic write leaves no temporary files behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	// Save replaces an existing file.
	path := filepath.Join(dir, "all.ckpt")
	c := sample(false, false)
	c.Step = 7
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	if got, err := Load(path); err != nil || got.Step != 7 || got.EMA != nil {
		t.Errorf("overwritten file: step %v err %v", got, err)
	}
}

func write(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "model.ckpt")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func checkErr(t *testing.T, err error, kind error, path, what string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: error %v, want kind %v", what, err, kind)
		return
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("%s: error %q does not name the file %s", what, err, path)
	}
}

func TestErrors(t *testing.T) {
	good, err := Encode(sample(true, true))
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	le := binary.LittleEndian
	cases := []struct {
		name string
		b    []byte
		kind error
	}{
		{"empty", nil, ErrTruncated},
		{"half header", good[:10], ErrTruncated},
		{"truncated body", good[:len(good)/2], ErrTruncated},
		{"missing last byte", good[:len(good)-1], ErrTruncated},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrCorrupt},
		{"wrong magic", mutate(func(b []byte) []byte { copy(b, "PK\x03\x04zip!"); return b }), ErrMagic},
		{"short non-checkpoint", []byte("{}"), ErrMagic},
		{"future version", mutate(func(b []byte) []byte { le.PutUint32(b[8:], 2); return b }), ErrVersion},
		{"flipped param bit", mutate(func(b []byte) []byte { b[len(b)-200] ^= 1; return b }), ErrChecksum},
		{"flipped checksum bit", mutate(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }), ErrChecksum},
	}
	for _, c := range cases {
		path := write(t, c.b)
		_, err := Load(path)
		checkErr(t, err, c.kind, path, c.name)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent.ckpt")); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "absent.ckpt") {
		t.Errorf("missing file: %v", err)
	}
}

// TestEveryCorruption flips each byte of a file in turn and truncates it at
// every length: no damaged file may load.
func TestEveryCorruption(t *testing.T) {
	good, err := Encode(sample(true, true))
	if err != nil {
		t.Fatal(err)
	}
	for i := range good {
		b := append([]byte(nil), good...)
		b[i] ^= 0x5a
		if _, err := Decode(b); err == nil {
			t.Fatalf("byte %d flipped: file loaded", i)
		}
		if _, err := Decode(good[:i]); !errors.Is(err, ErrTruncated) {
			t.Fatalf("truncated to %d bytes: %v, want ErrTruncated", i, err)
		}
	}
	if _, err := Decode(good); err != nil {
		t.Fatal(err)
	}
}

func TestConfigMismatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.ckpt")
	if err := Save(path, sample(false, false)); err != nil {
		t.Fatal(err)
	}
	n := len(special)
	// Same configuration written with other key order and spacing: accepted.
	if _, err := LoadFor(path, []byte(`{ "act":"selu", "hidden":[64,64], "dim":2 }`), n); err != nil {
		t.Errorf("reordered JSON rejected: %v", err)
	}
	for _, c := range []struct {
		name    string
		cfg     any
		nParams int
	}{
		{"other width", modelConfig{Dim: 2, Hidden: []int{64, 32}, Act: "selu"}, n},
		{"other depth", modelConfig{Dim: 2, Hidden: []int{64, 64, 64}, Act: "selu"}, n},
		{"other activation", json.RawMessage(`{"dim":2,"hidden":[64,64],"act":"relu"}`), n},
		{"other param count", modelConfig{Dim: 2, Hidden: []int{64, 64}, Act: "selu"}, n + 1},
	} {
		_, err := LoadFor(path, c.cfg, c.nParams)
		checkErr(t, err, ErrConfig, path, c.name)
	}
}

func TestSaveRejects(t *testing.T) {
	dir := t.TempDir()
	bad := []*Checkpoint{
		{Config: []byte(`{"dim":`), Params: []float64{1}},
		{Config: []byte(`{}`), Params: []float64{1}, EMA: []float64{1, 2}},
		{Config: []byte(`{}`), Params: []float64{1}, Opt: &optim.State{Name: "adam", M: []float64{1}}},
		{Config: []byte(`{}`), Step: -1},
	}
	for i, c := range bad {
		path := filepath.Join(dir, "bad.ckpt")
		if err := Save(path, c); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("case %d: Save error %v", i, err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("case %d: a rejected checkpoint left a file", i)
		}
	}
	path := filepath.Join(dir, "no", "such", "dir", "x.ckpt")
	if err := Save(path, sample(false, false)); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Save into a missing directory: %v", err)
	}
}
