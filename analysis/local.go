package analysis

import (
	"github.com/airshift/airshift/mappings"
)

// findSubclasses records the classes of this file that derive from a mapped
// operator, directly or through another class of the file.
func (f *File) findSubclasses() {
	for _, cs := range f.classSites {
		supers := cs.node.ChildByFieldName("superclasses")
		if supers == nil {
			continue
		}
		for i := 0; i < int(supers.NamedChildCount()); i++ {
			if m := f.operatorClass(supers.NamedChild(i), cs.scope); m != nil {
				f.subclasses[int(cs.node.StartByte())] = m
				break
			}
		}
	}
}

// operatorClass returns the mapping of the operator class that expr names:
// an imported mapped class or a subclass defined earlier in this file.
func (f *File) operatorClass(expr *Node, sc *scope) *mappings.Mapping {
	module, class, b, _ := f.resolveClass(expr, sc)
	if b != nil {
		return f.registry.Lookup(module, class)
	}
	if expr.Type() != "identifier" {
		return nil
	}
	local := sc.lookup(text(expr, f.Src), int(expr.StartByte()))
	if local == nil || local.kind != bindLocal || local.node == nil {
		return nil
	}
	return f.subclasses[int(local.node.StartByte())]
}

// noteFactory records the function around call as a factory when it returns
// the call, directly or through the variable the call is assigned to.
func (f *File) noteFactory(call *Call) {
	fn := enclosingFunction(call.Node)
	if fn == nil {
		return
	}
	if parent := call.Node.Parent(); parent != nil && parent.Type() == "return_statement" {
		f.factories[int(fn.StartByte())] = call
		return
	}
	if call.Target == "" {
		return
	}
	body := fn.ChildByFieldName("body")
	for i := 0; body != nil && i < int(body.NamedChildCount()); i++ {
		stmt := body.NamedChild(i)
		if stmt.Type() == "return_statement" && stmt.NamedChildCount() == 1 &&
			stmt.NamedChild(0).Type() == "identifier" && text(stmt.NamedChild(0), f.Src) == call.Target {
			f.factories[int(fn.StartByte())] = call
		}
	}
}

func enclosingFunction(n *Node) *Node {
	for p := n.Parent(); p != nil; p = p.Parent() {
		switch p.Type() {
		case "function_definition":
			return p
		case "class_definition", "lambda":
			return nil
		}
	}
	return nil
}

// resolveLocalCall resolves a call of a subclass or factory defined in this
// file.
func (f *File) resolveLocalCall(n *Node, sc *scope) *Call {
	fn := n.ChildByFieldName("function")
	if fn == nil || fn.Type() != "identifier" {
		return nil
	}
	name := text(fn, f.Src)
	b := sc.lookup(name, int(fn.StartByte()))
	if b == nil || b.kind != bindLocal || b.stmt == nil {
		return nil
	}
	call := &Call{
		Node: n, CalleeStart: int(fn.StartByte()), CalleeEnd: int(fn.EndByte()),
		Certain: !n.HasError() && !insideError(n), binding: b, scope: sc,
	}
	switch {
	case b.node != nil && f.subclasses[int(b.node.StartByte())] != nil:
		call.Mapping = f.subclasses[int(b.node.StartByte())]
		call.Subclass = name
	case b.stmt.Type() == "function_definition" && f.factories[int(b.stmt.StartByte())] != nil:
		call.Mapping = f.factories[int(b.stmt.StartByte())].Mapping
		call.Factory = name
	default:
		return nil
	}
	call.Operator = call.Mapping.Operator
	call.Rule = mappings.RuleCode(call.Operator)
	if args := n.ChildByFieldName("arguments"); args != nil && args.Type() == "argument_list" {
		call.Positional, call.Keywords = callArguments(args, f.Src)
	}
	call.Stmt, call.Target = statementOf(n, f.Src)
	return call
}
