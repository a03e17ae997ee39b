package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// MaxPublishedBytes is the largest published-results file read: a table
// of published numbers is kilobytes.
const MaxPublishedBytes = 4 << 20

// ReadPublishedFile reads and parses a published-results file, which must
// be a regular file (not a device such as /dev/zero, a pipe or a
// directory) of at most MaxPublishedBytes, and returns it with its bytes.
func ReadPublishedFile(path string) (*Published, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: not a regular file (a published-results file is a CSV file)", path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxPublishedBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(raw) > MaxPublishedBytes {
		return nil, nil, fmt.Errorf("%s: larger than %d MiB: not a published-results table", path, MaxPublishedBytes>>20)
	}
	p, err := ParsePublished(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, raw, nil
}

// ParsePublished parses the bytes of a published-results file.
func ParsePublished(raw []byte) (*Published, error) { return parsePublished(bytes.NewReader(raw)) }
