package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// TestMain removes the binary that runexpBinary built, once every test has
// run.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
	binOut  []byte
)

// runexpBinary builds the command once per test process, for the tests
// that run it as separate processes (kill, fault injection, shards), and
// returns its path. It skips on systems without Unix signals.
func runexpBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs a Unix system")
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "runexp-test-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "runexp")
		binOut, binErr = exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	})
	if binErr != nil {
		t.Fatalf("go build: %v\n%s", binErr, binOut)
	}
	return binPath
}
