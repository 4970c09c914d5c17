package analysis

import (
	"fmt"
	"regexp"
	"strings"
)

// Airflow renders Jinja in templated arguments just before the task runs.
// A flow has no template step, so each expression becomes a flow parameter
// or a Prefect run-time value, and the string holding it an f-string.

var (
	jinjaExpr      = regexp.MustCompile(`\{\{\s*(.*?)\s*\}\}`)
	paramsKey      = regexp.MustCompile(`^params(?:\.(\w+)|\[\s*['"](\w+)['"]\s*\])$`)
	dagRunConfKey  = regexp.MustCompile(`^dag_run\.conf(?:\[\s*['"](\w+)['"]\s*\]|\.get\(\s*['"](\w+)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\))$`)
	airflowVarName = regexp.MustCompile(`^var\.(?:value|json)(?:\.(\w+)|\.get\(\s*['"](\w+)['"]\s*\))$`)
)

// dateMacros maps Airflow's date macros to the Python expression that
// formats a date the same way. The flow parameter of the same name takes
// the date; when it is empty, the run's scheduled start time is used.
var dateMacros = map[string]string{
	"ds":                  `strftime("%Y-%m-%d")`,
	"ds_nodash":           `strftime("%Y%m%d")`,
	"ts":                  `isoformat()`,
	"ts_nodash":           `strftime("%Y%m%dT%H%M%S")`,
	"logical_date":        `isoformat()`,
	"execution_date":      `isoformat()`,
	"data_interval_start": `isoformat()`,
}

// jinja collects what the translated templates of one call need.
type jinja struct {
	// params are the flow parameters, in order of first use.
	params []string
	// setup holds the statements that fill empty date parameters.
	setup []string
	// imports are the statements the translated expressions need.
	imports []string
	// reviews explains parameters whose default must come from the DAG.
	reviews []string
	// defaults holds parameter defaults that the template itself names.
	defaults map[string]string
	// dagParams holds the string defaults of the DAG's params argument.
	dagParams map[string]string
	seen      map[string]bool
}

func (j *jinja) addParam(name string) {
	if j.seen == nil {
		j.seen = map[string]bool{}
	}
	if j.defaults == nil {
		j.defaults = map[string]string{}
	}
	if !j.seen[name] {
		j.seen[name] = true
		j.params = append(j.params, name)
	}
}

// expression translates one Jinja expression into Python, or fails.
func (j *jinja) expression(expr string) (string, bool) {
	if format, ok := dateMacros[expr]; ok {
		if !j.seen[expr] {
			j.reviews = append(j.reviews, fmt.Sprintf("{{ %s }} becomes a parameter that defaults to the run's scheduled time, while Airflow's logical date is the start of the data interval, one schedule interval earlier; pass the date or shift it", expr))
			j.setup = append(j.setup, fmt.Sprintf("if not %s:", expr),
				fmt.Sprintf("\t# NOTE: Airflow's %s was one schedule interval before this time.", expr),
				fmt.Sprintf("\t%s = runtime.flow_run.scheduled_start_time.%s", expr, format))
			j.imports = append(j.imports, "from prefect import runtime")
		}
		j.addParam(expr)
		return expr, true
	}
	if expr == "run_id" {
		j.imports = append(j.imports, "from prefect import runtime")
		return "runtime.flow_run.id", true
	}
	if m := paramsKey.FindStringSubmatch(expr); m != nil {
		key := m[1] + m[2]
		name := paramName(key)
		if !j.seen[name] {
			if value, ok := j.dagParams[key]; ok {
				j.addParam(name)
				j.defaults[name] = value
			} else {
				j.reviews = append(j.reviews, fmt.Sprintf("flow parameter %s replaces {{ %s }}; give it the default of the DAG's params", name, expr))
			}
		}
		j.addParam(name)
		return name, true
	}
	if m := dagRunConfKey.FindStringSubmatch(expr); m != nil {
		name := paramName(m[1] + m[2])
		j.addParam(name)
		if m[3] != "" {
			j.defaults[name] = m[3]
		}
		return name, true
	}
	if m := airflowVarName.FindStringSubmatch(expr); m != nil {
		j.imports = append(j.imports, "from prefect.variables import Variable")
		return fmt.Sprintf("Variable.get('%s')", m[1]+m[2]), true
	}
	return "", false
}

// reservedNames are the names the generated flow body binds or imports;
// a parameter taking one of them would be hidden by it or hide it.
var reservedNames = map[string]bool{
	"os": true, "sys": true, "runpy": true, "subprocess": true, "runtime": true,
	"Variable": true, "flow": true, "manifest": true, "job": true,
}

// paramName turns a params or dag_run.conf key into a parameter name that
// no generated import hides.
func paramName(key string) string {
	name := identifier(key)
	if name == "" {
		name = "param"
	}
	if reservedNames[name] || dateMacros[name] != "" {
		name += "_param"
	}
	return name
}

// fString renders s, a string holding Jinja expressions, as a Python
// f-string literal. ok is false when a template cannot be translated.
func (j *jinja) fString(s string) (string, bool) {
	if strings.Contains(s, "{%") || strings.Contains(s, "{#") {
		return "", false
	}
	var b strings.Builder
	b.WriteString("f\"")
	last := 0
	for _, loc := range jinjaExpr.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(fStringText(s[last:loc[0]]))
		expr, ok := j.expression(s[loc[2]:loc[3]])
		if !ok {
			return "", false
		}
		b.WriteString("{" + expr + "}")
		last = loc[1]
	}
	b.WriteString(fStringText(s[last:]))
	b.WriteString("\"")
	return b.String(), true
}

// fStringText escapes literal text for a double-quoted f-string.
func fStringText(s string) string {
	quoted := pyString(s)
	inner := quoted[1 : len(quoted)-1]
	return strings.ReplaceAll(strings.ReplaceAll(inner, "{", "{{"), "}", "}}")
}

// pyValue renders a string as a Python literal, as an f-string when it
// holds Jinja templates.
func (j *jinja) pyValue(s string) (string, bool) {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "{%") {
		return pyString(s), true
	}
	return j.fString(s)
}

// translateCode rewrites the string literals of python -c code that hold
// Jinja templates into f-strings. ok is false when a template sits outside
// a string literal or cannot be translated.
func (j *jinja) translateCode(code string) (string, bool) {
	if !strings.Contains(code, "{{") && !strings.Contains(code, "{%") {
		return code, true
	}
	src := []byte(code)
	tree := MustParse(src)
	defer tree.Close()
	var edits []Edit
	ok := true
	var visit func(n *Node)
	visit = func(n *Node) {
		if !ok {
			return
		}
		if n.Type() == "string" {
			raw := text(n, src)
			if !strings.Contains(raw, "{{") {
				return
			}
			if strings.Contains(raw, `\N{`) {
				// A named escape would need Python's name table to decode.
				ok = false
				return
			}
			value, decoded := decodeString(n, src)
			prefix := strings.ToLower(strings.TrimRight(text(n.Child(0), src), `'"`))
			if !decoded || prefix != "" {
				ok = false
				return
			}
			literal, translated := j.fString(value)
			if !translated {
				ok = false
				return
			}
			edits = append(edits, Edit{Start: int(n.StartByte()), End: int(n.EndByte()), Text: literal})
			return
		}
		for i := 0; i < int(n.ChildCount()); i++ {
			visit(n.Child(i))
		}
	}
	visit(NewSyntax(tree.RootNode()).Root())
	if !ok {
		return "", false
	}
	out, err := ApplyEdits(src, edits)
	if err != nil || strings.Contains(string(out), "{{ ") {
		return "", false
	}
	return string(out), true
}
