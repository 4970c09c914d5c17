package analysis

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/airshift/airshift/mappings"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func builtinRegistry(t *testing.T) *mappings.Registry {
	t.Helper()
	reg, err := mappings.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func analyzeSource(t *testing.T, reg *mappings.Registry, name string, src []byte) *Result {
	t.Helper()
	tree := MustParse(src)
	t.Cleanup(tree.Close)
	return Analyze(NewFile(src, tree, reg), Options{Entrypoint: name})
}

// describeFindings renders findings one per line, with each fix's safety
// and message or the reason no fix is offered.
func describeFindings(res *Result) string {
	var b strings.Builder
	f := res.File
	for _, fd := range res.Findings {
		line := f.Line(fd.Start)
		col := fd.Start - f.LineStart(line)
		fmt.Fprintf(&b, "%d:%d %s %s\n", line+1, col+1, fd.Rule, fd.Message)
		for _, rel := range fd.Related {
			fmt.Fprintf(&b, "  related %d: %s\n", f.Line(rel.Start)+1, rel.Message)
		}
		for _, fx := range fd.Fixes {
			fmt.Fprintf(&b, "  fix (%s, preferred=%v): %s\n", fx.Safety, fx.Preferred, fx.Message())
		}
		if fd.NoFixReason != "" {
			fmt.Fprintf(&b, "  no fix: %s\n", fd.NoFixReason)
		}
	}
	return b.String()
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./analysis -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the output (go test ./analysis -update rewrites it):\n--- got\n%s", path, got)
	}
}

// TestExampleDAGs compares, for each example DAG, the findings and the file
// rewritten with every fix against golden files. It also checks that the
// rewrite parses, keeps the line endings, loses no argument value and
// changes nothing when fixed again.
func TestExampleDAGs(t *testing.T) {
	reg := builtinRegistry(t)
	files, err := filepath.Glob("../testdata/dags/*.py")
	if err != nil || len(files) < 10 {
		t.Fatalf("found %d example DAGs (%v), want at least 10", len(files), err)
	}
	total := 0
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res := analyzeSource(t, reg, name, src)
			total += len(res.Findings)
			checkGolden(t, filepath.Join("../testdata/golden", name+".findings"), []byte(describeFindings(res)))

			out, deployments, err := FixAllDeployments(context.Background(), src, reg, Options{Entrypoint: name}, true)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("../testdata/golden", name+".fixed"), out)
			if len(deployments) == 0 {
				return
			}
			checkRewritten(t, reg, name, src, out)
			checkDeployments(t, name, deployments)
		})
	}
	if total != 29 {
		t.Errorf("found %d calls in the example DAGs, want the 29 that testdata/dags/README.md lists", total)
	}
}

func checkRewritten(t *testing.T, reg *mappings.Registry, name string, src, out []byte) {
	t.Helper()
	tree := MustParse(out)
	defer tree.Close()
	if tree.RootNode().HasError() {
		t.Errorf("the rewritten file has syntax errors")
	}
	crlf := strings.Contains(string(src), "\r\n")
	for i, line := range strings.SplitAfter(string(out), "\n") {
		if strings.HasSuffix(line, "\n") && strings.HasSuffix(line, "\r\n") != crlf {
			t.Errorf("line %d of the rewrite has a different line ending than the original: %q", i+1, line)
			break
		}
	}
	again, n, err := FixAll(context.Background(), out, reg, Options{Entrypoint: name}, true)
	if err != nil || n != 0 || string(again) != string(out) {
		t.Errorf("a second fix run applied %d more fixes (err %v)", n, err)
	}
	for _, missing := range lostValues(t, reg, name, src, out) {
		t.Errorf("the rewrite lost the value %s", missing)
	}
	pythonCompiles(t, out)
}

// lostValues returns every literal inside the arguments of rewritten calls
// that appears nowhere in the output, neither as written nor as JSON.
func lostValues(t *testing.T, reg *mappings.Registry, name string, src, out []byte) []string {
	t.Helper()
	res := analyzeSource(t, reg, name, src)
	text := string(out)
	var lost []string
	for _, fd := range res.Findings {
		if len(fd.Fixes) == 0 {
			continue
		}
		for _, kw := range fd.Call.Keywords {
			values := atoms(kw.Value)
			if (kw.Name == "container_resources" || kw.Name == "resources") && kw.Value.Kind == KindDict {
				// The section keys (requests, limits) become part of the
				// job variable names, such as cpu_request.
				values = nil
				for _, it := range kw.Value.Items {
					values = append(values, atoms(it)...)
				}
			}
			for _, atom := range values {
				// JSON renders True as true, and strings with escapes.
				if !strings.Contains(text, atom) && !strings.Contains(text, strings.ToLower(atom)) && !strings.Contains(text, strings.Trim(jsonString(atom), `"`)) {
					lost = append(lost, fmt.Sprintf("%q of %s", atom, kw.Name))
				}
			}
		}
	}
	return lost
}

// atoms lists the strings, numbers and names inside a value.
func atoms(v *Value) []string {
	switch v.Kind {
	case KindString:
		if v.Str == "" {
			return nil
		}
		return []string{v.Str}
	case KindNumber, KindName:
		return []string{v.Text}
	case KindBool:
		return []string{v.Str}
	case KindList, KindDict:
		var out []string
		for _, k := range v.Keys {
			out = append(out, atoms(k)...)
		}
		for _, it := range v.Items {
			out = append(out, atoms(it)...)
		}
		return out
	case KindCall:
		var out []string
		for _, a := range v.Args {
			out = append(out, atoms(a)...)
		}
		for _, kw := range v.Kwargs {
			out = append(out, atoms(kw.Value)...)
		}
		return out
	}
	return []string{strings.Join(strings.Fields(v.Text), " ")}
}

// pythonCompiles checks src with python3's compiler where python3 exists.
func pythonCompiles(t *testing.T, src []byte) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found; only the tree-sitter parse check ran")
		return
	}
	cmd := exec.Command(python, "-c", "import sys; compile(sys.stdin.buffer.read(), 'rewritten.py', 'exec')")
	cmd.Stdin = strings.NewReader(string(src))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("python3 rejects the rewrite: %v\n%s", err, out)
	}
}

// TestMappingExampleRewrite rewrites the before example of the built-in
// mapping, the same call as the team's original mapping document, and
// checks the parts its after example promises.
func TestMappingExampleRewrite(t *testing.T) {
	reg := builtinRegistry(t)
	before := reg.ByOperator("KubernetesPodOperator").Before
	out, n, err := FixAll(context.Background(), []byte(before), reg, Options{Entrypoint: "process.py"}, false)
	if err != nil || n != 1 {
		t.Fatalf("FixAll applied %d safe fixes (err %v), want 1", n, err)
	}
	checkGolden(t, "../testdata/golden/mapping-example.fixed", out)
	text := string(out)
	for _, want := range []string{
		"from prefect import flow\n",
		"#    prefect work-pool create --type kubernetes kubernetes-pool\n",
		"#    image: \"my-registry/data-processor:v1.2\"\n",
		"#    env: {\"ENV\": \"prod\", \"BATCH_SIZE\": \"1000\"}\n",
		"#    cpu_request: \"500m\"\n",
		"#    memory_request: \"1Gi\"\n",
		"#    prefect deploy process.py:process_data --name process-data --pool kubernetes-pool\n",
		"@flow(name=\"process-data\")\n",
		"def process_data(env: str = \"prod\", batch_size: str = \"1000\"):\n",
		"    import pipeline\n    pipeline.run()\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rewrite lacks %q", want)
		}
	}
	for _, gone := range []string{"import KubernetesPodOperator", "from kubernetes.client"} {
		if strings.Contains(text, gone) {
			t.Errorf("rewrite keeps %q", gone)
		}
	}
	checkRewritten(t, reg, "process.py", []byte(before), out)
}

// TestRelatives checks the rule codes and fixes of the operators that run a
// pod like KubernetesPodOperator, and of the file's own subclass, factory
// and @task.kubernetes function.
func TestRelatives(t *testing.T) {
	reg := builtinRegistry(t)
	path := "../testdata/relatives/relatives.py"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res := analyzeSource(t, reg, "relatives.py", src)
	checkGolden(t, "../testdata/golden/relatives.py.findings", []byte(describeFindings(res)))
	var rules []string
	for _, fd := range res.Findings {
		rules = append(rules, fd.Rule)
	}
	want := "AS101 AS102 AS103 AS104 AS104 AS106 AS107 AS105"
	if strings.Join(rules, " ") != want {
		t.Errorf("rules %v, want %s", rules, want)
	}
	out, deployments, err := FixAllDeployments(context.Background(), src, reg, Options{Entrypoint: "relatives.py"}, true)
	if err != nil {
		t.Fatal(err)
	}
	n := len(deployments)
	checkDeployments(t, "relatives.py", deployments)
	checkGolden(t, "../testdata/golden/relatives.py.fixed", out)
	if n != 4 {
		t.Errorf("applied %d fixes, want 4 (GKE, EKS, the single-pod Job and the Job-shaped flow for the parallel Job)", n)
	}
	checkRewritten(t, reg, "relatives.py", src, out)
	for _, wantText := range []string{
		"#    project_id=\"acme-growth\"",
		"#    backoff_limit: 2",
		"#    finished_job_ttl: 600",
		"#    region=\"eu-central-1\"",
	} {
		if !strings.Contains(string(out), wantText) {
			t.Errorf("the rewrite lacks %q", wantText)
		}
	}
}

// checkDeployments writes the deployments of a fixture's rewrites into one
// prefect.yaml and their base job templates, compares them with golden
// files, and checks that each parses.
func checkDeployments(t *testing.T, name string, deployments []*Deployment) {
	t.Helper()
	var prefect []byte
	written := 0
	for _, d := range deployments {
		if d == nil {
			// A Job-shaped rewrite deploys like any flow and has no entry.
			continue
		}
		written++
		var err error
		prefect, err = UpdatePrefectYAML(prefect, d)
		if err != nil {
			t.Fatalf("prefect.yaml for %s: %v", d.Name, err)
		}
		if file := d.TemplateFile(); file != "" {
			tmpl, err := d.BaseJobTemplate()
			if err != nil {
				t.Fatalf("base job template for %s: %v", d.Name, err)
			}
			checkTemplateRequirements(t, d.Name, tmpl)
			checkGolden(t, filepath.Join("../testdata/golden", strings.TrimSuffix(name, ".py")+"."+file), tmpl)
		}
	}
	var parsed struct {
		Deployments []map[string]any `yaml:"deployments"`
	}
	if written == 0 {
		return
	}
	if err := yaml.Unmarshal(prefect, &parsed); err != nil || len(parsed.Deployments) != written {
		t.Errorf("prefect.yaml holds %d deployments (err %v), want %d", len(parsed.Deployments), err, written)
	}
	checkGolden(t, filepath.Join("../testdata/golden", strings.TrimSuffix(name, ".py")+".prefect.yaml"), prefect)
}

// checkTemplateRequirements checks that a base job template is JSON and
// keeps what Prefect's Kubernetes worker requires of the Job manifest:
// apiVersion batch/v1, kind Job, a pod template with parallelism 1,
// completions 1, restartPolicy Never and a first container named
// prefect-job.
func checkTemplateRequirements(t *testing.T, name string, tmpl []byte) {
	t.Helper()
	var parsed struct {
		JobConfiguration struct {
			JobManifest struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Spec       struct {
					Template struct {
						Spec struct {
							Parallelism   int    `json:"parallelism"`
							Completions   int    `json:"completions"`
							RestartPolicy string `json:"restartPolicy"`
							Containers    []struct {
								Name string `json:"name"`
							} `json:"containers"`
						} `json:"spec"`
					} `json:"template"`
				} `json:"spec"`
			} `json:"job_manifest"`
		} `json:"job_configuration"`
		Variables struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"variables"`
	}
	if err := json.Unmarshal(tmpl, &parsed); err != nil {
		t.Errorf("base job template for %s is not JSON: %v", name, err)
		return
	}
	m := parsed.JobConfiguration.JobManifest
	spec := m.Spec.Template.Spec
	if m.APIVersion != "batch/v1" || m.Kind != "Job" || spec.Parallelism != 1 || spec.Completions != 1 ||
		spec.RestartPolicy != "Never" || len(spec.Containers) == 0 || spec.Containers[0].Name != "prefect-job" {
		t.Errorf("base job template for %s lost a field the worker requires: %+v", name, m)
	}
	if _, ok := parsed.Variables.Properties["image"]; !ok {
		t.Errorf("base job template for %s lost its variables schema", name)
	}
}
