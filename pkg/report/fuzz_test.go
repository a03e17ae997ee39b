package report

import (
	"os"
	"testing"
)

// FuzzParsePublished: any bytes give an error or a table, never a panic.
func FuzzParsePublished(f *testing.F) {
	if b, err := os.ReadFile("../../cmd/runexp/testdata/published.csv"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("# spread: std\nmethod,dataset,metric,value\nOT,moons,sw2,0.1\n"))
	f.Add([]byte("method,metric,value,spread\nA,w2,1.5±0.2,\n"))
	f.Add([]byte("\"unterminated,quote\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		ParsePublished(in)
	})
}
