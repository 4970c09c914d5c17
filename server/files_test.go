package server

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// escapeDAG needs a base job template (for its node selector), and its
// task id climbs out of the project when it becomes that file's name.
const escapeDAG = "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n" +
	"t = KubernetesPodOperator(task_id=\"TASK\", image=\"i:1\", cmds=[\"python\", \"-c\", \"print(1)\"], node_selector={\"pool\": \"highmem\"})\n"

// writeDeploymentFor opens u with text and runs the code action that
// writes its deployment files, returning the command's error.
func writeDeploymentFor(h *harness, u uri.URI, text string) error {
	h.t.Helper()
	err := h.server.DidOpen(h.ctx, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: "python", Version: 1, Text: text,
	}})
	if err != nil {
		h.t.Fatalf("didOpen: %v", err)
	}
	pub := h.diagnosticsFor(u, 1)
	if len(pub.Diagnostics) == 0 {
		h.t.Fatalf("no diagnostics for %s", u)
	}
	actions, err := h.server.CodeAction(h.ctx, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: pub.Diagnostics[0].Range,
		Context: protocol.CodeActionContext{Diagnostics: pub.Diagnostics},
	})
	if err != nil {
		h.t.Fatalf("codeAction: %v", err)
	}
	for _, a := range actions {
		if action, ok := a.(*protocol.CodeAction); ok && action.Command.Command == commandWriteDeployment {
			_, err := h.server.ExecuteCommand(h.ctx, &protocol.ExecuteCommandParams{Command: action.Command.Command, Arguments: action.Command.Arguments})
			return err
		}
	}
	h.t.Fatalf("no code action writes the deployment of %s; actions: %v", u, actions)
	return nil
}

// folderState lists every entry under dir with its content, so that any
// change inside it shows up as a difference.
func folderState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(path)
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b.WriteString("=" + strconv.Quote(string(data)))
		}
		b.WriteString("; ")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mustWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDeploymentCommandStaysInWorkspace runs the code action that writes
// deployment files for documents and projects that point outside the
// workspace: a document URI with "..", a folder or prefect.yaml that links
// outside, a dangling link and a task id with "..". The server refuses each
// with an error, and nothing outside the workspace changes.
func TestDeploymentCommandStaysInWorkspace(t *testing.T) {
	outside := t.TempDir()
	mustWrite(t, filepath.Join(outside, "prefect.yaml"), "deployments: []\n")
	mustWrite(t, filepath.Join(outside, "dags", "dag.py"), strings.ReplaceAll(escapeDAG, "TASK", "outside_task"))
	for _, tc := range []struct {
		name  string
		task  string
		setup func(t *testing.T, root string) string
	}{
		{"document URI with dot-dot", "plain", func(t *testing.T, root string) string {
			rel, err := filepath.Rel(filepath.Join(root, "dags"), filepath.Join(outside, "dags", "dag.py"))
			if err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "dags") + "/" + rel
		}},
		{"dags folder links outside", "plain", func(t *testing.T, root string) string {
			symlinkTo(t, filepath.Join(outside, "dags"), filepath.Join(root, "dags"))
			return filepath.Join(root, "dags", "dag.py")
		}},
		{"prefect.yaml links outside", "plain", func(t *testing.T, root string) string {
			symlinkTo(t, filepath.Join(outside, "prefect.yaml"), filepath.Join(root, "prefect.yaml"))
			return filepath.Join(root, "dags", "dag.py")
		}},
		{"dangling prefect.yaml link", "plain", func(t *testing.T, root string) string {
			symlinkTo(t, filepath.Join(outside, "new.yaml"), filepath.Join(root, "prefect.yaml"))
			return filepath.Join(root, "dags", "dag.py")
		}},
		{"task id with dot-dot", "../../../escape", func(t *testing.T, root string) string {
			return filepath.Join(root, "dags", "dag.py")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			mustWrite(t, filepath.Join(root, "pyproject.toml"), "[project]\nname = \"p\"\n")
			path := tc.setup(t, root)
			before := folderState(t, outside)
			h := startServer(t, Options{})
			h.initialize(root, nil, nil)

			err := writeDeploymentFor(h, uri.File(path), strings.ReplaceAll(escapeDAG, "TASK", tc.task))
			if err == nil {
				t.Errorf("the command succeeded for a deployment outside the workspace")
			}
			if after := folderState(t, outside); after != before {
				t.Errorf("the folder outside the workspace changed:\nbefore %s\nafter  %s", before, after)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(root)), "escape.base-job-template.json")); err == nil {
				t.Errorf("a base job template was written above the workspace")
			}
			h.client.waitFor(t, "a message that the deployment was not written", func() bool {
				for _, m := range h.client.messages {
					if strings.Contains(m, "did not write the deployment") {
						return true
					}
				}
				return false
			})
		})
	}
}

// TestDeploymentCommandThroughLinkedWorkspace opens a workspace through a
// symbolic link to its folder and a document through a path with ".." that
// stays inside it. Both are the workspace itself, so the files are written
// there.
func TestDeploymentCommandThroughLinkedWorkspace(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "pyproject.toml"), "[project]\nname = \"p\"\n")
	linked := filepath.Join(t.TempDir(), "workspace-link")
	symlinkTo(t, root, linked)
	h := startServer(t, Options{})
	h.initialize(linked, nil, nil)

	text := strings.ReplaceAll(escapeDAG, "TASK", "linked_task")
	mustWrite(t, filepath.Join(root, "dags", "dag.py"), text)
	path := filepath.Join(linked, "dags") + "/../dags/dag.py"
	if err := writeDeploymentFor(h, uri.File(path), text); err != nil {
		t.Fatalf("writeDeployment: %v", err)
	}
	prefect := readFile(t, filepath.Join(root, "prefect.yaml"))
	if !strings.Contains(prefect, `entrypoint: "dags/dag.py:linked_task"`) {
		t.Errorf("prefect.yaml lacks the entrypoint relative to the workspace:\n%s", prefect)
	}
	if _, err := os.Stat(filepath.Join(root, "linked-task.base-job-template.json")); err != nil {
		t.Errorf("the base job template is not in the workspace: %v", err)
	}
	if info, err := os.Lstat(linked); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link to the workspace was replaced (err %v)", err)
	}
}

func symlinkTo(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
