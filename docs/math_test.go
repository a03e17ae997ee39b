// Package docs_test checks that the repository is self-contained: every
// citation of MATH.md names a section of docs/MATH.md, and no tracked file
// points outside the repository.
package docs_test

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// root is the repository root, seen from this package's directory.
const root = ".."

// trackedFiles lists the repository's files relative to root: git's index
// when git is available (so build outputs and ignored stores are left out),
// otherwise every regular file outside .git and the artifact stores.
func trackedFiles(t *testing.T) []string {
	t.Helper()
	if out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output(); err == nil && len(out) > 0 {
		var files []string
		for _, f := range bytes.Split(out, []byte{0}) {
			if len(f) > 0 {
				files = append(files, string(f))
			}
		}
		return files
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "store") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestNoPathOutsideRepository fails if a tracked file refers to the team's
// notes beside the checkout: a clone of the repository alone must work.
func TestNoPathOutsideRepository(t *testing.T) {
	// Spelled in pieces so that this file does not contain them.
	forbidden := [][]byte{[]byte(".." + "/shared"), []byte("/work" + "/shared")}
	files := trackedFiles(t)
	if len(files) < 10 {
		t.Fatalf("found only %d files under %s", len(files), root)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, bad := range forbidden {
			if i := bytes.Index(b, bad); i >= 0 {
				line := 1 + bytes.Count(b[:i], []byte("\n"))
				t.Errorf("%s:%d refers to %q, which a clone does not have", f, line, bad)
			}
		}
	}
}

// TestMarkdownReferences fails if a tracked file names a Markdown file
// (a name ending in .md) that the repository does not have: a reader of a
// clone must be able to open every document the code and the docs point to.
func TestMarkdownReferences(t *testing.T) {
	files := trackedFiles(t)
	have := map[string]bool{}
	for _, f := range files {
		have[path.Base(f)] = true
	}
	ref := regexp.MustCompile(`\b[A-Za-z0-9_.-]+\.md\b`)
	for _, f := range files {
		switch path.Ext(f) {
		case ".go", ".md", ".yaml", ".yml", ".py", ".sh", "":
		default:
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ref.FindAllIndex(b, -1) {
			name := string(b[m[0]:m[1]])
			if !have[name] {
				line := 1 + bytes.Count(b[:m[0]], []byte("\n"))
				t.Errorf("%s:%d names %s, which the repository does not have", f, line, name)
			}
		}
	}
}

// section is one numbered section of docs/MATH.md with its subsection titles.
type section struct {
	title string
	subs  []string
}

// mathSections parses the "## N. Title" and "### Title" headings of
// docs/MATH.md.
func mathSections(t *testing.T) map[int]*section {
	t.Helper()
	f, err := os.Open("MATH.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h2 := regexp.MustCompile(`^## (\d+)\. (.+)$`)
	secs := map[int]*section{}
	var cur *section
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := h2.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			if secs[n] != nil {
				t.Errorf("docs/MATH.md: section %d twice", n)
			}
			cur = &section{title: m[2]}
			secs[n] = cur
			continue
		}
		if strings.HasPrefix(line, "## ") {
			cur = nil
			continue
		}
		if title, ok := strings.CutPrefix(line, "### "); ok && cur != nil {
			cur.subs = append(cur.subs, title)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return secs
}

func TestMathSections(t *testing.T) {
	secs := mathSections(t)
	// The topics the code's citations rely on, by number.
	want := map[int]string{
		1: "Continuous normalizing flows",
		2: "Flow matching",
		3: "exact marginal field",
		4: "Metrics",
		5: "Data sets",
		6: "Model defaults",
		7: "ODE solvers",
	}
	for n, topic := range want {
		s := secs[n]
		if s == nil {
			t.Errorf("docs/MATH.md has no section %d (%s)", n, topic)
			continue
		}
		if !strings.Contains(s.title, topic) {
			t.Errorf("docs/MATH.md §%d is %q, want a title about %q", n, s.title, topic)
		}
	}
}

// joinComment turns wrapped comment and text lines into one line, so that a
// citation broken over two lines is read whole.
var joinComment = regexp.MustCompile(`[ \t]*\r?\n[ \t]*(?://[ \t]?|#[ \t]?)?`)

// citation finds "MATH.md" followed by what it cites, up to the end of the
// clause (";", ")", a sentence end) or the next citation.
var citation = regexp.MustCompile(`MATH\.md([^;)]*?)(?:[;)]|\.\s|\.$|MATH\.md|$)`)

var (
	sectionRef = regexp.MustCompile(`§(\d+)`)
	quotedRef  = regexp.MustCompile(`§(\d+),? "([^"]+)"`)
)

// TestMathCitations checks every "MATH.md §N" in the repository's Go
// sources, specs and reports: section N exists in docs/MATH.md, and a title
// quoted right after it ("MATH.md §2, "Independent coupling / rectified
// flow"") is section N's own title or one of its subsections.
func TestMathCitations(t *testing.T) {
	secs := mathSections(t)
	count := 0
	for _, f := range trackedFiles(t) {
		switch filepath.Ext(f) {
		case ".go", ".md", ".yaml", ".yml":
		default:
			continue
		}
		if f == "docs/MATH.md" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		text := joinComment.ReplaceAllString(string(b), " ")
		for _, m := range citation.FindAllStringSubmatchIndex(text, -1) {
			clause := text[m[2]:m[3]]
			for _, r := range sectionRef.FindAllStringSubmatch(clause, -1) {
				count++
				n, _ := strconv.Atoi(r[1])
				if secs[n] == nil {
					t.Errorf("%s: cites MATH.md §%d, which docs/MATH.md does not have", f, n)
				}
			}
			for _, q := range quotedRef.FindAllStringSubmatch(clause, -1) {
				n, _ := strconv.Atoi(q[1])
				s := secs[n]
				if s == nil {
					continue
				}
				if q[2] == s.title || slices.Contains(s.subs, q[2]) {
					continue
				}
				t.Errorf("%s: cites MATH.md §%d %q, which is not a heading of §%d (%q, subsections %q)", f, n, q[2], n, s.title, s.subs)
			}
		}
	}
	if count < 50 {
		t.Errorf("found only %d MATH.md § citations; the scan is broken", count)
	}
}
