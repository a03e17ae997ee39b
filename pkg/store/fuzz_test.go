package store

import (
	"errors"
	"os"
	"testing"
)

// FuzzRecord: any bytes in a record file give a verified record, an
// absent one or an error (a *CorruptError for what is not a record),
// never a panic; a record that verifies re-verifies after a Put.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"kind":"eval","key":"k","params":[],"metrics":[{"name":"sw2","value":"NaN"}],"status":"ok"}`))
	f.Add([]byte(`{"kind":"train","key":"k","files":[{"role":"checkpoint","path":"store/k.ckpt","sha256":"00"}],"status":"ok"}`))
	f.Add([]byte(`{"key":"k","record_sha256":"abc"}`))
	f.Add([]byte(`{"key":"k","files":[{"path":"store/../x"}]}`))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(s.Path("k.json"), in, 0o644); err != nil {
			t.Fatal(err)
		}
		r, ok, err := s.GetVerified("k")
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("not a CorruptError: %v", err)
			}
			return
		}
		if !ok {
			t.Fatal("a present record reported absent")
		}
		r.RecordSHA256 = ""
		if err := s.Put(r); err != nil {
			return // e.g. a file path outside the store
		}
		if _, ok, err := s.GetVerified("k"); !ok || err != nil {
			t.Fatalf("a record stored by Put does not verify: %v", err)
		}
	})
}
