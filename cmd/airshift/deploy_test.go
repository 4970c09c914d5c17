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
