package analysis

import (
	"fmt"
	"strings"
)

// Rule codes of calls inside Prefect flows and tasks that start a workload
// the Airflow way, where the work pool should run the flow instead.
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
// that body, which are reported as if the flow or task called them.
func (f *File) antiPatterns() []Finding {
	finder := &antiPatternFinder{f: f, operatorCalls: map[[2]int]*Call{}}
	for _, call := range f.calls {
		if call.Certain && !call.Decorator {
			finder.operatorCalls[nodeRange(call.Node)] = call
		}
	}
	finder.walk(f.Syntax.Root(), f.module, nil)
	return finder.findings
}

func nodeRange(n *Node) [2]int {
	return [2]int{int(n.StartByte()), int(n.EndByte())}
}

// walk visits n in scope sc. within is the Prefect function whose body
// contains n, or nil outside any.
func (a *antiPatternFinder) walk(n *Node, sc *scope, within *prefectFunction) {
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

// walkFunction visits a function definition. Its default values run with
// the def statement, so they are visited in the enclosing scope as part of
// outer. Its body runs in a scope of its own as part of body.
func (a *antiPatternFinder) walkFunction(def *Node, sc *scope, outer, body *prefectFunction) {
	if params := def.ChildByFieldName("parameters"); params != nil {
		a.walk(params, sc, outer)
	}
	inner := a.functionScope(def, sc)
	if block := def.ChildByFieldName("body"); block != nil {
		a.walk(block, inner, body)
	}
}

func functionName(def *Node, src []byte) string {
	if name := def.ChildByFieldName("name"); name != nil {
		return text(name, src)
	}
	return "<function>"
}

// functionScope builds the scope of a function body with the bindings that
// File.walk records: parameters, imports, assignments, for and with targets,
// and nested def and class names.
func (a *antiPatternFinder) functionScope(def *Node, parent *scope) *scope {
	sc := &scope{node: def, parent: parent, bindings: map[string][]*binding{}}
	if params := def.ChildByFieldName("parameters"); params != nil {
		a.f.addParameters(sc, params)
	}
	if body := def.ChildByFieldName("body"); body != nil {
		a.bindNames(body, sc)
	}
	return sc
}

func (a *antiPatternFinder) bindNames(n *Node, sc *scope) {
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
func (a *antiPatternFinder) prefectDecorator(decorator *Node, sc *scope) string {
	var expr *Node
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
func (a *antiPatternFinder) checkCall(call *Node, sc *scope, within *prefectFunction) {
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
func (a *antiPatternFinder) checkOperatorExecute(method, object *Node, sc *scope, within *prefectFunction) {
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
func (a *antiPatternFinder) operatorCall(expr *Node, sc *scope, depth int) *Call {
	switch expr.Type() {
	case "call":
		if op := a.operatorCalls[nodeRange(expr)]; op != nil {
			return op
		}
		// The expand call of Operator.partial(...).expand(...) wraps the
		// partial call that f.calls records.
		if fn := expr.ChildByFieldName("function"); fn != nil && fn.Type() == "attribute" {
			if inner := fn.ChildByFieldName("object"); inner != nil && inner.Type() == "call" {
				if op := a.operatorCalls[nodeRange(inner)]; op != nil && op.Mapped != "" && sameNode(expandCall(inner, a.f.Src), expr) {
					return op
				}
			}
		}
	case "parenthesized_expression":
		if expr.NamedChildCount() == 1 {
			return a.operatorCall(expr.NamedChild(0), sc, depth)
		}
	case "identifier":
		if value, valueScope := a.assignedValue(expr, sc, depth); value != nil {
			return a.operatorCall(value, valueScope, depth+1)
		}
	}
	return nil
}

// checkPodCreation reports API.create_namespaced_pod(...) and
// create_namespaced_job(...) when API is a kubernetes client API object.
func (a *antiPatternFinder) checkPodCreation(method, object *Node, sc *scope, within *prefectFunction) {
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
func (a *antiPatternFinder) kubernetesAPI(expr *Node, sc *scope, depth int) (string, *Node) {
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
		if value, valueScope := a.assignedValue(expr, sc, depth); value != nil {
			return a.kubernetesAPI(value, valueScope, depth+1)
		}
	}
	return "", nil
}

// assignedValue returns the expression last assigned to the variable id
// before its use, and the scope that binds the variable, where names in the
// expression resolve. It covers plain "name = value" assignments and "with
// value as name" items, and returns nil for parameters, imports, loop
// targets and after maxResolveDepth assignments.
func (a *antiPatternFinder) assignedValue(id *Node, sc *scope, depth int) (*Node, *scope) {
	if depth >= maxResolveDepth {
		return nil, nil
	}
	name := text(id, a.f.Src)
	b := sc.lookup(name, int(id.StartByte()))
	if b == nil || b.kind != bindLocal || b.stmt == nil {
		return nil, nil
	}
	owner := sc
	for owner != nil && !containsBinding(owner.bindings[name], b) {
		owner = owner.parent
	}
	if owner == nil {
		return nil, nil
	}

	switch b.stmt.Type() {
	case "assignment":
		// "a = b = value" nests the second assignment as the right side.
		for stmt := b.stmt; stmt != nil && stmt.Type() == "assignment"; stmt = stmt.ChildByFieldName("right") {
			left := stmt.ChildByFieldName("left")
			if left == nil || left.Type() != "identifier" {
				return nil, nil
			}
			if right := stmt.ChildByFieldName("right"); right != nil && right.Type() != "assignment" {
				return right, owner
			}
		}
	case "with_item":
		if v := b.stmt.ChildByFieldName("value"); v != nil && v.Type() == "as_pattern" && v.NamedChildCount() > 0 {
			return v.NamedChild(0), owner
		}
	}
	return nil, nil
}

func containsBinding(list []*binding, b *binding) bool {
	for _, candidate := range list {
		if candidate == b {
			return true
		}
	}
	return false
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
