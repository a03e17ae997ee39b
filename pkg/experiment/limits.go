package experiment

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Bounds on what a spec may make the parser do, so that a hostile or
// mistaken file is one clear error, never gigabytes of memory or of output.
const (
	// MaxSpecBytes is the largest spec file read.
	MaxSpecBytes = 4 << 20
	// MaxExpandedNodes bounds the YAML nodes of a spec with every alias
	// expanded (a real spec has hundreds; nested aliases double per level).
	MaxExpandedNodes = 100_000
	// MaxErrors is the number of problems printed; the rest are counted.
	MaxErrors = 50
	// MaxNameLen bounds names (they name directories) and labels.
	MaxNameLen = 100
)

// readSpec reads a spec file: a regular file (not a device, pipe or
// directory) of at most MaxSpecBytes.
func readSpec(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: a spec must be a regular file, not %s", path, modeWord(fi.Mode()))
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSpecBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSpecBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB: not a spec", path, MaxSpecBytes>>20)
	}
	return b, nil
}

func modeWord(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeNamedPipe != 0:
		return "a pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// expandedSize is the number of nodes of n with every alias expanded,
// counted once per node by memo and capped just above limit (so nested
// aliases cost O(nodes), not their exponential expansion).
// plainSize is the number of nodes of n as written (aliases not
// followed), capped just above limit.
func plainSize(n *yaml.Node, limit int) int {
	if n == nil {
		return 0
	}
	s := 1
	for _, c := range n.Content {
		if s > limit {
			break
		}
		s += plainSize(c, limit)
	}
	return min(s, limit+1)
}

func expandedSize(n *yaml.Node, limit int, memo map[*yaml.Node]int) int {
	if n == nil {
		return 0
	}
	if s, ok := memo[n]; ok {
		return s
	}
	memo[n] = limit + 1 // a cycle counts as too large
	s := 1
	if n.Kind == yaml.AliasNode {
		s += expandedSize(n.Alias, limit, memo)
	}
	for _, c := range n.Content {
		if s > limit {
			break
		}
		s += expandedSize(c, limit, memo)
	}
	s = min(s, limit+1)
	memo[n] = s
	return s
}

// nameProblem says what is wrong with a label (shown in tables, figure
// legends and warnings lists), or "".
func labelProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return "must not contain control characters (a newline or tab would break the report's tables and lists)"
	}
	if utf8.RuneCountInString(s) > MaxNameLen {
		return fmt.Sprintf("is %d characters long; at most %d", utf8.RuneCountInString(s), MaxNameLen)
	}
	return ""
}

// pathProblem says what is wrong with the key path of a -set override,
// or "".
func pathProblem(p string) string {
	depth := 0
	for i, r := range p {
		switch r {
		case '[':
			if depth > 0 {
				return fmt.Sprintf("'[' inside brackets at character %d", i+1)
			}
			depth++
		case ']':
			if depth == 0 {
				return fmt.Sprintf("']' without '[' at character %d", i+1)
			}
			depth--
		}
	}
	if depth > 0 {
		return "'[' is never closed (a list element is written key[INDEX] or key[LABEL]; to sweep a field write key=[v1,v2])"
	}
	if strings.Contains(p, "[]") {
		return "empty brackets: write key[INDEX] or key[LABEL]"
	}
	if strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, "..") {
		return "empty key between dots"
	}
	return ""
}
