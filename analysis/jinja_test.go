package analysis

import (
	"strings"
	"testing"
	"time"
)

func TestJinjaFString(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"{{ ds }}", `f"{ds}"`, true},
		{"day={{ds_nodash}}/{x}", `f"day={ds_nodash}/{{x}}"`, true},
		{`say "{{ params.who }}"`, `f"say \"{who}\""`, true},
		{"{{ params['env'] }}", `f"{env}"`, true},
		{"{{ dag_run.conf['run_mode'] }}", `f"{run_mode}"`, true},
		{"{{ var.value.bucket }}", `f"{Variable.get('bucket')}"`, true},
		{"{{ var.value.get('bucket') }}", `f"{Variable.get('bucket')}"`, true},
		{"{{ run_id }}", `f"{runtime.flow_run.id}"`, true},
		{"{{ ti.xcom_pull(task_ids='a') }}", "", false},
		{"{% if x %}a{% endif %}", "", false},
		{"{{ macros.ds_add(ds, 1) }}", "", false},
	} {
		var j jinja
		got, ok := j.fString(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("fString(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestJinjaInCode(t *testing.T) {
	var j jinja
	got, ok := j.translateCode("import job; job.run('{{ ds }}', mode=\"fast\")")
	if !ok || got != "import job; job.run(f\"{ds}\", mode=\"fast\")" {
		t.Errorf("translateCode = %q, %v", got, ok)
	}
	if len(j.params) != 1 || j.params[0] != "ds" || len(j.setup) != 3 {
		t.Errorf("params %v, setup %v", j.params, j.setup)
	}
	if _, ok := j.translateCode("n = {{ params.n }}"); ok {
		t.Errorf("a template outside a string literal was translated")
	}
	if _, ok := j.translateCode("print(f'{{ ds }}')"); ok {
		t.Errorf("a template inside an f-string was translated")
	}
}

// TestTabIndentedDateMacro rewrites a tab-indented call whose command
// uses a date macro. The flow body nests a block, which once looped
// forever when the file's indentation step was a tab.
func TestTabIndentedDateMacro(t *testing.T) {
	src := []byte("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n\n" +
		"if True:\n\tt = KubernetesPodOperator(task_id=\"t\", image=\"i\", cmds=[\"python\", \"-c\"], arguments=[\"print('{{ ds }}')\"])\n")
	tree := MustParse(src)
	defer tree.Close()
	done := make(chan *Result, 1)
	go func() { done <- Analyze(NewFile(src, tree, builtinRegistry(t)), Options{}) }()
	var res *Result
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the analysis did not finish within 10 s")
	}
	if len(res.Findings) != 1 || len(res.Findings[0].Fixes) == 0 {
		t.Fatalf("got %d findings with fixes %v, want one finding with a fix", len(res.Findings), res.Findings)
	}
	out, err := ApplyEdits(src, res.Findings[0].Fixes[0].Edits)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "\n\tif not ds:\n") || !strings.Contains(string(out), "\n\t\tds = runtime.") {
		t.Errorf("the flow body does not nest the date default with tabs:\n%s", out)
	}
	if tree := MustParse(out); tree.RootNode().HasError() {
		t.Errorf("the rewrite does not parse:\n%s", out)
	}
}
