package analysis

import "testing"

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
