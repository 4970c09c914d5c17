package server

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/mappings"
)

// TestServerRewriteRoundTrip drives the whole editor flow: diagnostics,
// hover, a code action applied through incremental changes, and the empty
// diagnostic list that follows.
func TestServerRewriteRoundTrip(t *testing.T) {
	h := startServer(t, Options{})
	path, text := readFixture(t, "module_level.py")
	res := h.initialize(filepath.Dir(path), nil, nil)
	if res.Capabilities.PositionEncoding != protocol.PositionEncodingKindUTF16 {
		t.Fatalf("position encoding = %q, want utf-16 when the client offers none", res.Capabilities.PositionEncoding)
	}
	u := h.open(path, text)

	pub := h.diagnosticsFor(u, 1)
	if len(pub.Diagnostics) != 1 {
		t.Fatalf("got %d diagnostics, want 1: %+v", len(pub.Diagnostics), pub.Diagnostics)
	}
	d := pub.Diagnostics[0]
	if code, _ := d.Code.(protocol.String); code != "AS101" {
		t.Errorf("code = %v, want AS101", d.Code)
	}
	if src, _ := d.Source.Get(); src != "airshift" {
		t.Errorf("source = %q, want airshift", src)
	}
	if got := h.textAt(text, d.Range); got != "KubernetesPodOperator" {
		t.Errorf("diagnostic range covers %q, want the class name", got)
	}
	var relatedTexts []string
	for _, rel := range d.RelatedInformation {
		relatedTexts = append(relatedTexts, strings.SplitN(h.textAt(text, rel.Location.Range), "=", 2)[0])
	}
	if want := "image cmds arguments env_vars container_resources"; strings.Join(relatedTexts, " ") != want {
		t.Errorf("related information points at %v, want %s", relatedTexts, want)
	}

	hover, err := h.server.Hover(h.ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: d.Range.Start,
	}})
	if err != nil {
		t.Fatalf("hover: %v", err)
	}
	content, ok := hover.Contents.(*protocol.MarkupContent)
	if !ok || content.Kind != protocol.MarkupKindMarkdown {
		t.Fatalf("hover contents = %#v, want Markdown", hover.Contents)
	}
	for _, want := range []string{
		"### KubernetesPodOperator → Prefect",
		"| `image` | ` \"registry.example.com/data/etl:1.4.2\" ` | job variable `image`",
		"| `service_account_name` | ` \"etl-runner\" ` | job variable `service_account_name` |",
		"| `get_logs` | ` true ` | job variable `stream_output` |",
	} {
		if !strings.Contains(content.Value, want) {
			t.Errorf("hover lacks %q:\n%s", want, content.Value)
		}
	}

	actions, err := h.server.CodeAction(h.ctx, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u},
		Range:        d.Range,
		Context:      protocol.CodeActionContext{Diagnostics: pub.Diagnostics},
	})
	if err != nil {
		t.Fatalf("codeAction: %v", err)
	}
	if len(actions) != 3 {
		t.Fatalf("got %d code actions, want the rewrite, the deployment files and the Job flow", len(actions))
	}
	if write := actions[1].(*protocol.CodeAction); write.Command.Command != commandWriteDeployment {
		t.Errorf("second action = %+v, want the %s command", write, commandWriteDeployment)
	}
	if job := actions[2].(*protocol.CodeAction); !strings.Contains(job.Title, "as a Kubernetes Job") || *job.IsPreferred {
		t.Errorf("third action = %q preferred=%v, want the Job flow, not preferred", job.Title, *job.IsPreferred)
	}
	action := actions[0].(*protocol.CodeAction)
	if action.IsPreferred == nil || !*action.IsPreferred || *action.Kind != protocol.CodeActionKindQuickFix {
		t.Errorf("action %q: preferred=%v kind=%v, want a preferred quickfix", action.Title, action.IsPreferred, action.Kind)
	}
	newText, changes := h.applyEdits(text, action.Edit.Changes[u])
	if err := h.server.DidChange(h.ctx, &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: 2},
		ContentChanges: changes,
	}); err != nil {
		t.Fatalf("didChange: %v", err)
	}
	after := h.diagnosticsFor(u, 2)
	if len(after.Diagnostics) != 0 {
		t.Errorf("after the fix: %d diagnostics, want none: %+v", len(after.Diagnostics), after.Diagnostics)
	}

	// The editor's result must equal the CLI's rewrite of the same file.
	want := cliRewrite(t, path, text)
	if newText != want {
		t.Errorf("rewrite through the server differs from the analysis:\n--- server\n%s\n--- analysis\n%s", newText, want)
	}
	for _, fragment := range []string{
		"from prefect import flow\n",
		"@flow(name=\"rebuild-dim-customer\", retries=2, retry_delay_seconds=300)\n",
		"#    image: \"registry.example.com/data/etl:1.4.2\"\n",
		"    from etl.customers import rebuild\n    rebuild(full_refresh=False)\n",
	} {
		if !strings.Contains(newText, fragment) {
			t.Errorf("rewritten file lacks %q", fragment)
		}
	}
	for _, line := range strings.Split(newText, "\n") {
		if strings.HasPrefix(line, "from airflow.providers") || strings.HasPrefix(line, "from kubernetes") {
			t.Errorf("rewritten file keeps the unused import %q", line)
		}
	}
	pythonCompiles(t, newText)

	closeDoc(t, h, u)
	shutdown(t, h)
}

func closeDoc(t *testing.T, h *harness, u uri.URI) {
	t.Helper()
	before := len(h.client.diags[u])
	if err := h.server.DidClose(h.ctx, &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}); err != nil {
		t.Fatalf("didClose: %v", err)
	}
	h.client.waitFor(t, "diagnostics cleared on close", func() bool {
		list := h.client.diags[u]
		return len(list) > before && len(list[len(list)-1].Diagnostics) == 0
	})
}

func shutdown(t *testing.T, h *harness) {
	t.Helper()
	if err := h.server.Shutdown(h.ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := h.server.Exit(h.ctx); err != nil {
		t.Fatalf("exit: %v", err)
	}
	if err := h.wait(); err != nil {
		t.Errorf("Run after shutdown and exit = %v, want nil", err)
	}
}

// cliRewrite applies the fixes a code action offers, through the analysis
// package directly.
func cliRewrite(t *testing.T, path, text string) string {
	t.Helper()
	reg, err := mappings.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	out, n, err := analysis.FixAll(context.Background(), []byte(text), reg, analysis.Options{Entrypoint: filepath.Base(path)}, false)
	if err != nil || n == 0 {
		t.Fatalf("FixAll applied %d fixes, err %v", n, err)
	}
	return string(out)
}

// pythonCompiles checks src with python3's compiler where python3 exists.
func pythonCompiles(t *testing.T, src string) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found; the tree-sitter parse check still ran")
		return
	}
	cmd := exec.Command(python, "-c", "import sys; compile(sys.stdin.read(), 'rewritten.py', 'exec')")
	cmd.Stdin = strings.NewReader(src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("python3 rejects the rewrite: %v\n%s", err, out)
	}
}

// TestServerRangesWithEmojiAndCJK checks every range the server sends on a
// file with emoji and CJK text before and on the calls' lines, once with
// UTF-16 positions and once with UTF-8.
func TestServerRangesWithEmojiAndCJK(t *testing.T) {
	for _, tc := range []struct {
		name      string
		encodings []protocol.PositionEncodingKind
		want      protocol.PositionEncodingKind
	}{
		{"utf-16", []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF16}, protocol.PositionEncodingKindUTF16},
		{"utf-8", []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF8, protocol.PositionEncodingKindUTF16}, protocol.PositionEncodingKindUTF8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startServer(t, Options{})
			path, text := readFixture(t, "unicode_emoji.py")
			res := h.initialize(filepath.Dir(path), tc.encodings, nil)
			if res.Capabilities.PositionEncoding != tc.want {
				t.Fatalf("negotiated %q, want %q", res.Capabilities.PositionEncoding, tc.want)
			}
			u := h.open(path, text)
			pub := h.diagnosticsFor(u, 1)
			if len(pub.Diagnostics) != 3 {
				t.Fatalf("got %d diagnostics, want 3", len(pub.Diagnostics))
			}
			for _, d := range pub.Diagnostics {
				if got := h.textAt(text, d.Range); got != "KubernetesPodOperator" {
					t.Errorf("diagnostic at %v covers %q", d.Range.Start, got)
				}
				for _, rel := range d.RelatedInformation {
					name := strings.SplitN(rel.Message, ":", 2)[0]
					if got := h.textAt(text, rel.Location.Range); !strings.HasPrefix(got, name+"=") {
						t.Errorf("related %q covers %q", rel.Message, got)
					}
				}
				hover, err := h.server.Hover(h.ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
					TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: d.Range.End,
				}})
				if err != nil || hover == nil || hover.Range == nil {
					t.Fatalf("hover at the end of %v: %v %v", d.Range, hover, err)
				}
				if *hover.Range != d.Range {
					t.Errorf("hover range %v, want the diagnostic's %v", *hover.Range, d.Range)
				}
			}
			checked := 0
			for _, d := range pub.Diagnostics {
				actions, err := h.server.CodeAction(h.ctx, &protocol.CodeActionParams{
					TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: d.Range,
					Context: protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{d}},
				})
				if err != nil {
					t.Fatalf("codeAction: %v", err)
				}
				for _, a := range actions {
					action := a.(*protocol.CodeAction)
					if action.Edit == nil {
						continue
					}
					for _, e := range action.Edit.Changes[u] {
						// Every edit boundary must fall on a character boundary.
						h.textAt(text, e.Range)
						checked++
					}
					rewritten, _ := h.applyEdits(text, action.Edit.Changes[u])
					tree := analysis.MustParse([]byte(rewritten))
					if tree.RootNode().HasError() {
						t.Errorf("action %q gives a file that does not parse", action.Title)
					}
					tree.Close()
				}
			}
			if checked == 0 {
				t.Errorf("no code action edits to check")
			}
		})
	}
}
