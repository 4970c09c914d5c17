package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// projectWith copies example DAGs into dags/ of a new project folder
// marked by a pyproject.toml.
func projectWith(t *testing.T, names ...string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "dags"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte("[project]\nname = \"dags\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dags", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "dags", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFixWritesDeployments(t *testing.T) {
	root := projectWith(t, "module_level.py", "plain_dicts.py")
	existing := "# Hand-written deployments.\ndeployments:\n- name: nightly\n  entrypoint: flows/nightly.py:nightly\n"
	if err := os.WriteFile(filepath.Join(root, "prefect.yaml"), []byte(existing), 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, errOut := runCLI(t, "fix", "--deployments", "--unsafe-fixes", filepath.Join(root, "dags"))
	if status != exitClean {
		t.Fatalf("status %d, stderr %s", status, errOut)
	}
	data, err := os.ReadFile(filepath.Join(root, "prefect.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		"# Hand-written deployments.\n",
		"- name: nightly\n  entrypoint: flows/nightly.py:nightly\n",
		"entrypoint: \"dags/module_level.py:rebuild_dim_customer\"",
		"entrypoint: \"dags/plain_dicts.py:build_features\"",
		"entrypoint: \"dags/plain_dicts.py:score_customers\"",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("prefect.yaml lacks %q:\n%s", want, text)
		}
	}
	for _, file := range []string{"build-features.base-job-template.json", "score-customers.base-job-template.json"} {
		if _, err := os.Stat(filepath.Join(root, file)); err != nil {
			t.Errorf("template %s was not written: %v", file, err)
		}
	}
	// A second run has nothing left to rewrite and leaves prefect.yaml alone.
	runCLI(t, "fix", "--deployments", "--unsafe-fixes", filepath.Join(root, "dags"))
	again, _ := os.ReadFile(filepath.Join(root, "prefect.yaml"))
	if string(again) != text {
		t.Errorf("a second run changed prefect.yaml")
	}
}

func TestDeploymentsStayInsideProject(t *testing.T) {
	root := projectWith(t, "module_level.py")
	outside := filepath.Join(t.TempDir(), "prefect.yaml")
	if err := os.WriteFile(outside, []byte("deployments: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "prefect.yaml")); err != nil {
		t.Fatal(err)
	}
	status, _, errOut := runCLI(t, "fix", "--deployments", filepath.Join(root, "dags"))
	if status != exitError || !strings.Contains(errOut, "points outside the project folder") {
		t.Errorf("status %d, stderr %q", status, errOut)
	}
	data, _ := os.ReadFile(outside)
	if string(data) != "deployments: []\n" {
		t.Errorf("the file outside the project was changed: %q", data)
	}
}

func TestPyprojectConfiguresCheckAndFix(t *testing.T) {
	root := projectWith(t, "module_level.py", "module_import.py")
	if err := os.MkdirAll(filepath.Join(root, "dags", "legacy"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(root, "dags", "module_level.py"))
	if err := os.WriteFile(filepath.Join(root, "dags", "legacy", "old.py"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	pyproject := "[project]\nname = \"dags\"\n\n[tool.airshift]\nwork-pool = \"gpu-pool\"\nignore = [\"AS107\"]\n\n[tool.airshift.per-file-ignores]\n\"dags/legacy/**\" = [\"AS101\"]\n"
	if err := os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte(pyproject), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, errOut := runCLI(t, "check", filepath.Join(root, "dags"))
	if strings.Contains(out, "AS107") || strings.Contains(out, "legacy/old.py") {
		t.Errorf("ignored findings were reported:\n%s%s", out, errOut)
	}
	if strings.Count(out, " AS101 ") != 3 {
		t.Errorf("want the 3 AS101 findings outside dags/legacy:\n%s", out)
	}
	_, diff, _ := runCLI(t, "fix", "--diff", filepath.Join(root, "dags", "module_level.py"))
	if !strings.Contains(diff, "--pool gpu-pool") {
		t.Errorf("the configured work pool is not in the rewrite:\n%s", diff)
	}
	_, diff, _ = runCLI(t, "fix", "--diff", "--work-pool", "cli-pool", filepath.Join(root, "dags", "module_level.py"))
	if !strings.Contains(diff, "--pool cli-pool") {
		t.Errorf("the flag does not override the configured work pool")
	}
	if err := os.WriteFile(filepath.Join(root, "pyproject.toml"), []byte("[tool.airshift]\nwork_pool = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, errOut := runCLI(t, "check", filepath.Join(root, "dags"))
	if status != exitError || !strings.Contains(errOut, "pyproject.toml:2") {
		t.Errorf("a broken configuration: status %d, stderr %q", status, errOut)
	}
}
