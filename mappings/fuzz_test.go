package mappings

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse parses arbitrary documents in both forms. Parse must not panic,
// must name the file and a line inside the document in every error, and
// must return only mappings that the registry can use. A parsed document
// must also survive a round trip through its compiled JSON form unchanged.
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"*.md", "../testdata/mappings/*.md"} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, string(data))
			doc, err := Parse(path, data)
			if err != nil {
				f.Fatalf("seed %s: %v", path, err)
			}
			compiled, err := CompileJSON(doc.Mappings)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, string(compiled))
		}
	}
	if len(seeds) < 4 {
		f.Fatalf("found %d seed documents, want the built-in and example documents", len(seeds))
	}
	seeds = append(seeds,
		"---\nname: x\n---\n{% section A %}\n## operator\nA\n## module\na.b\n",
		"{% section A %}\n## operator\nA\n## module\n- `a.b`\n- c.d\n## notes\n- one\n  more\n* two\n{% endsection %}\n",
		"{% section A %}\n## operator\nA\n## module\na.b\n## example\n### before\n```python\nx = 1\n```\n{% endsection %}\r\n",
		"{\n  \"A\": {\"module\": \n}",
		`{"A": {"operator": "A"}}`,
		`{"A": {"module": "a.b", "example": {"before": "x\n", "after": "y\n"}, "notes": ["n"]}}`,
		"\ufeff{% section A %}\n## operator\n\xff\n",
	)
	for _, seed := range seeds {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		path := "fuzz.md"
		if asJSON {
			path = "fuzz.json"
		}
		doc, err := Parse(path, data)
		if err != nil {
			checkParseError(t, path, data, err)
			return
		}
		checkParsedDocument(t, doc)
		compiled, err := CompileJSON(doc.Mappings)
		if err != nil {
			t.Fatalf("CompileJSON of a parsed document: %v", err)
		}
		back, err := Parse("compiled.json", compiled)
		if err != nil {
			t.Fatalf("the compiled form of a parsed document does not parse: %v\n%s", err, compiled)
		}
		want := map[string]*Mapping{}
		for _, m := range doc.Mappings {
			// CompileJSON keys by operator, so the last section wins, as
			// it does in a registry.
			want[m.Operator] = m
		}
		if len(back.Mappings) != len(want) {
			t.Fatalf("the round trip returned %d mappings, want %d", len(back.Mappings), len(want))
		}
		for _, b := range back.Mappings {
			a := want[b.Operator]
			if a == nil {
				t.Fatalf("the round trip invented the operator %q", b.Operator)
			}
			if diff := mappingDifference(a, b); diff != "" {
				t.Errorf("the round trip changed %s of %s", diff, a.Operator)
			}
		}
	})
}

// checkParseError checks that err is a ParseError for path whose line, when
// it names one, lies inside data.
func checkParseError(t *testing.T, path string, data []byte, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a ParseError", err, err)
	}
	if pe.Path != path {
		t.Errorf("error %v names %q, want %q", err, pe.Path, path)
	}
	if pe.Msg == "" {
		t.Errorf("error %v has no message", err)
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	if pe.Line < 0 || pe.Line > lines {
		t.Errorf("error %v names line %d of a %d-line document", err, pe.Line, lines)
	}
	if !strings.HasPrefix(err.Error(), path+":") {
		t.Errorf("error %q does not start with the file name", err)
	}
}

// checkParsedDocument checks what the registry relies on: a class name, at
// least one dotted module, and a source for messages.
func checkParsedDocument(t *testing.T, doc *Document) {
	t.Helper()
	if len(doc.Mappings) == 0 {
		t.Fatalf("Parse returned a document without mappings and without an error")
	}
	reg := NewRegistry(doc)
	for _, m := range doc.Mappings {
		if !isIdentifier(m.Operator) {
			t.Errorf("operator %q is not a Python class name", m.Operator)
		}
		mods := moduleLines(m.Module)
		if len(mods) == 0 {
			t.Errorf("operator %q has no module", m.Operator)
		}
		for _, mod := range mods {
			if !isDottedName(mod) {
				t.Errorf("operator %q has the module %q, which is not a dotted name", m.Operator, mod)
			}
		}
		if m.Source == "" {
			t.Errorf("operator %q has no source for messages", m.Operator)
		}
		if reg.ByOperator(m.Operator) == nil {
			t.Errorf("the registry does not find operator %q", m.Operator)
		}
	}
	for _, m := range doc.Mappings {
		if reg.ByOperator(m.Operator) != m || len(moduleLines(m.Module)) == 0 {
			// A later section of the same operator replaced this one, or
			// the check above has already reported the missing module.
			continue
		}
		module := moduleLines(m.Module)[0]
		if reg.Lookup(module, m.Operator) != m {
			t.Errorf("Lookup(%q, %q) does not find the mapping", module, m.Operator)
		}
	}
}

// mappingDifference names the first field that differs between a and b, or
// returns "".
func mappingDifference(a, b *Mapping) string {
	for _, field := range []struct{ name, x, y string }{
		{"module", a.Module, b.Module},
		{"source_context", a.SourceContext, b.SourceContext},
		{"prefect_pattern", a.PrefectPattern, b.PrefectPattern},
		{"prefect_package", a.PrefectPackage, b.PrefectPackage},
		{"prefect_import", a.PrefectImport, b.PrefectImport},
		{"example before", a.Before, b.Before},
		{"example after", a.After, b.After},
		{"notes", strings.Join(a.Notes, "\x00"), strings.Join(b.Notes, "\x00")},
		{"related_concepts", strings.Join(a.RelatedConcepts, "\x00"), strings.Join(b.RelatedConcepts, "\x00")},
	} {
		if field.x != field.y {
			return field.name
		}
	}
	return ""
}
