package experiment

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxPoints bounds the size of a sweep grid.
const MaxPoints = 100000

// Axis is one swept field: a list written where the schema has a single
// value (or a list of lists where it has a list).
type Axis struct {
	// Path names the field: "training.optimizer.lr", or for a field of a
	// method "methods[LABEL].sigma_min" (LABEL the method's label).
	Path string
	// Param is the name of the axis in results: the path for spec-wide
	// axes, "method.<field>" for a method's own axes (shared by all methods
	// so that tables line up).
	Param string
	// Method is the index of the method the axis belongs to, -1 when the
	// axis applies to every method.
	Method int
	// Values are the listed values, in file order.
	Values []string

	indexPath string // "methods[0].sigma_min"
	list      *yaml.Node
}

// Point is one concrete experiment of a sweep.
type Point struct {
	Spec Spec
	// Values holds this point's value of every axis, in File.Axes order.
	Values []string
}

// File is a decoded, validated spec file.
type File struct {
	Path string
	// Doc is the effective document: the file after -set overrides.
	Doc *yaml.Node
	// Axes are the swept fields in file order; Points the grid, in the
	// order documented in SCHEMA.md.
	Axes   []*Axis
	Points []Point
}

// Name returns the experiment name.
func (f *File) Name() string { return f.Points[0].Spec.Name }

// Effective returns the effective spec as YAML (what was run).
func (f *File) Effective() []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f.Doc); err != nil {
		panic("experiment: re-encoding a decoded document: " + err.Error())
	}
	enc.Close()
	return b.Bytes()
}

// Hash is the sha256 (hex) of the canonical form of the effective spec:
// key order, comments and number spelling do not change it.
func (f *File) Hash() string {
	h := sha256.Sum256(CanonicalNode(f.Doc))
	return hex.EncodeToString(h[:])
}

// Load reads, overrides, expands and validates one spec file.
func Load(path string, sets []string, reg Registry) (*File, error) {
	data, err := readSpec(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, sets, reg)
}

// Parse is Load on the file's contents.
//
// Sweep order: axes are taken in file order (depth first, keys in the
// order written, methods in list order); the grid is their Cartesian
// product with the first axis varying slowest and the last fastest, like
// nested loops written in file order. Points matching an exclude entry are
// dropped; include entries are appended after the grid, in their order,
// unless equal to a point already present.
func Parse(path string, data []byte, sets []string, reg Registry) (*File, error) {
	errs := &errorSet{file: path}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		errs.add(0, 0, "", "not valid YAML: "+err.Error(), nil)
		return nil, errs.err()
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		errs.add(second.Line, second.Column, "", "a second YAML document (after ---): a spec is one document; put each spec in its own file", nil)
		return nil, errs.err()
	} else if err != io.EOF {
		errs.add(0, 0, "", "not valid YAML after the first document: "+err.Error(), nil)
		return nil, errs.err()
	}
	if plainSize(&doc, MaxExpandedNodes) > MaxExpandedNodes {
		errs.add(0, 0, "", fmt.Sprintf("the spec has more than %d YAML nodes (keys, values, list items); a spec has hundreds", MaxExpandedNodes), nil)
		return nil, errs.err()
	}
	if n := expandedSize(&doc, MaxExpandedNodes, map[*yaml.Node]int{}); n > MaxExpandedNodes {
		errs.add(0, 0, "", fmt.Sprintf("with its aliases (*name) expanded the spec has more than %d YAML nodes: aliases nested too deep", MaxExpandedNodes), nil)
		return nil, errs.err()
	}
	root := resolve(&doc)
	if root == nil || root.Kind != yaml.MappingNode {
		errs.add(0, 0, "", "a spec is a mapping (name:, data:, methods:, ...)", nil)
		return nil, errs.err()
	}
	for _, s := range sets {
		if err := applySet(root, s); err != nil {
			return nil, err
		}
	}
	resolveDataFiles(root, path, reg, errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	f := &File{Path: path, Doc: &doc}
	x := &expander{errs: errs}
	x.walk(root, reflect.TypeFor[Spec](), "", "", "", -1, "")
	f.Axes = x.axes
	if err := errs.err(); err != nil {
		return nil, err
	}

	d := &decoder{errs: errs, reg: reg, where: map[string]pos{}}
	var sw Sweep
	if n := mapValue(root, "sweep"); n != nil {
		d.decode(n, reflect.ValueOf(&sw).Elem(), "sweep", "")
	}
	points, err := x.points(sw, root)
	if err != nil {
		return nil, err
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	for _, subst := range points {
		concrete := cloneNode(root, subst, map[*yaml.Node]*yaml.Node{})
		spec := Default()
		d.where = map[string]pos{}
		before := len(errs.list)
		d.decode(concrete, reflect.ValueOf(&spec).Elem(), "", "")
		if len(errs.list) == before {
			validate(&spec, d, root)
		}
		vals := make([]string, len(f.Axes))
		for i, a := range f.Axes {
			vals[i] = canonicalScalar(subst[a.list])
		}
		f.Points = append(f.Points, Point{Spec: spec, Values: vals})
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if len(f.Points) == 0 {
		errs.add(0, 0, "sweep", "every grid point is excluded", nil)
		return nil, errs.err()
	}
	return f, nil
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

type expander struct {
	errs *errorSet
	axes []*Axis
}

// walk finds the axes: lists at positions the schema types as a single
// value, and lists of lists where it types a list of values.
func (x *expander) walk(n *yaml.Node, t reflect.Type, path, ipath, param string, method int, tag reflect.StructTag) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	add := func() {
		if len(n.Content) == 0 {
			x.errs.add(n.Line, n.Column, path, "empty list: a sweep needs at least one value", nil)
			return
		}
		if tag.Get("sweep") == "no" {
			return // the decoder says it cannot be swept
		}
		a := &Axis{Path: path, Param: param, Method: method, indexPath: ipath, list: n}
		for _, v := range n.Content {
			a.Values = append(a.Values, canonicalScalar(v))
		}
		x.axes = append(x.axes, a)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if t == reflect.TypeFor[Spec]() && k == "sweep" {
				continue
			}
			f, ok := fieldByKey(t, k)
			if !ok {
				continue
			}
			x.walk(n.Content[i+1], f.Type, join(path, k), join(ipath, k), join(param, k), method, f.Tag)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		et := t.Elem()
		if et.Kind() == reflect.Struct {
			for i, item := range n.Content {
				ip := fmt.Sprintf("%s[%d]", ipath, i)
				p, pp, m := fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%s[%d]", param, i), method
				if et == methodType {
					p, pp, m = fmt.Sprintf("methods[%s]", methodLabel(item, i)), "method", i
				}
				x.walk(item, et, p, ip, pp, m, "")
			}
			return
		}
		if len(n.Content) > 0 && allLists(n.Content) {
			add()
		}
	default:
		if n.Kind == yaml.SequenceNode {
			add()
		}
	}
}

func allLists(ns []*yaml.Node) bool {
	for _, c := range ns {
		if c := resolve(c); c == nil || c.Kind != yaml.SequenceNode {
			return false
		}
	}
	return true
}

func methodLabel(n *yaml.Node, i int) string {
	n = resolve(n)
	if n != nil && n.Kind == yaml.MappingNode {
		if l := resolve(mapValue(n, "label")); l != nil && l.Kind == yaml.ScalarNode && l.Value != "" {
			return l.Value
		}
	}
	return strconv.Itoa(i)
}

// axis finds an axis by its path or by its index path.
func (x *expander) axis(path string) *Axis {
	for _, a := range x.axes {
		if a.Path == path || a.indexPath == path {
			return a
		}
	}
	return nil
}

func (x *expander) axisPaths() []string {
	var out []string
	for _, a := range x.axes {
		out = append(out, a.Path)
	}
	return out
}

// points lists the substitutions (axis list node → chosen value) of the
// grid, after exclude and include.
func (x *expander) points(sw Sweep, root *yaml.Node) ([]map[*yaml.Node]*yaml.Node, error) {
	total := 1
	for _, a := range x.axes {
		total *= len(a.Values)
		if total > MaxPoints {
			x.errs.add(a.list.Line, a.list.Column, a.Path, fmt.Sprintf("the sweep has more than %d points", MaxPoints), nil)
			return nil, x.errs.err()
		}
	}
	sweepNode := mapValue(root, "sweep")
	entryNode := func(list string, i int) *yaml.Node {
		if l := resolve(mapValue(resolve(sweepNode), list)); l != nil && i < len(l.Content) {
			return l.Content[i]
		}
		return sweepNode
	}
	check := func(list string, entries []map[string]any) bool {
		ok := true
		for i, e := range entries {
			for _, k := range sortedKeys(e) {
				if x.axis(k) == nil {
					n := entryNode(list, i)
					msg := "not a swept field"
					if len(x.axes) == 0 {
						msg += "; the spec has no lists to sweep"
					}
					x.errs.add(n.Line, n.Column, fmt.Sprintf("sweep.%s[%d].%s", list, i, k), msg, x.axisPaths())
					ok = false
				}
			}
		}
		return ok
	}
	if !check("exclude", sw.Exclude) || !check("include", sw.Include) {
		return nil, x.errs.err()
	}
	var out []map[*yaml.Node]*yaml.Node
	seen := map[string]bool{}
	keyOf := func(s map[*yaml.Node]*yaml.Node) string {
		var parts []string
		for _, a := range x.axes {
			parts = append(parts, canonicalScalar(s[a.list]))
		}
		return strings.Join(parts, "\x00")
	}
	idx := make([]int, len(x.axes))
	for range total {
		s := map[*yaml.Node]*yaml.Node{}
		for j, a := range x.axes {
			s[a.list] = a.list.Content[idx[j]]
		}
		if !x.excluded(s, sw.Exclude) && !seen[keyOf(s)] {
			seen[keyOf(s)] = true
			out = append(out, s)
		}
		for j := len(idx) - 1; j >= 0; j-- {
			idx[j]++
			if idx[j] < len(x.axes[j].Values) {
				break
			}
			idx[j] = 0
		}
	}
	for _, e := range sw.Include {
		s := map[*yaml.Node]*yaml.Node{}
		for _, a := range x.axes {
			s[a.list] = a.list.Content[0]
		}
		for k, v := range e {
			s[x.axis(k).list] = v.(*yaml.Node)
		}
		if !seen[keyOf(s)] {
			seen[keyOf(s)] = true
			out = append(out, s)
		}
	}
	return out, nil
}

func (x *expander) excluded(s map[*yaml.Node]*yaml.Node, exclude []map[string]any) bool {
	for _, e := range exclude {
		match := true
		for k, v := range e {
			if canonicalScalar(s[x.axis(k).list]) != canonicalScalar(v.(*yaml.Node)) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// cloneNode deep-copies n, replacing every node that is a key of subst by
// (a copy of) its value. done maps the nodes copied so far to their
// copies, so an anchored node is copied once and its aliases point to
// that copy (nested aliases are not expanded into a tree).
func cloneNode(n *yaml.Node, subst map[*yaml.Node]*yaml.Node, done map[*yaml.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := done[n]; ok {
		return c
	}
	if r, ok := subst[n]; ok {
		c := cloneNode(r, nil, map[*yaml.Node]*yaml.Node{})
		done[n] = c
		return c
	}
	c := *n
	done[n] = &c
	if n.Kind == yaml.AliasNode {
		c.Alias = cloneNode(n.Alias, subst, done)
	}
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		c.Content[i] = cloneNode(ch, subst, done)
	}
	return &c
}

// canonicalScalar spells a value the same way however it was written:
// numbers in Go's shortest form, lists as [a,b].
func canonicalScalar(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return ""
	}
	switch n.Kind {
	case yaml.SequenceNode:
		parts := make([]string, len(n.Content))
		for i, c := range n.Content {
			parts[i] = canonicalScalar(c)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case yaml.MappingNode:
		return string(CanonicalNode(n))
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return strconv.FormatBool(b)
		}
	}
	return n.Value
}
