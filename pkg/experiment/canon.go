package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Canonical serialises v (structs, slices, maps, strings, numbers, bools)
// as JSON with object keys sorted and struct fields named by their yaml
// tags, so that the bytes depend only on the values: not on map order, Go
// field order or Go field names. Floats use the shortest representation
// that round-trips, so equal float64 values give equal bytes.
// It panics if v holds a value with no JSON form (a channel, a function, a
// complex number).
func Canonical(v any) []byte {
	b, err := json.Marshal(canonValue(reflect.ValueOf(v)))
	if err != nil {
		panic("experiment: canonical form: " + err.Error())
	}
	return b
}

// Key returns the hex sha256 of the canonical form of v.
// It panics if v holds a value with no JSON form (a channel, a function, a
// complex number).
func Key(v any) string {
	h := sha256.Sum256(Canonical(v))
	return hex.EncodeToString(h[:])
}

// canonValue maps v onto JSON values whose encoding is canonical:
// encoding/json sorts map keys; numbers become json.Number spelled by
// strconv 'g' -1.
func canonValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return canonValue(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := tagName(f)
			if name == "" || name == "-" {
				name = f.Name
			}
			if strings.Contains(f.Tag.Get("yaml"), ",omitempty") && v.Field(i).IsZero() {
				// Fields added after keys were published: a zero value
				// leaves the key of older configurations unchanged.
				continue
			}
			m[name] = canonValue(v.Field(i))
		}
		return m
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = canonValue(v.Index(i))
		}
		return out
	case reflect.Map:
		m := map[string]any{}
		iter := v.MapRange()
		for iter.Next() {
			m[fmt.Sprint(iter.Key().Interface())] = canonValue(iter.Value())
		}
		return m
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return json.Number(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64) // as a string: JSON has no NaN
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	}
	panic("experiment: no canonical form for " + v.Type().String())
}

// CanonicalNode is Canonical for a YAML document tree: mappings become
// objects with sorted keys, scalars are spelled by canonicalScalar (so 1e-3
// and 0.001 agree), comments and styles are dropped.
func CanonicalNode(n *yaml.Node) []byte {
	b, err := json.Marshal(nodeValue(n))
	if err != nil {
		panic("experiment: canonical node: " + err.Error())
	}
	return b
}

func nodeValue(n *yaml.Node) any {
	n = resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = nodeValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = nodeValue(c)
		}
		return out
	}
	if n.ShortTag() == "!!null" {
		return nil
	}
	return canonicalScalar(n)
}
