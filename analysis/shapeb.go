package analysis

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Shape B keeps the pod exactly as Airflow ran it: a flow builds the Job
// manifest from the call's arguments and runs it with prefect-kubernetes'
// KubernetesJob and run_namespaced_job. It applies to any command, so it
// is offered beside the in-process flow, and alone where that one cannot
// be built.

// pyDict is a Python dict display under construction, in insertion order.
type pyDict struct {
	keys, values []string
}

func (d *pyDict) set(key, value string) {
	d.keys = append(d.keys, key)
	d.values = append(d.values, value)
}

func (d *pyDict) render(indent, unit string) string {
	if len(d.keys) == 0 {
		return "{}"
	}
	var b strings.Builder
	b.WriteString("{\n")
	for i, k := range d.keys {
		fmt.Fprintf(&b, "%s%s%s: %s,\n", indent, unit, pyString(k), d.values[i])
	}
	b.WriteString(indent + "}")
	return b.String()
}

// jobPlan is the manifest and the KubernetesJob arguments of shape B.
type jobPlan struct {
	metadata, jobSpec, podMeta, podSpec, container pyDict
	jobArgs                                        pyDict
	comments                                       []string
	reasons                                        []string
}

// jobFields maps the call's arguments onto the Job manifest: the part of
// the manifest and its key.
var jobFields = map[string][2]string{
	"image": {"container", "image"}, "cmds": {"container", "command"}, "arguments": {"container", "args"},
	"image_pull_policy": {"container", "imagePullPolicy"}, "volume_mounts": {"container", "volumeMounts"},
	"ports": {"container", "ports"}, "env_from": {"container", "envFrom"},
	"container_security_context": {"container", "securityContext"}, "termination_message_policy": {"container", "terminationMessagePolicy"},
	"service_account_name": {"pod", "serviceAccountName"}, "node_selector": {"pod", "nodeSelector"},
	"node_selectors": {"pod", "nodeSelector"}, "tolerations": {"pod", "tolerations"}, "affinity": {"pod", "affinity"},
	"volumes": {"pod", "volumes"}, "security_context": {"pod", "securityContext"}, "hostnetwork": {"pod", "hostNetwork"},
	"dnspolicy": {"pod", "dnsPolicy"}, "dns_config": {"pod", "dnsConfig"}, "hostname": {"pod", "hostname"},
	"subdomain": {"pod", "subdomain"}, "host_aliases": {"pod", "hostAliases"}, "schedulername": {"pod", "schedulerName"},
	"priority_class_name": {"pod", "priorityClassName"}, "init_containers": {"pod", "initContainers"},
	"runtime_class_name": {"pod", "runtimeClassName"}, "automount_service_account_token": {"pod", "automountServiceAccountToken"},
	"termination_grace_period": {"pod", "terminationGracePeriodSeconds"},
	"labels":                   {"meta", "labels"}, "annotations": {"meta", "annotations"},
	"active_deadline_seconds": {"job", "activeDeadlineSeconds"}, "backoff_limit": {"job", "backoffLimit"},
	"parallelism": {"job", "parallelism"}, "completions": {"job", "completions"},
	"completion_mode": {"job", "completionMode"}, "ttl_seconds_after_finished": {"job", "ttlSecondsAfterFinished"},
	"suspend": {"job", "suspend"},
}

// pyLiteral renders a literal value as Python source. Kubernetes model
// objects become dicts with the manifest's keys.
func pyLiteral(v *Value) (string, bool) {
	if !v.Literal() {
		return "", false
	}
	if v.Kind != KindCall && !containsCall(v) {
		return strings.TrimSpace(v.Text), true
	}
	s, ok := jsonText(v)
	if !ok {
		return "", false
	}
	return jsonToPython(s)
}

func containsCall(v *Value) bool {
	if v.Kind == KindCall {
		return true
	}
	for _, it := range v.Items {
		if containsCall(it) {
			return true
		}
	}
	return false
}

// jsonToPython rewrites JSON as a Python literal, keeping key order.
func jsonToPython(s string) (string, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var b strings.Builder
	var write func() bool
	write = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case json.Delim:
			closing := map[json.Delim]string{'{': "}", '[': "]"}[t]
			b.WriteString(t.String())
			first := true
			for dec.More() {
				if !first {
					b.WriteString(", ")
				}
				first = false
				if t == '{' {
					key, err := dec.Token()
					if err != nil {
						return false
					}
					b.WriteString(pyString(key.(string)) + ": ")
				}
				if !write() {
					return false
				}
			}
			if _, err := dec.Token(); err != nil {
				return false
			}
			b.WriteString(closing)
		case string:
			b.WriteString(pyString(t))
		case json.Number:
			b.WriteString(t.String())
		case bool:
			b.WriteString(map[bool]string{true: "True", false: "False"}[t])
		case nil:
			b.WriteString("None")
		}
		return true
	}
	if !write() {
		return "", false
	}
	return b.String(), true
}

// buildJobPlan reads the call's arguments into shape B's manifest.
func buildJobPlan(call *Call, plan *flowPlan) *jobPlan {
	j := &jobPlan{}
	j.metadata.set("name", pyString(plan.flowName))
	containerName := "base"
	namespace := ""
	deletePod := true
	for _, kw := range call.Keywords {
		v := kw.Value
		if kw.IsSplat {
			j.comments = append(j.comments, fmt.Sprintf("**%s: not resolved; add its settings to the manifest by hand", v.Text))
			j.reasons = append(j.reasons, fmt.Sprintf("arguments come from **%s, which Airshift cannot read", v.Text))
			continue
		}
		if v.HasJinja() {
			j.reasons = append(j.reasons, fmt.Sprintf("%s uses a Jinja template, which the Job would receive unrendered: %s", kw.Name, displayValue(v)))
		}
		literal, ok := pyLiteral(v)
		field, mapped := jobFields[kw.Name]
		switch {
		case kw.Name == "task_id" || kw.Name == "default_args":
			continue
		case kw.Name == "base_container_name" && v.Kind == KindString:
			containerName = v.Str
			continue
		case kw.Name == "namespace" && v.Kind == KindString:
			namespace = v.Str
			continue
		case kw.Name == "name" && v.Kind == KindString:
			j.metadata.keys[0], j.metadata.values[0] = "name", pyString(v.Str)
			continue
		case kw.Name == "env_vars":
			j.env(v)
			continue
		case kw.Name == "container_resources" || kw.Name == "resources":
			j.resources(kw.Name, v)
			continue
		case kw.Name == "image_pull_secrets" && v.Kind == KindString:
			var secrets []string
			for _, name := range strings.Split(v.Str, ",") {
				secrets = append(secrets, fmt.Sprintf("{\"name\": %s}", pyString(strings.TrimSpace(name))))
			}
			j.podSpec.set("imagePullSecrets", "["+strings.Join(secrets, ", ")+"]")
			continue
		case kw.Name == "on_finish_action" && v.Kind == KindString:
			deletePod = v.Str != "keep_pod"
		case kw.Name == "is_delete_operator_pod" && v.Kind == KindBool:
			deletePod = v.Str == "True"
		case kw.Name == "execution_timeout":
			if seconds, ok := timedeltaSeconds(v); ok {
				j.jobArgs.set("timeout_seconds", strconv.FormatFloat(seconds, 'f', -1, 64))
				continue
			}
		case kw.Name == "poll_interval" && v.Kind == KindNumber:
			j.jobArgs.set("interval_seconds", v.Text)
			continue
		case mapped && ok:
			switch field[0] {
			case "container":
				j.container.set(field[1], literal)
			case "pod":
				j.podSpec.set(field[1], literal)
			case "meta":
				j.metadata.set(field[1], literal)
				j.podMeta.set(field[1], literal)
			case "job":
				j.jobSpec.set(field[1], literal)
			}
			continue
		case mapped:
			j.reasons = append(j.reasons, fmt.Sprintf("Airshift cannot evaluate %s statically: %s", kw.Name, displayValue(v)))
		}
		j.comments = append(j.comments, fmt.Sprintf("%s=%s", kw.Name, displayValue(v)))
	}
	j.container.keys = append([]string{"name"}, j.container.keys...)
	j.container.values = append([]string{pyString(containerName)}, j.container.values...)
	if namespace != "" {
		j.metadata.set("namespace", pyString(namespace))
		j.jobArgs.set("namespace", pyString(namespace))
	}
	j.jobArgs.set("delete_after_completion", map[bool]string{true: "True", false: "False"}[deletePod])
	if !hasKey(&j.jobSpec, "backoffLimit") {
		// Airflow ran the pod once; the task's own retries are the flow's.
		j.jobSpec.set("backoffLimit", "0")
	}
	j.podSpec.set("restartPolicy", pyString("Never"))
	return j
}

func hasKey(d *pyDict, key string) bool {
	for _, k := range d.keys {
		if k == key {
			return true
		}
	}
	return false
}

func (j *jobPlan) env(v *Value) {
	switch v.Kind {
	case KindDict:
		var items []string
		for i, key := range v.Keys {
			value, ok := pyLiteral(v.Items[i])
			if key.Kind != KindString || !ok {
				j.reasons = append(j.reasons, fmt.Sprintf("Airshift cannot evaluate env_vars entry %s statically", displayValue(key)))
				j.comments = append(j.comments, fmt.Sprintf("env_vars[%s]=%s", key.Text, displayValue(v.Items[i])))
				continue
			}
			items = append(items, fmt.Sprintf("{\"name\": %s, \"value\": %s}", pyString(key.Str), value))
		}
		j.container.set("env", "["+strings.Join(items, ", ")+"]")
	default:
		if literal, ok := pyLiteral(v); ok {
			j.container.set("env", literal)
			return
		}
		j.reasons = append(j.reasons, fmt.Sprintf("Airshift cannot evaluate env_vars statically: %s", displayValue(v)))
		j.comments = append(j.comments, "env_vars="+displayValue(v))
	}
}

func (j *jobPlan) resources(name string, v *Value) {
	if v.Kind == KindDict {
		// The legacy dict keys become requests and limits.
		sections := map[string]*pyDict{"requests": {}, "limits": {}}
		legacy := false
		for i, key := range v.Keys {
			if target, ok := legacyResourceKeys[key.Str]; ok {
				value, lok := pyLiteral(v.Items[i])
				if !lok {
					continue
				}
				sections[target[0]].set(target[1], value)
				legacy = true
			}
		}
		if legacy {
			res := pyDict{}
			for _, s := range []string{"requests", "limits"} {
				if len(sections[s].keys) > 0 {
					res.set(s, sections[s].render("", ""))
				}
			}
			j.container.set("resources", strings.ReplaceAll(res.render("", ""), "\n", " "))
			return
		}
	}
	if literal, ok := pyLiteral(v); ok {
		j.container.set("resources", literal)
		return
	}
	j.reasons = append(j.reasons, fmt.Sprintf("Airshift cannot evaluate %s statically: %s", name, displayValue(v)))
	j.comments = append(j.comments, name+"="+displayValue(v))
}

// jobBlockText renders shape B's comment and flow.
func (p *flowPlan) jobBlockText(call *Call, eol, unit string) string {
	j := p.job
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	add("# Airshift: this Prefect flow replaces the %s task %s. It runs the", call.Operator, p.taskLabel(call))
	add("# unchanged image and command as a Kubernetes Job with prefect-kubernetes:")
	add("# 1. pip install prefect-kubernetes, wherever this flow runs.")
	add("# 2. Save a KubernetesCredentials block named \"kubernetes-credentials\" for the cluster.")
	add("# 3. Deploy the flow to any work pool; the Job it starts does the task's work.")
	if len(j.comments) > 0 {
		add("# Not in the manifest below:")
		for _, c := range j.comments {
			add("#    %s", c)
		}
	}
	decorator := append([]string{"name=" + pyString(p.flowName)}, p.decorator...)
	add("@flow(%s)", strings.Join(decorator, ", "))
	add("async def %s():", p.funcName)
	body := []string{
		"from prefect_kubernetes.credentials import KubernetesCredentials",
		"from prefect_kubernetes.flows import run_namespaced_job",
		"from prefect_kubernetes.jobs import KubernetesJob",
		"",
	}
	j.container.values = append([]string(nil), j.container.values...)
	j.podSpec.set("containers", "["+j.container.render(unit+unit+unit+unit, unit)+"]")
	if len(j.podMeta.keys) > 0 {
		template := pyDict{}
		template.set("metadata", j.podMeta.render(unit+unit+unit, unit))
		template.set("spec", j.podSpec.render(unit+unit+unit, unit))
		j.jobSpec.set("template", template.render(unit+unit, unit))
	} else {
		template := pyDict{}
		template.set("spec", j.podSpec.render(unit+unit+unit, unit))
		j.jobSpec.set("template", template.render(unit+unit, unit))
	}
	manifest := pyDict{}
	manifest.set("apiVersion", pyString("batch/v1"))
	manifest.set("kind", pyString("Job"))
	manifest.set("metadata", j.metadata.render(unit, unit))
	manifest.set("spec", j.jobSpec.render(unit, unit))
	body = append(body, "manifest = "+manifest.render("", unit))
	args := []string{"v1_job=manifest", "credentials=await KubernetesCredentials.load(\"kubernetes-credentials\")"}
	for i, k := range j.jobArgs.keys {
		args = append(args, k+"="+j.jobArgs.values[i])
	}
	body = append(body, "job = KubernetesJob("+strings.Join(args, ", ")+")")
	body = append(body, "return await run_namespaced_job(kubernetes_job=job)")
	for _, line := range body {
		for _, part := range strings.Split(line, "\n") {
			if strings.TrimSpace(part) == "" {
				lines = append(lines, "")
				continue
			}
			lines = append(lines, unit+part)
		}
	}
	return strings.Join(lines, eol) + eol
}
