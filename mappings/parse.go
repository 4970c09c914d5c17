package mappings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// MaxDocumentSize bounds a mapping document, so that a stray large file in a
// mappings folder is rejected instead of read into memory.
const MaxDocumentSize = 4 << 20

// Parse reads a mapping document in either of its two forms: Markdown with
// {% section %} blocks, or the compiled JSON object keyed by operator name.
// path is used only in messages.
func Parse(path string, data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, &ParseError{Path: path, Msg: fmt.Sprintf("document is %d bytes, larger than the %d-byte limit", len(data), MaxDocumentSize)}
	}
	if !utf8.Valid(data) {
		return nil, &ParseError{Path: path, Line: firstInvalidLine(data), Msg: "invalid UTF-8"}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	isJSON := strings.EqualFold(filepath.Ext(path), ".json")
	if isJSON || len(trimmed) > 0 && trimmed[0] == '{' && !bytes.HasPrefix(trimmed, []byte("{%")) {
		return parseJSON(path, data)
	}
	return parseMarkdown(path, data)
}

func firstInvalidLine(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return line
}

// field names of a section, in the order the format defines them.
var knownFields = map[string]bool{
	"operator": true, "module": true, "source_context": true, "prefect_pattern": true,
	"prefect_package": true, "prefect_import": true, "example": true, "notes": true,
	"related_concepts": true,
}

type markdownParser struct {
	path  string
	doc   *Document
	lines []string

	section      *sectionState
	sectionStart int
}

type sectionState struct {
	name     string
	fields   map[string][]string
	order    []string
	field    string
	sub      string // "before" or "after" inside the example field
	fenced   bool
	fenceAt  int
	codes    map[string]string
	codeBuf  []string
	lineOf   map[string]int
	startsAt int
}

func parseMarkdown(path string, data []byte) (*Document, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	p := &markdownParser{path: path, doc: &Document{Path: path}, lines: strings.Split(text, "\n")}
	start, err := p.frontMatter()
	if err != nil {
		return nil, err
	}
	for i := start; i < len(p.lines); i++ {
		if err := p.line(i+1, p.lines[i]); err != nil {
			return nil, err
		}
	}
	if p.section != nil && p.section.fenced {
		return nil, p.errorf(p.section.fenceAt, "code block is never closed")
	}
	if p.section != nil {
		return nil, p.errorf(p.section.startsAt, "section %q has no {%% endsection %%}", p.section.name)
	}
	if len(p.doc.Mappings) == 0 {
		return nil, p.errorf(0, "no {%% section NAME %%} blocks found")
	}
	return p.doc, nil
}

func (p *markdownParser) errorf(line int, format string, args ...any) error {
	return &ParseError{Path: p.path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// frontMatter reads the optional block between two "---" lines and returns
// the index of the first line after it. Only the name key is used; the rest
// is kept out of the way because it belongs to other tools.
func (p *markdownParser) frontMatter() (int, error) {
	first := 0
	for first < len(p.lines) && strings.TrimSpace(p.lines[first]) == "" {
		first++
	}
	if first == len(p.lines) || strings.TrimSpace(p.lines[first]) != "---" {
		return 0, nil
	}
	for i := first + 1; i < len(p.lines); i++ {
		line := p.lines[i]
		if strings.TrimSpace(line) == "---" {
			return i + 1, nil
		}
		if value, ok := strings.CutPrefix(line, "name:"); ok {
			p.doc.Name = strings.Trim(strings.TrimSpace(value), `"'`)
		}
	}
	return 0, p.errorf(first+1, "front matter opened with --- is never closed")
}

func sectionTag(line string) (kind, name string, ok bool) {
	t := strings.TrimSpace(line)
	// "{%}" has both the prefix and the suffix, which overlap.
	if len(t) < len("{%%}") || !strings.HasPrefix(t, "{%") || !strings.HasSuffix(t, "%}") {
		return "", "", false
	}
	inner := strings.Fields(strings.TrimSpace(t[2 : len(t)-2]))
	if len(inner) == 0 {
		return "", "", false
	}
	switch inner[0] {
	case "section":
		if len(inner) != 2 {
			return "section", "", true
		}
		return "section", inner[1], true
	case "endsection":
		return "endsection", "", true
	}
	return "", "", false
}

func (p *markdownParser) line(n int, line string) error {
	s := p.section
	if s != nil && s.fenced {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			s.fenced = false
			key := s.sub
			if key == "" {
				key = s.field
			}
			s.codes[key] = strings.Join(s.codeBuf, "\n") + "\n"
			s.codeBuf = nil
			return nil
		}
		s.codeBuf = append(s.codeBuf, line)
		return nil
	}

	if kind, name, ok := sectionTag(line); ok {
		switch kind {
		case "section":
			if s != nil {
				return p.errorf(n, "section %q starts inside section %q, which has no {%% endsection %%} yet", name, s.name)
			}
			if name == "" {
				return p.errorf(n, "section tag needs exactly one name: {%% section NAME %%}")
			}
			p.section = &sectionState{name: name, fields: map[string][]string{}, codes: map[string]string{}, lineOf: map[string]int{}, startsAt: n}
		case "endsection":
			if s == nil {
				return p.errorf(n, "{%% endsection %%} without an open section")
			}
			m, err := p.finish(s)
			if err != nil {
				return err
			}
			p.doc.Mappings = append(p.doc.Mappings, m)
			p.section = nil
		}
		return nil
	}
	if s == nil {
		return nil
	}

	trimmed := strings.TrimSpace(line)
	switch {
	case strings.HasPrefix(trimmed, "### "):
		s.sub = strings.ToLower(strings.TrimSpace(trimmed[4:]))
		return nil
	case strings.HasPrefix(trimmed, "## "):
		name := strings.ToLower(strings.TrimSpace(trimmed[3:]))
		if _, dup := s.lineOf[name]; dup {
			return p.errorf(n, "field %q appears twice in section %q", name, s.name)
		}
		s.field, s.sub = name, ""
		s.order = append(s.order, name)
		s.lineOf[name] = n
		return nil
	case strings.HasPrefix(trimmed, "```"):
		if s.field == "" {
			return p.errorf(n, "code block before any ## field heading in section %q", s.name)
		}
		s.fenced, s.fenceAt = true, n
		return nil
	}
	if s.field != "" {
		s.fields[s.field] = append(s.fields[s.field], line)
	}
	return nil
}

func (p *markdownParser) finish(s *sectionState) (*Mapping, error) {
	if s.fenced {
		return nil, p.errorf(s.fenceAt, "code block is never closed")
	}
	text := func(name string) string {
		return strings.TrimSpace(strings.Join(s.fields[name], "\n"))
	}
	m := &Mapping{
		Operator:        text("operator"),
		Module:          text("module"),
		SourceContext:   text("source_context"),
		PrefectPattern:  text("prefect_pattern"),
		PrefectPackage:  text("prefect_package"),
		PrefectImport:   text("prefect_import"),
		Before:          s.codes["before"],
		After:           s.codes["after"],
		Notes:           bullets(s.fields["notes"]),
		RelatedConcepts: bullets(s.fields["related_concepts"]),
		Source:          fmt.Sprintf("%s:%d", p.path, s.startsAt),
	}
	if m.Operator == "" {
		return nil, p.errorf(s.startsAt, "section %q has no ## operator field", s.name)
	}
	if !isIdentifier(m.Operator) {
		return nil, p.errorf(s.lineOf["operator"]+1, "operator %q is not a Python class name", m.Operator)
	}
	if m.Module == "" {
		return nil, p.errorf(s.startsAt, "section %q has no ## module field", s.name)
	}
	if len(moduleLines(m.Module)) == 0 {
		// Only bullets or backticks: the registry would find no module.
		return nil, p.errorf(s.lineOf["module"]+1, "module field %q names no module path", m.Module)
	}
	for _, mod := range moduleLines(m.Module) {
		if !isDottedName(mod) {
			return nil, p.errorf(s.lineOf["module"]+1, "module %q is not a dotted Python module path", mod)
		}
	}
	return m, nil
}

func bullets(lines []string) []string {
	var out []string
	for _, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" {
			continue
		}
		if item, ok := strings.CutPrefix(t, "- "); ok {
			out = append(out, strings.TrimSpace(item))
		} else if item, ok := strings.CutPrefix(t, "* "); ok {
			out = append(out, strings.TrimSpace(item))
		} else if len(out) > 0 {
			// A continuation line of the previous bullet.
			out[len(out)-1] += " " + t
		} else {
			out = append(out, t)
		}
	}
	return out
}

// moduleLines splits the module field: one module per line, bullets and
// backticks allowed.
func moduleLines(field string) []string {
	var out []string
	for _, line := range strings.Split(field, "\n") {
		t := strings.TrimSpace(line)
		t = strings.TrimPrefix(t, "- ")
		t = strings.Trim(strings.TrimSpace(t), "`")
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}

func isDottedName(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if !isIdentifier(part) {
			return false
		}
	}
	return true
}

// jsonMapping is one entry of the compiled form. The example is nested the
// way the Markdown nests it.
type jsonMapping struct {
	Operator        string   `json:"operator"`
	Module          string   `json:"module"`
	SourceContext   string   `json:"source_context"`
	PrefectPattern  string   `json:"prefect_pattern"`
	PrefectPackage  string   `json:"prefect_package"`
	PrefectImport   string   `json:"prefect_import"`
	Example         *example `json:"example,omitempty"`
	Notes           []string `json:"notes"`
	RelatedConcepts []string `json:"related_concepts"`
}

type example struct {
	Before string `json:"before"`
	After  string `json:"after"`
}

func parseJSON(path string, data []byte) (*Document, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &ParseError{Path: path, Line: jsonErrorLine(data, err), Msg: "invalid JSON: " + err.Error()}
	}
	doc := &Document{Path: path}
	lines := jsonKeyLines(data)
	for _, key := range sortedKeys(raw) {
		var jm jsonMapping
		if err := json.Unmarshal(raw[key], &jm); err != nil {
			// The error's offset counts from the entry, not the document.
			return nil, &ParseError{Path: path, Line: lines[key], Msg: fmt.Sprintf("entry %q: %v", key, err)}
		}
		if jm.Operator == "" {
			jm.Operator = key
		}
		if !isIdentifier(jm.Operator) {
			return nil, &ParseError{Path: path, Line: lines[key], Msg: fmt.Sprintf("entry %q: operator %q is not a Python class name", key, jm.Operator)}
		}
		if len(moduleLines(jm.Module)) == 0 {
			return nil, &ParseError{Path: path, Line: lines[key], Msg: fmt.Sprintf("entry %q has no module", key)}
		}
		for _, mod := range moduleLines(jm.Module) {
			if !isDottedName(mod) {
				return nil, &ParseError{Path: path, Line: lines[key], Msg: fmt.Sprintf("entry %q: module %q is not a dotted Python module path", key, mod)}
			}
		}
		m := &Mapping{
			Operator: jm.Operator, Module: jm.Module, SourceContext: jm.SourceContext,
			PrefectPattern: jm.PrefectPattern, PrefectPackage: jm.PrefectPackage, PrefectImport: jm.PrefectImport,
			Notes: jm.Notes, RelatedConcepts: jm.RelatedConcepts, Source: path + ": entry " + key,
		}
		if jm.Example != nil {
			m.Before, m.After = jm.Example.Before, jm.Example.After
		}
		doc.Mappings = append(doc.Mappings, m)
	}
	if len(doc.Mappings) == 0 {
		return nil, &ParseError{Path: path, Msg: "JSON mapping document has no entries"}
	}
	return doc, nil
}

// jsonKeyLines returns the 1-based line of each top-level key of a JSON
// object that json.Unmarshal has accepted. A key that appears twice gets
// the line of its last occurrence, whose value Unmarshal keeps.
func jsonKeyLines(data []byte) map[string]int {
	lines := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return lines
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return lines
		}
		key, _ := tok.(string)
		// InputOffset is just past the key, on the key's line.
		lines[key] = bytes.Count(data[:dec.InputOffset()], []byte("\n")) + 1
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return lines
		}
	}
	return lines
}

func jsonErrorLine(data []byte, err error) int {
	var offset int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		offset = e.Offset
	case *json.UnmarshalTypeError:
		offset = e.Offset
	}
	if offset < 0 || offset > int64(len(data)) {
		return 0
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// CompileJSON renders mappings in the compiled JSON form: an object keyed by
// operator name with the document's fields.
func CompileJSON(ms []*Mapping) ([]byte, error) {
	out := make(map[string]jsonMapping, len(ms))
	for _, m := range ms {
		jm := jsonMapping{
			Operator: m.Operator, Module: m.Module, SourceContext: m.SourceContext,
			PrefectPattern: m.PrefectPattern, PrefectPackage: m.PrefectPackage, PrefectImport: m.PrefectImport,
			Notes: m.Notes, RelatedConcepts: m.RelatedConcepts,
		}
		if m.Before != "" || m.After != "" {
			jm.Example = &example{Before: m.Before, After: m.After}
		}
		out[m.Operator] = jm
	}
	return json.MarshalIndent(out, "", "  ")
}
