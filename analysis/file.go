package analysis

import (
	"bytes"
	"sort"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/airshift/airshift/mappings"
)

// File is one parsed Python source with its scopes, imports and the operator
// calls found in it. It is built once per text version and is read-only
// afterwards.
type File struct {
	Src  []byte
	Tree *sitter.Tree
	// Syntax is Tree copied into Go memory, which the analysis walks.
	Syntax *Syntax
	// HasErrors is set when the parse contains syntax errors, or code that
	// tree-sitter accepts but Python 3 rejects.
	HasErrors bool
	// ErrorStart and ErrorMessage locate and describe the first error.
	ErrorStart   int
	ErrorMessage string

	module     *scope
	calls      []*Call
	imports    []*binding
	identRefs  map[string][]*Node // name -> identifier nodes that use it
	comments   map[int][]comment  // line index -> comments on that line
	lineStarts []int
	registry   *mappings.Registry
	// indent is the file's indentation step (see indentUnit), which every
	// rewrite uses.
	indent string
	// importRefs maps each imported name to the sorted start offsets of
	// its identRefs, so that a rewrite counts the uses inside and outside
	// its call without a scan per call.
	importRefs map[string][]int

	// classSites are the class definitions, in source order.
	classSites []callSite
	// subclasses maps the start of a class definition that derives from a
	// mapped operator to that operator's mapping.
	subclasses map[int]*mappings.Mapping
	// flowNames holds the names given to @flow(name=...) in the file.
	flowNames map[string]bool
	// dagValues holds the value of each DAG(...) or @dag(...) call that
	// dagCall has read, by its node, because every operator call in a
	// DAG reads the same one.
	dagValues map[*Node]*Value
	// factories maps the start of a function definition that returns a
	// mapped operator call to that call.
	factories map[int]*Call
	// free holds the free strings (see freeStrings) once AnalyzeAfter has
	// found them.
	free []span
	// callsReused counts the calls whose arguments came from the previous
	// version.
	callsReused int
	// freeUpdate, when set, lets freeStringsAfter update the previous
	// version's free strings instead of finding them all.
	freeUpdate *freeUpdate
}

// Call is one call of a mapped operator class.
type Call struct {
	Mapping  *mappings.Mapping
	Operator string
	Rule     string
	Node     *Node
	// CalleeStart and CalleeEnd span the class name at the call.
	CalleeStart, CalleeEnd int
	Positional             []*Value
	Keywords               []Keyword
	// Stmt is the statement whose whole value is this call: an expression
	// statement or a single-target assignment. It is nil when the call sits
	// inside a larger expression.
	Stmt *Node
	// Target is the variable the call is assigned to, if any.
	Target string
	// Certain is false when the call or its import sits in a part of the
	// file that did not parse.
	Certain bool
	// Subclass is the class defined in this file, on top of Operator, that
	// the call instantiates.
	Subclass string
	// Factory is the function defined in this file that the call invokes
	// and that returns an Operator.
	Factory string
	// Decorator is set for a task decorator such as @task.kubernetes(...);
	// Function is the decorated function's name.
	Decorator bool
	Function  string
	// DAG is the DAG(...) or @dag(...) call the operator belongs to, if
	// Airshift can tell.
	DAG *Value
	// Mapped names the dynamic task mapping method, "expand" or
	// "expand_kwargs" ("partial" alone), when the call maps the operator
	// over a list with Operator.partial(...).expand(...).
	Mapped  string
	binding *binding
	scope   *scope
}

// Keyword returns the keyword argument called name, or nil.
func (c *Call) Keyword(name string) *Value {
	for i := range c.Keywords {
		if c.Keywords[i].Name == name {
			return c.Keywords[i].Value
		}
	}
	return nil
}

// NewFile analyses the structure of src parsed as tree.
func NewFile(src []byte, tree *sitter.Tree, reg *mappings.Registry) *File {
	return newFile(src, tree, reg, NewSyntax(tree.RootNode()), nil)
}

// NewFileAfter is NewFile for a new version of a document whose previous
// File was prev (nil for none). When the edit allows, it builds the syntax
// copy from prev's and takes the arguments of unchanged calls from prev.
func NewFileAfter(src []byte, tree *sitter.Tree, reg *mappings.Registry, prev *File) *File {
	var syn *Syntax
	var reuse *callReuse
	if prev != nil {
		var edit textEdit
		syn, edit = reuseSyntax(prev.Syntax, prev.Src, src, tree.RootNode())
		if syn != nil && prev.registry == reg {
			reuse = prev.reusableCalls(edit)
		}
	}
	if syn == nil {
		syn = NewSyntax(tree.RootNode())
	}
	f := newFile(src, tree, reg, syn, reuse)
	if reuse != nil && prev.free != nil {
		f.freeUpdate = &freeUpdate{prev: prev.free, edit: reuse.edit}
	}
	return f
}

func newFile(src []byte, tree *sitter.Tree, reg *mappings.Registry, syn *Syntax, reuse *callReuse) *File {
	root := syn.Root()
	f := &File{
		Src: src, Tree: tree, Syntax: syn, HasErrors: root.HasError(), registry: reg,
		module:    &scope{bindings: map[string][]*binding{}},
		identRefs: map[string][]*Node{},
		comments:  map[int][]comment{},
	}
	f.lineStarts = lineStarts(src)
	f.indent = indentUnit(src)
	f.subclasses = map[int]*mappings.Mapping{}
	f.factories = map[int]*Call{}
	f.flowNames = map[string]bool{}
	var callNodes []callSite
	f.walk(root, f.module, &callNodes)
	if f.HasErrors && f.ErrorMessage == "" {
		f.ErrorStart, f.ErrorMessage = firstSyntaxError(root)
	}
	f.indexImportRefs()
	f.findSubclasses()
	resolved := make([]*Call, len(callNodes))
	for i, cs := range callNodes {
		if old := reuse.call(cs.node); old != nil {
			resolved[i] = f.resolveCallFrom(cs.node, cs.scope, old, reuse.edit.move)
		} else {
			resolved[i] = f.resolveCall(cs.node, cs.scope)
		}
		if resolved[i] != nil {
			f.noteFactory(resolved[i])
		}
	}
	// Calls of the file's own subclasses and factories can be resolved only
	// once every operator call is known.
	for i, cs := range callNodes {
		if resolved[i] == nil {
			resolved[i] = f.resolveLocalCall(cs.node, cs.scope)
		}
		if resolved[i] != nil {
			f.calls = append(f.calls, resolved[i])
		}
	}
	return f
}

func (f *File) indexImportRefs() {
	f.importRefs = map[string][]int{}
	for _, b := range f.imports {
		if _, done := f.importRefs[b.name]; done {
			continue
		}
		refs := f.identRefs[b.name]
		offsets := make([]int, len(refs))
		for i, n := range refs {
			offsets[i] = int(n.StartByte())
		}
		sort.Ints(offsets)
		f.importRefs[b.name] = offsets
	}
}

type comment struct {
	start int
	text  string
}

type callSite struct {
	node  *Node
	scope *scope
}

func lineStarts(src []byte) []int {
	starts := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	for i := 0; ; {
		next := bytes.IndexByte(src[i:], '\n')
		if next < 0 {
			return starts
		}
		i += next + 1
		starts = append(starts, i)
	}
}

// NewTextFile returns a File with only src and its lines, for callers that
// convert offsets of findings they already have.
func NewTextFile(src []byte) *File {
	return &File{Src: src, lineStarts: lineStarts(src)}
}

// Detached returns a copy of f with only its text, lines and syntax error,
// so that the rest of the analysis can be freed.
func (f *File) Detached() *File {
	return &File{Src: f.Src, HasErrors: f.HasErrors, ErrorStart: f.ErrorStart, ErrorMessage: f.ErrorMessage, lineStarts: f.lineStarts, indent: f.indent, registry: f.registry}
}

// Line returns the zero-based line of byte offset off.
func (f *File) Line(off int) int {
	return sort.Search(len(f.lineStarts), func(i int) bool { return f.lineStarts[i] > off }) - 1
}

// LineStart returns the offset where line starts.
func (f *File) LineStart(line int) int {
	if line >= len(f.lineStarts) {
		return len(f.Src)
	}
	return f.lineStarts[line]
}

// LineStarts returns the offset of every line start; callers must not change it.
func (f *File) LineStarts() []int { return f.lineStarts }

// Calls returns the mapped operator calls in source order.
func (f *File) Calls() []*Call { return f.calls }

func (f *File) walk(n *Node, sc *scope, calls *[]callSite) {
	switch n.Type() {
	case "import_statement", "import_from_statement":
		f.imports = append(f.imports, addImport(sc, n, f.Src)...)
		return
	case "comment":
		line := f.Line(int(n.StartByte()))
		f.comments[line] = append(f.comments[line], comment{start: int(n.StartByte()), text: text(n, f.Src)})
		return
	case "function_definition":
		if name := n.ChildByFieldName("name"); name != nil {
			sc.add(&binding{kind: bindLocal, name: text(name, f.Src), pos: int(n.StartByte()), stmt: n})
		}
		inner := &scope{node: n, parent: sc, bindings: map[string][]*binding{}}
		if params := n.ChildByFieldName("parameters"); params != nil {
			f.addParameters(inner, params)
			f.walkChildren(params, sc, calls)
		}
		if body := n.ChildByFieldName("body"); body != nil {
			f.walk(body, inner, calls)
		}
		return
	case "class_definition":
		if name := n.ChildByFieldName("name"); name != nil {
			sc.add(&binding{kind: bindLocal, name: text(name, f.Src), pos: int(n.StartByte()), stmt: n, node: n})
		}
		f.classSites = append(f.classSites, callSite{node: n, scope: sc})
	case "assignment", "augmented_assignment":
		addTargets(sc, n.ChildByFieldName("left"), n, f.Src)
	case "for_statement":
		addTargets(sc, n.ChildByFieldName("left"), n, f.Src)
	case "with_item":
		if v := n.ChildByFieldName("value"); v != nil && v.Type() == "as_pattern" {
			if alias := v.ChildByFieldName("alias"); alias != nil && alias.NamedChildCount() > 0 {
				addTargets(sc, alias.NamedChild(0), n, f.Src)
			}
		}
	case "call":
		*calls = append(*calls, callSite{node: n, scope: sc})
		f.noteFlowName(n)
	case "print_statement", "exec_statement":
		f.python3Error(n, "Python 2 "+strings.TrimSuffix(n.Type(), "_statement")+" statement")
	case "return_statement", "yield":
		if sc.node == nil {
			f.python3Error(n, strings.TrimSuffix(n.Type(), "_statement")+" outside a function")
		}
	case "module", "block":
		f.checkIndentation(n)
	case "identifier":
		if f.isReference(n) {
			name := text(n, f.Src)
			f.identRefs[name] = append(f.identRefs[name], n)
		}
		return
	}
	f.walkChildren(n, sc, calls)
}

// noteFlowName records the name of a @flow(name="...") decorator call.
func (f *File) noteFlowName(call *Node) {
	parent := call.Parent()
	fn := call.ChildByFieldName("function")
	if parent == nil || parent.Type() != "decorator" || fn == nil || text(fn, f.Src) != "flow" {
		return
	}
	if args := call.ChildByFieldName("arguments"); args != nil && args.Type() == "argument_list" {
		_, keywords := callArguments(args, f.Src)
		for _, kw := range keywords {
			if kw.Name == "name" && kw.Value.Kind == KindString {
				f.flowNames[kw.Value.Str] = true
			}
		}
	}
}

// python3Error records code that parses but that Python 3 rejects.
func (f *File) python3Error(n *Node, msg string) {
	if f.ErrorMessage == "" {
		f.HasErrors, f.ErrorStart, f.ErrorMessage = true, int(n.StartByte()), msg
	}
}

// checkIndentation reports a statement whose indentation differs from the
// other statements of its block, which Python rejects as an unmatched
// dedent while tree-sitter accepts it.
func (f *File) checkIndentation(block *Node) {
	column, lastLine := -1, -1
	for i := 0; i < int(block.NamedChildCount()); i++ {
		stmt := block.NamedChild(i)
		if stmt.Type() == "comment" {
			continue
		}
		start := int(stmt.StartByte())
		sameLine := f.Line(start) == lastLine
		lastLine = f.Line(int(stmt.EndByte()))
		if sameLine {
			// A statement after a semicolon.
			continue
		}
		if f.Line(start) == f.Line(int(block.StartByte())) && block.Type() == "block" {
			// A body on its header's line, as in "if x: y = 1".
			return
		}
		col := start - f.LineStart(f.Line(start))
		if column >= 0 && col != column {
			f.python3Error(stmt, "indentation that does not match its block")
			return
		}
		column = col
	}
}

// firstSyntaxError returns the offset and a description of the first error
// or missing node of a tree that has errors.
func firstSyntaxError(n *Node) (int, string) {
	if n.IsMissing() {
		return int(n.StartByte()), "missing " + n.Type()
	}
	if n.IsError() {
		return int(n.StartByte()), "invalid syntax"
	}
	for i := 0; i < int(n.ChildCount()); i++ {
		c := n.Child(i)
		if c.HasError() || c.IsMissing() {
			return firstSyntaxError(c)
		}
	}
	return int(n.StartByte()), "invalid syntax"
}

func (f *File) walkChildren(n *Node, sc *scope, calls *[]callSite) {
	count := int(n.ChildCount())
	for i := 0; i < count; i++ {
		f.walk(n.Child(i), sc, calls)
	}
}

func (f *File) addParameters(sc *scope, params *Node) {
	for i := 0; i < int(params.NamedChildCount()); i++ {
		p := params.NamedChild(i)
		var id *Node
		switch p.Type() {
		case "identifier":
			id = p
		case "default_parameter", "typed_default_parameter":
			id = p.ChildByFieldName("name")
		case "typed_parameter", "list_splat_pattern", "dictionary_splat_pattern":
			if p.NamedChildCount() > 0 {
				id = p.NamedChild(0)
			}
		}
		if id != nil && id.Type() == "identifier" {
			sc.add(&binding{kind: bindLocal, name: text(id, f.Src), pos: int(params.StartByte()), stmt: params})
		}
	}
}

// isReference reports whether an identifier node reads or writes a variable,
// as opposed to naming an attribute, a keyword argument or a definition.
func (f *File) isReference(n *Node) bool {
	parent := n.Parent()
	if parent == nil {
		return true
	}
	switch parent.Type() {
	case "attribute":
		return !fieldIs(n, "attribute")
	case "keyword_argument":
		return !fieldIs(n, "name")
	case "function_definition", "class_definition":
		return !fieldIs(n, "name")
	case "dotted_name", "aliased_import", "import_statement", "import_from_statement", "parameters",
		"default_parameter", "typed_parameter", "typed_default_parameter":
		return false
	}
	return true
}

func (f *File) resolveCall(n *Node, sc *scope) *Call {
	return f.resolveCallFrom(n, sc, nil, nil)
}

// resolveCallFrom is resolveCall that takes the arguments from old, the
// same call in the previous version of the text, with their offsets moved,
// when old is not nil and resolves to the same mapping.
func (f *File) resolveCallFrom(n *Node, sc *scope, old *Call, move func(int) int) *Call {
	fn := n.ChildByFieldName("function")
	if fn == nil {
		return nil
	}
	module, class, b, nameNode := f.resolveClass(fn, sc)
	if b == nil {
		return nil
	}
	m := f.registry.Lookup(module, class)
	mapped := false
	if m == nil && class == "partial" && fn.Type() == "attribute" {
		// Dynamic task mapping: Operator.partial(...).expand(...).
		object := fn.ChildByFieldName("object")
		module, class, b, nameNode = f.resolveClass(object, sc)
		if b == nil {
			return nil
		}
		m, mapped = f.registry.Lookup(module, class), true
	}
	if m == nil {
		return nil
	}
	call := &Call{
		Mapping: m, Operator: m.Operator, Rule: mappings.RuleCode(m.Operator), Node: n,
		CalleeStart: int(nameNode.StartByte()), CalleeEnd: int(nameNode.EndByte()),
		Certain: !n.HasError() && !b.stmt.HasError() && !insideError(n),
		binding: b, scope: sc,
	}
	if old != nil && (old.Mapping != m || (old.Mapped != "") != mapped) {
		old = nil
	}
	if old != nil {
		f.callsReused++
		call.Positional = copyValues(old.Positional, move)
		call.Keywords = copyKeywords(old.Keywords, move)
		if old.DAG != nil {
			call.DAG = f.dagCall(n, call.Keywords, sc)
		}
	} else if args := n.ChildByFieldName("arguments"); args != nil && args.Type() == "argument_list" {
		call.Positional, call.Keywords = callArguments(args, f.Src)
		call.Keywords = f.expandSplats(call.Keywords, sc)
		call.Keywords = append(call.Keywords, f.defaultArgs(n, call.Keywords, sc)...)
		call.DAG = f.dagCall(n, call.Keywords, sc)
		for i := range call.Keywords {
			call.Keywords[i].Value = f.resolveConstants(call.Keywords[i].Value, sc)
		}
	}
	call.Stmt, call.Target = statementOf(n, f.Src)
	if mapped && old != nil {
		// The moved keywords include those of .expand(...).
		call.Mapped = old.Mapped
	} else if mapped {
		call.Mapped = "partial"
		if expand := expandCall(n, f.Src); expand != nil {
			call.Mapped = text(expand.ChildByFieldName("function").ChildByFieldName("attribute"), f.Src)
			if args := expand.ChildByFieldName("arguments"); args != nil && args.Type() == "argument_list" {
				_, extra := callArguments(args, f.Src)
				for _, kw := range extra {
					kw.Origin = call.Mapped
					call.Keywords = append(call.Keywords, kw)
				}
			}
		}
	}
	if parent := n.Parent(); parent != nil && parent.Type() == "decorator" {
		call.Decorator = true
		if def := parent.Parent(); def != nil && def.Type() == "decorated_definition" {
			if fn := def.ChildByFieldName("definition"); fn != nil && fn.ChildByFieldName("name") != nil {
				call.Function = text(fn.ChildByFieldName("name"), f.Src)
			}
		}
	}
	return call
}

// resolveConstants replaces names that refer to module-level constants,
// such as IMAGE = "repo/app:1.0", with the constant's literal value. A name
// assigned more than once, or bound in a function, stays a name.
func (f *File) resolveConstants(v *Value, sc *scope) *Value {
	switch v.Kind {
	case KindName:
		if strings.Contains(v.Text, ".") {
			return v
		}
		b := sc.lookup(v.Text, v.Start)
		if b == nil || b.kind != bindLocal || len(f.module.bindings[v.Text]) != 1 || f.module.bindings[v.Text][0] != b {
			return v
		}
		constant := f.constantValue(b)
		if constant == nil {
			return v
		}
		resolved := *constant
		resolved.Start, resolved.End, resolved.Text = v.Start, v.End, v.Text
		return &resolved
	case KindList, KindDict:
		for i := range v.Items {
			v.Items[i] = f.resolveConstants(v.Items[i], sc)
		}
		for i := range v.Keys {
			v.Keys[i] = f.resolveConstants(v.Keys[i], sc)
		}
	case KindCall:
		for i := range v.Kwargs {
			v.Kwargs[i].Value = f.resolveConstants(v.Kwargs[i].Value, sc)
		}
	}
	return v
}

// constantValue returns the literal assigned by a module-level
// "NAME = literal" statement, or nil.
func (f *File) constantValue(b *binding) *Value {
	stmt := b.stmt
	if stmt == nil || stmt.Type() != "assignment" {
		return nil
	}
	parent := stmt.Parent()
	if parent == nil || parent.Type() != "expression_statement" || parent.Parent() == nil || parent.Parent().Type() != "module" {
		return nil
	}
	right := stmt.ChildByFieldName("right")
	left := stmt.ChildByFieldName("left")
	if right == nil || left == nil || left.Type() != "identifier" {
		return nil
	}
	v := newValue(right, f.Src)
	if !v.Literal() || v.Kind == KindCall {
		return nil
	}
	return v
}

// expandCall returns the .expand(...) or .expand_kwargs(...) call made on
// the result of a .partial(...) call, or nil.
func expandCall(partial *Node, src []byte) *Node {
	attr := partial.Parent()
	if attr == nil || attr.Type() != "attribute" || !fieldIs(partial, "object") {
		return nil
	}
	name := attr.ChildByFieldName("attribute")
	if name == nil || (text(name, src) != "expand" && text(name, src) != "expand_kwargs") {
		return nil
	}
	call := attr.Parent()
	if call == nil || call.Type() != "call" {
		return nil
	}
	return call
}

func insideError(n *Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Type() == "ERROR" {
			return true
		}
	}
	return false
}

// statementOf returns the statement whose whole value is the call, and the
// variable it is assigned to.
func statementOf(call *Node, src []byte) (*Node, string) {
	parent := call.Parent()
	if parent == nil {
		return nil, ""
	}
	switch parent.Type() {
	case "expression_statement":
		if parent.NamedChildCount() == 1 {
			return parent, ""
		}
	case "assignment":
		left := parent.ChildByFieldName("left")
		if !sameNode(parent.ChildByFieldName("right"), call) || left == nil || left.Type() != "identifier" {
			return nil, ""
		}
		stmt := parent.Parent()
		if stmt != nil && stmt.Type() == "expression_statement" && stmt.NamedChildCount() == 1 {
			return stmt, text(left, src)
		}
	}
	return nil, ""
}

// resolveClass resolves a callee expression to the module and class it names.
func (f *File) resolveClass(fn *Node, sc *scope) (module, class string, b *binding, nameNode *Node) {
	pos := int(fn.StartByte())
	switch fn.Type() {
	case "identifier":
		b = sc.lookup(text(fn, f.Src), pos)
		if b == nil || b.kind != bindImportFrom {
			return "", "", nil, nil
		}
		return b.module, b.attr, b, fn
	case "attribute":
		var parts []string
		node := fn
		for node.Type() == "attribute" {
			attr := node.ChildByFieldName("attribute")
			if attr == nil {
				return "", "", nil, nil
			}
			parts = append(parts, text(attr, f.Src))
			node = node.ChildByFieldName("object")
			if node == nil {
				return "", "", nil, nil
			}
		}
		if node.Type() != "identifier" {
			return "", "", nil, nil
		}
		b = sc.lookup(text(node, f.Src), pos)
		if b == nil || b.kind == bindLocal {
			return "", "", nil, nil
		}
		// parts is innermost-last reversed: a.b.C gives [C, b].
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		base := b.module
		if b.kind == bindImportFrom {
			base = b.module + "." + b.attr
		}
		mods := append([]string{base}, parts[:len(parts)-1]...)
		return strings.Join(mods, "."), parts[len(parts)-1], b, fn.ChildByFieldName("attribute")
	}
	return "", "", nil, nil
}

// refsOutside returns the uses of name outside [start, end).
func (f *File) refsOutside(name string, start, end int) []*Node {
	var out []*Node
	for _, n := range f.identRefs[name] {
		if off := int(n.StartByte()); off < start || off >= end {
			out = append(out, n)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (c *Call) ruleCode() string {
	switch {
	case c.Subclass != "":
		return mappings.SubclassRule
	case c.Factory != "":
		return mappings.FactoryRule
	}
	return c.Rule
}
