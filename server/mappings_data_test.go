package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"github.com/airshift/airshift/mappings"
)

// hostileMappingSection is a valid section whose fields hold template tags,
// shell substitutions and HTML. The hover shows them as written.
const hostileMappingSection = "{% section Hostile %}\n" +
	"## operator\nHostileOperator\n" +
	"## module\nacme.hostile\n" +
	"## source_context\n{% include \"/etc/passwd\" %} {{ config }} $(touch MARKER)\n" +
	"## prefect_pattern\n`rm -rf /` <img src=x onerror=alert(1)>\n" +
	"{% endsection %}\n"

// TestWorkspaceMappingsAreData loads the mapping folder named by a
// workspace's airshift.toml. It contains broken documents of each kind, one
// above the size limit, one with thousands of sections and one whose fields
// look like code. The user gets one message with the file and line of each
// problem, the good documents work, and nothing in them runs.
func TestWorkspaceMappingsAreData(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "airshift-mappings")
	mustWrite(t, filepath.Join(root, "airshift.toml"), "mappings = [\"airshift-mappings\"]\n")
	custom, err := os.ReadFile("../testdata/mappings/custom-operator.md")
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "custom.md"), string(custom))
	marker := filepath.Join(root, "MARKER")
	mustWrite(t, filepath.Join(dir, "hostile.md"), strings.ReplaceAll(hostileMappingSection, "MARKER", marker))

	broken := map[string]string{
		"unclosed.md":  "{% section A %}\n## operator\nA\n## module\na.b\n",
		"nested.md":    "{% section A %}\n## operator\nA\n{% section B %}\n",
		"tag-only.md":  "# notes\n\n{%}\n",
		"bad-name.md":  "{% section A %}\n## operator\nnot a class\n## module\na.b\n{% endsection %}\n",
		"fence.md":     "{% section A %}\n## operator\nA\n## module\na.b\n## example\n```python\nx = 1\n{% endsection %}\n",
		"invalid.json": "{\n  \"A\": {\"module\": \n}",
		"entry.json":   "{\n  \"A\": {\"module\": \"a.b\"},\n  \"B\": {\"operator\": \"B\"}\n}\n",
		"latin1.md":    "{% section A %}\n## operator\n\xe9\n",
	}
	want := map[string]string{
		"unclosed.md": ":1:", "nested.md": ":4:", "tag-only.md": ": no {% section", "bad-name.md": ":3:",
		"fence.md": ":7:", "invalid.json": ":3:", "entry.json": ":3:", "latin1.md": ":3:",
		"huge.md": ": document is",
	}
	for name, text := range broken {
		mustWrite(t, filepath.Join(dir, name), text)
	}
	mustWrite(t, filepath.Join(dir, "huge.md"), strings.Repeat("x", mappings.MaxDocumentSize+1))

	// Thousands of valid sections, just under the size limit.
	var many strings.Builder
	for i := 0; many.Len() < mappings.MaxDocumentSize-4096; i++ {
		fmt.Fprintf(&many, "{%% section S%d %%}\n## operator\nGenerated%dOperator\n## module\ngenerated.ops%d\n## notes\n- %s\n{%% endsection %%}\n", i, i, i, strings.Repeat("n", 200))
	}
	mustWrite(t, filepath.Join(dir, "many.md"), many.String())

	h := startServer(t, Options{})
	start := time.Now()
	h.initialize(root, nil, nil)
	t.Logf("initialize with the mapping folder took %v", time.Since(start))

	var message string
	h.client.waitFor(t, "the message about skipped mapping documents", func() bool {
		for _, m := range h.client.messages {
			if strings.Contains(m, "skipped mapping documents") {
				message = m
				return true
			}
		}
		return false
	})
	for name, place := range want {
		if !strings.Contains(message, filepath.Join(dir, name)+place) {
			t.Errorf("the message does not name %s%s:\n%s", name, place, message)
		}
	}
	for _, good := range []string{"custom.md", "hostile.md", "many.md"} {
		if strings.Contains(message, good) {
			t.Errorf("the message names the good document %s:\n%s", good, message)
		}
	}

	spark, err := filepath.Abs("../testdata/custom/spark_dag.py")
	if err != nil {
		t.Fatal(err)
	}
	u := h.open(spark, readFile(t, spark))
	if pub := h.diagnosticsFor(u, 1); len(pub.Diagnostics) != 2 {
		t.Errorf("the custom operator has %d diagnostics, want 2", len(pub.Diagnostics))
	}

	text := "from acme.hostile import HostileOperator\nx = HostileOperator(task_id=\"x\")\n" +
		"from generated.ops4321 import Generated4321Operator\n" + rawDAGText
	dag := h.open(filepath.Join(root, "dag.py"), text)
	h.diagnosticsFor(dag, 1)
	hover := func(line, character uint32) string {
		t.Helper()
		hv, err := h.server.Hover(h.ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: dag}, Position: protocol.Position{Line: line, Character: character},
		}})
		if err != nil || hv == nil {
			t.Fatalf("hover %d:%d = %v, %v", line, character, hv, err)
		}
		return hv.Contents.(*protocol.MarkupContent).Value
	}
	value := hover(1, 6)
	for _, verbatim := range []string{"{% include \"/etc/passwd\" %} {{ config }} $(touch " + marker + ")", "`rm -rf /`", "<img src=x onerror=alert(1)>"} {
		if !strings.Contains(value, verbatim) {
			t.Errorf("the hover does not show %q as written:\n%s", verbatim, value)
		}
	}
	if strings.Contains(value, "root:") {
		t.Errorf("the hover includes a file the document named:\n%s", value)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("a command in a mapping document ran: %s exists", marker)
	}
	if value := hover(2, 33); !strings.Contains(value, "Generated4321Operator → Prefect") {
		t.Errorf("the hover on an operator from the document with thousands of sections:\n%s", value)
	}
	if value := hover(4, 6); !strings.Contains(value, "KubernetesPodOperator → Prefect") {
		t.Errorf("the built-in hover after the workspace documents loaded:\n%s", value)
	}
}

// TestBrokenMappingSettingKeepsServing names a broken document and a
// missing path in the mappings setting after initialize. The server
// reports both and keeps the built-in mappings.
func TestBrokenMappingSettingKeepsServing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.md")
	mustWrite(t, bad, "{% section A %}\n{% endsection %}\n")
	h := startServer(t, Options{})
	h.initialize("", nil, map[string]any{"mappings": []string{bad, filepath.Join(dir, "missing.md")}})
	h.client.waitFor(t, "the message about skipped mapping documents", func() bool {
		for _, m := range h.client.messages {
			if strings.Contains(m, bad+":1:") && strings.Contains(m, "missing.md") {
				return true
			}
		}
		return false
	})
	u := h.open(filepath.Join(dir, "dag.py"), rawDAGText)
	if pub := h.diagnosticsFor(u, 1); len(pub.Diagnostics) != 1 {
		t.Errorf("built-in mappings: %d diagnostics, want 1", len(pub.Diagnostics))
	}
}
