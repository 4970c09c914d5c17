package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

func change(u uri.URI, version int32, changes ...protocol.TextDocumentContentChangeEvent) *protocol.DidChangeTextDocumentParams {
	return &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: version},
		ContentChanges: changes,
	}
}

func insertAt(line, character uint32, text string) *protocol.TextDocumentContentChangePartial {
	p := protocol.Position{Line: line, Character: character}
	return &protocol.TextDocumentContentChangePartial{Range: protocol.Range{Start: p, End: p}, Text: text}
}

// TestRapidEditsApplyInOrder sends many incremental edits without waiting,
// as fast typing does, and checks that the server's text and findings match
// the client's final text: each edit depends on the one before it, so any
// reordering would corrupt the document.
func TestRapidEditsApplyInOrder(t *testing.T) {
	h := startServer(t, Options{})
	h.initialize("", []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF16}, nil)
	text := "x = 1\n"
	u := h.open("/tmp/airshift-test/typing.py", text)
	h.diagnosticsFor(u, 1)

	typed := "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as 😀KPO\n"
	typed = strings.ReplaceAll(typed, "😀", "")
	version := int32(1)
	col := uint32(0)
	for _, r := range typed {
		version++
		if r == '\n' {
			if err := h.server.DidChange(h.ctx, change(u, version, insertAt(1, col, "\n"))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := h.server.DidChange(h.ctx, change(u, version, insertAt(1, col, string(r)))); err != nil {
			t.Fatal(err)
		}
		col++
	}
	version++
	call := "t = KPO(task_id=\"typed\", image=\"i:1\", cmds=[\"python\", \"-c\", \"print(1)\"])\n"
	if err := h.server.DidChange(h.ctx, change(u, version, insertAt(2, 0, call))); err != nil {
		t.Fatal(err)
	}
	pub := h.diagnosticsFor(u, version)
	want := text + typed + call
	snap := h.serverSnapshot(u)
	if string(snap.text) != want {
		t.Fatalf("server text after %d edits:\n%q\nwant\n%q", version-1, snap.text, want)
	}
	if len(pub.Diagnostics) != 1 || h.textAt(want, pub.Diagnostics[0].Range) != "KPO" {
		t.Errorf("diagnostics after typing = %+v, want one on KPO", pub.Diagnostics)
	}
	full := analysisTree(t, snap.text)
	if snap.tree.RootNode().String() != full {
		t.Errorf("incremental tree differs from a full parse")
	}
}

// TestStaleChangeIsDropped checks that a didChange whose version is not
// newer than the document's is ignored.
func TestStaleChangeIsDropped(t *testing.T) {
	h := startServer(t, Options{})
	h.initialize("", nil, nil)
	u := h.open("/tmp/airshift-test/stale.py", "a = 1\n")
	if err := h.server.DidChange(h.ctx, change(u, 3, insertAt(0, 0, "b = 2\n"))); err != nil {
		t.Fatal(err)
	}
	if err := h.server.DidChange(h.ctx, change(u, 2, insertAt(0, 0, "stale = 0\n"))); err != nil {
		t.Fatal(err)
	}
	h.diagnosticsFor(u, 3)
	if got := string(h.serverSnapshot(u).text); got != "b = 2\na = 1\n" {
		t.Errorf("text = %q, want the stale change dropped", got)
	}
}

// TestCodeActionWithByteColumns sends the diagnostics back with byte
// columns, as Neovim 0.7 does, on a line with emoji before the class name.
// The server must still return the rewrite with its own ranges.
func TestCodeActionWithByteColumns(t *testing.T) {
	h := startServer(t, Options{})
	h.initialize("", nil, nil)
	text := "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n" +
		"note = \"🚀🚀\"; t = KubernetesPodOperator(task_id=\"t\", image=\"i:1\", cmds=[\"python\", \"-c\", \"print('🚀')\"])\n" +
		"x = KubernetesPodOperator(task_id=\"x\", image=\"i:2\", cmds=[\"python\", \"-c\", \"print(2)\"])\n"
	u := h.open("/tmp/airshift-test/bytes.py", text)
	pub := h.diagnosticsFor(u, 1)
	if len(pub.Diagnostics) != 2 {
		t.Fatalf("got %d diagnostics, want 2", len(pub.Diagnostics))
	}
	// Rewrite the second diagnostic's columns as byte offsets.
	d := pub.Diagnostics[1]
	line := strings.Split(text, "\n")[d.Range.Start.Line]
	byteCol := uint32(strings.Index(line, "KubernetesPodOperator"))
	sent := d
	sent.Range.Start.Character = byteCol
	sent.Range.End.Character = byteCol + uint32(len("KubernetesPodOperator"))
	actions, err := h.server.CodeAction(h.ctx, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u},
		Range:        sent.Range,
		Context:      protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{sent}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) != 3 {
		t.Fatalf("got %d actions, want the two rewrites and the deployment files", len(actions))
	}
	action := actions[0].(*protocol.CodeAction)
	if action.Diagnostics[0].Range != d.Range {
		t.Errorf("action diagnostic range %v, want the server's %v", action.Diagnostics[0].Range, d.Range)
	}
	if !strings.Contains(action.Title, `"x"`) {
		t.Errorf("action %q is not the rewrite of task x", action.Title)
	}
	out, _ := h.applyEdits(text, action.Edit.Changes[u])
	if !utf8.ValidString(out) || !strings.Contains(out, "note = \"🚀🚀\"; t = KubernetesPodOperator(") || strings.Contains(out, "x = KubernetesPodOperator") {
		t.Errorf("rewrite went wrong:\n%s", out)
	}
}

// TestHoverOnImportAndMiss checks hover on the imported name and the empty
// result elsewhere.
func TestHoverOnImportAndMiss(t *testing.T) {
	h := startServer(t, Options{})
	h.initialize("", nil, nil)
	text := "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as KPO\nx = 1\n"
	u := h.open("/tmp/airshift-test/hover.py", text)
	at := func(line, character uint32) *protocol.Hover {
		t.Helper()
		hv, err := h.server.Hover(h.ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: line, Character: character},
		}})
		if err != nil {
			t.Fatalf("hover %d:%d: %v", line, character, err)
		}
		return hv
	}
	hv := at(0, uint32(strings.Index(text, "KubernetesPodOperator as")+3))
	if hv == nil || !strings.Contains(hv.Contents.(*protocol.MarkupContent).Value, "KubernetesPodOperator → Prefect") {
		t.Fatalf("hover on the import = %+v", hv)
	}
	if got := h.textAt(text, *hv.Range); got != "KubernetesPodOperator" {
		t.Errorf("hover range covers %q", got)
	}
	if hv := at(1, 0); hv != nil {
		t.Errorf("hover on x = %+v, want none", hv)
	}
	if _, err := h.server.Hover(h.ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: 99, Character: 0},
	}}); err == nil || !strings.Contains(err.Error(), "past the end") {
		t.Errorf("hover past the end: err = %v, want an invalid-params error", err)
	}
}

// TestSettingsAddMappings changes the mappings setting and checks that a
// custom operator's diagnostics appear.
func TestSettingsAddMappings(t *testing.T) {
	h := startServer(t, Options{})
	h.initialize("", nil, nil)
	path, err := filepath.Abs("../testdata/custom/spark_dag.py")
	if err != nil {
		t.Fatal(err)
	}
	text := readFile(t, path)
	u := h.open(path, text)
	if pub := h.diagnosticsFor(u, 1); len(pub.Diagnostics) != 0 {
		t.Fatalf("before the setting: %d diagnostics", len(pub.Diagnostics))
	}
	folder, _ := filepath.Abs("../testdata/mappings")
	settings, _ := json.Marshal(map[string]any{"airshift": map[string]any{"mappings": []string{folder}}})
	before := len(h.client.diags[u])
	if err := h.server.DidChangeConfiguration(h.ctx, &protocol.DidChangeConfigurationParams{Settings: settings}); err != nil {
		t.Fatal(err)
	}
	var got []protocol.Diagnostic
	h.client.waitFor(t, "diagnostics after the settings change", func() bool {
		list := h.client.diags[u]
		if len(list) <= before {
			return false
		}
		got = list[len(list)-1].Diagnostics
		return true
	})
	if len(got) != 2 {
		t.Fatalf("after the setting: %d diagnostics, want 2", len(got))
	}
	for _, d := range got {
		if code, _ := d.Code.(protocol.String); code != "AS100" || h.textAt(text, d.Range) != "AcmeSparkOperator" {
			t.Errorf("diagnostic %v on %q", d.Code, h.textAt(text, d.Range))
		}
	}
}

// TestRequestsBeforeInitialize checks the lifecycle errors.
func TestRequestsBeforeInitialize(t *testing.T) {
	h := startServer(t, Options{})
	_, err := h.server.Hover(h.ctx, &protocol.HoverParams{})
	if err == nil || !strings.Contains(err.Error(), "not initialized") {
		t.Errorf("hover before initialize: err = %v", err)
	}
	h.initialize("", nil, nil)
	if _, err := h.server.Initialize(h.ctx, &protocol.InitializeParams{}); err == nil {
		t.Errorf("a second initialize succeeded")
	}
	u := h.open("/tmp/airshift-test/after.py", "x = 1\n")
	h.diagnosticsFor(u, 1)
}

// TestLargeDocumentIsSkipped opens a document above the size limit: the
// user gets a message, the document stays in sync, and no analysis runs.
func TestLargeDocumentIsSkipped(t *testing.T) {
	h := startServer(t, Options{})
	h.initialize("", nil, nil)
	text := rawDAGText + strings.Repeat("# padding line for a large file\n", maxDocumentBytes/32+10)
	u := h.open("/tmp/airshift-test/large.py", text)
	if pub := h.diagnosticsFor(u, 1); len(pub.Diagnostics) != 0 {
		t.Errorf("a skipped document has %d diagnostics", len(pub.Diagnostics))
	}
	h.client.waitFor(t, "the size message", func() bool {
		return len(h.client.messages) > 0 && strings.Contains(h.client.messages[0], "above the 2 MB limit")
	})
	if err := h.server.DidChange(h.ctx, change(u, 2, insertAt(0, 0, "#\n"))); err != nil {
		t.Fatal(err)
	}
	h.diagnosticsFor(u, 2)
	if got := h.serverSnapshot(u).text; !strings.HasPrefix(string(got), "#\n"+rawDAGText) {
		t.Errorf("the large document did not stay in sync")
	}
}

const rawDAGText = "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n" +
	"t = KubernetesPodOperator(task_id=\"t\", image=\"i:1\", cmds=[\"python\", \"-c\", \"print(1)\"])\n"

// TestBadSettingKeepsOthers sends settings where one value has the wrong
// type: the others still apply, and the user gets a message naming what was skipped.
func TestBadSettingKeepsOthers(t *testing.T) {
	h := startServer(t, Options{})
	h.initialize("", nil, map[string]any{"workPool": 42, "mappings": []string{}})
	h.client.waitFor(t, "the settings message", func() bool {
		return len(h.client.messages) > 0 && strings.Contains(h.client.messages[0], "workPool must be a string")
	})
	settings, _ := json.Marshal(map[string]any{"airshift": map[string]any{"workPool": "gpu-pool", "mappings": 7}})
	if err := h.server.DidChangeConfiguration(h.ctx, &protocol.DidChangeConfigurationParams{Settings: settings}); err != nil {
		t.Fatal(err)
	}
	u := h.open("/tmp/airshift-test/pool.py", rawDAGText)
	pub := h.diagnosticsFor(u, 1)
	actions, err := h.server.CodeAction(h.ctx, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: pub.Diagnostics[0].Range,
		Context: protocol.CodeActionContext{Diagnostics: pub.Diagnostics},
	})
	if err != nil || len(actions) != 3 {
		t.Fatalf("code actions: %v %v", actions, err)
	}
	edits := actions[0].(*protocol.CodeAction).Edit.Changes[u]
	joined := ""
	for _, e := range edits {
		joined += e.NewText
	}
	if !strings.Contains(joined, "--pool gpu-pool") {
		t.Errorf("the workPool setting did not reach the rewrite:\n%s", joined)
	}
}

// TestWriteDeploymentCommand runs the command behind the deployment action
// and checks the prefect.yaml it writes into the workspace root.
func TestWriteDeploymentCommand(t *testing.T) {
	h := startServer(t, Options{})
	root := t.TempDir()
	h.initialize(root, nil, nil)
	u := h.open(filepath.Join(root, "dags", "pool.py"), rawDAGText)
	pub := h.diagnosticsFor(u, 1)
	actions, err := h.server.CodeAction(h.ctx, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: pub.Diagnostics[0].Range,
		Context: protocol.CodeActionContext{Diagnostics: pub.Diagnostics},
	})
	if err != nil || len(actions) != 3 {
		t.Fatalf("code actions: %v %v", actions, err)
	}
	cmd := actions[1].(*protocol.CodeAction).Command
	if _, err := h.server.ExecuteCommand(h.ctx, &protocol.ExecuteCommandParams{Command: cmd.Command, Arguments: cmd.Arguments}); err != nil {
		t.Fatalf("executeCommand: %v", err)
	}
	data := readFile(t, filepath.Join(root, "prefect.yaml"))
	if !strings.Contains(data, `entrypoint: "dags/pool.py:t"`) || !strings.Contains(data, `image: "i:1"`) {
		t.Errorf("prefect.yaml:\n%s", data)
	}
	// A stale version is refused.
	stale := append([]protocol.LSPAny{}, cmd.Arguments...)
	stale[1] = protocol.LSPAny("7")
	if _, err := h.server.ExecuteCommand(h.ctx, &protocol.ExecuteCommandParams{Command: cmd.Command, Arguments: stale}); err == nil {
		t.Errorf("a command for version 7 of a version-1 document succeeded")
	}
}

// TestProjectConfigReloads reads [tool.airshift] from the workspace's
// pyproject.toml and notices when the file changes.
func TestProjectConfigReloads(t *testing.T) {
	root := t.TempDir()
	pyproject := filepath.Join(root, "pyproject.toml")
	if err := os.WriteFile(pyproject, []byte("[tool.airshift]\nignore = [\"AS101\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startServer(t, Options{})
	h.initialize(root, nil, nil)
	u := h.open(filepath.Join(root, "dag.py"), rawDAGText)
	if pub := h.diagnosticsFor(u, 1); len(pub.Diagnostics) != 0 {
		t.Fatalf("AS101 is ignored, but %d diagnostics arrived", len(pub.Diagnostics))
	}
	if err := os.WriteFile(pyproject, []byte("[tool.airshift]\nwork-pool = \"edited-pool\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(pyproject, later, later); err != nil {
		t.Fatal(err)
	}
	if err := h.server.DidChange(h.ctx, change(u, 2, insertAt(0, 0, "#\n"))); err != nil {
		t.Fatal(err)
	}
	var got []protocol.Diagnostic
	h.client.waitFor(t, "diagnostics after the configuration changed", func() bool {
		list := h.client.diags[u]
		last := list[len(list)-1]
		if v, _ := last.Version.Get(); v != 2 || len(last.Diagnostics) == 0 {
			return false
		}
		got = last.Diagnostics
		return true
	})
	if len(got) != 1 {
		t.Errorf("after the change: %d diagnostics, want 1", len(got))
	}
}

// TestEmptySettingsChangeKeepsSettings sends an empty settings object, as
// eglot does after it connects: the settings from initialize stay.
func TestEmptySettingsChangeKeepsSettings(t *testing.T) {
	h := startServer(t, Options{})
	folder, _ := filepath.Abs("../testdata/mappings")
	h.initialize("", nil, map[string]any{"mappings": []string{folder}})
	if err := h.server.DidChangeConfiguration(h.ctx, &protocol.DidChangeConfigurationParams{Settings: protocol.LSPAny("{}")}); err != nil {
		t.Fatal(err)
	}
	path, _ := filepath.Abs("../testdata/custom/spark_dag.py")
	u := h.open(path, readFile(t, path))
	if pub := h.diagnosticsFor(u, 1); len(pub.Diagnostics) != 2 {
		t.Errorf("after an empty settings change: %d diagnostics, want the 2 AS100 findings", len(pub.Diagnostics))
	}
}

// TestHoverPlainTextClient checks that a client taking only plain text in
// hovers gets plain text.
func TestHoverPlainTextClient(t *testing.T) {
	h := startServer(t, Options{})
	params := &protocol.InitializeParams{}
	params.Capabilities.TextDocument = &protocol.TextDocumentClientCapabilities{
		Hover: &protocol.HoverClientCapabilities{ContentFormat: []protocol.MarkupKind{protocol.MarkupKindPlainText}},
	}
	if _, err := h.server.Initialize(h.ctx, params); err != nil {
		t.Fatal(err)
	}
	u := h.open("/tmp/airshift-test/plain.py", rawDAGText)
	hv, err := h.server.Hover(h.ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: 1, Character: 6},
	}})
	if err != nil || hv == nil {
		t.Fatalf("hover: %v %v", hv, err)
	}
	if kind := hv.Contents.(*protocol.MarkupContent).Kind; kind != protocol.MarkupKindPlainText {
		t.Errorf("hover kind = %q, want plaintext", kind)
	}
}

// TestUnsafeFixAllOffered checks that with unsafeFixes on, fix-all is
// offered for a file whose only rewrites need review.
func TestUnsafeFixAllOffered(t *testing.T) {
	h := startServer(t, Options{})
	h.initialize("", nil, map[string]any{"unsafeFixes": true})
	text := rawDAGText + "t >> t2\n"
	text = strings.Replace(text, "from airflow", "t2 = None\nfrom airflow", 1)
	u := h.open("/tmp/airshift-test/unsafe.py", text)
	h.diagnosticsFor(u, 1)
	actions, err := h.server.CodeAction(h.ctx, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u},
		Context:      protocol.CodeActionContext{Only: []protocol.CodeActionKind{protocol.CodeActionKindSourceFixAll}},
	})
	if err != nil || len(actions) != 1 {
		t.Fatalf("fix-all actions: %v %v", actions, err)
	}
	if title := actions[0].(*protocol.CodeAction).Title; !strings.Contains(title, "need review") {
		t.Errorf("title = %q", title)
	}
}

// TestWriteDeploymentMultiRoot opens a document of the second workspace
// folder: its deployment goes to that folder's project, with an entrypoint
// relative to it, and a document outside every folder gets none.
func TestWriteDeploymentMultiRoot(t *testing.T) {
	other, project := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(project, "pyproject.toml"), []byte("[project]\nname = \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startServer(t, Options{})
	params := &protocol.InitializeParams{}
	params.WorkspaceFolders = protocol.NewNullable([]protocol.WorkspaceFolder{
		{URI: uri.File(other), Name: "other"}, {URI: uri.File(project), Name: "project"},
	})
	if _, err := h.server.Initialize(h.ctx, params); err != nil {
		t.Fatal(err)
	}
	run := func(path string) error {
		u := h.open(path, rawDAGText)
		pub := h.diagnosticsFor(u, 1)
		actions, err := h.server.CodeAction(h.ctx, &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: pub.Diagnostics[0].Range,
			Context: protocol.CodeActionContext{Diagnostics: pub.Diagnostics},
		})
		if err != nil || len(actions) < 2 {
			t.Fatalf("code actions: %v %v", actions, err)
		}
		cmd := actions[1].(*protocol.CodeAction).Command
		_, err = h.server.ExecuteCommand(h.ctx, &protocol.ExecuteCommandParams{Command: cmd.Command, Arguments: cmd.Arguments})
		return err
	}
	if err := run(filepath.Join(project, "dags", "etl.py")); err != nil {
		t.Fatal(err)
	}
	if data := readFile(t, filepath.Join(project, "prefect.yaml")); !strings.Contains(data, `entrypoint: "dags/etl.py:t"`) {
		t.Errorf("prefect.yaml of the project:\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(other, "prefect.yaml")); err == nil {
		t.Errorf("the first workspace folder got a prefect.yaml")
	}
	if err := run(filepath.Join(t.TempDir(), "outside.py")); err == nil {
		t.Errorf("a document outside the workspace got deployment files")
	}
}
