package experiment

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// pos is a place in the spec file.
type pos struct{ line, col int }

// decoder decodes a yaml.Node into Go values by reflection, strictly:
// unknown keys, duplicate keys, wrong types and values outside the bounds
// or enums of the struct tags are errors that name the field path and the
// place in the file. It replaces yaml.v3's Decode so that every error has
// the same one-line form and carries the valid choices.
type decoder struct {
	errs *errorSet
	reg  Registry
	// where records the position of every decoded key, by field path, for
	// the cross-field checks that run after decoding.
	where map[string]pos
}

var methodType = reflect.TypeFor[Method]()
var solverEvalType = reflect.TypeFor[SolverEval]()

func (d *decoder) fail(n *yaml.Node, path, msg string, valid ...string) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
		if line == 0 {
			msg += " (set by -set)"
		}
	}
	d.errs.add(line, col, path, msg, valid)
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return nil
		}
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("string %q", n.Value)
		case "!!null":
			return "null"
		}
		return n.Value
	}
	return "?"
}

// yamlFields lists the yaml keys of struct type t, in field order.
func yamlFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		out = append(out, tagName(t.Field(i)))
	}
	return out
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if tagName(t.Field(i)) == key {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decode decodes n into v (addressable); path is the field path used in
// error messages and tag the struct tag of the field holding v (bounds,
// enum). A Method's kind is read by methodDefault, not passed down.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	n = resolve(n)
	if isNull(n) {
		return // keep the default
	}
	if tag.Get("dataref") != "" && n.Kind == yaml.MappingNode {
		d.decodeDataRef(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "expected a list, got "+nodeKind(n))
			return
		}
		et := v.Type().Elem()
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			ip := fmt.Sprintf("%s[%d]", path, i)
			ev := out.Index(i)
			switch et {
			case methodType:
				ev.Set(reflect.ValueOf(d.methodDefault(item, ip)))
			case solverEvalType:
				ev.Set(reflect.ValueOf(SolverEval{RTol: 1e-5, ATol: 1e-5}))
			}
			d.decode(item, ev, ip, tag)
		}
		v.Set(out)
	case reflect.Map:
		// Only Sweep entries: partial assignments from a path to a scalar.
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "expected a mapping, got "+nodeKind(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], resolve(n.Content[i+1])
			if val.Kind == yaml.MappingNode {
				d.fail(val, join(path, k.Value), "expected a value, got a mapping")
				continue
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), reflect.ValueOf(any(val)))
		}
		v.Set(m)
	default:
		d.decodeScalar(n, v, path, tag)
	}
}

// methodDefault reads a method's kind first, so that the method's other
// fields are decoded over the defaults of that kind.
func (d *decoder) methodDefault(n *yaml.Node, path string) Method {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return Method{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "kind" {
			k := resolve(n.Content[i+1])
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!str" {
				return DefaultMethod(k.Value)
			}
		}
	}
	return Method{}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, got "+nodeKind(n))
		return
	}
	t := v.Type()
	kind := ""
	if t == methodType {
		kind = v.Interface().(Method).Kind
		if !slices.Contains(MethodKinds(), kind) {
			kind = "" // reported by the kind field itself
		}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		fp := join(path, k.Value)
		f, ok := fieldByKey(t, k.Value)
		if !ok {
			d.fail(k, fp, "unknown field", d.validKeys(t, kind)...)
			continue
		}
		if seen[k.Value] {
			d.fail(k, fp, "duplicate field")
			continue
		}
		seen[k.Value] = true
		d.where[fp] = pos{k.Line, k.Column}
		if ks := kindsOf(t, f); ks != "" && kind != "" && !slices.Contains(strings.Split(ks, ","), kind) {
			d.fail(k, fp, fmt.Sprintf("does not apply to kind %s (applies to: %s)", kind, strings.ReplaceAll(ks, ",", ", ")))
			continue
		}
		d.decode(val, v.FieldByIndex(f.Index), fp, f.Tag)
	}
}

// validKeys lists the keys of t; for a Method, only those of its kind.
func (d *decoder) validKeys(t reflect.Type, kind string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if ks := kindsOf(t, f); ks != "" && kind != "" && !slices.Contains(strings.Split(ks, ","), kind) {
			continue
		}
		out = append(out, tagName(f))
	}
	return out
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string, tag reflect.StructTag) {
	if n.Kind != yaml.ScalarNode {
		what := "a list"
		if n.Kind == yaml.MappingNode {
			what = "a mapping"
		}
		if tag.Get("sweep") == "no" && n.Kind == yaml.SequenceNode {
			d.fail(n, path, "cannot be swept: expected a single value, got a list")
			return
		}
		d.fail(n, path, fmt.Sprintf("expected %s, got %s", typeWord(v.Kind()), what))
		return
	}
	st := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		if st != "!!str" {
			d.fail(n, path, fmt.Sprintf("expected a string, got %s (quote it)", nodeKind(n)))
			return
		}
		if !d.checkEnum(n, path, tag, n.Value) {
			return
		}
		if tag.Get("pattern") == "name" && !validName(n.Value) {
			d.fail(n, path, fmt.Sprintf("must be 1 to %d letters, digits, '-', '_' or '.' (it names a directory)", MaxNameLen))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if st != "!!bool" {
			d.fail(n, path, "expected true or false, got "+nodeKind(n))
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	case reflect.Int:
		var f float64
		if (st != "!!int" && st != "!!float") || n.Decode(&f) != nil {
			d.fail(n, path, "expected an integer, got "+nodeKind(n))
			return
		}
		if f != math.Trunc(f) {
			d.fail(n, path, "expected an integer, got "+n.Value)
			return
		}
		if math.Abs(f) > 1<<53 {
			d.fail(n, path, fmt.Sprintf("%s is too large: integers in a spec are at most 2^53 (about 9e15), and far smaller values already exceed any machine's time or memory", n.Value))
			return
		}
		if !d.checkBounds(n, path, tag, f) {
			return
		}
		v.SetInt(int64(f))
	case reflect.Float64:
		var f float64
		if (st != "!!int" && st != "!!float") || n.Decode(&f) != nil {
			d.fail(n, path, "expected a number, got "+nodeKind(n))
			return
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			d.fail(n, path, "expected a finite number, got "+n.Value)
			return
		}
		if !d.checkBounds(n, path, tag, f) {
			return
		}
		v.SetFloat(f)
	case reflect.Interface:
		v.Set(reflect.ValueOf(n))
	default:
		panic("experiment: no decoder for " + v.Type().String())
	}
}

func typeWord(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Int:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return "a value"
}

func validName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > MaxNameLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// enumValues returns the valid values of an enum tag, asking the registry
// for "@name" references.
func (d *decoder) enumValues(tag reflect.StructTag) []string {
	e := tag.Get("enum")
	if e == "" {
		return nil
	}
	if ref, ok := strings.CutPrefix(e, "@"); ok {
		names, ok := d.reg.Names[ref]
		if !ok {
			panic("experiment: registry has no " + ref)
		}
		return names
	}
	return strings.Split(e, ",")
}

func (d *decoder) checkEnum(n *yaml.Node, path string, tag reflect.StructTag, s string) bool {
	valid := d.enumValues(tag)
	if valid == nil || slices.Contains(valid, s) {
		return true
	}
	d.fail(n, path, fmt.Sprintf("unknown value %q", s), valid...)
	return false
}

func (d *decoder) checkBounds(n *yaml.Node, path string, tag reflect.StructTag, f float64) bool {
	bound := func(key string) (float64, bool) {
		s := tag.Get(key)
		if s == "" {
			return 0, false
		}
		b, err := strconv.ParseFloat(s, 64)
		if err != nil {
			panic("experiment: bad bound tag " + key + ":" + s)
		}
		return b, true
	}
	var msg string
	if b, ok := bound("min"); ok && f < b {
		msg = fmt.Sprintf("%s is below the minimum %s", n.Value, tag.Get("min"))
	}
	if b, ok := bound("minx"); ok && f <= b {
		msg = fmt.Sprintf("%s must be greater than %s", n.Value, tag.Get("minx"))
	}
	if b, ok := bound("max"); ok && f > b {
		msg = fmt.Sprintf("%s is above the maximum %s", n.Value, tag.Get("max"))
	}
	if b, ok := bound("maxx"); ok && f >= b {
		msg = fmt.Sprintf("%s must be less than %s", n.Value, tag.Get("maxx"))
	}
	if msg != "" {
		d.fail(n, path, msg)
		return false
	}
	return true
}

// kindsOf returns the method kinds a field of t applies to, comma
// separated, or "" when it applies to every kind (t is not Method, or no
// kind lists the field).
func kindsOf(t reflect.Type, f reflect.StructField) string {
	if t != methodType {
		return ""
	}
	return kindsOfField(tagName(f))
}
