package analysis

import (
	"fmt"
	"path"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
)

// Rule codes of code inside Prefect flows and tasks that keeps running
// workloads the Airflow way instead of letting the work pool run them.
const (
	// OperatorExecuteRule reports an Airflow operator's execute() called
	// from a Prefect flow or task.
	OperatorExecuteRule = "AS201"
	// KubernetesClientRule reports a pod or Job created with the kubernetes
	// Python client from a Prefect flow or task.
	KubernetesClientRule = "AS202"
	// ContainerRunRule reports a container started with a CLI or the Docker
	// SDK from a Prefect flow or task.
	ContainerRunRule = "AS203"
)

// prefectDecorators lists the module and name of Prefect's flow and task
// decorators as they can be imported: "from prefect import flow" and the
// modules that define them (prefect/flows.py and prefect/tasks.py).
var prefectDecorators = map[[2]string]string{
	{"prefect", "flow"}:       "flow",
	{"prefect", "task"}:       "task",
	{"prefect.flows", "flow"}: "flow",
	{"prefect.tasks", "task"}: "task",
}

// podCreationMethods are the kubernetes client API methods that create a pod
// or a Job (CoreV1Api and BatchV1Api).
var podCreationMethods = map[string]bool{
	"create_namespaced_pod": true,
	"create_namespaced_job": true,
}

// kubernetesClientModules are the packages whose "client" module provides
// the Kubernetes API classes: the official client and its asyncio port.
var kubernetesClientModules = []string{"kubernetes.client", "kubernetes_asyncio.client"}

// processFunctions maps the module and name of a function that starts a
// process to how it takes the command: "argv" for one argv list or shell
// string argument, "args" for the program and its arguments as separate
// positional arguments.
var processFunctions = map[[2]string]string{
	{"subprocess", "run"}:                             "argv",
	{"subprocess", "call"}:                            "argv",
	{"subprocess", "check_call"}:                      "argv",
	{"subprocess", "check_output"}:                    "argv",
	{"subprocess", "Popen"}:                           "argv",
	{"os", "system"}:                                  "argv",
	{"os", "popen"}:                                   "argv",
	{"asyncio", "create_subprocess_shell"}:            "argv",
	{"asyncio", "create_subprocess_exec"}:             "args",
	{"asyncio.subprocess", "create_subprocess_exec"}:  "args",
	{"asyncio.subprocess", "create_subprocess_shell"}: "argv",
}

// containerCLIs are the command-line tools whose "run" subcommand starts a
// container from an image: "kubectl run" starts it in a new pod.
var containerCLIs = map[string]bool{"docker": true, "podman": true, "nerdctl": true, "kubectl": true}

// maxResolveDepth bounds how many assignments are followed back from a
// variable to the value it holds, which also stops "x = x" from looping.
const maxResolveDepth = 8

// prefectFunction is a function decorated with Prefect's @flow or @task.
type prefectFunction struct {
	name string
	// decorator is "flow" or "task".
	decorator string
}

func (p *prefectFunction) String() string {
	return fmt.Sprintf("Prefect @%s %s", p.decorator, p.name)
}

// antiPatternFinder walks the tree with scopes of its own, because File
// keeps only the module scope, and reports the anti-pattern calls made
// inside Prefect flows and tasks.
type antiPatternFinder struct {
	f        *File
	findings []Finding
	// operatorCalls maps the byte range of each mapped operator call to it.
	operatorCalls map[[2]int]*Call
}

// antiPatterns returns the findings of rules AS201 to AS203. A call is
// reported when it sits anywhere inside the body of a function decorated
// with Prefect's @flow or @task, including functions and lambdas nested in
// that body, because that code runs as part of the flow or task run.
func (f *File) antiPatterns() []Finding {
	finder := &antiPatternFinder{f: f, operatorCalls: map[[2]int]*Call{}}
	for _, call := range f.calls {
		if call.Certain && !call.Decorator {
			finder.operatorCalls[nodeRange(call.Node)] = call
		}
	}
	finder.walk(f.Tree.RootNode(), f.module, nil)
	return finder.findings
}

func nodeRange(n *sitter.Node) [2]int {
	return [2]int{int(n.StartByte()), int(n.EndByte())}
}

// walk visits n in scope sc. within is the Prefect function whose body
// contains n, or nil outside any.
func (a *antiPatternFinder) walk(n *sitter.Node, sc *scope, within *prefectFunction) {
	switch n.Type() {
	case "decorated_definition":
		def := n.ChildByFieldName("definition")
		if def == nil || def.Type() != "function_definition" {
			break
		}
		inner := within
		for i := 0; i < int(n.NamedChildCount()); i++ {
			c := n.NamedChild(i)
			if c.Type() != "decorator" {
				continue
			}
			a.walk(c, sc, within)
			if kind := a.prefectDecorator(c, sc); kind != "" {
				inner = &prefectFunction{name: functionName(def, a.f.Src), decorator: kind}
			}
		}
		a.walkFunction(def, sc, within, inner)
		return
	case "function_definition":
		a.walkFunction(n, sc, within, within)
		return
	case "call":
		if within != nil && !n.HasError() && !insideError(n) {
			a.checkCall(n, sc, within)
		}
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		a.walk(n.Child(i), sc, within)
	}
}

// walkFunction visits a function definition. Default values run when the
// def statement runs, in the enclosing scope and the enclosing Prefect
// function (outer); the body runs in a scope of its own (body).
func (a *antiPatternFinder) walkFunction(def *sitter.Node, sc *scope, outer, body *prefectFunction) {
	if params := def.ChildByFieldName("parameters"); params != nil {
		a.walk(params, sc, outer)
	}
	inner := a.functionScope(def, sc)
	if block := def.ChildByFieldName("body"); block != nil {
		a.walk(block, inner, body)
	}
}

func functionName(def *sitter.Node, src []byte) string {
	if name := def.ChildByFieldName("name"); name != nil {
		return text(name, src)
	}
	return "<function>"
}

// functionScope builds the scope of a function body with the bindings that
// File.walk records: parameters, imports, assignments, for and with targets,
// and nested def and class names.
func (a *antiPatternFinder) functionScope(def *sitter.Node, parent *scope) *scope {
	sc := &scope{node: def, parent: parent, bindings: map[string][]*binding{}}
	if params := def.ChildByFieldName("parameters"); params != nil {
		a.f.addParameters(sc, params)
	}
	if body := def.ChildByFieldName("body"); body != nil {
		a.bindNames(body, sc)
	}
	return sc
}

func (a *antiPatternFinder) bindNames(n *sitter.Node, sc *scope) {
	src := a.f.Src
	switch n.Type() {
	case "import_statement", "import_from_statement":
		addImport(sc, n, src)
		return
	case "function_definition":
		if name := n.ChildByFieldName("name"); name != nil {
			sc.add(&binding{kind: bindLocal, name: text(name, src), pos: int(n.StartByte()), stmt: n})
		}
		return
	case "lambda":
		return
	case "class_definition":
		if name := n.ChildByFieldName("name"); name != nil {
			sc.add(&binding{kind: bindLocal, name: text(name, src), pos: int(n.StartByte()), stmt: n, node: n})
		}
	case "assignment", "augmented_assignment", "for_statement":
		addTargets(sc, n.ChildByFieldName("left"), n, src)
	case "with_item":
		if v := n.ChildByFieldName("value"); v != nil && v.Type() == "as_pattern" {
			if alias := v.ChildByFieldName("alias"); alias != nil && alias.NamedChildCount() > 0 {
				addTargets(sc, alias.NamedChild(0), n, src)
			}
		}
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		a.bindNames(n.Child(i), sc)
	}
}

// prefectDecorator returns "flow" or "task" when decorator is Prefect's
// @flow or @task, with or without call parentheses, resolved through the
// file's imports. A local function or Airflow's @task returns "".
func (a *antiPatternFinder) prefectDecorator(decorator *sitter.Node, sc *scope) string {
	var expr *sitter.Node
	for i := 0; i < int(decorator.NamedChildCount()); i++ {
		if c := decorator.NamedChild(i); c.Type() != "comment" {
			expr = c
			break
		}
	}
	if expr == nil {
		return ""
	}
	if expr.Type() == "call" {
		expr = expr.ChildByFieldName("function")
		if expr == nil {
			return ""
		}
	}
	module, name, b, _ := a.f.resolveClass(expr, sc)
	if b == nil {
		return ""
	}
	return prefectDecorators[[2]string{module, name}]
}

// checkCall reports call when it is one of the anti-patterns.
func (a *antiPatternFinder) checkCall(call *sitter.Node, sc *scope, within *prefectFunction) {
	fn := call.ChildByFieldName("function")
	if fn == nil {
		return
	}
	if fn.Type() == "attribute" {
		method := fn.ChildByFieldName("attribute")
		object := fn.ChildByFieldName("object")
		if method == nil || object == nil {
			return
		}
		switch name := text(method, a.f.Src); {
		case name == "execute":
			a.checkOperatorExecute(method, object, sc, within)
		case podCreationMethods[name]:
			a.checkPodCreation(method, object, sc, within)
		case name == "run" && object.Type() == "attribute":
			a.checkDockerRun(method, object, sc, within)
		}
	}
	a.checkProcess(call, fn, sc, within)
}

// checkOperatorExecute reports OBJECT.execute(...) when OBJECT is a mapped
// operator call or a variable assigned one.
func (a *antiPatternFinder) checkOperatorExecute(method, object *sitter.Node, sc *scope, within *prefectFunction) {
	op := a.operatorCall(object, sc, 0)
	if op == nil {
		return
	}
	instead := "deploy the flow to a Kubernetes work pool instead of wrapping the Airflow operator, with the operator's image, env and resources as job variables"
	noFix := "Airshift does not rewrite code inside Prefect flows and tasks, so move the operator's image, env and resources to the deployment's job variables by hand"
	if !kubernetesFamily[op.Operator] {
		instead = fmt.Sprintf("use the operator's Prefect equivalent instead of wrapping the Airflow operator (see 'airshift explain %s')", op.Operator)
		noFix = "Airshift does not rewrite code inside Prefect flows and tasks, so replace the call by hand"
	}
	class := op.Operator
	if op.Subclass != "" {
		class = op.Subclass
	}
	a.report(Finding{
		Rule: OperatorExecuteRule, Start: int(method.StartByte()), End: int(method.EndByte()),
		Message:     fmt.Sprintf("%s.execute() called inside %s: %s", class, within, instead),
		Related:     []Related{{Start: op.CalleeStart, End: op.CalleeEnd, Message: "the " + class + " that execute() runs"}},
		NoFixReason: noFix,
	})
}

// operatorCall returns the mapped operator call that expr evaluates to: the
// call itself, its .partial(...).expand(...) form, or a variable assigned
// one of them.
func (a *antiPatternFinder) operatorCall(expr *sitter.Node, sc *scope, depth int) *Call {
	switch expr.Type() {
	case "call":
		if op := a.operatorCalls[nodeRange(expr)]; op != nil {
			return op
		}
		// The expand call of Operator.partial(...).expand(...) wraps the
		// partial call that f.calls records.
		if fn := expr.ChildByFieldName("function"); fn != nil && fn.Type() == "attribute" {
			if inner := fn.ChildByFieldName("object"); inner != nil && inner.Type() == "call" {
				if op := a.operatorCalls[nodeRange(inner)]; op != nil && op.Mapped != "" && op.Mapped != "partial" {
					return op
				}
			}
		}
	case "parenthesized_expression":
		if expr.NamedChildCount() == 1 {
			return a.operatorCall(expr.NamedChild(0), sc, depth)
		}
	case "identifier":
		if value := a.assignedValue(expr, sc, depth); value != nil {
			return a.operatorCall(value, sc, depth+1)
		}
	}
	return nil
}

// checkPodCreation reports API.create_namespaced_pod(...) and
// create_namespaced_job(...) when API is a kubernetes client API object.
func (a *antiPatternFinder) checkPodCreation(method, object *sitter.Node, sc *scope, within *prefectFunction) {
	class, origin := a.kubernetesAPI(object, sc, 0)
	if origin == nil {
		return
	}
	name := text(method, a.f.Src)
	a.report(Finding{
		Rule: KubernetesClientRule, Start: int(method.StartByte()), End: int(method.EndByte()),
		Message: fmt.Sprintf("%s.%s() called inside %s: let the Kubernetes work pool run the flow, or use prefect-kubernetes' KubernetesJob to run the manifest as a Job",
			class, name, within),
		Related:     []Related{{Start: int(origin.StartByte()), End: int(origin.EndByte()), Message: "the kubernetes client " + class}},
		NoFixReason: "Airshift does not rewrite code inside Prefect flows and tasks, so move the pod's image and settings from the manifest to the deployment's job variables by hand",
	})
}

// kubernetesAPI returns the API class that expr is an instance of, such as
// CoreV1Api, and the class name node at its construction, when expr is a
// kubernetes client API object or a variable assigned one.
func (a *antiPatternFinder) kubernetesAPI(expr *sitter.Node, sc *scope, depth int) (string, *sitter.Node) {
	switch expr.Type() {
	case "call":
		fn := expr.ChildByFieldName("function")
		if fn == nil {
			return "", nil
		}
		module, class, b, nameNode := a.f.resolveClass(fn, sc)
		if b == nil || !strings.HasSuffix(class, "Api") {
			return "", nil
		}
		for _, base := range kubernetesClientModules {
			if module == base || strings.HasPrefix(module, base+".") {
				return class, nameNode
			}
		}
	case "parenthesized_expression":
		if expr.NamedChildCount() == 1 {
			return a.kubernetesAPI(expr.NamedChild(0), sc, depth)
		}
	case "identifier":
		if value := a.assignedValue(expr, sc, depth); value != nil {
			return a.kubernetesAPI(value, sc, depth+1)
		}
	}
	return "", nil
}

// checkDockerRun reports CLIENT.containers.run(...) when CLIENT is a Docker
// SDK client.
func (a *antiPatternFinder) checkDockerRun(method, containers *sitter.Node, sc *scope, within *prefectFunction) {
	attr := containers.ChildByFieldName("attribute")
	client := containers.ChildByFieldName("object")
	if attr == nil || client == nil || text(attr, a.f.Src) != "containers" {
		return
	}
	origin := a.dockerClient(client, sc, 0)
	if origin == nil {
		return
	}
	a.report(Finding{
		Rule: ContainerRunRule, Start: int(method.StartByte()), End: int(method.EndByte()),
		Message:     fmt.Sprintf("Docker SDK containers.run() called inside %s: %s", within, containerRunAdvice),
		Related:     []Related{{Start: int(origin.StartByte()), End: int(origin.EndByte()), Message: "the Docker client"}},
		NoFixReason: containerRunNoFix,
	})
}

const (
	containerRunAdvice = "give the flow the image through the work pool's image job variable and run the container's command in the flow instead of starting a container"
	containerRunNoFix  = "Airshift does not rewrite code inside Prefect flows and tasks, so set the image on the deployment and move the container's command into the flow by hand"
)

// dockerClient returns the callee name node of the docker.from_env() or
// docker.DockerClient(...) call that expr evaluates to, directly or through
// a variable, or nil.
func (a *antiPatternFinder) dockerClient(expr *sitter.Node, sc *scope, depth int) *sitter.Node {
	switch expr.Type() {
	case "call":
		fn := expr.ChildByFieldName("function")
		if fn == nil {
			return nil
		}
		module, name, b, nameNode := a.f.resolveClass(fn, sc)
		if b == nil || (name != "from_env" && name != "DockerClient") {
			return nil
		}
		if module == "docker" || strings.HasPrefix(module, "docker.") {
			return nameNode
		}
	case "parenthesized_expression":
		if expr.NamedChildCount() == 1 {
			return a.dockerClient(expr.NamedChild(0), sc, depth)
		}
	case "identifier":
		if value := a.assignedValue(expr, sc, depth); value != nil {
			return a.dockerClient(value, sc, depth+1)
		}
	}
	return nil
}

// checkProcess reports a subprocess, os or asyncio call whose command runs
// a container image with "docker run", "podman run" or "kubectl run".
func (a *antiPatternFinder) checkProcess(call, fn *sitter.Node, sc *scope, within *prefectFunction) {
	module, name, b, nameNode := a.f.resolveClass(fn, sc)
	if b == nil {
		return
	}
	form := processFunctions[[2]string{module, name}]
	args := call.ChildByFieldName("arguments")
	if form == "" || args == nil || args.Type() != "argument_list" {
		return
	}
	var words []string
	var command *sitter.Node
	positional, keywords := argumentNodes(args, a.f.Src)
	switch {
	case form == "args" && len(positional) > 0:
		command = positional[0]
		for _, arg := range positional {
			word, ok := a.literalWords(arg, sc, 0)
			if !ok || len(word) != 1 {
				break
			}
			words = append(words, word[0])
		}
	case form == "argv" && len(positional) > 0:
		command = positional[0]
	case form == "argv":
		for _, key := range []string{"args", "cmd", "command"} {
			if keywords[key] != nil {
				command = keywords[key]
				break
			}
		}
	}
	if command == nil {
		return
	}
	if form == "argv" {
		words, _ = a.literalWords(command, sc, 0)
	}
	run := containerRun(words)
	if run == "" {
		return
	}
	callee := module + "." + name
	a.report(Finding{
		Rule: ContainerRunRule, Start: int(nameNode.StartByte()), End: int(nameNode.EndByte()),
		Message:     fmt.Sprintf("%s() runs %q inside %s: %s", callee, run, within, containerRunAdvice),
		Related:     []Related{{Start: int(command.StartByte()), End: int(command.EndByte()), Message: "the " + run + " command"}},
		NoFixReason: containerRunNoFix,
	})
}

// argumentNodes splits an argument list into positional argument nodes and
// keyword argument values by name.
func argumentNodes(args *sitter.Node, src []byte) ([]*sitter.Node, map[string]*sitter.Node) {
	var positional []*sitter.Node
	keywords := map[string]*sitter.Node{}
	for i := 0; i < int(args.NamedChildCount()); i++ {
		c := args.NamedChild(i)
		switch c.Type() {
		case "keyword_argument":
			name, value := c.ChildByFieldName("name"), c.ChildByFieldName("value")
			if name != nil && value != nil {
				keywords[text(name, src)] = value
			}
		case "comment", "list_splat", "dictionary_splat":
		default:
			positional = append(positional, c)
		}
	}
	return positional, keywords
}

// containerRun returns the subcommand that words run, such as "docker run",
// when they start a container: an optional sudo, a container CLI (by base
// name, so "/usr/bin/docker" counts), options, then "run" or
// "container run". It returns "" otherwise.
func containerRun(words []string) string {
	if len(words) > 0 && words[0] == "sudo" {
		words = words[1:]
	}
	if len(words) == 0 || !containerCLIs[path.Base(words[0])] {
		return ""
	}
	program := path.Base(words[0])
	// NOTE: an option that takes a separate value, as in "docker -H HOST
	// run", hides the subcommand, so such commands are not reported.
	rest := words[1:]
	for len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
		rest = rest[1:]
	}
	switch {
	case len(rest) > 0 && rest[0] == "run":
		return program + " run"
	case len(rest) > 1 && rest[0] == "container" && rest[1] == "run" && program != "kubectl":
		return program + " container run"
	}
	return ""
}

// literalWords returns the leading words of a command that are known
// statically: the literal items of an argv list or tuple, or the words of a
// shell string up to its first interpolation or placeholder. It follows
// variables, shlex.split(S), S.split(), S.format(...), S % values and +
// concatenation. complete is false when later words exist that are not
// known.
func (a *antiPatternFinder) literalWords(expr *sitter.Node, sc *scope, depth int) (words []string, complete bool) {
	switch expr.Type() {
	case "string", "concatenated_string":
		prefix, whole := stringPrefix(expr, a.f.Src)
		return splitShellWords(prefix, whole), whole
	case "list", "tuple":
		for i := 0; i < int(expr.NamedChildCount()); i++ {
			item := expr.NamedChild(i)
			if item.Type() == "comment" {
				continue
			}
			if item.Type() != "string" && item.Type() != "concatenated_string" {
				return words, false
			}
			s, whole := stringPrefix(item, a.f.Src)
			if !whole {
				return words, false
			}
			words = append(words, s)
		}
		return words, true
	case "parenthesized_expression":
		if expr.NamedChildCount() == 1 {
			return a.literalWords(expr.NamedChild(0), sc, depth)
		}
	case "identifier":
		if value := a.assignedValue(expr, sc, depth); value != nil {
			return a.literalWords(value, sc, depth+1)
		}
	case "binary_operator":
		left, right, op := expr.ChildByFieldName("left"), expr.ChildByFieldName("right"), expr.ChildByFieldName("operator")
		if left == nil || right == nil || op == nil {
			return nil, false
		}
		if text(op, a.f.Src) == "%" && isStringNode(left) {
			// "docker run %s" % image: the text before the first placeholder.
			leftText, _ := stringPrefix(left, a.f.Src)
			return splitShellWords(placeholderPrefix(leftText, '%'), false), false
		}
		if text(op, a.f.Src) != "+" {
			return nil, false
		}
		if isStringNode(left) && isStringNode(right) {
			// Concatenated strings join inside a word: "docker r" + "un".
			leftText, leftWhole := stringPrefix(left, a.f.Src)
			if !leftWhole {
				return splitShellWords(leftText, false), false
			}
			rightText, rightWhole := stringPrefix(right, a.f.Src)
			return splitShellWords(leftText+rightText, rightWhole), rightWhole
		}
		words, complete = a.literalWords(left, sc, depth)
		if !complete || isStringNode(left) {
			// A string followed by a variable may continue its last word.
			return words, false
		}
		more, complete := a.literalWords(right, sc, depth)
		return append(words, more...), complete
	case "call":
		return a.splitCallWords(expr, sc, depth)
	}
	return nil, false
}

// splitCallWords returns the leading words of shlex.split(S), S.split() and
// S.format(...).
func (a *antiPatternFinder) splitCallWords(call *sitter.Node, sc *scope, depth int) ([]string, bool) {
	fn, args := call.ChildByFieldName("function"), call.ChildByFieldName("arguments")
	if fn == nil || args == nil || args.Type() != "argument_list" {
		return nil, false
	}
	positional, _ := argumentNodes(args, a.f.Src)
	if module, name, b, _ := a.f.resolveClass(fn, sc); b != nil && module == "shlex" && name == "split" && len(positional) > 0 {
		return a.literalWords(positional[0], sc, depth)
	}
	if fn.Type() != "attribute" {
		return nil, false
	}
	attr, object := fn.ChildByFieldName("attribute"), fn.ChildByFieldName("object")
	if attr == nil || object == nil {
		return nil, false
	}
	switch text(attr, a.f.Src) {
	case "split":
		if len(positional) == 0 {
			return a.literalWords(object, sc, depth)
		}
	case "format":
		// "docker run {}".format(image): the text before the first placeholder.
		if isStringNode(object) {
			prefix, _ := stringPrefix(object, a.f.Src)
			return splitShellWords(placeholderPrefix(prefix, '{'), false), false
		}
	}
	return nil, false
}

// placeholderPrefix returns s up to its first format placeholder, which
// starts with mark ('{' for str.format, '%' for the % operator). A doubled
// mark stands for the character itself.
func placeholderPrefix(s string, mark byte) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != mark {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == mark {
			b.WriteByte(mark)
			i++
			continue
		}
		break
	}
	return b.String()
}

func isStringNode(n *sitter.Node) bool {
	return n.Type() == "string" || n.Type() == "concatenated_string"
}

// splitShellWords splits a shell command prefix into words. Unless whole is
// set, the text stops at an unknown value, and a last word not followed by
// a space may continue there, so it is dropped.
func splitShellWords(prefix string, whole bool) []string {
	words := strings.Fields(prefix)
	if !whole && len(words) > 0 && !strings.HasSuffix(prefix, " ") && !strings.HasSuffix(prefix, "\t") {
		words = words[:len(words)-1]
	}
	return words
}

// stringPrefix returns the text of a string literal up to its first
// interpolation, and whether that is the whole string. Bytes literals count,
// because subprocess accepts them.
func stringPrefix(n *sitter.Node, src []byte) (string, bool) {
	if n.Type() == "concatenated_string" {
		var b strings.Builder
		for i := 0; i < int(n.NamedChildCount()); i++ {
			c := n.NamedChild(i)
			if c.Type() == "comment" {
				continue
			}
			s, whole := stringPrefix(c, src)
			b.WriteString(s)
			if !whole {
				return b.String(), false
			}
		}
		return b.String(), true
	}
	raw := false
	var b strings.Builder
	for i := 0; i < int(n.ChildCount()); i++ {
		c := n.Child(i)
		switch c.Type() {
		case "string_start":
			raw = strings.ContainsAny(strings.TrimRight(text(c, src), `'"`), "rR")
		case "string_content":
			if raw {
				b.WriteString(text(c, src))
			} else {
				b.WriteString(unescape(text(c, src)))
			}
		case "escape_sequence":
			b.WriteString(unescape(text(c, src)))
		case "interpolation", "format_expression":
			return b.String(), false
		}
	}
	return b.String(), true
}

// assignedValue returns the expression last assigned to the variable id
// before its use, when that is a plain "name = value" assignment or a
// "with value as name" item. It returns nil for parameters, imports, loop
// targets and after maxResolveDepth assignments.
func (a *antiPatternFinder) assignedValue(id *sitter.Node, sc *scope, depth int) *sitter.Node {
	if depth >= maxResolveDepth {
		return nil
	}
	name := text(id, a.f.Src)
	b := sc.lookup(name, int(id.StartByte()))
	if b == nil || b.kind != bindLocal || b.stmt == nil {
		return nil
	}
	switch b.stmt.Type() {
	case "assignment":
		// "a = b = value" nests the second assignment as the right side.
		for stmt := b.stmt; stmt != nil && stmt.Type() == "assignment"; stmt = stmt.ChildByFieldName("right") {
			left := stmt.ChildByFieldName("left")
			if left == nil || left.Type() != "identifier" {
				return nil
			}
			if right := stmt.ChildByFieldName("right"); right != nil && right.Type() != "assignment" {
				return right
			}
		}
	case "with_item":
		if v := b.stmt.ChildByFieldName("value"); v != nil && v.Type() == "as_pattern" && v.NamedChildCount() > 0 {
			return v.NamedChild(0)
		}
	}
	return nil
}

// report adds fd unless a "# noqa" comment on the line of its name silences
// its rule.
func (a *antiPatternFinder) report(fd Finding) {
	if a.f.noqaSilences(fd.Start, fd.Rule) {
		return
	}
	a.findings = append(a.findings, fd)
}

// noqaSilences reports whether a bare "# noqa" or a "# noqa: CODE" listing
// rule, on the line of byte offset off, silences rule there.
func (f *File) noqaSilences(off int, rule string) bool {
	for _, comment := range f.comments[f.Line(off)] {
		for _, m := range noqaPattern.FindAllStringSubmatch(comment.text, -1) {
			if m[1] == "" {
				return true
			}
			for _, code := range strings.Split(m[1], ",") {
				if strings.EqualFold(strings.TrimSpace(code), rule) {
					return true
				}
			}
		}
	}
	return false
}
