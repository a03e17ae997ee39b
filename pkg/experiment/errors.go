package experiment

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/flowbench/flowbench/internal/suggest"
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
		if s := e.suggestion(); s != "" {
			fmt.Fprintf(&b, "; did you mean %q?", s)
		}
	}
	return b.String()
}

// suggestion is the valid choice closest to the name the error rejects (an
// unknown field's key, an unknown value's text, a missing list element's
// label), or "" when none is close.
func (e *Error) suggestion() string {
	var name string
	switch {
	case e.Msg == "unknown field" || e.Msg == "no such element":
		name = e.Path
		if i := strings.LastIndexAny(name, ".["); i >= 0 {
			name = strings.TrimSuffix(name[i+1:], "]")
		}
	case strings.HasPrefix(e.Msg, "unknown value "):
		q, err := strconv.QuotedPrefix(strings.TrimPrefix(e.Msg, "unknown value "))
		if err != nil {
			return ""
		}
		name, _ = strconv.Unquote(q)
	default:
		return ""
	}
	return suggest.Closest(name, e.Valid)
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
	file    string
	list    Errors
	seen    map[string]bool
	dropped int // problems beyond maxKept, not kept
}

// maxKept is the number of problems kept (sorted, the first MaxErrors are
// printed).
const maxKept = 1000

func (s *errorSet) add(line, col int, path, msg string, valid []string) {
	if len(s.list) >= maxKept {
		s.dropped++ // counted, not kept: a file of a million bad keys
		return
	}
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
	if more := len(out) - MaxErrors + s.dropped; more > 0 && len(out) > MaxErrors {
		out = append(out[:MaxErrors:MaxErrors], &Error{File: s.file, Msg: fmt.Sprintf("and %d more problems", more)})
	} else if s.dropped > 0 {
		out = append(out, &Error{File: s.file, Msg: fmt.Sprintf("and %d more problems", s.dropped)})
	}
	return out
}
