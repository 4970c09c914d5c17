package analysis

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// TemplateField is a value that a custom base job template sets at a JSON
// pointer inside job_configuration.job_manifest.
type TemplateField struct {
	Pointer string
	JSON    string
}

// Deployment is the prefect.yaml entry and base job template that a rewrite
// implies.
type Deployment struct {
	Name       string
	Entrypoint string
	WorkPool   string
	// Parameters are the flow's parameters and their defaults, in order.
	Parameters []keyValue
	// Schedule is one prefect.yaml schedule in flow style, such as
	// {cron: "0 3 * * *"}, or empty.
	Schedule string
	// Tags are the DAG's tags.
	Tags []string
	// JobVariables holds each job variable with its JSON value.
	JobVariables []keyValue
	// TemplateFields are set in the custom base job template.
	TemplateFields []TemplateField
	// Notes lists what the files leave for the user to do.
	Notes []string
}

// TemplateFile is the name of the custom base job template file written
// next to prefect.yaml for d, or "" when the default template suffices.
func (d *Deployment) TemplateFile() string {
	if len(d.TemplateFields) == 0 {
		return ""
	}
	return d.Name + ".base-job-template.json"
}

// newDeployment collects the deployment of a planned rewrite.
func newDeployment(call *Call, plan *flowPlan, opts Options) *Deployment {
	d := &Deployment{
		Name:           plan.flowName,
		Entrypoint:     opts.Entrypoint + ":" + plan.funcName,
		WorkPool:       opts.WorkPool,
		TemplateFields: plan.templateFields,
		Notes:          append([]string(nil), plan.templateNotes...),
	}
	for _, name := range plan.jinja.params {
		d.Parameters = append(d.Parameters, keyValue{name, jsonString(plan.jinja.defaults[name])})
	}
	for _, q := range plan.params {
		d.Parameters = append(d.Parameters, keyValue{q.name, jsonString(q.defaultValue)})
	}
	for _, kv := range plan.jobVars {
		if json.Valid([]byte(kv.value)) {
			d.JobVariables = append(d.JobVariables, kv)
			continue
		}
		d.Notes = append(d.Notes, fmt.Sprintf("job variable %s is not a literal (%s); set it by hand", kv.key, kv.value))
	}
	d.Schedule, d.Notes = scheduleOf(call.DAG, d.Notes)
	if call.DAG != nil {
		if tags, ok := keywordValue(call.DAG, "tags").StringList(); ok {
			d.Tags = tags
		}
	}
	return d
}

// cronPresets maps Airflow's schedule presets to cron expressions.
var cronPresets = map[string]string{
	"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
	"@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
}

// scheduleOf reads the DAG's schedule, or its older schedule_interval, as
// a prefect.yaml schedule.
func scheduleOf(dag *Value, notes []string) (string, []string) {
	if dag == nil {
		return "", append(notes, "the DAG of the task was not found, so the deployment has no schedule")
	}
	v := keywordValue(dag, "schedule")
	if v == nil {
		v = keywordValue(dag, "schedule_interval")
	}
	if v == nil {
		if keywordValue(dag, "timetable") != nil {
			return "", append(notes, "the DAG uses a timetable; add a matching schedule by hand")
		}
		return "", notes
	}
	zone := ""
	if tz := timezoneOf(keywordValue(dag, "start_date")); tz != "" {
		zone = ", timezone: " + jsonString(tz)
	}
	switch {
	case v.Kind == KindNone:
		return "", notes
	case v.Kind == KindString && cronPresets[v.Str] != "":
		return fmt.Sprintf("{cron: %s%s}", jsonString(cronPresets[v.Str]), zone), notes
	case v.Kind == KindString && strings.HasPrefix(v.Str, "@"):
		return "", append(notes, fmt.Sprintf("schedule %s has no Prefect schedule; start runs by hand or with an automation", v.Str))
	case v.Kind == KindString && len(strings.Fields(v.Str)) == 5:
		return fmt.Sprintf("{cron: %s%s}", jsonString(v.Str), zone), notes
	}
	if seconds, ok := timedeltaSeconds(v); ok && seconds > 0 {
		return fmt.Sprintf("{interval: %s%s}", strconv.FormatFloat(seconds, 'f', -1, 64), zone), notes
	}
	return "", append(notes, fmt.Sprintf("schedule %s cannot be read statically; add it by hand", displayValue(v)))
}

// YAMLEntry renders the deployment as one item of prefect.yaml's
// deployments list. Values are JSON, which YAML reads as flow style.
func (d *Deployment) YAMLEntry() string {
	var b strings.Builder
	fmt.Fprintf(&b, "- name: %s\n", jsonString(d.Name))
	fmt.Fprintf(&b, "  entrypoint: %s\n", jsonString(d.Entrypoint))
	if len(d.Parameters) > 0 {
		b.WriteString("  parameters:\n")
		for _, kv := range d.Parameters {
			fmt.Fprintf(&b, "    %s: %s\n", kv.key, kv.value)
		}
	}
	if len(d.Tags) > 0 {
		fmt.Fprintf(&b, "  tags: %s\n", jsonList(d.Tags))
	}
	if d.Schedule != "" {
		fmt.Fprintf(&b, "  schedules:\n  - %s\n", d.Schedule)
	}
	b.WriteString("  work_pool:\n")
	fmt.Fprintf(&b, "    name: %s\n", jsonString(d.WorkPool))
	if len(d.JobVariables) > 0 {
		b.WriteString("    job_variables:\n")
		for _, kv := range d.JobVariables {
			fmt.Fprintf(&b, "      %s: %s\n", kv.key, kv.value)
		}
	}
	if file := d.TemplateFile(); file != "" {
		fmt.Fprintf(&b, "  # The work pool needs the base job template in %s.\n", file)
	}
	for _, note := range d.Notes {
		fmt.Fprintf(&b, "  # TODO: %s\n", note)
	}
	return b.String()
}

//go:embed kubernetes-base-job-template.json
var defaultBaseJobTemplate []byte

// BaseJobTemplate returns the default Kubernetes base job template with
// the deployment's fields set at their places in the Job manifest.
func (d *Deployment) BaseJobTemplate() ([]byte, error) {
	var tmpl map[string]any
	if err := json.Unmarshal(defaultBaseJobTemplate, &tmpl); err != nil {
		return nil, fmt.Errorf("built-in base job template: %w", err)
	}
	manifest := tmpl["job_configuration"].(map[string]any)["job_manifest"]
	fields := append([]TemplateField(nil), d.TemplateFields...)
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Pointer < fields[j].Pointer })
	for _, field := range fields {
		var value any
		if err := json.Unmarshal([]byte(field.JSON), &value); err != nil {
			return nil, fmt.Errorf("value for %s: %w", field.Pointer, err)
		}
		var err error
		manifest, err = setPointer(manifest, splitPointer(field.Pointer), value)
		if err != nil {
			return nil, fmt.Errorf("setting %s: %w", field.Pointer, err)
		}
	}
	tmpl["job_configuration"].(map[string]any)["job_manifest"] = manifest
	out, err := json.MarshalIndent(tmpl, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// splitPointer splits a JSON pointer into its unescaped segments.
func splitPointer(pointer string) []string {
	if pointer == "" || pointer == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts
}

// setPointer sets value at path inside node, creating objects on the way.
// Setting the root, or an object onto an object, merges the keys, so a
// pod template merges into the manifest's own.
func setPointer(node any, path []string, value any) (any, error) {
	if len(path) == 0 {
		existing, ok1 := node.(map[string]any)
		incoming, ok2 := value.(map[string]any)
		if ok1 && ok2 {
			for k, v := range incoming {
				merged, err := setPointer(existing[k], nil, v)
				if err != nil {
					return nil, err
				}
				existing[k] = merged
			}
			return existing, nil
		}
		return value, nil
	}
	switch n := node.(type) {
	case map[string]any:
		child, err := setPointer(n[path[0]], path[1:], value)
		if err != nil {
			return nil, err
		}
		n[path[0]] = child
		return n, nil
	case []any:
		index, err := strconv.Atoi(path[0])
		if err != nil || index < 0 || index >= len(n) {
			return nil, fmt.Errorf("%q is not an index of a %d-item list", path[0], len(n))
		}
		child, err := setPointer(n[index], path[1:], value)
		if err != nil {
			return nil, err
		}
		n[index] = child
		return n, nil
	case nil, string:
		// An absent key, or a "{{ variable }}" placeholder that the fixed
		// value replaces.
		return setPointer(map[string]any{}, path, value)
	}
	return nil, fmt.Errorf("cannot descend into a %T", node)
}

// timezoneOf returns the time zone named in a DAG's start_date, such as
// pendulum.datetime(2024, 1, 1, tz="Europe/Berlin"), or "". Airflow runs a
// DAG's cron schedule in that zone; without one it is UTC.
func timezoneOf(start *Value) string {
	if start == nil || start.Kind != KindCall {
		return ""
	}
	for _, name := range []string{"tz", "tzinfo"} {
		if v := keywordValue(start, name); v != nil && v.Kind == KindString {
			return v.Str
		}
		if v := keywordValue(start, name); v != nil && v.Kind == KindCall && len(v.Args) == 1 && v.Args[0].Kind == KindString {
			// pendulum.timezone("Europe/Berlin") and ZoneInfo("Europe/Berlin").
			return v.Args[0].Str
		}
	}
	return ""
}
