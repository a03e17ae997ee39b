package results

import (
	"encoding/json"
	"math"
	"testing"
)

// TestFiniteRecordsEncodeAsBefore: a record of finite numbers encodes to
// the same bytes as the plain float64 layout did (stored results stay
// bit-identical).
func TestFiniteRecordsEncodeAsBefore(t *testing.T) {
	type plainMetric struct {
		Name  string  `json:"name"`
		Value float64 `json:"value"`
	}
	type plain struct {
		Metrics []plainMetric `json:"metrics"`
		Curve   []float64     `json:"curve,omitempty"`
	}
	type now struct {
		Metrics []Metric `json:"metrics"`
		Curve   Floats   `json:"curve,omitempty"`
	}
	vals := []float64{0, -0.0, 1, 0.1, 1e21, 1e-7, 123456789.125, -3.5e-300, math.MaxFloat64, 5e-324}
	var p plain
	var n now
	for i, v := range vals {
		name := string(rune('a' + i))
		p.Metrics = append(p.Metrics, plainMetric{name, v})
		n.Metrics = append(n.Metrics, Metric{name, v})
		p.Curve = append(p.Curve, v)
		n.Curve = append(n.Curve, v)
	}
	a, err1 := json.MarshalIndent(p, "", "  ")
	b, err2 := json.MarshalIndent(n, "", "  ")
	if err1 != nil || err2 != nil || string(a) != string(b) {
		t.Fatalf("encodings differ:\n%s\n%s\n%v %v", a, b, err1, err2)
	}
	var back now
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if math.Float64bits(back.Metrics[i].Value) != math.Float64bits(v) && v != 0 {
			t.Errorf("metric %d: %v read back as %v", i, v, back.Metrics[i].Value)
		}
	}
}

func TestNonFiniteEncoding(t *testing.T) {
	b, err := json.Marshal([]Metric{{"x", math.NaN()}, {"y", math.Inf(1)}, {"z", math.Inf(-1)}})
	if err != nil {
		t.Fatal(err)
	}
	const want = `[{"name":"x","value":"NaN"},{"name":"y","value":"+Inf"},{"name":"z","value":"-Inf"}]`
	if string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
	var m []Metric
	if err := json.Unmarshal([]byte(`[{"name":"n","value":null},{"name":"s","value":"bogus"}]`), &m); err == nil {
		t.Fatal("a string that is not a number was accepted")
	}
	if err := json.Unmarshal([]byte(`[{"name":"n","value":null}]`), &m); err != nil || !math.IsNaN(m[0].Value) {
		t.Fatalf("null: %v %v, want NaN", m, err)
	}
}
