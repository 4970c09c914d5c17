package analysis

import (
	"fmt"
)

// taskLabel names the call's task in the rewrite's comment. It is the task
// id as a string, or the task_id expression as written when it is not a
// string literal, so that the rewrite keeps it. Without a task_id it is the
// variable the call is assigned to.
func (p *flowPlan) taskLabel(call *Call) string {
	if p.taskID != "" {
		return jsonString(p.taskID)
	}
	if v := call.Keyword("task_id"); v != nil && v.Kind != KindString {
		return displayValue(v)
	}
	return jsonString(call.Target)
}

// flowPlan collects what the rewrite of one KubernetesPodOperator call
// writes: the deployment comment, the flow's decorator, parameters and body.
type flowPlan struct {
	taskID   string
	flowName string
	funcName string

	jobVars   []keyValue
	template  []keyValue
	cluster   []string
	other     []string
	decorator []string // keyword arguments of @flow beyond name
	params    []flowParam
	envParams []flowParam
	// envExports set environment variables whose values the flow renders
	// from Jinja templates.
	envExports []string
	jinja      jinja
	// templateFields are the custom base job template's additions, and
	// templateNotes what could not be added automatically.
	templateFields []TemplateField
	templateNotes  []string
	// bodyNames are the names the flow body's code uses, which no
	// parameter may hide.
	bodyNames map[string]bool
	body      []string
	// indent is the file's indentation step, which the body must share.
	indent string
	// origins lists, in order, where keywords not written in the call came
	// from, such as default_args.
	origins []string
	// command is the pod's command line, cmds followed by arguments.
	command []string
	// imports are statements the body needs, placed at its top.
	imports []string

	reasons      []string
	noEquivalent []string
	// blocking is set when no in-process flow can be offered; fatal when no
	// fix of either shape can.
	blocking string
	fatal    string
	// shapeB selects the flow that runs the unchanged pod as a Job, whose
	// manifest job holds.
	shapeB bool
	job    *jobPlan
}

type keyValue struct {
	key, value string
}

type flowParam struct {
	name, envName, defaultValue string
}

func (p *flowPlan) review(format string, args ...any) {
	p.reasons = append(p.reasons, fmt.Sprintf(format, args...))
}

func (p *flowPlan) jobVar(key, value string) {
	for i := range p.jobVars {
		if p.jobVars[i].key == key {
			p.jobVars[i].value = value
			return
		}
	}
	p.jobVars = append(p.jobVars, keyValue{key, value})
}

// rewrite computes the fixes for one call, or the reason there are none.
func rewrite(f *File, call *Call, opts Options) ([]Fix, string) {
	switch {
	case call.Subclass != "":
		return nil, fmt.Sprintf("%s subclasses %s and may change what it runs; migrate the subclass by hand, using hover's mapping", call.Subclass, call.Operator)
	case call.Factory != "":
		return nil, fmt.Sprintf("%s() builds the operator; rewrite the call inside it instead", call.Factory)
	case call.Mapped != "":
		return nil, fmt.Sprintf("dynamic task mapping (.partial().%s()) makes one task per item; in Prefect, deploy the flow once and start one run per item with run_deployment in a loop", call.Mapped)
	case call.Decorator:
		// NOTE: the decorated function's call sites create the Airflow task.
		// After a rewrite they would run the flow while the DAG file is
		// parsed, so this stays a manual step.
		return nil, "the function's call sites in the DAG must move to a parent flow first; its mapping's example shows the Prefect shape (hover, or airshift explain kubernetes_task)"
	case !kubernetesFamily[call.Operator]:
		return nil, fmt.Sprintf("no automatic rewrite for %s yet; its mapping's example shows the Prefect shape (hover, or airshift explain %s)", call.Operator, call.Operator)
	}
	if call.Stmt == nil {
		if parent := call.Node.Parent(); parent != nil && parent.Type() == "return_statement" {
			return nil, "the function returns the operator, so its callers create the task; rewrite by hand where they use it"
		}
		return nil, "the call is part of a larger expression; assign it to a variable first"
	}
	if len(call.Positional) > 0 {
		return nil, "the call has positional arguments, which Airshift cannot name"
	}
	for _, kw := range call.Keywords {
		if kw.IsPosSplat {
			return nil, fmt.Sprintf("the call passes *%s, which Airshift cannot name", kw.Value.Text)
		}
	}
	if loop := enclosingLoop(call.Stmt); loop != "" {
		return nil, fmt.Sprintf("the call runs inside a %s, once per iteration; make one parameterised flow by hand", loop)
	}
	var fixes []Fix
	plan := buildPlan(call, f.indent)
	if plan.fatal != "" {
		return nil, plan.fatal
	}
	reasonA := plan.blocking
	if reasonA == "" {
		fix, reason := shapeAFix(f, call, plan, opts)
		if reason != "" {
			return nil, reason
		}
		fixes = append(fixes, fix)
		if opts.FirstFixOnly {
			return fixes, ""
		}
	}
	jobPlan := buildPlan(call, f.indent)
	jobPlan.shapeB = true
	if fix, reason := shapeBFix(f, call, jobPlan, opts); reason == "" {
		if reasonA != "" {
			fix.Reasons = append([]string{"no in-process flow is possible: " + reasonA}, fix.Reasons...)
		}
		fixes = append(fixes, fix)
	} else if len(fixes) == 0 {
		return nil, reasonA
	}
	return fixes, ""
}

// edgesReason explains the review of a rewrite that changed DAG edges.
func edgesReason(call *Call) string {
	return fmt.Sprintf("its DAG edges were rewritten around %q; check the remaining order", call.Target)
}

// shapeBFix runs the unchanged image and command as a Kubernetes Job from a
// flow. It always needs review: the flow needs prefect-kubernetes and a
// credentials block that the DAG file cannot name.
func shapeBFix(f *File, call *Call, plan *flowPlan, opts Options) (Fix, string) {
	edits, deps, reason := placeFlow(f, call, plan, opts)
	if reason != "" {
		return Fix{}, reason
	}
	fix := Fix{
		Title:  fmt.Sprintf("Run %s's image as a Kubernetes Job from Prefect flow %q (needs review)", call.Operator, plan.funcName),
		Safety: NeedsReview,
		Edits:  edits,
		Reasons: append([]string{"the flow needs prefect-kubernetes and a KubernetesCredentials block named kubernetes-credentials"},
			plan.job.reasons...),
	}
	if deps {
		fix.Reasons = append(fix.Reasons, edgesReason(call))
	}
	if !opts.DeferRewriteCheck {
		if err := CheckFix(f, &fix); err != nil {
			return Fix{}, err.Error()
		}
	}
	return fix, ""
}

// shapeAFix turns the call into a flow that does the pod's work in-process
// and runs on a Kubernetes work pool.
func shapeAFix(f *File, call *Call, plan *flowPlan, opts Options) (Fix, string) {
	edits, deps, reason := placeFlow(f, call, plan, opts)
	if reason != "" {
		return Fix{}, reason
	}
	fix := Fix{
		Title:        fmt.Sprintf("Rewrite %s as Prefect flow %q on a Kubernetes work pool", call.Operator, plan.funcName),
		Safety:       Safe,
		Edits:        edits,
		Reasons:      plan.reasons,
		NoEquivalent: plan.noEquivalent,
	}
	if deps {
		fix.Reasons = append(fix.Reasons, edgesReason(call))
	}
	if len(fix.Reasons) > 0 {
		fix.Safety = NeedsReview
		fix.Title += " (needs review)"
	}
	fix.Preferred = fix.Safety == Safe
	fix.Deployment = newDeployment(call, plan, opts)
	if !opts.DeferRewriteCheck {
		if err := CheckFix(f, &fix); err != nil {
			return Fix{}, err.Error()
		}
	}
	return fix, ""
}

func (f *File) textAt(start, end int) string {
	return string(f.Src[start:end])
}

// enclosingLoop names the loop or comprehension around n, if any.
func enclosingLoop(n *Node) string {
	for p := n.Parent(); p != nil; p = p.Parent() {
		switch p.Type() {
		case "for_statement":
			return "for loop"
		case "while_statement":
			return "while loop"
		case "list_comprehension", "dictionary_comprehension", "set_comprehension", "generator_expression":
			return "comprehension"
		}
	}
	return ""
}
