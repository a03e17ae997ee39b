package experiment

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a spec, located in its file:
//
//	file:line:col: field.path: message (valid: a, b, c)
//
// Line and Col are 0 for problems that have no place in the file (a
// missing required field is reported at its parent's position when known).
type Error struct {
	File      string
	Line, Col int
	Path      string
	Msg       string
	Valid     []string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if len(e.Valid) > 0 {
		b.WriteString(" (valid: ")
		b.WriteString(strings.Join(e.Valid, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// Errors is every problem found in one spec, in file order, one per line.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// errorSet collects problems, dropping exact repeats (the same node decoded
// at several grid points).
type errorSet struct {
	file string
	list Errors
	seen map[string]bool
}

func (s *errorSet) add(line, col int, path, msg string, valid []string) {
	e := &Error{File: s.file, Line: line, Col: col, Path: path, Msg: msg, Valid: valid}
	k := e.Error()
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	s.list = append(s.list, e)
}

func (s *errorSet) err() error {
	if len(s.list) == 0 {
		return nil
	}
	out := append(Errors(nil), s.list...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			// Positionless errors (line 0) go last.
			if out[i].Line == 0 || out[j].Line == 0 {
				return out[j].Line == 0 && out[i].Line != 0
			}
			return out[i].Line < out[j].Line
		}
		return out[i].Col < out[j].Col
	})
	return out
}
