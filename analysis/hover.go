package analysis

import (
	"fmt"
	"strings"

	"github.com/airshift/airshift/mappings"
)

// Hover is the Markdown shown for an operator name and the range it covers.
type Hover struct {
	Markdown   string
	Start, End int
}

// HoverAt returns the hover for byte offset off: on the class name of a
// mapped call, or on its name in an import statement.
func (r *Result) HoverAt(off int) (Hover, bool) {
	f := r.File
	if f == nil {
		return Hover{}, false
	}
	for _, call := range f.calls {
		if off >= call.CalleeStart && off <= call.CalleeEnd {
			return Hover{Markdown: hoverMarkdown(call.Mapping, call), Start: call.CalleeStart, End: call.CalleeEnd}, true
		}
	}
	for _, b := range f.imports {
		if off < b.nameStart || off > b.nameEnd {
			continue
		}
		class := b.attr
		module := b.module
		if b.kind == bindImportModule {
			continue
		}
		m := f.registry.Lookup(module, class)
		if m == nil {
			continue
		}
		return Hover{Markdown: hoverMarkdown(m, nil), Start: b.nameStart, End: b.nameEnd}, true
	}
	return Hover{}, false
}

// hoverMarkdown renders a mapping, and when call is set, a table of the
// call's own arguments and where each goes in Prefect.
func hoverMarkdown(m *mappings.Mapping, call *Call) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s → Prefect\n\n", m.Operator)
	if m.SourceContext != "" {
		fmt.Fprintf(&b, "%s\n\n", m.SourceContext)
	}
	if m.PrefectPattern != "" {
		fmt.Fprintf(&b, "**Prefect pattern:** %s\n\n", m.PrefectPattern)
	}
	if m.PrefectPackage != "" {
		fmt.Fprintf(&b, "**Package:** `%s`", m.PrefectPackage)
		if m.PrefectImport != "" {
			fmt.Fprintf(&b, " · **Import:** `%s`", m.PrefectImport)
		}
		b.WriteString("\n\n")
	}
	if call != nil && len(call.Keywords) > 0 {
		b.WriteString("#### This call's arguments\n\n| argument | value | in Prefect |\n|---|---|---|\n")
		for _, kw := range call.Keywords {
			name := "`" + kw.Name + "`"
			if kw.IsSplat {
				name = "`**" + kw.Value.Text + "`"
			}
			if kw.Origin != "" {
				name += " (from `" + kw.Origin + "`)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", name, tableCell(truncate(displayValue(kw.Value), 80), true), tableCell(destination(call, kw), false))
		}
		b.WriteString("\n")
	}
	if m.After != "" && call == nil || m.After != "" && call != nil && call.Operator != "KubernetesPodOperator" {
		fmt.Fprintf(&b, "#### Example\n\n```python\n%s```\n\n", m.After)
	}
	if len(m.Notes) > 0 {
		b.WriteString("#### Notes\n\n")
		for _, n := range m.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func destination(call *Call, kw Keyword) string {
	if kw.IsSplat || kw.IsPosSplat {
		return "read from a dictionary at run time; not resolved"
	}
	p, ok := ParamFor(call.Operator, kw.Name)
	if !ok {
		if call.Operator == "KubernetesPodOperator" {
			return "not a known argument"
		}
		return "see the mapping's notes"
	}
	out := p.Dest.String()
	if p.Target != "" {
		out += " `" + p.Target + "`"
	}
	if p.Note != "" {
		out += ": " + p.Note
	}
	return out
}

// tableCell escapes text for a Markdown table cell; code cells are wrapped
// in backticks long enough for the text they contain.
func tableCell(s string, code bool) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	if !code {
		return s
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + " " + s + " " + fence
}

// ExplainMarkdown renders a mapping in full for the explain command: the
// hover text followed by the before and after examples.
func ExplainMarkdown(m *mappings.Mapping) string {
	var b strings.Builder
	b.WriteString(hoverMarkdown(m, &Call{Operator: m.Operator, Mapping: m}))
	if m.Before != "" {
		fmt.Fprintf(&b, "\n#### Before (Airflow)\n\n```python\n%s```\n", m.Before)
	}
	if m.After != "" {
		fmt.Fprintf(&b, "\n#### After (Prefect)\n\n```python\n%s```\n", m.After)
	}
	if len(m.RelatedConcepts) > 0 {
		fmt.Fprintf(&b, "\n**Related concepts:** %s\n", strings.Join(m.RelatedConcepts, ", "))
	}
	fmt.Fprintf(&b, "\n_Source: %s_\n", m.Source)
	return b.String()
}
