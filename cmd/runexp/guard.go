package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// guard runs the command and turns a panic (a bug in runexp, never a bad
// input: those are errors with exit status 2) into exit status 3, one
// line naming the panic and where it happened, and a bug-report hint; the
// full stack goes to a file instead of the terminal. The artifacts stored
// before the panic stay in the store, and rerunning resumes.
func guard(stderr io.Writer, cmd func() int) (code int) {
	defer func() {
		e := recover()
		if e == nil {
			return
		}
		stack := debug.Stack()
		where := ""
		if f, err := os.CreateTemp("", "runexp-panic-*.txt"); err == nil {
			fmt.Fprintf(f, "runexp %s\npanic: %v\n\n%s", strings.Join(os.Args[1:], " "), e, stack)
			f.Close()
			where = " (stack trace in " + f.Name() + ")"
		}
		fmt.Fprintf(stderr, "runexp: internal error: %v%s\n", e, where)
		fmt.Fprintln(stderr, "runexp: this is a bug in runexp, not in your spec: please report it with the command line, the spec and the stack trace file")
		code = exitInternal
	}()
	return cmd()
}
