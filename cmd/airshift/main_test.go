package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/mappings"
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

// sarifOutput runs check --format sarif and decodes the log.
func sarifOutput(t *testing.T, paths ...string) map[string]any {
	t.Helper()
	status, out, errOut := runCLI(t, append([]string{"check", "--format", "sarif"}, paths...)...)
	if status != exitFindings {
		t.Fatalf("status = %d, want 1; stderr: %s", status, errOut)
	}
	var log map[string]any
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return log
}

// sarifRegionOf returns the region of the result as
// "line:column-line:column" and its artifact location.
func sarifRegionOf(t *testing.T, result map[string]any) (string, map[string]any) {
	t.Helper()
	location := result["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	region := location["region"].(map[string]any)
	span := fmt.Sprintf("%v:%v-%v:%v", region["startLine"], region["startColumn"], region["endLine"], region["endColumn"])
	return span, location["artifactLocation"].(map[string]any)
}

func TestCheckSARIFLog(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	log := sarifOutput(t, "testdata/dags/module_level.py", "testdata/dags/unicode_emoji.py", "testdata/invalid/syntax_error.py")

	if log["$schema"] != sarifSchema {
		t.Errorf("$schema = %v", log["$schema"])
	}
	if log["version"] != "2.1.0" {
		t.Errorf("version = %v, want 2.1.0", log["version"])
	}
	runs := log["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(runs))
	}
	run := runs[0].(map[string]any)
	if run["columnKind"] != "unicodeCodePoints" {
		t.Errorf("columnKind = %v, want unicodeCodePoints", run["columnKind"])
	}
	invocation := run["invocations"].([]any)[0].(map[string]any)
	if invocation["executionSuccessful"] != true {
		t.Errorf("invocation = %v, want executionSuccessful true", invocation)
	}

	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["name"] != "airshift" {
		t.Errorf("driver name = %v", driver["name"])
	}
	if driver["version"] != version {
		t.Errorf("driver version = %v, want %q", driver["version"], version)
	}
	if driver["informationUri"] != projectURL {
		t.Errorf("informationUri = %v", driver["informationUri"])
	}
	rules := driver["rules"].([]any)
	wantRules := []struct{ id, name, level string }{
		{"AS001", "syntax-error", "error"},
		{"AS101", "kubernetes-pod-operator", "warning"},
	}
	if len(rules) != len(wantRules) {
		t.Fatalf("got %d rules, want one per rule code found: %v", len(rules), rules)
	}
	for i, want := range wantRules {
		rule := rules[i].(map[string]any)
		if rule["id"] != want.id || rule["name"] != want.name {
			t.Errorf("rule %d = %v %v, want %s %s", i, rule["id"], rule["name"], want.id, want.name)
		}
		for _, key := range []string{"shortDescription", "fullDescription", "help"} {
			text, _ := rule[key].(map[string]any)["text"].(string)
			if text == "" {
				t.Errorf("rule %s has no %s.text", want.id, key)
			}
		}
		if level := rule["defaultConfiguration"].(map[string]any)["level"]; level != want.level {
			t.Errorf("rule %s default level = %v, want %s", want.id, level, want.level)
		}
	}

	// Columns count code points: line 23 of unicode_emoji.py starts with
	// four CJK characters (12 bytes), and line 45 has the emoji U+1F5FC
	// (two UTF-16 code units) before the call.
	wantSpans := map[string]string{
		"testdata/dags/module_level.py:AS101:27":    "27:24-27:45",
		"testdata/dags/unicode_emoji.py:AS101:23":   "23:12-23:33",
		"testdata/dags/unicode_emoji.py:AS101:34":   "34:14-34:35",
		"testdata/dags/unicode_emoji.py:AS101:45":   "45:17-45:38",
		"testdata/invalid/syntax_error.py:AS101:4":  "4:11-4:32",
		"testdata/invalid/syntax_error.py:AS001:11": "11:12-11:13",
	}
	results := run["results"].([]any)
	if len(results) != len(wantSpans) {
		t.Fatalf("got %d results, want %d", len(results), len(wantSpans))
	}
	fingerprints := map[string]bool{}
	for _, item := range results {
		result := item.(map[string]any)
		span, artifact := sarifRegionOf(t, result)
		if artifact["uriBaseId"] != "%SRCROOT%" {
			t.Errorf("uriBaseId = %v, want %%SRCROOT%%", artifact["uriBaseId"])
		}
		ruleID := result["ruleId"].(string)
		key := fmt.Sprintf("%v:%s:%s", artifact["uri"], ruleID, strings.Split(span, ":")[0])
		if want, ok := wantSpans[key]; !ok || span != want {
			t.Errorf("result %s spans %s, want %q", key, span, want)
		}

		rule := rules[int(result["ruleIndex"].(float64))].(map[string]any)
		if rule["id"] != ruleID {
			t.Errorf("result %s has ruleIndex of rule %v", key, rule["id"])
		}
		wantLevel := "warning"
		if ruleID == "AS001" {
			wantLevel = "error"
		}
		if result["level"] != wantLevel {
			t.Errorf("result %s level = %v, want %s", key, result["level"], wantLevel)
		}
		if text, _ := result["message"].(map[string]any)["text"].(string); text == "" {
			t.Errorf("result %s has no message text", key)
		}
		fingerprint, _ := result["partialFingerprints"].(map[string]any)["primaryLocationLineHash"].(string)
		if fingerprint == "" {
			t.Errorf("result %s has no primaryLocationLineHash", key)
		}
		if fingerprints[fingerprint] {
			t.Errorf("result %s repeats the fingerprint %q of another result", key, fingerprint)
		}
		fingerprints[fingerprint] = true

		_, hasFix := result["fixes"]
		if wantFix := key == "testdata/dags/module_level.py:AS101:27"; hasFix != wantFix {
			t.Errorf("result %s has fixes = %v, want %v (only safe fixes are included)", key, hasFix, wantFix)
		}
	}
}

func TestCheckSARIFFixReplacements(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	log := sarifOutput(t, "testdata/dags/module_level.py")
	result := log["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	fix := result["fixes"].([]any)[0].(map[string]any)
	if text, _ := fix["description"].(map[string]any)["text"].(string); !strings.HasPrefix(text, "Rewrite KubernetesPodOperator") {
		t.Errorf("fix description = %q", text)
	}
	change := fix["artifactChanges"].([]any)[0].(map[string]any)
	if uri := change["artifactLocation"].(map[string]any)["uri"]; uri != "testdata/dags/module_level.py" {
		t.Errorf("artifact change uri = %v", uri)
	}
	var inserted []string
	for _, item := range change["replacements"].([]any) {
		replacement := item.(map[string]any)
		if content, ok := replacement["insertedContent"].(map[string]any); ok {
			inserted = append(inserted, content["text"].(string))
		}
	}
	joined := strings.Join(inserted, "")
	if !strings.Contains(joined, "from prefect import flow\n") || !strings.Contains(joined, "def rebuild_dim_customer(") {
		t.Errorf("replacements lack the import and the flow:\n%s", joined)
	}
}

func TestCheckSARIFFingerprintSurvivesEdits(t *testing.T) {
	path := copyFixture(t, "dags/module_level.py", 0o644)
	t.Chdir(filepath.Dir(path))
	name := filepath.Base(path)
	fingerprintAndLine := func() (string, string) {
		result := sarifOutput(t, name)["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
		span, _ := sarifRegionOf(t, result)
		return result["partialFingerprints"].(map[string]any)["primaryLocationLineHash"].(string), span
	}
	before, beforeSpan := fingerprintAndLine()

	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	edited := "# A comment and a blank line added above the call.\n\n" + string(src)
	if err := os.WriteFile(name, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	after, afterSpan := fingerprintAndLine()
	if afterSpan == beforeSpan {
		t.Fatalf("the finding did not move: %s", afterSpan)
	}
	if after != before {
		t.Errorf("fingerprint changed from %s to %s when lines were added above the finding", before, after)
	}
}

func TestCheckSARIFPathOutsideFolder(t *testing.T) {
	path := copyFixture(t, "dags/module_level.py", 0o644)
	t.Chdir(filepath.Join("..", ".."))
	result := sarifOutput(t, path)["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)
	_, artifact := sarifRegionOf(t, result)
	if want := "file://" + filepath.ToSlash(path); artifact["uri"] != want {
		t.Errorf("uri = %v, want %s", artifact["uri"], want)
	}
	if _, ok := artifact["uriBaseId"]; ok {
		t.Errorf("an absolute URI has uriBaseId %v", artifact["uriBaseId"])
	}
}

func TestCheckSARIFCleanFileAndMissingPath(t *testing.T) {
	clean := filepath.Join(t.TempDir(), "clean.py")
	if err := os.WriteFile(clean, []byte("print('no operators here')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, out, _ := runCLI(t, "check", "--format", "sarif", clean, "no/such/file.py")
	if status != exitError {
		t.Errorf("status = %d, want 2 for the missing file", status)
	}
	var log struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful        bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Message struct{ Text string } `json:"message"`
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
			Results []any `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	run := log.Runs[0]
	// GitHub closes the alerts of a file only when results is an array.
	if run.Results == nil {
		t.Errorf("results is null, want an empty array")
	}
	if len(run.Results) != 0 {
		t.Errorf("results = %v, want none", run.Results)
	}
	invocation := run.Invocations[0]
	if invocation.ExecutionSuccessful {
		t.Errorf("executionSuccessful is true although a path is missing")
	}
	notifications := invocation.ToolExecutionNotifications
	if len(notifications) != 1 {
		t.Fatalf("notifications = %+v, want one", notifications)
	}
	if !strings.Contains(notifications[0].Message.Text, "no/such/file.py") {
		t.Errorf("notification %q does not name the missing path", notifications[0].Message.Text)
	}
}

func TestCheckGitHubCommands(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	status, out, _ := runCLI(t, "check", "--format", "github", "testdata/dags/module_level.py", "testdata/invalid/syntax_error.py")
	if status != exitFindings {
		t.Fatalf("status = %d, want 1", status)
	}
	want := []string{
		`::warning file=testdata/dags/module_level.py,line=27,col=24,endLine=27,endColumn=45,title=AS101::KubernetesPodOperator task "rebuild_dim_customer": becomes a Prefect @flow run by a Kubernetes work pool, with image, env and resources as job variables`,
		`::warning file=testdata/invalid/syntax_error.py,line=4,col=11,endLine=4,endColumn=32,title=AS101::KubernetesPodOperator task "cleanup_staging": becomes a Prefect @flow run by a Kubernetes work pool, with image, env and resources as job variables`,
		`::error file=testdata/invalid/syntax_error.py,line=11,col=12,endLine=11,endColumn=13,title=AS001::syntax error (missing )): Airshift cannot see operator calls inside code that does not parse, and rewrites nothing in this file`,
	}
	if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); !slices.Equal(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckGitHubEscapesPathAndMessage(t *testing.T) {
	t.Chdir(t.TempDir())
	name := "100%,done:v2.py"
	reg, err := mappings.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	result := analyzeSource(context.Background(), name, []byte("x = (\n"), reg, analysis.Options{})
	if len(result.findings) != 1 {
		t.Fatalf("got %d findings, want the syntax error", len(result.findings))
	}
	// No analysis message contains a line break today, so the test puts
	// one, with a percent sign, into the finding it prints.
	result.findings[0].Message = "line one: 50% done,\r\nline two"
	var out bytes.Buffer
	if err := writeGitHub(&out, []fileResult{result}); err != nil {
		t.Fatal(err)
	}
	want := "::error file=100%25%2Cdone%3Av2.py,line=1,col=1,endLine=1,endColumn=6,title=AS001::line one: 50%25 done,%0D%0Aline two\n"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
}

func TestCommandEscaping(t *testing.T) {
	if got, want := escapeCommandData("a:b,c%d\r\ne"), "a:b,c%25d%0D%0Ae"; got != want {
		t.Errorf("escapeCommandData = %q, want %q", got, want)
	}
	if got, want := escapeCommandProperty("a:b,c%d\r\ne"), "a%3Ab%2Cc%25d%0D%0Ae"; got != want {
		t.Errorf("escapeCommandProperty = %q, want %q", got, want)
	}
	// A literal "%0A" in the input stays text: its percent sign is escaped.
	if got, want := escapeCommandData("%0A"), "%250A"; got != want {
		t.Errorf("escapeCommandData(%%0A) = %q, want %q", got, want)
	}
}

func TestCheckStatisticsText(t *testing.T) {
	status, out, _ := runCLI(t, "check", "--statistics", "../../testdata/dags")
	if status != exitFindings {
		t.Fatalf("status = %d, want 1", status)
	}
	// The counts are those of the plain text output: 28 AS101 lines, two
	// of them marked [*], and one AS107 line. The summary counts 22
	// rewrites that need review.
	wantTable := "" +
		"count  code   fixable  needs review  name\n" +
		"   28  AS101        2            22  kubernetes-pod-operator\n" +
		"    1  AS107        0             0  operator-factory\n" +
		"\n"
	if !strings.HasPrefix(out, wantTable) {
		t.Errorf("got:\n%s\nwant the table:\n%s", out, wantTable)
	}
	if summary := strings.TrimPrefix(out, wantTable); !strings.HasPrefix(summary, "Found 29 operator calls to migrate in 15 of 16 files.") {
		t.Errorf("summary = %q", summary)
	}
}

func TestCheckStatisticsJSON(t *testing.T) {
	status, out, _ := runCLI(t, "check", "--statistics", "--format", "json", "../../testdata/dags")
	if status != exitFindings {
		t.Fatalf("status = %d, want 1", status)
	}
	var got []ruleStatistics
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out)
	}
	want := []ruleStatistics{
		{Code: "AS101", Name: "kubernetes-pod-operator", Count: 28, Fixable: true, FixableCount: 2, ReviewCount: 22},
		{Code: "AS107", Name: "operator-factory", Count: 1, Fixable: false, FixableCount: 0, ReviewCount: 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestCheckStatisticsWithoutFindings(t *testing.T) {
	clean := filepath.Join(t.TempDir(), "clean.py")
	if err := os.WriteFile(clean, []byte("print('no operators here')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, out, _ := runCLI(t, "check", "--statistics", "--format", "json", clean)
	if status != exitClean {
		t.Errorf("json: status = %d, want 0", status)
	}
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("json: output = %q, want []", out)
	}
	status, out, _ = runCLI(t, "check", "--statistics", clean)
	if status != exitClean {
		t.Errorf("text: status = %d, want 0", status)
	}
	if !strings.HasPrefix(out, "All checks passed") {
		t.Errorf("text: output = %q, want only the summary", out)
	}
}

func TestCheckStatisticsRejectsOtherFormats(t *testing.T) {
	clean := filepath.Join(t.TempDir(), "clean.py")
	if err := os.WriteFile(clean, []byte("print('no operators here')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"sarif", "github"} {
		status, _, errOut := runCLI(t, "check", "--statistics", "--format", format, clean)
		if status != exitError {
			t.Errorf("--format %s: status = %d, want 2", format, status)
		}
		if !strings.Contains(errOut, "--statistics works with --format text or json") {
			t.Errorf("--format %s: stderr = %q", format, errOut)
		}
	}
}

func TestRulesDescribeEveryCode(t *testing.T) {
	for _, code := range []string{"AS001", "AS100", "AS101", "AS102", "AS103", "AS104", "AS105", "AS106", "AS107"} {
		info, ok := rules[code]
		if !ok {
			t.Errorf("rules lacks %s", code)
			continue
		}
		if info.name == "" || info.short == "" || info.full == "" || info.help == "" {
			t.Errorf("rule %s has an empty field: %+v", code, info)
		}
	}
}

// TestSubcommandHelpGoesToStdout checks that every subcommand's --help
// prints its flags on standard output and exits 0.
func TestSubcommandHelpGoesToStdout(t *testing.T) {
	for _, cmd := range []string{"check", "fix", "explain", "serve"} {
		status, stdout, stderr := runCLI(t, cmd, "--help")
		if status != exitClean {
			t.Errorf("%s --help: exit status %d, want %d", cmd, status, exitClean)
		}
		if !strings.Contains(stdout, "Usage: airshift "+cmd) {
			t.Errorf("%s --help: standard output %q has no usage line", cmd, stdout)
		}
		if stderr != "" {
			t.Errorf("%s --help: standard error %q, want nothing", cmd, stderr)
		}
	}
}
