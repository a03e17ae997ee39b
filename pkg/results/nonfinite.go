package results

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// JSON has no NaN or ±Inf, so a record stores a non-finite number as one of
// the strings "NaN", "+Inf", "-Inf" (a finite one as a plain JSON number,
// exactly as encoding/json writes a float64). The readers below take
// either form back, and null as NaN.

func marshalFloat(v float64) ([]byte, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte(`"` + FormatFloat(v) + `"`), nil
	}
	return json.Marshal(v)
}

func unmarshalFloat(b []byte) (float64, error) {
	s := string(b)
	if s == "null" {
		return math.NaN(), nil
	}
	if len(s) > 0 && s[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return 0, err
		}
		switch str {
		case "NaN":
			return math.NaN(), nil
		case "+Inf", "Inf":
			return math.Inf(1), nil
		case "-Inf":
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("results: %q is not a number (want a JSON number, \"NaN\", \"+Inf\" or \"-Inf\")", str)
	}
	var v float64
	err := json.Unmarshal(b, &v)
	return v, err
}

// FormatFloat is the one text form of a number in records and tables: the
// shortest decimal that reads back to the same float64, and "NaN", "+Inf",
// "-Inf" for the non-finite values.
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Finite reports whether v is neither NaN nor ±Inf.
func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// MarshalJSON writes a non-finite Value as a string.
func (m Metric) MarshalJSON() ([]byte, error) {
	v, err := marshalFloat(m.Value)
	if err != nil {
		return nil, err
	}
	name, err := json.Marshal(m.Name)
	if err != nil {
		return nil, err
	}
	return []byte(`{"name":` + string(name) + `,"value":` + string(v) + `}`), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (m *Metric) UnmarshalJSON(b []byte) error {
	var raw struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Name = raw.Name
	m.Value = 0
	if raw.Value != nil {
		v, err := unmarshalFloat(raw.Value)
		if err != nil {
			return fmt.Errorf("metric %s: %w", raw.Name, err)
		}
		m.Value = v
	}
	return nil
}

// Floats is a list of numbers that may hold NaN or ±Inf (a loss curve).
type Floats []float64

// MarshalJSON writes non-finite entries as strings.
func (f Floats) MarshalJSON() ([]byte, error) {
	if f == nil {
		return []byte("null"), nil
	}
	b := []byte{'['}
	for i, v := range f {
		if i > 0 {
			b = append(b, ',')
		}
		e, err := marshalFloat(v)
		if err != nil {
			return nil, err
		}
		b = append(b, e...)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *Floats) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*f = nil
		return nil
	}
	out := make(Floats, len(raw))
	for i, e := range raw {
		v, err := unmarshalFloat(e)
		if err != nil {
			return err
		}
		out[i] = v
	}
	*f = out
	return nil
}

// NonFinite lists the metrics of r whose value is NaN or ±Inf.
func (r *Run) NonFinite() []string {
	var out []string
	for _, m := range r.Metrics {
		if !Finite(m.Value) {
			out = append(out, m.Name+" = "+FormatFloat(m.Value))
		}
	}
	return out
}
