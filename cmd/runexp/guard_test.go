package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestGuardTurnsPanicsIntoStatus3: a bug (a panic) exits 3 with one line
// naming it and a bug-report hint, not a Go stack trace; the trace is in
// the file the message names.
func TestGuardTurnsPanicsIntoStatus3(t *testing.T) {
	var stderr bytes.Buffer
	code := guard(&stderr, func() int { panic("boom at the top") })
	if code != exitInternal || exitInternal != 3 {
		t.Fatalf("exit status %d, want 3", code)
	}
	out := stderr.String()
	if !strings.Contains(out, "internal error: boom at the top") || !strings.Contains(out, "please report") {
		t.Errorf("message %q lacks the panic or the bug-report hint", out)
	}
	if strings.Contains(out, "goroutine ") {
		t.Errorf("message holds a stack trace: %q", out)
	}
	m := regexp.MustCompile(`stack trace in (\S+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no trace file named in %q", out)
	}
	defer os.Remove(m[1])
	b, err := os.ReadFile(m[1])
	if err != nil || !strings.Contains(string(b), "goroutine ") {
		t.Errorf("trace file %s: %v, %.80q", m[1], err, b)
	}
	if code := guard(&stderr, func() int { return 1 }); code != 1 {
		t.Errorf("guard changed a normal status to %d", code)
	}
}
