package analysis

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
)

// buildPlan reads every argument of a KubernetesPodOperator call into a
// flowPlan. Each argument lands somewhere in the plan, so its value appears
// in the rewrite.
func buildPlan(call *Call, indent string) *flowPlan {
	p := &flowPlan{indent: indent}
	p.jinja.dagParams = dagParamDefaults(call.DAG)
	var cmds, arguments *Value
	origins := map[string][]string{}
	for _, kw := range call.Keywords {
		v := kw.Value
		if kw.IsSplat {
			p.other = append(p.other, fmt.Sprintf("**%s: not resolved; move its pod settings here by hand", v.Text))
			p.review("arguments come from **%s, which Airshift cannot read", v.Text)
			continue
		}
		if kw.Origin != "" {
			if _, ok := origins[kw.Origin]; !ok {
				p.origins = append(p.origins, kw.Origin)
			}
			origins[kw.Origin] = append(origins[kw.Origin], kw.Name)
		}
		switch kw.Name {
		case "parallelism", "completions":
			// checkParallel reads them.
		case "default_args":
			// Its entries were merged into the call's keywords.
		case "task_id":
			if v.Kind != KindString {
				p.review("Airshift cannot evaluate task_id statically: %s", displayValue(v))
			} else {
				p.taskID = v.Str
			}
		case "cmds":
			cmds = v
		case "arguments":
			arguments = v
		case "env_vars":
			p.readEnv(v)
		case "container_resources", "resources":
			p.readResources(kw.Name, v)
		case "is_delete_operator_pod":
			p.readDeletePod(kw.Name, v)
		case "on_finish_action":
			p.readFinishAction(v)
		case "retries":
			p.decoratorArg(kw.Name, "retries", v)
		case "retry_delay":
			p.durationArg(kw.Name, "retry_delay_seconds", v)
		case "execution_timeout":
			p.durationArg(kw.Name, "timeout_seconds", v)
		case "do_xcom_push", "xcom_push":
			if v.Kind == KindBool && v.Str == "False" {
				p.other = append(p.other, kw.Name+"=False: nothing to return")
			} else {
				p.other = append(p.other, fmt.Sprintf("%s=%s: return the result from the flow", kw.Name, displayValue(v)))
				p.review("%s=%s: the flow must return what the container wrote to /airflow/xcom/return.json", kw.Name, displayValue(v))
			}
		default:
			p.readGeneric(call.Operator, kw.Name, v)
		}
	}
	if call.Operator == "KubernetesJobOperator" {
		p.checkParallel(call)
	}
	p.checkDuplicates(call)
	p.readCommand(cmds, arguments)
	p.reasons = append(p.reasons, p.jinja.reviews...)
	p.imports = append(p.imports, p.jinja.imports...)
	p.nameParams()
	for _, origin := range p.origins {
		p.other = append(p.other, fmt.Sprintf("read from %s: %s", origin, strings.Join(origins[origin], ", ")))
	}
	return p
}

// checkDuplicates blocks a call that passes one argument twice, which
// Python rejects when the DAG file runs.
func (p *flowPlan) checkDuplicates(call *Call) {
	seen := map[string]bool{}
	for _, kw := range call.Keywords {
		if kw.Name == "" || kw.Origin != "" {
			continue
		}
		if seen[kw.Name] {
			p.fatal = fmt.Sprintf("the call passes %s twice, which Python rejects; fix the call first", kw.Name)
			return
		}
		seen[kw.Name] = true
	}
}

// checkParallel blocks the rewrite of a Job that runs several pods: a flow
// run is one pod, so only a flow that starts the Job itself can keep it.
func (p *flowPlan) checkParallel(call *Call) {
	for _, name := range []string{"parallelism", "completions"} {
		v := call.Keyword(name)
		if v == nil {
			continue
		}
		if v.Kind != KindNumber || v.Str != "1" {
			p.blocking = fmt.Sprintf("%s=%s runs several pods, while a flow run is one pod; run the unchanged Job from a flow with prefect-kubernetes' KubernetesJob instead", name, displayValue(v))
			return
		}
		p.other = append(p.other, name+"=1: one pod, as a flow run has")
	}
}

// templateField records a value for the custom base job template at a
// JSON pointer inside the Job manifest. A value that is not a literal, or
// a target that names more than one place, is left to the user with a note.
func (p *flowPlan) templateField(name, target string, v *Value) {
	value, ok := jsonText(v)
	switch {
	case !ok:
		p.templateNotes = append(p.templateNotes, fmt.Sprintf("%s is not a literal; set %s in the template by hand", name, target))
	case !strings.HasPrefix(target, "/") || strings.Contains(target, " "):
		p.templateNotes = append(p.templateNotes, fmt.Sprintf("%s goes to %s, which needs editing by hand", name, target))
	default:
		p.templateFields = append(p.templateFields, TemplateField{Pointer: target, JSON: value})
	}
}

// checkRuntime lowers the fix when a value is only known at run time.
func (p *flowPlan) checkRuntime(name string, v *Value) {
	switch {
	case v.HasJinja():
		p.review("%s uses a Jinja template that Airflow rendered at run time: %s", name, displayValue(v))
	case !v.Literal():
		p.review("Airshift cannot evaluate %s statically: %s", name, displayValue(v))
	}
}

func (p *flowPlan) readGeneric(operator, name string, v *Value) {
	info, ok := ParamFor(operator, name)
	if !ok {
		p.other = append(p.other, fmt.Sprintf("%s=%s: not a known %s argument", name, displayValue(v), operator))
		p.review("%s is not a known %s argument", name, operator)
		return
	}
	switch info.Dest {
	case DestJobVariable:
		if info.Target == "cluster_config" {
			line := fmt.Sprintf("%s=%s", name, displayValue(v))
			if info.Note != "" {
				line += " (" + info.Note + ")"
			}
			p.cluster = append(p.cluster, line)
			return
		}
		p.checkRuntime(name, v)
		p.jobVar(info.Target, displayValue(v))
	case DestTemplate:
		p.checkRuntime(name, v)
		p.templateField(name, info.Target, v)
		line := fmt.Sprintf("%s: %s", info.Target, displayValue(v))
		if info.Note != "" {
			line += " (" + name + ": " + info.Note + ")"
		} else {
			line += " (" + name + ")"
		}
		p.template = append(p.template, keyValue{info.Target, line})
	case DestNone:
		p.noEquivalent = append(p.noEquivalent, fmt.Sprintf("%s=%s (%s)", name, displayValue(v), info.Note))
	default:
		line := fmt.Sprintf("%s=%s: %s %s", name, displayValue(v), info.Dest, info.Target)
		if info.Note != "" {
			line += " (" + info.Note + ")"
		}
		p.other = append(p.other, line)
	}
}

func (p *flowPlan) readEnv(v *Value) {
	if !v.Literal() {
		p.checkRuntime("env_vars", v)
	}
	env := map[string]bool{}
	var entries []string
	add := func(name string, value *Value) {
		if value.Kind == KindString && value.HasJinja() {
			// The flow renders the value itself and exports it.
			if literal, ok := p.jinja.fString(value.Str); ok {
				p.envExports = append(p.envExports, fmt.Sprintf("os.environ[%s] = %s", pyString(name), literal))
				p.other = append(p.other, fmt.Sprintf("env %s=%s: the flow sets it from the template", name, jsonString(value.Str)))
				env[name] = true
				return
			}
		}
		if value.Kind == KindString && !value.HasJinja() {
			entries = append(entries, jsonString(name)+": "+jsonString(value.Str))
			p.envParams = append(p.envParams, flowParam{envName: name, defaultValue: value.Str})
		} else {
			// Shown as source text: the value is only known at run time.
			entries = append(entries, jsonString(name)+": "+displayValue(value))
			if value.HasJinja() {
				p.review("env_vars %s uses a Jinja template Airshift cannot translate: %s", name, displayValue(value))
			}
		}
		env[name] = true
	}
	switch v.Kind {
	case KindDict:
		for i, key := range v.Keys {
			if key.Kind != KindString {
				p.review("Airshift cannot evaluate the env_vars key %s statically", key.Text)
				continue
			}
			add(key.Str, v.Items[i])
		}
	case KindList:
		var fromRefs []string
		for _, it := range v.Items {
			if it.Kind != KindCall || !isKubernetesModel(it.Callee) {
				p.review("env_vars item %s is not a V1EnvVar", displayValue(it))
				p.other = append(p.other, fmt.Sprintf("env_vars item %s: not read; set it by hand", displayValue(it)))
				continue
			}
			var name, value, valueFrom *Value
			for _, kw := range it.Kwargs {
				switch kw.Name {
				case "name":
					name = kw.Value
				case "value":
					value = kw.Value
				case "value_from":
					valueFrom = kw.Value
				}
			}
			if name == nil && len(it.Args) > 0 {
				name = it.Args[0]
				if len(it.Args) > 1 {
					value = it.Args[1]
				}
			}
			switch {
			case name == nil || name.Kind != KindString:
				p.review("env_vars item %s has no literal name", displayValue(it))
				p.other = append(p.other, fmt.Sprintf("env_vars item %s: not read; set it by hand", displayValue(it)))
			case valueFrom != nil:
				fromRefs = append(fromRefs, displayValue(it))
			case value != nil:
				add(name.Str, value)
			default:
				add(name.Str, &Value{Kind: KindString})
			}
		}
		if len(fromRefs) > 0 {
			p.template = append(p.template, keyValue{mainContainer + "/env", fmt.Sprintf("%s/env: [%s] (env_vars with value_from; list them in the manifest, not in the env job variable)", mainContainer, strings.Join(fromRefs, ", "))})
			p.templateNotes = append(p.templateNotes, "env_vars entries with value_from replace {{ env }} at "+mainContainer+"/env with a literal list; add them by hand")
		}
	default:
		p.jobVar("env", displayValue(v))
		return
	}
	if len(entries) > 0 {
		p.jobVar("env", "{"+strings.Join(entries, ", ")+"}")
	}
}

// nameParams makes each environment variable a flow parameter whose value
// the flow exports again, so a run can override what the work pool sets.
// A parameter never takes a name the body uses, such as os or a module the
// code imports, because the parameter would hide it.
func (p *flowPlan) nameParams() {
	reserved := map[string]bool{"os": true, "flow": true, "runtime": true, "Variable": true}
	for _, name := range p.jinja.params {
		reserved[name] = true
		if p.bodyNames[name] {
			p.review("flow parameter %s, from a Jinja template, has the name of something the code uses", name)
		}
	}
	for _, imp := range p.imports {
		reserved[strings.TrimPrefix(imp, "import ")] = true
	}
	for name := range p.bodyNames {
		reserved[name] = true
	}
	for _, q := range p.envParams {
		name := identifier(q.envName)
		if name == "" {
			name = "env_var"
		}
		if reserved[name] {
			name += "_env"
		}
		base := name
		for i := 2; p.hasParam(name) || reserved[name]; i++ {
			name = fmt.Sprintf("%s_%d", base, i)
		}
		q.name = name
		p.params = append(p.params, q)
	}
}

func (p *flowPlan) hasParam(name string) bool {
	for _, q := range p.params {
		if q.name == name {
			return true
		}
	}
	return false
}

// resourceVariables maps a resources section and key to its job variable.
var resourceVariables = map[string]string{
	"requests.cpu": "cpu_request", "requests.memory": "memory_request",
	"limits.cpu": "cpu_limit", "limits.memory": "memory_limit",
}

// legacyResourceKeys maps the keys of the dict form of the old resources
// argument to their section and Kubernetes resource name.
var legacyResourceKeys = map[string][2]string{
	"request_cpu": {"requests", "cpu"}, "request_memory": {"requests", "memory"},
	"request_ephemeral_storage": {"requests", "ephemeral-storage"},
	"limit_cpu":                 {"limits", "cpu"}, "limit_memory": {"limits", "memory"},
	"limit_ephemeral_storage": {"limits", "ephemeral-storage"}, "limit_gpu": {"limits", "nvidia.com/gpu"},
}

func (p *flowPlan) readResources(name string, v *Value) {
	p.checkRuntime(name, v)
	sections := map[string]*Value{}
	switch v.Kind {
	case KindCall:
		for _, kw := range v.Kwargs {
			sections[kw.Name] = kw.Value
		}
	case KindDict:
		for i, key := range v.Keys {
			if key.Kind != KindString {
				continue
			}
			if legacy, ok := legacyResourceKeys[key.Str]; ok {
				p.resource(name, legacy[0], legacy[1], v.Items[i])
				continue
			}
			sections[key.Str] = v.Items[i]
		}
	default:
		p.other = append(p.other, fmt.Sprintf("%s=%s: set cpu_request, cpu_limit, memory_request and memory_limit job variables", name, displayValue(v)))
		return
	}
	for _, section := range []string{"requests", "limits"} {
		sv, ok := sections[section]
		if !ok {
			continue
		}
		delete(sections, section)
		if sv.Kind != KindDict {
			p.template = append(p.template, keyValue{"resources", fmt.Sprintf("%s/resources/%s: %s (%s)", mainContainer, section, displayValue(sv), name)})
			continue
		}
		for i, key := range sv.Keys {
			if key.Kind != KindString {
				p.review("Airshift cannot evaluate the %s.%s key %s statically", name, section, key.Text)
				continue
			}
			p.resource(name, section, key.Str, sv.Items[i])
		}
	}
	for _, key := range sortedKeys(sections) {
		p.template = append(p.template, keyValue{"resources", fmt.Sprintf("%s/resources/%s: %s (%s)", mainContainer, camelCase(key), displayValue(sections[key]), name)})
	}
}

func (p *flowPlan) resource(arg, section, resource string, v *Value) {
	if jv, ok := resourceVariables[section+"."+resource]; ok {
		p.jobVar(jv, displayValue(v))
		return
	}
	p.templateField(arg, mainContainer+"/resources/"+section+"/"+strings.ReplaceAll(resource, "/", "~1"), v)
	p.template = append(p.template, keyValue{"resources", fmt.Sprintf("%s/resources/%s/%s: %s (%s)", mainContainer, section, resource, displayValue(v), arg)})
}

// deleteTTL is the finished_job_ttl that stands for deleting the pod when
// it finishes. NOTE: a minute is a chosen margin, not a documented value:
// it leaves the worker time to read the finished Job before Kubernetes
// deletes it.
const deleteTTL = "60"

func (p *flowPlan) readDeletePod(name string, v *Value) {
	switch {
	case v.Kind == KindBool && v.Str == "True":
		p.jobVar("finished_job_ttl", deleteTTL)
		p.other = append(p.other, name+"=True: finished_job_ttl "+deleteTTL+" deletes the finished Job a minute after it ends")
	case v.Kind == KindBool && v.Str == "False":
		p.jobVar("finished_job_ttl", "null")
		p.other = append(p.other, name+"=False: finished_job_ttl null keeps the finished Job")
	default:
		p.other = append(p.other, fmt.Sprintf("%s=%s: set finished_job_ttl to "+deleteTTL+" to delete or null to keep the finished Job", name, displayValue(v)))
		p.review("Airshift cannot evaluate %s statically: %s", name, displayValue(v))
	}
}

func (p *flowPlan) readFinishAction(v *Value) {
	if v.Kind != KindString {
		p.other = append(p.other, fmt.Sprintf("on_finish_action=%s: set finished_job_ttl to "+deleteTTL+" to delete or null to keep the finished Job", displayValue(v)))
		p.review("Airshift cannot evaluate on_finish_action statically: %s", displayValue(v))
		return
	}
	switch v.Str {
	case "delete_pod", "delete_active_pod":
		p.jobVar("finished_job_ttl", deleteTTL)
		p.other = append(p.other, fmt.Sprintf("on_finish_action=%q: finished_job_ttl %s deletes the finished Job a minute after it ends", v.Str, deleteTTL))
	case "keep_pod":
		p.jobVar("finished_job_ttl", "null")
		p.other = append(p.other, `on_finish_action="keep_pod": finished_job_ttl null keeps the finished Job`)
	case "delete_succeeded_pod":
		p.jobVar("finished_job_ttl", "null")
		p.noEquivalent = append(p.noEquivalent, `on_finish_action="delete_succeeded_pod" (one TTL applies to succeeded and failed Jobs; the Job is kept)`)
	default:
		p.other = append(p.other, fmt.Sprintf("on_finish_action=%q: not a known action", v.Str))
		p.review("on_finish_action %q is not a known action", v.Str)
	}
}

func (p *flowPlan) decoratorArg(name, flowArg string, v *Value) {
	if v.Kind == KindNumber {
		p.decorator = append(p.decorator, flowArg+"="+v.Text)
		return
	}
	p.other = append(p.other, fmt.Sprintf("%s=%s: @flow(%s=...)", name, displayValue(v), flowArg))
	p.review("Airshift cannot evaluate %s statically: %s", name, displayValue(v))
}

// durationArg turns a literal timedelta(...) into whole seconds for @flow.
func (p *flowPlan) durationArg(name, flowArg string, v *Value) {
	if seconds, ok := timedeltaSeconds(v); ok {
		p.decorator = append(p.decorator, flowArg+"="+strconv.FormatFloat(seconds, 'f', -1, 64))
		return
	}
	if v.Kind == KindNumber {
		p.decorator = append(p.decorator, flowArg+"="+v.Text)
		return
	}
	p.other = append(p.other, fmt.Sprintf("%s=%s: @flow(%s=...)", name, displayValue(v), flowArg))
	p.review("%s is not a literal timedelta: %s", name, displayValue(v))
}

var timedeltaUnits = map[string]float64{
	"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1,
	"milliseconds": 0.001, "microseconds": 0.000001,
}

func timedeltaSeconds(v *Value) (float64, bool) {
	if v.Kind != KindCall || (v.Callee != "timedelta" && v.Callee != "datetime.timedelta") {
		return 0, false
	}
	var total float64
	positional := []string{"days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"}
	if len(v.Args) > len(positional) {
		return 0, false
	}
	for i, a := range v.Args {
		n, err := strconv.ParseFloat(strings.ReplaceAll(a.Str, "_", ""), 64)
		if a.Kind != KindNumber || err != nil {
			return 0, false
		}
		total += n * timedeltaUnits[positional[i]]
	}
	for _, kw := range v.Kwargs {
		unit, ok := timedeltaUnits[kw.Name]
		if !ok || kw.Value.Kind != KindNumber {
			return 0, false
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(kw.Value.Str, "_", ""), 64)
		if err != nil {
			return 0, false
		}
		total += n * unit
	}
	return total, true
}

// readCommand turns cmds and arguments into the flow body. The work pool's
// container must run Prefect's own runner, so the command never becomes the
// command job variable. Instead python -c code becomes the body, and python
// -m and python SCRIPT run in-process through runpy. Any other command runs
// in the flow's pod, which needs review.
func (p *flowPlan) readCommand(cmds, arguments *Value) {
	var argv []string
	for _, part := range []struct {
		name string
		v    *Value
	}{{"cmds", cmds}, {"arguments", arguments}} {
		if part.v == nil {
			continue
		}
		list, ok := part.v.StringList()
		if !ok {
			p.blocking = fmt.Sprintf("%s is not a list of string literals (%s); the command cannot become the flow body", part.name, displayValue(part.v))
			return
		}
		argv = append(argv, list...)
	}
	if len(argv) == 0 {
		p.blocking = "the call sets no cmds or arguments, so the pod ran its image's entrypoint, which Airshift cannot see"
		return
	}
	if cmds == nil {
		p.blocking = "the call sets arguments but no cmds, so the image's entrypoint, which Airshift cannot see, received them"
		return
	}
	p.command = argv
	// pyArgv renders argument list items, translating Jinja templates.
	pyArgv := func(items []string) string {
		quoted := make([]string, len(items))
		for i, s := range items {
			literal, ok := p.jinja.pyValue(s)
			if !ok {
				p.review("the command uses a Jinja template Airshift cannot translate: %s", jsonString(s))
				literal = pyString(s)
			}
			quoted[i] = literal
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	}
	if isPython(argv[0]) {
		rest := argv[1:]
		for len(rest) > 0 && isPlainPythonFlag(rest[0]) {
			p.other = append(p.other, fmt.Sprintf("python flag %s: not carried over, because the flow runs in the worker's Python process", rest[0]))
			rest = rest[1:]
		}
		if len(rest) >= 2 && rest[0] == "-c" {
			p.pythonCode(rest[1], rest[2:], pyArgv)
			return
		}
		if len(rest) >= 2 && rest[0] == "-m" {
			p.imports = append(p.imports, "import runpy", "import sys")
			p.body = append(p.body, "sys.argv = "+pyArgv(append([]string{rest[1]}, rest[2:]...)),
				fmt.Sprintf("runpy.run_module(%s, run_name=\"__main__\", alter_sys=True)", pyString(rest[1])))
			p.review("python -m %s now runs inside the flow's process; check how it exits and reads sys.argv", rest[1])
			return
		}
		if len(rest) >= 1 && !strings.HasPrefix(rest[0], "-") {
			p.imports = append(p.imports, "import runpy", "import sys")
			p.body = append(p.body, "sys.argv = "+pyArgv(rest),
				fmt.Sprintf("runpy.run_path(%s, run_name=\"__main__\")", pyString(rest[0])))
			p.review("python %s now runs inside the flow's process; check how it exits and reads sys.argv", path.Base(rest[0]))
			return
		}
	}
	p.imports = append(p.imports, "import subprocess")
	p.body = append(p.body, fmt.Sprintf("subprocess.run(%s, check=True)", pyArgv(argv)))
	p.review("the command %s is not Python; it now runs in the flow's pod, so the work pool image needs it besides prefect", jsonString(argv[0]))
}

func isPython(exe string) bool {
	base := path.Base(exe)
	if base == "python" || base == "python3" {
		return true
	}
	if rest, ok := strings.CutPrefix(base, "python3."); ok {
		_, err := strconv.Atoi(rest)
		return err == nil
	}
	return false
}

// isPlainPythonFlag reports interpreter flags that do not change what runs.
func isPlainPythonFlag(arg string) bool {
	switch arg {
	case "-u", "-B", "-O", "-OO", "-s", "-S", "-E", "-I", "-b", "-bb", "-q":
		return true
	}
	return false
}

func (p *flowPlan) pythonCode(code string, extra []string, pyArgv func([]string) string) {
	// The names the code itself uses, before templates add parameters.
	_, ownNames, _ := codeLines(code, p.indent)
	if translated, ok := p.jinja.translateCode(code); ok {
		code = translated
	} else {
		p.review("the python -c code uses a Jinja template Airshift cannot translate: %s", jsonString(code))
	}
	lines, names, reason := codeLines(code, p.indent)
	if reason != "" {
		p.blocking = reason
		return
	}
	p.bodyNames = names
	if ownNames != nil {
		p.bodyNames = ownNames
	}
	if len(extra) > 0 {
		p.imports = append(p.imports, "import sys")
		p.body = append(p.body, "sys.argv = "+pyArgv(append([]string{"-c"}, extra...)))
	}
	p.body = append(p.body, lines...)
}

// codeLinesCache keeps the results of codeLines, which parses the code,
// because DAG files repeat the same python -c commands across calls and
// files. Callers must not change the lines or names they get.
var codeLinesCache struct {
	sync.Mutex
	entries map[[2]string]codeLinesResult
}

type codeLinesResult struct {
	lines  []string
	names  map[string]bool
	reason string
}

// maxCodeLinesCache bounds the cache; it is emptied when full.
const maxCodeLinesCache = 4096

// codeLines splits python -c code into body lines: one statement per line
// for a one-line program, the dedented lines otherwise. It also returns the
// names the code uses. The reason is set when the code would mean something
// else inside a function, or would not compile there.
func codeLines(code, indent string) ([]string, map[string]bool, string) {
	key := [2]string{code, indent}
	codeLinesCache.Lock()
	cached, ok := codeLinesCache.entries[key]
	codeLinesCache.Unlock()
	if ok {
		return cached.lines, cached.names, cached.reason
	}
	lines, names, reason := parseCodeLines(code, indent)
	codeLinesCache.Lock()
	if codeLinesCache.entries == nil || len(codeLinesCache.entries) >= maxCodeLinesCache {
		codeLinesCache.entries = map[[2]string]codeLinesResult{}
	}
	codeLinesCache.entries[key] = codeLinesResult{lines, names, reason}
	codeLinesCache.Unlock()
	return lines, names, reason
}

func parseCodeLines(code, indent string) ([]string, map[string]bool, string) {
	src := []byte(code)
	tree := MustParse(src)
	defer tree.Close()
	root := NewSyntax(tree.RootNode()).Root()
	if root.HasError() {
		return nil, nil, "the python -c code does not parse as Python, so it cannot become the flow body"
	}
	names := map[string]bool{}
	if reason := checkBodyCode(root, src, names, false); reason != "" {
		return nil, nil, "the python -c code " + reason + ", so it cannot become the flow body as it is"
	}
	if !strings.Contains(strings.TrimRight(code, "\n"), "\n") {
		var out []string
		for i := 0; i < int(root.NamedChildCount()); i++ {
			out = append(out, strings.TrimSpace(text(root.NamedChild(i), src)))
		}
		if len(out) == 0 {
			out = append(out, "pass")
		}
		return out, names, ""
	}
	lines := strings.Split(strings.ReplaceAll(code, "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	prefix := ""
	for i, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		lineIndent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if i == 0 || len(lineIndent) < len(prefix) || !strings.HasPrefix(line, prefix) {
			prefix = commonPrefix(prefix, lineIndent, i == 0)
		}
	}
	for i, line := range lines {
		lines[i] = strings.TrimPrefix(line, prefix)
		rest := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " \t"))]
		if rest != "" && strings.Trim(rest, indent[:1]) != "" {
			return nil, nil, "the python -c code indents with a different character than the file, so it cannot become the flow body as it is"
		}
	}
	if len(lines) == 0 {
		lines = []string{"pass"}
	}
	return lines, names, ""
}

// checkBodyCode returns why code cannot move into a function body, or "".
// It records the identifiers it meets in names. inFunction is set below a
// nested def, class or lambda, where return, yield and global keep their
// meaning.
func checkBodyCode(n *Node, src []byte, names map[string]bool, inFunction bool) string {
	switch n.Type() {
	case "future_import_statement":
		return "has a __future__ import"
	case "wildcard_import":
		return "uses import *, which Python rejects inside a function"
	case "return_statement", "yield", "await", "global_statement", "nonlocal_statement":
		if !inFunction {
			return "uses " + strings.SplitN(n.Type(), "_", 2)[0] + " at its top level"
		}
	case "identifier":
		name := text(n, src)
		if name == "__name__" || name == "__file__" {
			return "reads " + name + ", which differs inside a flow"
		}
		names[name] = true
	case "string":
		if bytes.IndexByte(src[n.StartByte():n.EndByte()], '\n') >= 0 {
			return "has a multi-line string, whose text would change when re-indented"
		}
	case "function_definition", "class_definition", "lambda":
		inFunction = true
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		if reason := checkBodyCode(n.Child(i), src, names, inFunction); reason != "" {
			return reason
		}
	}
	return ""
}

func commonPrefix(a, b string, first bool) string {
	if first {
		return b
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

func pyList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = pyString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// dagParamDefaults reads the string defaults of a DAG's params argument.
func dagParamDefaults(dag *Value) map[string]string {
	out := map[string]string{}
	if dag == nil {
		return out
	}
	params := keywordValue(dag, "params")
	if params == nil || params.Kind != KindDict {
		return out
	}
	for i, key := range params.Keys {
		value := params.Items[i]
		if key.Kind == KindString && value.Kind == KindString {
			out[key.Str] = value.Str
		}
	}
	return out
}
