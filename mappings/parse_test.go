package mappings

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinKubernetesMapping(t *testing.T) {
	docs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(docs...)
	m := reg.ByOperator("KubernetesPodOperator")
	if m == nil {
		t.Fatal("built-in registry has no KubernetesPodOperator")
	}
	for _, module := range []string{
		"airflow.providers.cncf.kubernetes.operators.pod",
		"airflow.providers.cncf.kubernetes.operators.kubernetes_pod",
		"airflow.contrib.operators.kubernetes_pod_operator",
	} {
		if reg.Lookup(module, "KubernetesPodOperator") != m {
			t.Errorf("Lookup(%q) does not find the mapping", module)
		}
	}
	if m.PrefectPackage != "prefect-kubernetes" {
		t.Errorf("prefect_package = %q", m.PrefectPackage)
	}
	if !strings.Contains(m.After, "@flow(") || !strings.Contains(m.Before, "KubernetesPodOperator(") {
		t.Errorf("example lacks its before or after code:\nbefore:\n%s\nafter:\n%s", m.Before, m.After)
	}
	if len(m.Notes) < 5 || len(m.RelatedConcepts) == 0 {
		t.Errorf("notes %d, related concepts %d", len(m.Notes), len(m.RelatedConcepts))
	}
}

// seedPath finds the team's original mapping document, which lives beside
// the repository in development and CI checkouts.
func seedPath(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("AIRSHIFT_SEED")}
	for _, dir := range []string{"../..", "../../.."} {
		candidates = append(candidates, filepath.Join(dir, "shared", "seeds", "kubernetes-operator-mapping.md"))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	t.Skip("the original mapping document is not beside this checkout; set AIRSHIFT_SEED to its path")
	return ""
}

func TestSeedDocumentLoadsUnchanged(t *testing.T) {
	path := seedPath(t)
	docs, errs := LoadPath(path)
	if len(errs) > 0 {
		t.Fatalf("seed failed to load: %v", errs)
	}
	m := docs[0].Mappings[0]
	if m.Operator != "KubernetesPodOperator" || m.Module != "airflow.providers.cncf.kubernetes.operators.pod" {
		t.Errorf("operator %q module %q", m.Operator, m.Module)
	}
	if docs[0].Name != "Kubernetes Provider Operator Mappings" {
		t.Errorf("front matter name = %q", docs[0].Name)
	}
	if !strings.HasPrefix(m.Before, "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n") {
		t.Errorf("before example starts %q", firstLine(m.Before))
	}
	if !strings.Contains(m.After, "@flow(name=\"process-data\")") {
		t.Errorf("after example lacks the flow decorator")
	}
	if len(m.Notes) != 11 || len(m.RelatedConcepts) != 2 {
		t.Errorf("notes %d, related concepts %d; want 11 and 2", len(m.Notes), len(m.RelatedConcepts))
	}
	// A seed loaded on top of the built-in document still finds every
	// historic module path.
	builtin, _ := Builtin()
	reg := NewRegistry(append(builtin, docs...)...)
	if reg.Lookup("airflow.contrib.operators.kubernetes_pod_operator", "KubernetesPodOperator") != m {
		t.Errorf("the seed's mapping does not replace the built-in one for the contrib path")
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestCompiledJSONRoundTrip(t *testing.T) {
	docs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range docs {
		data, err := CompileJSON(doc.Mappings)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(doc.Path+".json", data)
		if err != nil {
			t.Fatalf("compiled JSON of %s does not parse: %v", doc.Path, err)
		}
		byName := map[string]*Mapping{}
		for _, m := range back.Mappings {
			byName[m.Operator] = m
		}
		for _, a := range doc.Mappings {
			b := byName[a.Operator]
			if b == nil {
				t.Errorf("%s: %s is missing after the round trip", doc.Path, a.Operator)
				continue
			}
			if a.Module != b.Module || a.After != b.After || a.Before != b.Before ||
				a.SourceContext != b.SourceContext || strings.Join(a.Notes, "\n") != strings.Join(b.Notes, "\n") {
				t.Errorf("round trip changed the mapping:\n%+v\n%+v", a, b)
			}
		}
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		line      int
		msg       string
	}{
		{"unclosed section", "---\nname: x\n---\n{% section A %}\n## operator\nA\n## module\na.b\n", 4, "has no {% endsection %}"},
		{"nested section", "{% section A %}\n{% section B %}\n", 2, "starts inside section"},
		{"missing module", "{% section A %}\n## operator\nA\n{% endsection %}\n", 1, "has no ## module"},
		{"bad operator", "{% section A %}\n## operator\nnot a class\n## module\na.b\n{% endsection %}\n", 3, "is not a Python class name"},
		{"bad module", "{% section A %}\n## operator\nA\n## module\na..b\n{% endsection %}\n", 5, "not a dotted Python module path"},
		{"unclosed fence", "{% section A %}\n## operator\nA\n## module\na.b\n## example\n### before\n```python\nx = 1\n{% endsection %}\n", 0, "code block"},
		{"unclosed front matter", "---\nname: x\n", 1, "never closed"},
		{"stray endsection", "{% endsection %}\n", 1, "without an open section"},
		{"duplicate field", "{% section A %}\n## operator\nA\n## operator\nB\n{% endsection %}\n", 4, "appears twice"},
		{"no sections", "# just a heading\n", 0, "no {% section NAME %} blocks"},
		{"invalid JSON", "{\n  \"A\": {\"module\": \n}", 3, "invalid JSON"},
		{"JSON without module", `{"A": {"operator": "A"}}`, 0, "has no module"},
		{"invalid UTF-8", "{% section A %}\n## operator\n\xff\n", 3, "invalid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("custom.md", []byte(tc.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error = %v, want a ParseError", err)
			}
			if pe.Path != "custom.md" || !strings.Contains(pe.Msg, tc.msg) {
				t.Errorf("error = %v, want custom.md and %q", err, tc.msg)
			}
			if tc.line > 0 && pe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tc.line, err)
			}
		})
	}
}

func TestLoadPathKeepsGoodDocuments(t *testing.T) {
	dir := t.TempDir()
	good := "{% section AcmeOperator %}\n## operator\nAcmeOperator\n## module\nacme.ops\n{% endsection %}\n"
	if err := os.WriteFile(filepath.Join(dir, "good.md"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.md"), []byte("{% section B %}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}
	reg, err := Load([]string{dir})
	if err == nil || !strings.Contains(err.Error(), "broken.md:1:") {
		t.Errorf("error = %v, want one naming broken.md:1", err)
	}
	if reg.Lookup("acme.ops", "AcmeOperator") == nil {
		t.Errorf("the good document did not load")
	}
	if reg.ByOperator("KubernetesPodOperator") == nil {
		t.Errorf("the built-in document is gone")
	}
	if RuleCode("AcmeOperator") != GenericRule || RuleCode("KubernetesPodOperator") != "AS101" {
		t.Errorf("rule codes: %s %s", RuleCode("AcmeOperator"), RuleCode("KubernetesPodOperator"))
	}
}

func TestLoadPathRejectsHugeDocument(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.md")
	if err := os.WriteFile(path, make([]byte, MaxDocumentSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs := LoadPath(path)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "larger than") {
		t.Errorf("errors = %v, want one size error", errs)
	}
}
