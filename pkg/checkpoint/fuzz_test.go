package checkpoint

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecode: any bytes give an error or a checkpoint that encodes back to
// the same bytes (the format is canonical and checksummed), never a panic.
func FuzzDecode(f *testing.F) {
	ck := &Checkpoint{Config: json.RawMessage(`{"dim":2}`), Step: 7, Params: []float64{1, -2, 0.5}, EMA: []float64{0.9, -1.9, 0.4}, EMAUpdates: 7}
	b, err := Encode(ck)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)-1])
	flipped := bytes.Clone(b)
	flipped[30] ^= 1
	f.Add(flipped)
	f.Add([]byte("FLOWBCKP"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Decode(in)
		if err != nil {
			return
		}
		out, err := Encode(c)
		if err != nil {
			t.Fatalf("a decoded checkpoint does not encode: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("decode/encode changed %d bytes into %d", len(in), len(out))
		}
	})
}
