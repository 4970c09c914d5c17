package analysis

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airshift/airshift/mappings"
)

// antiPatternFindings returns the AS201-AS203 findings of src.
func antiPatternFindings(t *testing.T, reg *mappings.Registry, src string) *Result {
	t.Helper()
	tree := MustParse([]byte(src))
	t.Cleanup(tree.Close)
	f := NewFile([]byte(src), tree, reg)
	return &Result{File: f, Findings: f.antiPatterns()}
}

// findingLines renders each finding as "LINE RULE".
func findingLines(res *Result) []string {
	var out []string
	for _, fd := range res.Findings {
		out = append(out, fmt.Sprintf("%d %s", res.File.Line(fd.Start)+1, fd.Rule))
	}
	return out
}

// TestAntiPatternFixtures compares the anti-pattern findings of each
// fixture with its golden file and with the lines that must be reported.
// The fixtures' operator findings (AS101 and the like) are covered by the
// other golden tests and left out here.
func TestAntiPatternFixtures(t *testing.T) {
	reg := builtinRegistry(t)
	want := map[string][]string{
		"operator_execute.py": {
			"25 AS201", "30 AS201", "36 AS201", "42 AS201", "50 AS201", "56 AS201", "65 AS201",
		},
		"kubernetes_client.py": {
			"13 AS202", "19 AS202", "25 AS202", "31 AS202", "32 AS202", "41 AS202", "48 AS202",
		},
		"container_run.py": {
			"20 AS203", "25 AS203", "30 AS203", "31 AS203", "32 AS203", "33 AS203",
			"39 AS203", "40 AS203", "41 AS203", "42 AS203", "43 AS203",
			"48 AS203", "54 AS203", "56 AS203", "58 AS203",
		},
		"not_prefect.py": nil,
	}
	files, err := filepath.Glob("../testdata/antipatterns/*.py")
	if err != nil || len(files) != len(want) {
		t.Fatalf("found fixtures %v (%v), want the %d listed in this test", files, err, len(want))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res := antiPatternFindings(t, reg, string(src))
			checkGolden(t, filepath.Join("../testdata/golden", "antipatterns-"+strings.TrimSuffix(name, ".py")+".findings"), []byte(describeFindings(res)))
			if got := findingLines(res); strings.Join(got, ", ") != strings.Join(want[name], ", ") {
				t.Errorf("reported\n  %s\nwant\n  %s", strings.Join(got, ", "), strings.Join(want[name], ", "))
			}
			for _, fd := range res.Findings {
				if len(fd.Fixes) > 0 || fd.NoFixReason == "" {
					t.Errorf("line %d %s: has %d fixes and no-fix reason %q, want no fix and a reason", res.File.Line(fd.Start)+1, fd.Rule, len(fd.Fixes), fd.NoFixReason)
				}
			}
		})
	}
}

// TestAntiPatternCases checks single forms: what counts as a Prefect
// function, which name a finding spans, noqa comments and name resolution.
func TestAntiPatternCases(t *testing.T) {
	reg := builtinRegistry(t)
	cases := []struct {
		name string
		src  string
		// want lists "LINE RULE NAME" per finding, NAME being the reported text.
		want []string
	}{
		{
			name: "prefect.task with call parentheses",
			src: `import prefect
import subprocess

@prefect.task(retries=3)
def run():
    subprocess.run(["docker", "run", "app:1"])
`,
			want: []string{"6 AS203 run"},
		},
		{
			name: "prefect.tasks module",
			src: `from prefect.tasks import task
from kubernetes.client import CoreV1Api

@task
def run(body):
    CoreV1Api().create_namespaced_pod("ns", body)
`,
			want: []string{"6 AS202 create_namespaced_pod"},
		},
		{
			name: "aliased flow decorator",
			src: `from prefect import flow as prefect_flow
import docker

@prefect_flow(log_prints=True)
def run():
    docker.from_env().containers.run("app:1")
`,
			want: []string{"6 AS203 run"},
		},
		{
			name: "method of a class",
			src: `from prefect import task
import subprocess

class Steps:
    @task
    def run(self):
        subprocess.call("docker run app:1", shell=True)
`,
			want: []string{"7 AS203 call"},
		},
		{
			name: "prefect task nested in a plain function",
			src: `from prefect import task
import subprocess

def build():
    @task
    def run():
        subprocess.run(["podman", "run", "app:1"])
    return run
`,
			want: []string{"7 AS203 run"},
		},
		{
			name: "lambda inside a flow",
			src: `from prefect import flow
import subprocess

@flow
def run():
    start = lambda: subprocess.run(["docker", "run", "app:1"])
    start()
`,
			want: []string{"6 AS203 run"},
		},
		{
			name: "default value runs outside the task",
			src: `from prefect import task
import subprocess

@task
def run(result=subprocess.run(["docker", "run", "app:1"])):
    return result
`,
			want: nil,
		},
		{
			name: "local variable shadows the module",
			src: `from prefect import task
import subprocess

@task
def run(runner):
    subprocess = runner
    subprocess.run(["docker", "run", "app:1"])
`,
			want: nil,
		},
		{
			name: "decorator imported from airflow",
			src: `from airflow.decorators import task
import subprocess

@task
def run():
    subprocess.run(["docker", "run", "app:1"])
`,
			want: nil,
		},
		{
			name: "prefect decorator shadowed by a local function",
			src: `from prefect import flow
import subprocess

def flow(fn):
    return fn

@flow
def run():
    subprocess.run(["docker", "run", "app:1"])
`,
			want: nil,
		},
		{
			name: "noqa listing several codes",
			src: `from prefect import task
import subprocess

@task
def run():
    subprocess.run(["docker", "run", "app:1"])  # noqa: AS101, AS203
    subprocess.run(["docker", "run", "app:1"])  # noqa: AS201
`,
			want: []string{"7 AS203 run"},
		},
		{
			name: "noqa on another line of the call",
			src: `from prefect import task
import subprocess

@task
def run():
    subprocess.run(
        ["docker", "run", "app:1"],  # noqa: AS203
    )
`,
			want: []string{"6 AS203 run"},
		},
		{
			name: "syntax error inside the flow",
			src: `from prefect import flow
import subprocess

@flow
def run():
    subprocess.run(["docker", "run", "app:1"] +)
`,
			want: nil,
		},
		{
			name: "with item binds the client",
			src: `from prefect import task
from kubernetes import client

@task
def run(body):
    with client.ApiClient() as api_client:
        batch = client.BatchV1Api(api_client)
    batch.create_namespaced_job("ns", body)
`,
			want: []string{"8 AS202 create_namespaced_job"},
		},
		{
			name: "partial without expand",
			src: `from prefect import flow
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

@flow
def run(context):
    KubernetesPodOperator.partial(task_id="a", image="app:1").execute(context)
`,
			want: []string{"6 AS201 execute"},
		},
		{
			name: "module variable resolves in module scope",
			src: `from prefect import task
from kubernetes import client

API = client.CoreV1Api()

@task
def run(body, client):
    API.create_namespaced_pod("ns", body)
`,
			want: []string{"8 AS202 create_namespaced_pod"},
		},
		{
			name: "self-assignment does not loop",
			src: `from prefect import task

@task
def run(op):
    op = op
    op.execute({})
`,
			want: nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := antiPatternFindings(t, reg, tc.src)
			var got []string
			for _, fd := range res.Findings {
				got = append(got, fmt.Sprintf("%d %s %s", res.File.Line(fd.Start)+1, fd.Rule, tc.src[fd.Start:fd.End]))
			}
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Errorf("findings %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAntiPatternMessages checks that each message names the call and the
// Prefect function, and gives the change to make instead.
func TestAntiPatternMessages(t *testing.T) {
	reg := builtinRegistry(t)
	src := `from prefect import flow, task
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import BatchV1Api
import subprocess

@flow
def pipeline(context, body):
    KubernetesPodOperator(task_id="a", image="app:1").execute(context)
    BatchV1Api().create_namespaced_job("ns", body)
    subprocess.run("kubectl run app --image=app:1", shell=True)
`
	res := antiPatternFindings(t, reg, src)
	want := []struct{ rule, text string }{
		{OperatorExecuteRule, "KubernetesPodOperator.execute() called inside Prefect @flow pipeline: deploy the flow to a Kubernetes work pool instead of wrapping the Airflow operator"},
		{KubernetesClientRule, "BatchV1Api.create_namespaced_job() called inside Prefect @flow pipeline: let the Kubernetes work pool run the flow, or use prefect-kubernetes' KubernetesJob"},
		{ContainerRunRule, `subprocess.run() runs "kubectl run" inside Prefect @flow pipeline: give the flow the image through the work pool's image job variable`},
	}
	if len(res.Findings) != len(want) {
		t.Fatalf("got %d findings, want %d:\n%s", len(res.Findings), len(want), describeFindings(res))
	}
	for i, w := range want {
		fd := res.Findings[i]
		if fd.Rule != w.rule {
			t.Errorf("finding %d has rule %s, want %s", i, fd.Rule, w.rule)
		}
		if !strings.HasPrefix(fd.Message, w.text) {
			t.Errorf("finding %d message %q, want it to start with %q", i, fd.Message, w.text)
		}
	}
}

// TestAntiPatternCustomOperator checks execute() of an operator that only a
// workspace mapping document describes: the advice points at its mapping
// instead of a Kubernetes work pool.
func TestAntiPatternCustomOperator(t *testing.T) {
	reg, err := mappings.Load([]string{"../testdata/mappings"})
	if err != nil {
		t.Fatal(err)
	}
	src := `from prefect import task
from acme.airflow.operators.spark import AcmeSparkOperator

@task
def sessionize(context):
    AcmeSparkOperator(task_id="s", job="acme_jobs.sessionize").execute(context)
`
	res := antiPatternFindings(t, reg, src)
	if len(res.Findings) != 1 {
		t.Fatalf("got %d findings, want 1:\n%s", len(res.Findings), describeFindings(res))
	}
	want := "AcmeSparkOperator.execute() called inside Prefect @task sessionize: use the operator's Prefect equivalent instead of wrapping the Airflow operator (see 'airshift explain AcmeSparkOperator')"
	if got := res.Findings[0].Message; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestContainerRun(t *testing.T) {
	cases := []struct {
		words []string
		want  string
	}{
		{[]string{"docker", "run", "app:1"}, "docker run"},
		{[]string{"docker", "--debug", "run"}, "docker run"},
		{[]string{"/usr/local/bin/podman", "run"}, "podman run"},
		{[]string{"sudo", "docker", "container", "run"}, "docker container run"},
		{[]string{"kubectl", "run", "app"}, "kubectl run"},
		{[]string{"nerdctl", "run"}, "nerdctl run"},
		{[]string{"kubectl", "container", "run"}, ""},
		{[]string{"docker", "build", "."}, ""},
		{[]string{"docker"}, ""},
		{[]string{"python", "run"}, ""},
		{nil, ""},
	}
	for _, tc := range cases {
		if got := containerRun(tc.words); got != tc.want {
			t.Errorf("containerRun(%q) = %q, want %q", tc.words, got, tc.want)
		}
	}
}

func TestPlaceholderPrefix(t *testing.T) {
	cases := []struct {
		s    string
		mark byte
		want string
	}{
		{"docker run {}", '{', "docker run "},
		{"docker run {{x}} {image}", '{', "docker run {x} "},
		{"docker run %s", '%', "docker run "},
		{"echo 100%% && docker run %s", '%', "echo 100% && docker run "},
		{"docker run app", '{', "docker run app"},
	}
	for _, tc := range cases {
		if got := placeholderPrefix(tc.s, tc.mark); got != tc.want {
			t.Errorf("placeholderPrefix(%q, %q) = %q, want %q", tc.s, tc.mark, got, tc.want)
		}
	}
}
