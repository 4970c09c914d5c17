package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command in process and returns its exit status and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status := run(args, strings.NewReader(""), &stdout, &stderr)
	return status, stdout.String(), stderr.String()
}

// copyFixture copies a file from testdata into a temporary folder.
func copyFixture(t *testing.T, rel string, mode os.FileMode) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), filepath.Base(rel))
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckExampleDAGs(t *testing.T) {
	status, out, errOut := runCLI(t, "check", "../../testdata/dags")
	if status != exitFindings {
		t.Fatalf("status = %d, want 1; stderr: %s", status, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 30 {
		t.Fatalf("got %d lines, want 29 findings and a summary:\n%s", len(lines), out)
	}
	if want := "../../testdata/dags/module_level.py:27:24: AS101 [*] KubernetesPodOperator task \"rebuild_dim_customer\""; !strings.Contains(out, want) {
		t.Errorf("output lacks %q", want)
	}
	// Columns count characters: the call on this line follows CJK text.
	if want := "unicode_emoji.py:23:12: AS101"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if !strings.HasPrefix(lines[len(lines)-1], "Found 29 operator calls to migrate in 15 of 16 files. [*] ") {
		t.Errorf("summary = %q", lines[len(lines)-1])
	}
}

func TestCheckCleanAndErrors(t *testing.T) {
	clean := filepath.Join(t.TempDir(), "clean.py")
	if err := os.WriteFile(clean, []byte("print('no operators here')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if status, out, _ := runCLI(t, "check", clean); status != exitClean || !strings.Contains(out, "All checks passed") {
		t.Errorf("clean file: status %d, output %q", status, out)
	}
	if status, _, errOut := runCLI(t, "check", "no/such/dir"); status != exitError || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing path: status %d, stderr %q", status, errOut)
	}
	if status, _, errOut := runCLI(t, "check", "--format", "xml", clean); status != exitError || !strings.Contains(errOut, "unknown --format") {
		t.Errorf("bad format: status %d, stderr %q", status, errOut)
	}
	if status, _, _ := runCLI(t, "bogus"); status != exitError {
		t.Errorf("unknown command: status %d", status)
	}
}

func TestCheckJSONShape(t *testing.T) {
	status, out, _ := runCLI(t, "check", "--format", "json", "../../testdata/dags/module_level.py")
	if status != exitFindings {
		t.Fatalf("status = %d", status)
	}
	var records []map[string]any
	if err := json.Unmarshal([]byte(out), &records); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	if len(records) != 1 {
		t.Fatalf("got %d records", len(records))
	}
	r := records[0]
	for _, key := range []string{"code", "message", "filename", "location", "end_location", "fix", "noqa_row", "url", "cell"} {
		if _, ok := r[key]; !ok {
			t.Errorf("record lacks %q", key)
		}
	}
	if r["code"] != "AS101" {
		t.Errorf("code = %v", r["code"])
	}
	loc := r["location"].(map[string]any)
	end := r["end_location"].(map[string]any)
	if loc["row"] != 27.0 || loc["column"] != 24.0 || end["column"] != 45.0 {
		t.Errorf("location %v end %v, want 27:24 to 27:45", loc, end)
	}
	fix := r["fix"].(map[string]any)
	if fix["applicability"] != "safe" || len(fix["edits"].([]any)) == 0 {
		t.Errorf("fix = %v", fix)
	}
	if !filepath.IsAbs(r["filename"].(string)) {
		t.Errorf("filename %q is not absolute", r["filename"])
	}
}

func TestFixDiffWritesNothing(t *testing.T) {
	path := copyFixture(t, "dags/module_level.py", 0o644)
	before, _ := os.ReadFile(path)
	status, out, _ := runCLI(t, "fix", "--diff", path)
	if status != exitFindings {
		t.Errorf("status = %d, want 1 while a rewrite is pending", status)
	}
	if !strings.Contains(out, "+@flow(name=\"rebuild-dim-customer\"") || !strings.Contains(out, "-from kubernetes.client import models as k8s") {
		t.Errorf("diff lacks the rewrite:\n%s", out)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Errorf("--diff changed the file")
	}
}

func TestFixWritesAndIsIdempotent(t *testing.T) {
	path := copyFixture(t, "dags/module_level.py", 0o640)
	status, _, errOut := runCLI(t, "fix", path)
	if status != exitClean {
		t.Fatalf("status = %d, stderr %s", status, errOut)
	}
	if !strings.Contains(errOut, "Applied 1 rewrite in 1 file; 0 operator calls left.") {
		t.Errorf("stderr = %q", errOut)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640 kept", info.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	if !strings.Contains(string(first), "def rebuild_dim_customer(") {
		t.Errorf("file was not rewritten")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want only the file (no temporary left behind)", len(entries))
	}
	status, _, errOut = runCLI(t, "fix", path)
	second, _ := os.ReadFile(path)
	if status != exitClean || !bytes.Equal(first, second) || !strings.Contains(errOut, "Applied 0 rewrites") {
		t.Errorf("second run: status %d, changed=%v, stderr %q", status, !bytes.Equal(first, second), errOut)
	}
}

func TestFixLeavesSyntaxErrorsAlone(t *testing.T) {
	path := copyFixture(t, "invalid/syntax_error.py", 0o644)
	before, _ := os.ReadFile(path)
	status, out, _ := runCLI(t, "check", "--format", "json", path)
	if status != exitFindings || !strings.Contains(out, `"code": "AS001"`) || !strings.Contains(out, "line 11") {
		t.Errorf("check: status %d, output %s", status, out)
	}
	runCLI(t, "fix", "--unsafe-fixes", path)
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Errorf("fix changed a file that does not parse")
	}
}

func TestCustomMappingFindsOperator(t *testing.T) {
	status, out, errOut := runCLI(t, "check", "--mappings", "../../testdata/mappings", "../../testdata/custom")
	if status != exitFindings {
		t.Fatalf("status = %d, stderr %s", status, errOut)
	}
	if strings.Count(out, " AS100 AcmeSparkOperator") != 2 {
		t.Errorf("want 2 AS100 findings:\n%s", out)
	}
	status, out, _ = runCLI(t, "check", "../../testdata/custom")
	if status != exitClean {
		t.Errorf("without the mapping: status %d, output %s", status, out)
	}
}

func TestBrokenMappingIsReported(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.md")
	if err := os.WriteFile(bad, []byte("{% section X %}\n## operator\nX\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, out, errOut := runCLI(t, "check", "--mappings", bad, "../../testdata/dags/module_level.py")
	if status != exitError || !strings.Contains(errOut, "bad.md:1:") {
		t.Errorf("status %d, stderr %q", status, errOut)
	}
	if !strings.Contains(out, "AS101") {
		t.Errorf("the built-in mappings stopped working: %s", out)
	}
}

func TestExplain(t *testing.T) {
	status, out, _ := runCLI(t, "explain", "KubernetesPodOperator")
	if status != exitClean {
		t.Fatalf("status = %d", status)
	}
	for _, want := range []string{"### KubernetesPodOperator → Prefect", "#### Before (Airflow)", "#### After (Prefect)", "prefect-kubernetes"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q", want)
		}
	}
	status, out, _ = runCLI(t, "explain", "--format", "json", "KubernetesPodOperator")
	var compiled map[string]map[string]any
	if status != exitClean || json.Unmarshal([]byte(out), &compiled) != nil || compiled["KubernetesPodOperator"]["module"] == nil {
		t.Errorf("explain --format json: status %d, output %s", status, out)
	}
	if status, _, errOut := runCLI(t, "explain", "NoSuchOperator"); status != exitError || !strings.Contains(errOut, "KubernetesPodOperator") {
		t.Errorf("unknown operator: status %d, stderr %q", status, errOut)
	}
}
