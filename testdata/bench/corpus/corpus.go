// Package corpus generates synthetic Airflow DAG files for Airshift's
// benchmarks. The output is deterministic: the same index and line count
// always give the same bytes, so benchmark figures from different runs
// measure the same input.
package corpus

import (
	"fmt"
	"strings"
)

// Import forms of KubernetesPodOperator. A file uses one form for all of
// its calls.
const (
	// FormDirect imports the class and calls KubernetesPodOperator(...).
	FormDirect = "direct"
	// FormModule imports the provider module and calls
	// pod.KubernetesPodOperator(...).
	FormModule = "module"
	// FormAliased imports the class as KPO and calls KPO(...), which a
	// purely syntactic rule for the class name cannot see.
	FormAliased = "aliased"
)

// FormOf returns the import form of file index: a quarter of the files
// (index%4 == 3) import the operator under an alias, another quarter
// (index%4 == 2) call it through its module, and the rest import it
// directly.
func FormOf(index int) string {
	switch index % 4 {
	case 3:
		return FormAliased
	case 2:
		return FormModule
	}
	return FormDirect
}

// DAG is one generated file.
type DAG struct {
	Source []byte
	Form   string
	// Calls is the number of KubernetesPodOperator calls in Source. The
	// file also names the class once in a comment and once in a string,
	// which no tool may count.
	Calls int
}

// Generate writes a DAG file of exactly lines lines (at least 60) whose
// import form is FormOf(index). The body repeats one task group per
// stage, each with a KubernetesPodOperator call of 12 to 18 lines and a
// BashOperator, with a dependency edge between them in every second stage,
// until the file is full. A 300-line file holds 11 or 12 calls, and a
// 10,000-line file about 450.
func Generate(index, lines int) DAG {
	if lines < 60 {
		lines = 60
	}
	g := &generator{form: FormOf(index), index: index}
	g.header()
	// Reserve room for the closing lines: a stage never crosses them.
	const tail = 3
	for stage := 0; ; stage++ {
		group := g.stage(stage)
		if len(g.lines)+len(group)+tail > lines {
			break
		}
		g.lines = append(g.lines, group...)
		g.calls++
	}
	g.add("")
	g.add("    # Decoy: the string below names KubernetesPodOperator( but calls nothing.")
	g.add(`    NOTE = "built with KubernetesPodOperator(...) in Airflow"`)
	for len(g.lines) < lines {
		g.add(fmt.Sprintf("# padding line %d", len(g.lines)+1))
	}
	return DAG{Source: []byte(strings.Join(g.lines, "\n") + "\n"), Form: g.form, Calls: g.calls}
}

type generator struct {
	form  string
	index int
	lines []string
	calls int
}

func (g *generator) add(line string) { g.lines = append(g.lines, line) }

// callee returns the expression that names the operator in a call.
func (g *generator) callee() string {
	switch g.form {
	case FormAliased:
		return "KPO"
	case FormModule:
		return "pod.KubernetesPodOperator"
	}
	return "KubernetesPodOperator"
}

func (g *generator) header() {
	g.add(fmt.Sprintf(`"""Synthetic pipeline %04d for Airshift's benchmarks.`, g.index))
	g.add("")
	g.add("Each stage runs a job in a Kubernetes pod and then notifies a channel.")
	g.add(`"""`)
	g.add("import json")
	g.add("import pendulum")
	g.add("")
	g.add("from airflow import DAG")
	g.add("from airflow.operators.bash import BashOperator")
	switch g.form {
	case FormAliased:
		g.add("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as KPO")
	case FormModule:
		g.add("from airflow.providers.cncf.kubernetes.operators import pod")
	default:
		g.add("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator")
	}
	g.add("from kubernetes.client import models as k8s")
	g.add("")
	g.add(fmt.Sprintf(`IMAGE = "registry.example.com/pipelines/p%04d:1.%d.0"`, g.index, g.index%10))
	g.add(`NAMESPACE = "data"`)
	g.add("")
	g.add("")
	g.add("def load_settings(path):")
	g.add(`    """Read the pipeline's settings, with defaults for missing keys."""`)
	g.add("    with open(path) as handle:")
	g.add("        settings = json.load(handle)")
	g.add(`    settings.setdefault("retries", 2)`)
	g.add("    return settings")
	g.add("")
	g.add("")
	g.add("with DAG(")
	g.add(fmt.Sprintf(`    dag_id="pipeline_%04d",`, g.index))
	g.add(`    schedule="@daily",`)
	g.add(`    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),`)
	g.add("    catchup=False,")
	g.add(`    tags=["benchmark"],`)
	g.add(") as dag:")
}

// stage returns one task group: a pod call whose shape depends on the
// stage number and a notification task, joined by an edge in even stages.
func (g *generator) stage(n int) []string {
	name := fmt.Sprintf("stage_%03d", n)
	dash := strings.ReplaceAll(name, "_", "-")
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	add("")
	add("    # %s: one pod, then a notification.", name)
	add("    %s = %s(", name, g.callee())
	add(`        task_id="%s",`, name)
	add(`        name="%s",`, dash)
	add("        namespace=NAMESPACE,")
	add("        image=IMAGE,")
	switch n % 3 {
	case 0:
		add(`        cmds=["python", "-m", "jobs.%s"],`, name)
		add(`        arguments=["--date", "{{ ds }}", "--shard", "%d"],`, n)
	case 1:
		add(`        cmds=["python", "-c"],`)
		add(`        arguments=["import jobs; jobs.run('%s')"],`, name)
	default:
		add(`        cmds=["bash", "-c"],`)
		add(`        arguments=["run-job %s --date {{ ds }}"],`, name)
	}
	add(`        env_vars={"STAGE": "%s", "LOG_LEVEL": "info"},`, name)
	if n%2 == 0 {
		add("        container_resources=k8s.V1ResourceRequirements(")
		add(`            requests={"cpu": "500m", "memory": "1Gi"},`)
		add(`            limits={"memory": "2Gi"},`)
		add("        ),")
	}
	if n%4 == 1 {
		add(`        labels={"team": "data", "stage": "%s"},`, dash)
		add(`        annotations={"owner": "pipelines"},`)
		add(`        node_selector={"pool": "batch"},`)
	}
	add("        is_delete_operator_pod=True,")
	add("        get_logs=True,")
	add("    )")
	add("")
	add("    %s_notify = BashOperator(", name)
	add(`        task_id="%s_notify",`, name)
	add(`        bash_command="echo finished %s on {{ ds }}",`, name)
	add("    )")
	if n%2 == 0 {
		// A dependency edge makes the rewrite need review, so half the
		// calls get a safe fix and half do not.
		add("")
		add("    %s >> %s_notify", name, name)
	}
	return out
}
