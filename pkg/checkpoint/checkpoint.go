package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/flowbench/flowbench/pkg/optim"
)

// Magic is the first eight bytes of every checkpoint file.
const Magic = "FLOWBCKP"

// Version is the format version this package writes and reads.
const Version = 1

// Error kinds, wrapped by [*Error].
var (
	ErrTruncated = errors.New("file is truncated")
	ErrMagic     = errors.New("not a flowbench checkpoint (wrong magic)")
	ErrVersion   = errors.New("unsupported format version")
	ErrChecksum  = errors.New("checksum mismatch (file corrupted)")
	ErrConfig    = errors.New("model configuration does not match")
	ErrCorrupt   = errors.New("malformed contents")
)

// Error is a load or save failure of one file.
type Error struct {
	File   string // the path as given
	Kind   error  // one of the Err* kinds, or the underlying I/O error
	Detail string // what was found, when known
}

func (e *Error) Error() string {
	s := "checkpoint: "
	if e.File != "" {
		s += fmt.Sprintf("file %q: ", e.File)
	}
	s += e.Kind.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the error's kind.
func (e *Error) Unwrap() error { return e.Kind }

// Checkpoint is the saved state of a model and its training.
type Checkpoint struct {
	// Config is the model configuration as JSON (it fixes the parameter
	// layout; [LoadFor] compares it).
	Config json.RawMessage
	// Step is the number of training steps done.
	Step int
	// Params is the parameter vector θ.
	Params []float64
	// EMA is the averaged parameter vector θ̄, or nil when there is none;
	// EMAUpdates its update count.
	EMA        []float64
	EMAUpdates int
	// Opt is the optimiser's state, or nil when there is none.
	Opt *optim.State
}

const (
	flagEMA = 1 << iota
	flagOpt
)

// headerLen is magic + version + total length.
const headerLen = 8 + 4 + 8

// Encode returns the file contents for c, or an error naming what is
// inconsistent in c.
func Encode(c *Checkpoint) ([]byte, error) {
	p := len(c.Params)
	switch {
	case !json.Valid(c.Config):
		return nil, errors.New("checkpoint: Config is not valid JSON")
	case len(c.Config) > math.MaxUint32:
		return nil, errors.New("checkpoint: Config longer than 4 GiB")
	case c.Step < 0:
		return nil, fmt.Errorf("checkpoint: Step = %d, must be ≥ 0", c.Step)
	case c.EMA != nil && len(c.EMA) != p:
		return nil, fmt.Errorf("checkpoint: EMA has %d values, Params %d", len(c.EMA), p)
	case c.EMAUpdates < 0:
		return nil, fmt.Errorf("checkpoint: EMAUpdates = %d, must be ≥ 0", c.EMAUpdates)
	case c.Opt != nil && (len(c.Opt.M) != p || len(c.Opt.V) != p):
		return nil, fmt.Errorf("checkpoint: optimiser moments have %d/%d values, Params %d", len(c.Opt.M), len(c.Opt.V), p)
	case c.Opt != nil && (len(c.Opt.Name) > math.MaxUint16 || c.Opt.Step < 0):
		return nil, fmt.Errorf("checkpoint: optimiser name too long or step %d < 0", c.Opt.Step)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, c.Config); err != nil {
		return nil, fmt.Errorf("checkpoint: Config: %w", err)
	}
	cfg := compact.Bytes()
	size := headerLen + 4 + len(cfg) + 8 + 8 + 8*p + 1 + sha256.Size
	var flags byte
	if c.EMA != nil {
		flags |= flagEMA
		size += 8 + 8*p
	}
	if c.Opt != nil {
		flags |= flagOpt
		size += 2 + len(c.Opt.Name) + 8 + 16*p
	}
	b := make([]byte, 0, size)
	le := binary.LittleEndian
	b = append(b, Magic...)
	b = le.AppendUint32(b, Version)
	b = le.AppendUint64(b, uint64(size))
	b = le.AppendUint32(b, uint32(len(cfg)))
	b = append(b, cfg...)
	b = le.AppendUint64(b, uint64(c.Step))
	b = le.AppendUint64(b, uint64(p))
	b = appendFloats(b, c.Params)
	b = append(b, flags)
	if c.EMA != nil {
		b = le.AppendUint64(b, uint64(c.EMAUpdates))
		b = appendFloats(b, c.EMA)
	}
	if c.Opt != nil {
		b = le.AppendUint16(b, uint16(len(c.Opt.Name)))
		b = append(b, c.Opt.Name...)
		b = le.AppendUint64(b, uint64(c.Opt.Step))
		b = appendFloats(b, c.Opt.M)
		b = appendFloats(b, c.Opt.V)
	}
	sum := sha256.Sum256(b)
	b = append(b, sum[:]...)
	if len(b) != size {
		panic("checkpoint: encoded size mismatch")
	}
	return b, nil
}

func appendFloats(b []byte, x []float64) []byte {
	for _, v := range x {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// Save writes c to path atomically (package comment). Errors name the file.
func Save(path string, c *Checkpoint) error {
	b, err := Encode(c)
	if err != nil {
		return &Error{File: path, Kind: err}
	}
	if err := writeAtomic(path, b); err != nil {
		return &Error{File: path, Kind: err}
	}
	return nil
}

func writeAtomic(path string, b []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename durable. Some file systems cannot fsync a directory;
	// the data itself is already on disk, so that is not an error.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Load reads the checkpoint at path.
func Load(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Kind: err}
	}
	c, err := Decode(b)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = path
		}
		return nil, err
	}
	return c, nil
}

// LoadFor reads the checkpoint at path and checks that it was saved for a
// model with configuration config (compared as canonical JSON: key order
// and white space do not matter) and nParams parameters. config is a value
// that encoding/json marshals, or the JSON itself as []byte or
// json.RawMessage.
func LoadFor(path string, config any, nParams int) (*Checkpoint, error) {
	c, err := Load(path)
	if err != nil {
		return nil, err
	}
	want, err := canonical(config)
	if err != nil {
		return nil, &Error{File: path, Kind: ErrConfig, Detail: "expected configuration: " + err.Error()}
	}
	have, err := canonical(c.Config)
	if err != nil {
		return nil, &Error{File: path, Kind: ErrCorrupt, Detail: "stored configuration: " + err.Error()}
	}
	if !bytes.Equal(want, have) {
		return nil, &Error{File: path, Kind: ErrConfig,
			Detail: fmt.Sprintf("file has %s, expected %s", clip(have), clip(want))}
	}
	if len(c.Params) != nParams {
		return nil, &Error{File: path, Kind: ErrConfig,
			Detail: fmt.Sprintf("file has %d parameters, model has %d", len(c.Params), nParams)}
	}
	return c, nil
}

func clip(b []byte) string {
	const max = 300
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// canonical re-encodes JSON with sorted keys and no white space.
func canonical(v any) ([]byte, error) {
	var raw []byte
	switch x := v.(type) {
	case []byte:
		raw = x
	case json.RawMessage:
		raw = x
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var tree any
	if err := d.Decode(&tree); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return json.Marshal(tree)
}

// Decode parses file contents. Its errors are [*Error] values with an
// empty File.
func Decode(b []byte) (*Checkpoint, error) {
	fail := func(kind error, format string, a ...any) error {
		return &Error{Kind: kind, Detail: fmt.Sprintf(format, a...)}
	}
	le := binary.LittleEndian
	if len(b) < len(Magic) {
		if bytes.HasPrefix([]byte(Magic), b) {
			return nil, fail(ErrTruncated, "%d bytes, the header alone has %d", len(b), headerLen)
		}
		return nil, fail(ErrMagic, "file starts with %q", b)
	}
	if string(b[:len(Magic)]) != Magic {
		return nil, fail(ErrMagic, "file starts with %q, want %q", b[:len(Magic)], Magic)
	}
	if len(b) < headerLen {
		return nil, fail(ErrTruncated, "%d bytes, the header alone has %d", len(b), headerLen)
	}
	if v := le.Uint32(b[8:]); v != Version {
		return nil, fail(ErrVersion, "file has version %d, this build reads version %d", v, Version)
	}
	total := le.Uint64(b[12:])
	switch {
	case uint64(len(b)) < total:
		return nil, fail(ErrTruncated, "%d of %d bytes", len(b), total)
	case uint64(len(b)) > total:
		return nil, fail(ErrCorrupt, "%d bytes, header says %d (trailing data)", len(b), total)
	case total < headerLen+sha256.Size:
		return nil, fail(ErrCorrupt, "header gives impossible length %d", total)
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fail(ErrChecksum, "stored sha256 %x, contents hash to %x", sum, got)
	}

	r := reader{b: body, off: headerLen}
	c := &Checkpoint{}
	cfgLen := int(r.u32())
	c.Config = json.RawMessage(append([]byte(nil), r.bytes(cfgLen)...))
	c.Step = r.int()
	p := r.int()
	c.Params = r.floats(p)
	flags := r.byte()
	if flags&flagEMA != 0 {
		c.EMAUpdates = r.int()
		c.EMA = r.floats(p)
	}
	if flags&flagOpt != 0 {
		n := int(r.u16())
		name := string(r.bytes(n))
		step := r.int()
		c.Opt = &optim.State{Name: name, Step: step, M: r.floats(p), V: r.floats(p)}
	}
	switch {
	case r.err != "":
		return nil, fail(ErrCorrupt, "%s", r.err)
	case flags&^(flagEMA|flagOpt) != 0:
		return nil, fail(ErrCorrupt, "unknown flags %#x", flags)
	case r.off != len(body):
		return nil, fail(ErrCorrupt, "%d unread bytes before the checksum", len(body)-r.off)
	case !json.Valid(c.Config):
		return nil, fail(ErrCorrupt, "model configuration is not valid JSON")
	}
	return c, nil
}

// reader reads fields with bounds checks; after the first overrun it records
// the error and returns zero values.
type reader struct {
	b   []byte
	off int
	err string
}

func (r *reader) take(n int, what string) []byte {
	if r.err != "" {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.err = fmt.Sprintf("%s of %d bytes at offset %d overruns the %d-byte body", what, n, r.off, len(r.b))
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) bytes(n int) []byte { return r.take(n, "field") }

func (r *reader) byte() byte {
	if s := r.take(1, "flags"); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if s := r.take(2, "uint16"); s != nil {
		return binary.LittleEndian.Uint16(s)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if s := r.take(4, "uint32"); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (r *reader) int() int {
	s := r.take(8, "uint64")
	if s == nil {
		return 0
	}
	v := binary.LittleEndian.Uint64(s)
	if v > 1<<47 { // no real count or step comes near 2^47
		r.err = fmt.Sprintf("count %d at offset %d is implausible", v, r.off-8)
		return 0
	}
	return int(v)
}

func (r *reader) floats(n int) []float64 {
	if r.err == "" && n > (len(r.b)-r.off)/8 {
		r.err = fmt.Sprintf("vector of %d float64 at offset %d overruns the %d-byte body", n, r.off, len(r.b))
	}
	s := r.take(8*n, "float64 vector")
	if s == nil {
		return nil
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(s[8*i:]))
	}
	return x
}
