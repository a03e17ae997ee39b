package experiment

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// applySet applies one command-line override "key.path=value" to the
// document root. The path follows the schema (struct keys joined by dots;
// list elements as [index] or, for methods, [label]); the value is YAML
// (so "[1,2]" is a list, which at a single-value field makes a sweep).
// A missing key is created; an unknown key is an error naming the valid
// keys.
func applySet(root *yaml.Node, expr string) error {
	fail := func(path, msg string, valid ...string) error {
		return &Error{File: "-set", Path: path, Msg: msg, Valid: valid}
	}
	path, value, ok := strings.Cut(expr, "=")
	if !ok || path == "" {
		return fail(expr, "expected key.path=value")
	}
	if why := pathProblem(path); why != "" {
		return fail(path, "malformed key path: "+why)
	}
	var vdoc yaml.Node
	if err := yaml.Unmarshal([]byte(value), &vdoc); err != nil {
		return fail(path, "value is not valid YAML: "+err.Error())
	}
	val := resolve(&vdoc)
	if val == nil {
		val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	setLines(val)

	n, t := root, reflect.TypeFor[Spec]()
	segs := splitPath(path)
	done := ""
	for si, seg := range segs {
		last := si == len(segs)-1
		if seg.index != "" {
			if t.Kind() != reflect.Slice {
				return fail(done, "not a list")
			}
			n = resolve(n)
			if n == nil || n.Kind != yaml.SequenceNode {
				return fail(done, "the spec has no list here to index")
			}
			i, err := strconv.Atoi(seg.index)
			if err != nil {
				i = -1
				for j, item := range n.Content {
					if methodLabel(item, j) == seg.index {
						i = j
					}
				}
				if i < 0 {
					var labels []string
					for j, item := range n.Content {
						labels = append(labels, methodLabel(item, j))
					}
					return fail(done+"["+seg.index+"]", "no such element", labels...)
				}
			}
			if i < 0 || i >= len(n.Content) {
				return fail(done+"["+seg.index+"]", fmt.Sprintf("index out of range (the list has %d elements)", len(n.Content)))
			}
			done += "[" + seg.index + "]"
			t = t.Elem()
			if last {
				n.Content[i] = val
				return nil
			}
			n = n.Content[i]
			continue
		}
		if t.Kind() != reflect.Struct {
			return fail(done, "has no fields")
		}
		f, ok := fieldByKey(t, seg.key)
		if !ok {
			return fail(join(done, seg.key), "unknown field", yamlFields(t)...)
		}
		if t == reflect.TypeFor[Spec]() && seg.key == "sweep" {
			return fail("sweep", "cannot be set from the command line")
		}
		done = join(done, seg.key)
		n = resolve(n)
		if n.Kind != yaml.MappingNode {
			return fail(done, "the spec has no mapping here")
		}
		child := mapValue(n, seg.key)
		if last {
			if child == nil {
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg.key}, val)
			} else {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == seg.key {
						n.Content[i+1] = val
					}
				}
			}
			return nil
		}
		if child == nil {
			child = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg.key}, child)
		}
		n, t = child, f.Type
	}
	return nil
}

type pathSeg struct{ key, index string }

// splitPath splits "a.b[2].c[x]" into a, b, [2], c, [x].
func splitPath(p string) []pathSeg {
	var out []pathSeg
	for p != "" {
		switch {
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				end = len(p)
				p += "]"
			}
			out = append(out, pathSeg{index: p[1:end]})
			p = strings.TrimPrefix(p[end+1:], ".")
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, pathSeg{key: p[:end]})
			p = p[end:]
			p = strings.TrimPrefix(p, ".")
		}
	}
	return out
}

// setLines marks nodes that came from -set with line 0, so that errors
// about them are not attributed to a place in the file.
func setLines(n *yaml.Node) {
	n.Line, n.Column = 0, 0
	for _, c := range n.Content {
		setLines(c)
	}
}
