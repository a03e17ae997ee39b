package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// ReadIDX reads an unsigned-byte IDX file (LeCun's MNIST format), plain or
// gzip-compressed (detected by the gzip magic 1f 8b): the magic 00 00 08 k
// (type 0x08 = unsigned byte, k dimensions), k big-endian uint32 sizes, then
// the bytes in row-major order. It returns the sizes and the bytes.
func ReadIDX(r io.Reader) (dims []int, data []byte, err error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("idx: gzip: %v", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	var magic [4]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, nil, fmt.Errorf("idx: truncated header: %v", err)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, nil, fmt.Errorf("idx: bad magic % x (want 00 00 08 k)", magic)
	}
	if magic[2] != 0x08 {
		return nil, nil, fmt.Errorf("idx: element type 0x%02x, only 0x08 (unsigned byte) is supported", magic[2])
	}
	k := int(magic[3])
	if k == 0 {
		return nil, nil, fmt.Errorf("idx: zero dimensions")
	}
	total := 1
	for range k {
		var s uint32
		if err := binary.Read(br, binary.BigEndian, &s); err != nil {
			return nil, nil, fmt.Errorf("idx: truncated header: %v", err)
		}
		if s == 0 || total > 1<<31/int(s) {
			return nil, nil, fmt.Errorf("idx: bad size %d", s)
		}
		dims = append(dims, int(s))
		total *= int(s)
	}
	data = make([]byte, total)
	if _, err := io.ReadFull(br, data); err != nil {
		return nil, nil, fmt.Errorf("idx: truncated data (%d bytes expected): %v", total, err)
	}
	return dims, data, nil
}

// ReadIDXFile is ReadIDX on a file; errors name the path.
func ReadIDXFile(path string) ([]int, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	dims, data, err := ReadIDX(f)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: %s: %w", path, err)
	}
	return dims, data, nil
}
