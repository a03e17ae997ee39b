package experiment

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// SchemaMarkdown renders the accepted schema from the Go types, their tags
// and the defaults: experiments/SCHEMA.md is this text (a golden test keeps
// the two identical). reg supplies the names behind "@" enums.
func SchemaMarkdown(reg Registry) string {
	var b strings.Builder
	b.WriteString(schemaIntro)
	def := reflect.ValueOf(Default())
	type section struct {
		title string
		t     reflect.Type
		def   reflect.Value
	}
	sections := []section{
		{"Top level", reflect.TypeFor[Spec](), def},
		{"data", reflect.TypeFor[Data](), def.FieldByName("Data")},
		{"model", reflect.TypeFor[Model](), def.FieldByName("Model")},
		{"training", reflect.TypeFor[Training](), def.FieldByName("Training")},
		{"training.optimizer", reflect.TypeFor[Optimizer](), def.FieldByName("Training").FieldByName("Optimizer")},
		{"training.schedule", reflect.TypeFor[LRSchedule](), def.FieldByName("Training").FieldByName("Schedule")},
		{"methods[]", methodType, reflect.Value{}},
		{"methods[].reflow", reflect.TypeFor[Reflow](), reflect.ValueOf(DefaultMethod("rectified").Reflow)},
		{"evaluation", reflect.TypeFor[Evaluation](), def.FieldByName("Evaluation")},
		{"evaluation.solvers[]", solverEvalType, reflect.ValueOf(SolverEval{RTol: 1e-5, ATol: 1e-5})},
		{"evaluation.nll", reflect.TypeFor[NLLEval](), def.FieldByName("Evaluation").FieldByName("NLL")},
		{"report", reflect.TypeFor[Report](), def.FieldByName("Report")},
		{"sweep", reflect.TypeFor[Sweep](), def.FieldByName("Sweep")},
	}
	for _, s := range sections {
		if s.t == reflect.TypeFor[Spec]() {
			fmt.Fprintf(&b, "\n## %s\n\n", s.title)
		} else {
			fmt.Fprintf(&b, "\n## `%s`\n\n", s.title)
		}
		if s.t == methodType {
			b.WriteString("Defaults depend on the kind; a field that does not apply to the method's kind is an error.\n\n")
			b.WriteString("| key | type | applies to | default | valid | meaning |\n|---|---|---|---|---|---|\n")
		} else {
			b.WriteString("| key | type | default | valid | meaning |\n|---|---|---|---|---|\n")
		}
		for i := 0; i < s.t.NumField(); i++ {
			f := s.t.Field(i)
			typ := typeName(f.Type)
			valid := constraint(f.Tag, reg)
			if s.t == methodType {
				kinds := kindsOf(s.t, f)
				if kinds == "" {
					kinds = "all"
				}
				var defs []string
				for _, k := range strings.Split(kinds, ",") {
					if k == "all" {
						break
					}
					v := reflect.ValueOf(DefaultMethod(k)).Field(i)
					if f.Type.Kind() != reflect.Struct {
						defs = append(defs, fmt.Sprintf("%s: %s", k, valueText(v)))
					}
				}
				defs = slices.Compact(defs)
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", tagName(f), typ, strings.ReplaceAll(kinds, ",", ", "), strings.Join(defs, "; "), valid, cell(f.Tag.Get("doc")))
				continue
			}
			d := ""
			if s.def.IsValid() && f.Type.Kind() != reflect.Struct {
				d = valueText(s.def.Field(i))
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", tagName(f), typ, d, valid, cell(f.Tag.Get("doc")))
		}
	}
	return b.String()
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int:
		return "int"
	case reflect.Float64:
		return "float"
	case reflect.Bool:
		return "bool"
	case reflect.Struct:
		return "mapping"
	case reflect.Map:
		return "mapping path → value"
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	}
	return t.String()
}

func valueText(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return ""
		}
		return "`" + v.String() + "`"
	case reflect.Slice:
		if v.Len() == 0 {
			return ""
		}
		if v.Type().Elem().Kind() == reflect.Struct {
			return fmt.Sprintf("%d entries", v.Len())
		}
		return "`" + string(Canonical(v.Interface())) + "`"
	case reflect.Map:
		return ""
	}
	return "`" + string(Canonical(v.Interface())) + "`"
}

func constraint(tag reflect.StructTag, reg Registry) string {
	var parts []string
	if e := tag.Get("enum"); e != "" {
		if ref, ok := strings.CutPrefix(e, "@"); ok {
			parts = append(parts, strings.Join(reg.Names[ref], ", ")+" (registry)")
		} else {
			parts = append(parts, strings.ReplaceAll(e, ",", ", "))
		}
	}
	for _, c := range []struct{ key, op string }{{"min", "≥"}, {"minx", ">"}, {"max", "≤"}, {"maxx", "<"}} {
		if v := tag.Get(c.key); v != "" {
			parts = append(parts, c.op+" "+v)
		}
	}
	if tag.Get("sweep") == "no" {
		parts = append(parts, "not sweepable")
	}
	return strings.Join(parts, "; ")
}

const schemaIntro = `# Experiment spec schema

<!-- Generated from pkg/experiment (SchemaMarkdown); a test fails when this page and the code differ.
     Regenerate with: go test ./pkg/experiment -run TestSchemaDoc -update -->

A spec is one YAML file. ` + "`runexp validate SPEC`" + ` checks it without running anything.

## Decoding

- Decoding is strict: an unknown key, a duplicate key, a value of the wrong type, a number out of
  range or an unknown name (data set, solver, metric, ...) is an error of the form
  ` + "`file:line:col: field.path: message (valid: a, b, c)`" + `; ` + "`runexp`" + ` exits with status 2 and
  writes nothing.
- Keys left out take the defaults listed below.
- Methods that assume a standard normal source (` + "`vp`" + `, ` + "`ot`" + ` with ` + "`sigma_min > 0`" + `, ` + "`cnf`" + `)
  are rejected when ` + "`data.source`" + ` is not ` + "`normal`" + `; so is metric ` + "`nll`" + `.

## Sweeps

- Any single-valued field written as a list is a sweep axis (a list-valued field, such as
  ` + "`model.hidden`" + `, is swept by a list of lists). Fields marked "not sweepable" cannot be.
- Axes are taken in file order (depth first, keys in the order written, methods in list order).
  The grid is their Cartesian product, the first axis varying slowest and the last fastest, as
  nested loops written in file order. Seeds, methods, evaluation solvers and step counts are not
  axes: every grid point trains every method for every seed and evaluates it with every solver
  and step count.
- A field of one method is named ` + "`methods[LABEL].field`" + ` (or ` + "`methods[INDEX].field`" + `); in
  results its column is ` + "`method.field`" + `, shared by all methods.
- ` + "`sweep.exclude`" + `: a list of partial assignments {axis path: value}; grid points matching every
  key of an entry are dropped. ` + "`sweep.include`" + `: partial assignments appended after the grid,
  each starting from the first value of every axis; a value need not be one of the listed ones.
  Points are never repeated.
- Artifacts are content addressed, so grid points that share a training (for example two
  points differing only in another method's field) train it once.

## Command-line overrides

` + "`-set key.path=value`" + ` (repeatable) edits the spec before decoding, e.g.
` + "`-set training.steps=100 -set seeds=[1,2] -set methods[OT].sigma_min=[0,0.1]`" + `. The value
is YAML, so a list makes a sweep. The effective spec is saved as ` + "`spec.yaml`" + ` in the
results directory.
`

// cell escapes the table separator inside a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
