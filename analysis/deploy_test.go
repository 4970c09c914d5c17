package analysis

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// deploymentOf rewrites the first call of a fixture and returns the
// deployment its fix carries.
func deploymentOf(t *testing.T, name string) *Deployment {
	t.Helper()
	src, err := os.ReadFile("../testdata/dags/" + name)
	if err != nil {
		t.Fatal(err)
	}
	res := analyzeSource(t, builtinRegistry(t), name, src)
	for _, fd := range res.Findings {
		if len(fd.Fixes) > 0 && fd.Fixes[0].Deployment != nil {
			return fd.Fixes[0].Deployment
		}
	}
	t.Fatalf("%s has no fix with a deployment", name)
	return nil
}

type prefectFile struct {
	Deployments []struct {
		Name       string            `yaml:"name"`
		Entrypoint string            `yaml:"entrypoint"`
		Parameters map[string]string `yaml:"parameters"`
		Schedules  []map[string]any  `yaml:"schedules"`
		WorkPool   struct {
			Name         string         `yaml:"name"`
			JobVariables map[string]any `yaml:"job_variables"`
		} `yaml:"work_pool"`
	} `yaml:"deployments"`
}

func parsePrefect(t *testing.T, data []byte) prefectFile {
	t.Helper()
	var f prefectFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("prefect.yaml does not parse: %v\n%s", err, data)
	}
	return f
}

func TestDeploymentEntry(t *testing.T) {
	d := deploymentOf(t, "module_level.py")
	out, err := UpdatePrefectYAML(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	f := parsePrefect(t, out)
	dep := f.Deployments[0]
	if dep.Name != "rebuild-dim-customer" || dep.Entrypoint != "module_level.py:rebuild_dim_customer" {
		t.Errorf("name %q entrypoint %q", dep.Name, dep.Entrypoint)
	}
	if dep.Schedules[0]["cron"] != "0 3 * * *" {
		t.Errorf("schedules = %v, want the DAG's cron", dep.Schedules)
	}
	if dep.Parameters["warehouse_schema"] != "analytics" {
		t.Errorf("parameters = %v", dep.Parameters)
	}
	jv := dep.WorkPool.JobVariables
	if dep.WorkPool.Name != DefaultWorkPool || jv["image"] != "registry.example.com/data/etl:1.4.2" ||
		jv["cpu_limit"] != "2" || jv["pod_watch_timeout_seconds"] != 300 || jv["stream_output"] != true {
		t.Errorf("work_pool = %+v", dep.WorkPool)
	}
	env, _ := jv["env"].(map[string]any)
	if env["LOG_LEVEL"] != "INFO" {
		t.Errorf("env = %v", jv["env"])
	}
}

func TestUpdatePrefectYAMLKeepsOtherEntries(t *testing.T) {
	d := deploymentOf(t, "module_level.py")
	existing := "# Team deployments; edited by hand.\n" +
		"name: analytics\n" +
		"deployments:\n" +
		"  # The nightly job.\n" +
		"  - name: nightly\n" +
		"    entrypoint: flows/nightly.py:nightly  # keep\n" +
		"  - name: rebuild-dim-customer\n" +
		"    entrypoint: module_level.py:rebuild_dim_customer\n" +
		"    tags: [old]\n" +
		"pull:\n" +
		"  - prefect.deployments.steps.git_clone: {repository: x}\n"
	out, err := UpdatePrefectYAML([]byte(existing), d)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, kept := range []string{"# Team deployments; edited by hand.\n", "  # The nightly job.\n", "    entrypoint: flows/nightly.py:nightly  # keep\n", "pull:\n  - prefect.deployments.steps.git_clone: {repository: x}\n"} {
		if !strings.Contains(text, kept) {
			t.Errorf("the update lost %q:\n%s", kept, text)
		}
	}
	f := parsePrefect(t, out)
	if len(f.Deployments) != 2 || f.Deployments[0].Name != "nightly" || f.Deployments[1].Entrypoint != "module_level.py:rebuild_dim_customer" {
		t.Errorf("deployments = %+v", f.Deployments)
	}
	if strings.Contains(text, "tags: [old]") {
		t.Errorf("the entry of the same flow was not replaced:\n%s", text)
	}
	again, err := UpdatePrefectYAML(out, d)
	if err != nil || string(again) != text {
		t.Errorf("a second update changed the file (err %v):\n%s", err, again)
	}

	// An entry of the same name for another file stays; the new one is
	// numbered.
	other := strings.Replace(existing, "module_level.py:rebuild_dim_customer", "old.py:old", 1)
	out, err = UpdatePrefectYAML([]byte(other), deploymentOf(t, "module_level.py"))
	if err != nil {
		t.Fatal(err)
	}
	f = parsePrefect(t, out)
	if len(f.Deployments) != 3 || f.Deployments[1].Entrypoint != "old.py:old" || f.Deployments[2].Name != "rebuild-dim-customer-2" {
		t.Errorf("deployments = %+v", f.Deployments)
	}
}

func TestUpdatePrefectYAMLShapes(t *testing.T) {
	d := deploymentOf(t, "module_level.py")
	for _, tc := range []struct{ name, existing string }{
		{"no deployments key", "name: x\n"},
		{"empty flow list", "name: x\ndeployments: []\n"},
		{"null list", "deployments:\nname: x\n"},
		{"block list at column 0", "deployments:\n- name: other\n  entrypoint: a.py:b\n"},
		{"CRLF", "name: x\r\ndeployments:\r\n- name: other\r\n  entrypoint: a.py:b\r\n"},
		{"no trailing newline", "deployments:\n- name: other\n  entrypoint: a.py:b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := UpdatePrefectYAML([]byte(tc.existing), d)
			if err != nil {
				t.Fatal(err)
			}
			f := parsePrefect(t, out)
			found := false
			for _, dep := range f.Deployments {
				found = found || dep.Name == d.Name
			}
			if !found {
				t.Errorf("entry missing:\n%s", out)
			}
			if strings.Contains(tc.existing, "\r\n") && strings.Count(string(out), "\n") != strings.Count(string(out), "\r\n") {
				t.Errorf("line endings mixed:\n%q", out)
			}
		})
	}
	if _, err := UpdatePrefectYAML([]byte("deployments: [\n"), d); err == nil {
		t.Errorf("a broken prefect.yaml was updated")
	}
	if _, err := UpdatePrefectYAML([]byte("deployments: 3\n"), d); err == nil {
		t.Errorf("a prefect.yaml whose deployments is not a list was updated")
	}
}

func TestBaseJobTemplate(t *testing.T) {
	d := deploymentOf(t, "plain_dicts.py")
	if d.TemplateFile() == "" {
		t.Fatalf("plain_dicts.py needs a custom template: %+v", d)
	}
	out, err := d.BaseJobTemplate()
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "../testdata/golden/plain_dicts."+d.TemplateFile(), out)
	var tmpl struct {
		JobConfiguration struct {
			JobManifest struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Spec       struct {
					Template struct {
						Spec map[string]any `json:"spec"`
					} `json:"template"`
				} `json:"spec"`
			} `json:"job_manifest"`
		} `json:"job_configuration"`
		Variables struct {
			Properties map[string]any `json:"properties"`
		} `json:"variables"`
	}
	if err := json.Unmarshal(out, &tmpl); err != nil {
		t.Fatal(err)
	}
	m := tmpl.JobConfiguration.JobManifest
	spec := m.Spec.Template.Spec
	// The fields Prefect's Kubernetes worker checks before it runs a Job.
	if m.APIVersion != "batch/v1" || m.Kind != "Job" || spec["restartPolicy"] != "Never" || spec["parallelism"] != 1.0 || spec["completions"] != 1.0 {
		t.Errorf("manifest lost a required field: %+v", m)
	}
	containers := spec["containers"].([]any)
	container := containers[0].(map[string]any)
	if container["name"] != "prefect-job" || container["image"] != "{{ image }}" {
		t.Errorf("container = %v", container)
	}
	if spec["tolerations"] == nil || spec["nodeSelector"] == nil {
		t.Errorf("the call's tolerations and node selector are missing: %v", spec)
	}
	if len(tmpl.Variables.Properties) < 15 {
		t.Errorf("variables schema has %d properties", len(tmpl.Variables.Properties))
	}
}

func TestFixAllCollectsDeployments(t *testing.T) {
	src, err := os.ReadFile("../testdata/dags/module_level.py")
	if err != nil {
		t.Fatal(err)
	}
	_, deployments, err := FixAllDeployments(context.Background(), src, builtinRegistry(t), Options{Entrypoint: "module_level.py"}, false)
	if err != nil || len(deployments) != 1 || deployments[0].Name != "rebuild-dim-customer" {
		t.Errorf("deployments %v, err %v", deployments, err)
	}
}
