package analysis

import (
	"fmt"
	"sort"
	"strings"
)

// remover deletes whole statements and replaces a block's last statement
// with pass, so that no block is left empty.
type remover struct {
	f   *File
	eol string
	// removed maps a block's start offset to the statements removed from it.
	removed map[int][]removal
}

type removal struct {
	stmt        *Node
	replacement string // text written in place of the statement's lines
}

func newRemover(f *File, eol string) *remover {
	return &remover{f: f, eol: eol, removed: map[int][]removal{}}
}

func (r *remover) remove(stmt *Node, replacement string) {
	key := -1
	if parent := stmt.Parent(); parent != nil {
		key = int(parent.StartByte())
	}
	r.removed[key] = append(r.removed[key], removal{stmt: stmt, replacement: replacement})
}

// lineSpan returns the byte range of the whole lines that n occupies,
// including the final line break.
func (f *File) lineSpan(n *Node) (int, int) {
	start := f.LineStart(f.Line(int(n.StartByte())))
	end := f.LineStart(f.Line(int(n.EndByte())) + 1)
	if end <= int(n.EndByte()) {
		end = len(f.Src)
	}
	return start, end
}

// indentOf returns the whitespace before n on its first line.
func (f *File) indentOf(n *Node) string {
	start := f.LineStart(f.Line(int(n.StartByte())))
	return string(f.Src[start:n.StartByte()])
}

// aloneOnLines reports whether nothing but whitespace precedes n on its
// first line and nothing but whitespace or a comment follows it on its last.
func (f *File) aloneOnLines(n *Node) bool {
	if strings.TrimSpace(f.indentOf(n)) != "" {
		return false
	}
	_, end := f.lineSpan(n)
	rest := strings.TrimSpace(string(f.Src[n.EndByte():end]))
	return rest == "" || strings.HasPrefix(rest, "#")
}

func (r *remover) edits() []Edit {
	var out []Edit
	for _, list := range r.removed {
		parent := list[0].stmt.Parent()
		emptied := parent != nil && parent.Type() == "block" && hasStatements(parent, len(list))
		sort.Slice(list, func(i, j int) bool { return list[i].stmt.StartByte() < list[j].stmt.StartByte() })
		for i, rm := range list {
			start, end := r.f.lineSpan(rm.stmt)
			if rm.replacement == "" && r.f.blankLine(r.f.Line(start)-1) && r.f.blankLine(r.f.Line(end)) {
				// Between two blank lines, take one of them along so the
				// gap does not grow.
				end = r.f.LineStart(r.f.Line(end) + 1)
			}
			text := rm.replacement
			if emptied && i == len(list)-1 {
				text += r.f.indentOf(rm.stmt) + "pass" + r.eol
			}
			out = append(out, Edit{Start: start, End: end, Text: text})
		}
	}
	return out
}

// blankLine reports whether line exists and holds only whitespace.
func (f *File) blankLine(line int) bool {
	if line < 0 || line >= len(f.lineStarts) || f.LineStart(line) >= len(f.Src) {
		return false
	}
	return strings.TrimSpace(string(f.Src[f.LineStart(line):f.LineStart(line+1)])) == ""
}

// hasStatements reports whether block holds exactly n statements, not
// counting comments. It stops at the statement after the nth: NamedChild(i)
// walks the children from the first, so counting a block of k statements
// costs O(k²), which made the analysis of a long DAG body quadratic.
func hasStatements(block *Node, n int) bool {
	count := 0
	for i := 0; i < int(block.NamedChildCount()); i++ {
		if block.NamedChild(i).Type() == "comment" {
			continue
		}
		count++
		if count > n {
			return false
		}
	}
	return count == n
}

// placeFlow computes the edits that put the flow at module level, remove the
// call, rewrite the uses of its variable and update the imports.
func placeFlow(f *File, call *Call, plan *flowPlan, opts Options) (edits []Edit, deps bool, reason string) {
	stmt := call.Stmt
	if !f.aloneOnLines(stmt) {
		return nil, false, "the call shares its line with other statements"
	}
	eol := lineEnding(f.Src)
	unit := f.indent
	top := stmt
	for top.Parent() != nil && top.Parent().Type() != "module" {
		top = top.Parent()
	}
	if prefectFlow := f.module.lookup("flow", len(f.Src)); prefectFlow != nil &&
		!(prefectFlow.kind == bindImportFrom && prefectFlow.module == "prefect" && prefectFlow.attr == "flow") {
		return nil, false, "the name flow is already bound in this file, so the prefect decorator cannot be imported under it"
	}

	plan.funcName = f.freeName(call, plan)
	plan.flowName = f.freeFlowName(plan)

	rm := newRemover(f, eol)
	if call.Target != "" {
		depEdits, changed, why := rewriteDependencies(f, call, plan, rm, eol)
		if why != "" {
			return nil, false, why
		}
		edits = append(edits, depEdits...)
		deps = changed
	}

	block := plan.blockText(f, call, opts, f.carriedComments(stmt), eol, unit)
	if sameNode(top, stmt) {
		start, end := f.lineSpan(stmt)
		edits = append(edits, Edit{Start: start, End: end, Text: f.padBlock(start, end, block, eol)})
	} else {
		rm.remove(stmt, "")
		at := f.leadingCommentStart(top)
		edits = append(edits, Edit{Start: at, End: at, Text: f.padBlock(at, at, block, eol)})
	}

	importEdits := f.importEdits(call, rm, eol)
	edits = append(edits, importEdits...)
	edits = append(edits, rm.edits()...)
	return normalizeEdits(edits), deps, ""
}

// freeName picks the flow function's name: the task id as an identifier,
// made unique among the module's names.
func (f *File) freeName(call *Call, plan *flowPlan) string {
	base := identifier(plan.taskID)
	if base == "" {
		base = identifier(call.Target)
	}
	if base == "" {
		base = "kubernetes_pod_flow"
	}
	taken := func(name string) bool {
		if name == "flow" {
			return true
		}
		for _, b := range f.module.bindings[name] {
			if b.pos < int(call.Stmt.StartByte()) || b.pos >= int(call.Stmt.EndByte()) {
				return true
			}
		}
		return false
	}
	name := base
	for i := 1; taken(name); i++ {
		if i == 1 {
			name = base + "_flow"
		} else {
			name = fmt.Sprintf("%s_flow_%d", base, i)
		}
	}
	return name
}

// freeFlowName picks the flow's name, which is also the deployment's:
// the task id with dashes, made unique among the @flow names in the file,
// because Prefect keys deployments by flow name and deployment name.
func (f *File) freeFlowName(plan *flowPlan) string {
	base := strings.ReplaceAll(plan.taskID, "_", "-")
	if base == "" {
		base = strings.ReplaceAll(plan.funcName, "_", "-")
	}
	name := base
	for i := 2; f.flowNames[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name
}

// leadingCommentStart returns where the comment lines directly above n
// begin, so that an insertion does not separate n from its comment.
func (f *File) leadingCommentStart(n *Node) int {
	line := f.Line(int(n.StartByte()))
	for line > 0 {
		prev := strings.TrimSpace(string(f.Src[f.LineStart(line-1):f.LineStart(line)]))
		if !strings.HasPrefix(prev, "#") {
			break
		}
		line--
	}
	return f.LineStart(line)
}

// padBlock surrounds a top-level block with two blank lines on each side,
// counting the blank lines already there.
func (f *File) padBlock(start, end int, block, eol string) string {
	before := 0
	for line := f.Line(start) - 1; line >= 0 && before < 2; line-- {
		if strings.TrimSpace(string(f.Src[f.LineStart(line):f.LineStart(line+1)])) != "" {
			break
		}
		before++
	}
	if start == 0 {
		before = 2
	}
	after := 0
	lines := len(f.lineStarts)
	for line := f.Line(end); end < len(f.Src) && line < lines && after < 2; line++ {
		if strings.TrimSpace(string(f.Src[f.LineStart(line):f.LineStart(line+1)])) != "" {
			break
		}
		after++
	}
	if end >= len(f.Src) {
		after = 2
	}
	if start > 0 && f.Src[start-1] != '\n' {
		block = eol + block
	}
	return strings.Repeat(eol, 2-before) + block + strings.Repeat(eol, 2-after)
}

// carriedComments returns the comments inside the statement and after it on
// its last line, which the rewrite keeps in its comment block.
func (f *File) carriedComments(stmt *Node) []string {
	var out []string
	start, end := f.lineSpan(stmt)
	for line := f.Line(start); line <= f.Line(end-1); line++ {
		for _, c := range f.comments[line] {
			if c.start >= int(stmt.StartByte()) && c.start < end {
				out = append(out, c.text)
			}
		}
	}
	return out
}

// blockText renders the deployment comment and the @flow function.
func (p *flowPlan) blockText(f *File, call *Call, opts Options, comments []string, eol, unit string) string {
	if p.shapeB {
		p.job = buildJobPlan(call, p)
		p.job.comments = append(p.job.comments, comments...)
		return p.jobBlockText(call, eol, unit)
	}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	add("# Airshift: this Prefect flow replaces the %s task %s.", call.Operator, p.taskLabel(call))
	add("# A Kubernetes work pool runs it and now holds the pod settings.")
	if len(p.template) > 0 {
		add("# 1. Create the work pool once, with a base job template that adds the fields below:")
		file := "base-job-template.json"
		if len(p.templateFields) > 0 {
			// airshift fix --deployments writes this file.
			file = (&Deployment{Name: p.flowName, TemplateFields: p.templateFields}).TemplateFile()
		} else {
			add("#    prefect work-pool get-default-base-job-template --type kubernetes -f %s", file)
		}
		add("#    prefect work-pool create --type kubernetes %s --base-job-template %s", opts.WorkPool, file)
	} else {
		add("# 1. Create the work pool once:")
		add("#    prefect work-pool create --type kubernetes %s", opts.WorkPool)
	}
	if len(p.jobVars) > 0 {
		add("# 2. Set these job variables on the deployment (work_pool.job_variables in prefect.yaml):")
		for _, kv := range p.jobVars {
			add("#    %s: %s", kv.key, kv.value)
		}
	} else {
		add("# 2. The call sets no pod settings, so the work pool's defaults apply.")
	}
	entry := opts.Entrypoint
	if entry == "" {
		entry = "dag.py"
	}
	add("# 3. Deploy the flow to the pool:")
	add("#    prefect deploy %s:%s --name %s --pool %s", entry, p.funcName, p.flowName, opts.WorkPool)
	section := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		add("# %s", title)
		for _, it := range items {
			add("#    %s", it)
		}
	}
	var template []string
	for _, kv := range p.template {
		template = append(template, kv.value)
	}
	section("Base job template fields, under job_manifest (the default template has no variable for them):", template)
	section("Cluster access: run the worker in that cluster, or set the cluster_config job variable:", p.cluster)
	section("Other arguments:", p.other)
	section("No Prefect equivalent:", p.noEquivalent)
	section("Comments from the original call:", comments)
	if len(p.command) > 0 {
		add("# The pod ran %s; the flow body below does the same work.", jsonList(p.command))
	}
	if f.keepsAirflowImports(call) {
		add("# This file still imports Airflow: deploy the flow from a module of its own, or")
		add("# install apache-airflow in the image, because the worker imports the entrypoint file.")
	}

	decorator := append([]string{"name=" + pyString(p.flowName)}, p.decorator...)
	add("@flow(%s)", strings.Join(decorator, ", "))
	var params []string
	for _, name := range p.jinja.params {
		params = append(params, name+": str = "+pyString(p.jinja.defaults[name]))
	}
	for _, q := range p.params {
		params = append(params, fmt.Sprintf("%s: str = %s", q.name, pyString(q.defaultValue)))
	}
	add("def %s(%s):", p.funcName, strings.Join(params, ", "))
	var body []string
	exportsEnv := len(p.params) > 0 || len(p.envExports) > 0
	imports := uniqueStrings(p.imports)
	if exportsEnv {
		imports = uniqueStrings(append([]string{"import os"}, imports...))
	}
	body = append(body, imports...)
	if len(p.jinja.setup) > 0 {
		body = append(body, "", "# Airflow rendered these dates from the run's logical date.")
		body = append(body, p.jinja.setup...)
	}
	if exportsEnv {
		body = append(body, "", "# The work pool sets these variables; a run's parameters override them.")
		for _, q := range p.params {
			body = append(body, fmt.Sprintf("os.environ[%s] = %s", pyString(q.envName), q.name))
		}
		body = append(body, p.envExports...)
	}
	if len(imports) > 0 || exportsEnv || len(p.jinja.setup) > 0 {
		body = append(body, "")
	}
	body = append(body, p.body...)
	for _, line := range body {
		if strings.TrimSpace(line) == "" {
			lines = append(lines, "")
			continue
		}
		// Setup lines mark nested indentation with tabs, one per level.
		depth := len(line) - len(strings.TrimLeft(line, "\t"))
		lines = append(lines, strings.Repeat(unit, depth+1)+line[depth:])
	}
	return strings.Join(lines, eol) + eol
}

// keepsAirflowImports reports whether the file imports Airflow for more
// than the rewritten call.
func (f *File) keepsAirflowImports(call *Call) bool {
	for _, b := range f.imports {
		if b != call.binding && (b.module == "airflow" || strings.HasPrefix(b.module, "airflow.")) {
			return true
		}
	}
	return false
}

func jsonList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = jsonString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

func uniqueStrings(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// removableModules are the import sources whose names a rewrite removes once
// nothing uses them any more.
var removableModules = []string{"airflow.", "kubernetes."}

// importEdits removes the imports the rewritten call was the last user of,
// and adds "from prefect import flow" unless the file has it.
func (f *File) importEdits(call *Call, rm *remover, eol string) []Edit {
	stmt := call.Stmt
	start, end := int(stmt.StartByte()), int(stmt.EndByte())
	drop := map[*binding]bool{}
	for _, b := range f.imports {
		if b.kind == bindLocal {
			continue
		}
		offsets := f.importRefs[b.name]
		inside := sort.SearchInts(offsets, end) - sort.SearchInts(offsets, start)
		if inside == 0 || inside < len(offsets) {
			// Unused in the call, or still used outside it.
			continue
		}
		if b == call.binding || hasAnyPrefix(b.module+".", removableModules) {
			drop[b] = true
		}
	}
	var edits []Edit
	byStmt := map[int][]*binding{}
	for _, b := range f.imports {
		byStmt[int(b.stmt.StartByte())] = append(byStmt[int(b.stmt.StartByte())], b)
	}
	for _, list := range byStmt {
		var keep []string
		dropped := 0
		for _, b := range list {
			if drop[b] {
				dropped++
				continue
			}
			keep = append(keep, f.importItemText(b))
		}
		if dropped == 0 {
			continue
		}
		s := list[0].stmt
		if len(keep) == 0 {
			rm.remove(s, "")
			continue
		}
		head := "import "
		if s.Type() == "import_from_statement" {
			head = "from " + list[0].module + " import "
		}
		edits = append(edits, Edit{Start: int(s.StartByte()), End: int(s.EndByte()), Text: head + strings.Join(keep, ", ")})
	}
	if b := f.module.lookup("flow", len(f.Src)); b == nil {
		at := f.importInsertionPoint()
		text := "from prefect import flow" + eol
		if at > 0 && f.Src[at-1] != '\n' {
			text = eol + text
		}
		edits = append(edits, Edit{Start: at, End: at, Text: text, first: true})
	}
	return edits
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// importItemText returns how binding b is written inside its statement.
func (f *File) importItemText(b *binding) string {
	return text(b.node, f.Src)
}

// importInsertionPoint returns the start of the line after the last import
// at module level, or after a module docstring and __future__ imports.
func (f *File) importInsertionPoint() int {
	root := f.Syntax.Root()
	at := 0
	for i := 0; i < int(root.NamedChildCount()); i++ {
		c := root.NamedChild(i)
		switch c.Type() {
		case "import_statement", "import_from_statement", "future_import_statement":
			_, at = f.lineSpan(c)
		case "expression_statement":
			if i == 0 && c.NamedChildCount() == 1 && c.NamedChild(0).Type() == "string" {
				_, at = f.lineSpan(c)
			}
		}
	}
	return at
}
