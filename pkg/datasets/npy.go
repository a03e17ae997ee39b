package datasets

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// npyMagic is the 6-byte prefix of every .npy file (NumPy format spec).
const npyMagic = "\x93NUMPY"

// WriteNPY writes data (rows×cols, row-major) as a NumPy .npy file, format
// version 1.0, dtype '<f8', C order, shape (rows, cols), header padded with
// spaces so the data starts at a multiple of 64 bytes.
func WriteNPY(w io.Writer, data []float64, rows, cols int) error {
	if rows < 0 || cols < 0 || rows*cols != len(data) {
		return fmt.Errorf("datasets: WriteNPY: %d values do not fill a %d×%d array", len(data), rows, cols)
	}
	dict := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	// magic(6) + version(2) + header length(2) + dict + padding + '\n' ≡ 0 mod 64.
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	header := dict + strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("datasets: WriteNPY: header of %d bytes too long for format 1.0", len(header))
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(npyMagic)
	bw.Write([]byte{1, 0})
	var b [8]byte
	binary.LittleEndian.PutUint16(b[:2], uint16(len(header)))
	bw.Write(b[:2])
	bw.WriteString(header)
	for _, v := range data {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		bw.Write(b[:])
	}
	return bw.Flush()
}

// ReadNPY reads a NumPy .npy array: format version 1.0, 2.0 or 3.0, dtype
// '<f8' or '<f4' (converted to float64), C order, 1-D (n values → n×1) or
// 2-D. It does not check the values for NaN or Inf (LoadNPY does).
func ReadNPY(r io.Reader) (data []float64, rows, cols int, err error) {
	br := bufio.NewReader(r)
	var pre [8]byte
	if n, err := io.ReadFull(br, pre[:]); err != nil {
		if n == 0 {
			return nil, 0, 0, errors.New("empty file (no .npy header)")
		}
		return nil, 0, 0, fmt.Errorf("truncated .npy header (%d bytes)", n)
	}
	if string(pre[:6]) != npyMagic {
		return nil, 0, 0, fmt.Errorf("not a .npy file: magic %q, want %q", pre[:6], npyMagic)
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, 0, 0, errors.New("truncated .npy header length")
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, 0, 0, errors.New("truncated .npy header length")
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, 0, 0, fmt.Errorf("unsupported .npy format version %d.%d (valid: 1.0, 2.0, 3.0)", pre[6], pre[7])
	}
	if hlen > 1<<24 {
		return nil, 0, 0, fmt.Errorf(".npy header length %d is implausible", hlen)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(br, hb); err != nil {
		return nil, 0, 0, fmt.Errorf("truncated .npy header: want %d bytes", hlen)
	}
	descr, fortran, shape, err := parseNPYHeader(string(hb))
	if err != nil {
		return nil, 0, 0, err
	}
	var size int
	switch descr {
	case "<f8":
		size = 8
	case "<f4":
		size = 4
	default:
		return nil, 0, 0, fmt.Errorf("unsupported .npy dtype '%s' (valid: '<f8', '<f4')", descr)
	}
	if fortran {
		return nil, 0, 0, errors.New("unsupported .npy layout fortran_order=True (valid: C order; save with np.ascontiguousarray)")
	}
	switch len(shape) {
	case 1:
		rows, cols = shape[0], 1
	case 2:
		rows, cols = shape[0], shape[1]
	default:
		return nil, 0, 0, fmt.Errorf("unsupported .npy shape with %d dimensions (valid: 1-D or 2-D)", len(shape))
	}
	if cols == 0 && rows > 0 {
		return nil, 0, 0, fmt.Errorf(".npy array has %d rows of 0 columns", rows)
	}
	if rows > 0 && cols > (1<<40)/rows {
		return nil, 0, 0, fmt.Errorf(".npy shape %v too large", shape)
	}
	// The data is read in chunks, and memory grows with the bytes actually
	// present, never with the shape a header claims.
	total := rows * cols
	data = make([]float64, 0, min(total, 1<<16))
	buf := make([]byte, size*min(total, 1<<16))
	for done := 0; done < total; {
		k := min(total-done, len(buf)/size)
		n, err := io.ReadFull(br, buf[:k*size])
		if err != nil {
			got := done*size + n
			return nil, 0, 0, fmt.Errorf("truncated .npy data: %d of %d bytes (row %d of %d)", got, total*size, got/(size*cols), rows)
		}
		for c := range k {
			if size == 8 {
				data = append(data, math.Float64frombits(binary.LittleEndian.Uint64(buf[8*c:])))
			} else {
				data = append(data, float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[4*c:]))))
			}
		}
		done += k
	}
	return data, rows, cols, nil
}

// parseNPYHeader parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }.
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, fmt.Errorf("malformed .npy header %q", h)
	}
	field := func(key string) (string, error) {
		i := strings.Index(h, "'"+key+"'")
		if i < 0 {
			i = strings.Index(h, `"`+key+`"`)
		}
		if i < 0 {
			return "", fmt.Errorf("malformed .npy header: no %q in %q", key, h)
		}
		rest := strings.TrimSpace(h[i+len(key)+2:])
		if !strings.HasPrefix(rest, ":") {
			return "", fmt.Errorf("malformed .npy header near %q", key)
		}
		return strings.TrimSpace(rest[1:]), nil
	}
	v, err := field("descr")
	if err != nil {
		return "", false, nil, err
	}
	if len(v) < 2 || (v[0] != '\'' && v[0] != '"') {
		return "", false, nil, fmt.Errorf("malformed .npy descr in %q", h)
	}
	end := strings.IndexByte(v[1:], v[0])
	if end < 0 {
		return "", false, nil, fmt.Errorf("malformed .npy descr in %q", h)
	}
	descr = v[1 : 1+end]
	if v, err = field("fortran_order"); err != nil {
		return "", false, nil, err
	}
	switch {
	case strings.HasPrefix(v, "True"):
		fortran = true
	case strings.HasPrefix(v, "False"):
	default:
		return "", false, nil, fmt.Errorf("malformed .npy fortran_order in %q", h)
	}
	if v, err = field("shape"); err != nil {
		return "", false, nil, err
	}
	if !strings.HasPrefix(v, "(") || strings.IndexByte(v, ')') < 0 {
		return "", false, nil, fmt.Errorf("malformed .npy shape in %q", h)
	}
	for _, p := range strings.Split(v[1:strings.IndexByte(v, ')')], ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return "", false, nil, fmt.Errorf("malformed .npy shape in %q", h)
		}
		shape = append(shape, n)
	}
	return descr, fortran, shape, nil
}
