//go:build amd64 && !purego

package assign

import (
	"testing"
	"unsafe"
)

// TestPruneArgsLayout: the byte offsets prunedMin2AVX2 uses.
func TestPruneArgsLayout(t *testing.T) {
	var p pruneArgs
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"qy0", unsafe.Offsetof(p.qy0), 0}, {"qv", unsafe.Offsetof(p.qv), 16},
		{"minw", unsafe.Offsetof(p.minw), 56}, {"nb", unsafe.Offsetof(p.nb), 64},
		{"a", unsafe.Offsetof(p.a), 72}, {"nscan", unsafe.Offsetof(p.nscan), 88},
		{"x2", unsafe.Offsetof(p.x2), 96}, {"slack", unsafe.Offsetof(p.slack), 128},
		{"abs", unsafe.Offsetof(p.abs), 160}, {"thr", unsafe.Offsetof(p.thr), 192},
		{"lanes0", unsafe.Offsetof(p.lanes0), 224}, {"lanes1", unsafe.Offsetof(p.lanes1), 256},
		{"step", unsafe.Offsetof(p.step), 288}, {"u1", unsafe.Offsetof(p.u1), 320},
		{"u2", unsafe.Offsetof(p.u2), 328}, {"j1", unsafe.Offsetof(p.j1), 336},
		{"inf", unsafe.Offsetof(p.inf), 344},
	} {
		if c.got != c.want {
			t.Errorf("pruneArgs.%s at byte %d, the kernel reads %d", c.name, c.got, c.want)
		}
	}
}
