package mappings

import (
	"errors"
	"strings"
	"testing"
)

// TestJSONEntryErrorsNameLine checks that an error in one entry of a JSON
// document names the line where that entry's key is.
func TestJSONEntryErrorsNameLine(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"missing module", "{\n  \"Good\": {\"module\": \"a.b\"},\n  \"Bad\": {\n    \"operator\": \"Bad\"\n  }\n}\n", 3, `entry "Bad" has no module`},
		{"invalid operator", "{\n  \"A\": {\"module\": \"a.b\"},\n\n  \"B\": {\"operator\": \"not a class\", \"module\": \"a.b\"}\n}\n", 4, "is not a Python class name"},
		{"invalid module", "{\"A\": {\"module\": \"a.b\"},\n\"Z\": {\"module\": \"a..b\"}}", 2, "not a dotted Python module path"},
		{"wrong field type", "{\n\n\n  \"A\": {\"module\": \"a.b\", \"notes\": \"one note\"}\n}", 4, `entry "A"`},
		{"duplicate key", "{\"A\": {\"module\": \"a.b\"},\n\"A\": {\"module\": \"\"}}", 2, "has no module"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("custom.json", []byte(tc.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a ParseError", err)
			}
			if !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("error = %v, want %q", err, tc.msg)
			}
			if pe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tc.line, err)
			}
		})
	}
}

// TestDocumentTextIsData loads a document whose fields hold template tags,
// shell substitutions and Markdown that other tools would act on. The
// parser keeps every field as plain text: nothing is expanded, included or
// run.
func TestDocumentTextIsData(t *testing.T) {
	doc := "---\nname: {{ config.secret }}\n---\n" +
		"{% section Acme %}\n" +
		"## operator\nAcmeOperator\n" +
		"## module\nacme.operators\n" +
		"## source_context\n{% include \"/etc/passwd\" %} and {{ env.HOME }}\n" +
		"## prefect_pattern\n$(touch /tmp/airshift-pwned) `rm -rf /` ${HOME}\n" +
		"## prefect_package\n<script>alert(1)</script>\n" +
		"## notes\n- {{ 7 * 7 }}\n- {% raw %}{{ x }}{% endraw %}\n" +
		"{% endsection %}\n"
	parsed, err := Parse("hostile.md", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	m := parsed.Mappings[0]
	for field, want := range map[string]string{
		"name":            "{{ config.secret }}",
		"source_context":  "{% include \"/etc/passwd\" %} and {{ env.HOME }}",
		"prefect_pattern": "$(touch /tmp/airshift-pwned) `rm -rf /` ${HOME}",
		"prefect_package": "<script>alert(1)</script>",
		"notes":           "{{ 7 * 7 }}|{% raw %}{{ x }}{% endraw %}",
	} {
		got := map[string]string{
			"name": parsed.Name, "source_context": m.SourceContext, "prefect_pattern": m.PrefectPattern,
			"prefect_package": m.PrefectPackage, "notes": strings.Join(m.Notes, "|"),
		}[field]
		if got != want {
			t.Errorf("%s = %q, want the text as written, %q", field, got, want)
		}
	}
}

// TestModuleFieldWithoutPath checks that a module field holding only
// bullets or backticks is an error: the registry would find no module for
// the operator, so the document would load and never match.
func TestModuleFieldWithoutPath(t *testing.T) {
	for name, doc := range map[string]string{
		"backtick.md": "{% section A %}\n## operator\nA\n## module\n`\n{% endsection %}\n",
		"bullets.md":  "{% section A %}\n## operator\nA\n## module\n- ``\n-\n{% endsection %}\n",
		"entry.json":  "{\"A\": {\"module\": \"- ``\"}}",
	} {
		_, err := Parse(name, []byte(doc))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: error = %v, want a ParseError", name, err)
			continue
		}
		if !strings.Contains(pe.Msg, "module") || pe.Line == 0 {
			t.Errorf("%s: error = %v, want one about the module with a line", name, err)
		}
	}
}
