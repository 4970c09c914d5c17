package analysis

import (
	"strings"
)

type bindingKind int

const (
	bindImportFrom   bindingKind = iota // from MODULE import NAME [as ALIAS]
	bindImportModule                    // import a.b.c [as ALIAS]
	bindLocal                           // class, def or assignment in this file
)

// binding is one name bound in a scope.
type binding struct {
	kind bindingKind
	name string // the local name
	// module and attr describe where an import comes from: "from module
	// import attr", or "import module" with attr empty.
	module string
	attr   string
	// pos orders bindings within a scope: the start of the binding statement.
	pos int
	// nameStart and nameEnd span the imported name inside the import
	// statement, the place where hover on the import answers.
	nameStart, nameEnd int
	stmt               *Node
	// node is the class definition of a local class binding, or the item
	// (dotted name or aliased import) of an import binding.
	node *Node
}

// scope is the module or one function body.
type scope struct {
	node     *Node // nil for the module
	parent   *scope
	bindings map[string][]*binding
}

func (s *scope) add(b *binding) {
	s.bindings[b.name] = append(s.bindings[b.name], b)
}

// lookup resolves name at byte offset pos the way Python does for these
// cases: the innermost function that binds the name decides; inside it the
// last binding before pos wins. Module bindings made after a function's
// definition are still visible when the function runs, so the module scope
// falls back to its last binding when used from inside a function.
func (s *scope) lookup(name string, pos int) *binding {
	for sc := s; sc != nil; sc = sc.parent {
		list := sc.bindings[name]
		if len(list) == 0 {
			continue
		}
		var best *binding
		for _, b := range list {
			if b.pos <= pos {
				best = b
			}
		}
		if best == nil && sc != s {
			best = list[len(list)-1]
		}
		return best
	}
	return nil
}

// addImport records the bindings of an import statement in sc.
func addImport(sc *scope, stmt *Node, src []byte) []*binding {
	var added []*binding
	add := func(b *binding) {
		sc.add(b)
		added = append(added, b)
	}
	pos := int(stmt.StartByte())
	switch stmt.Type() {
	case "import_statement":
		for i := 0; i < int(stmt.NamedChildCount()); i++ {
			c := stmt.NamedChild(i)
			switch c.Type() {
			case "dotted_name":
				full := text(c, src)
				first := full
				if dot := strings.IndexByte(full, '.'); dot >= 0 {
					first = full[:dot]
				}
				// "import a.b.c" binds only "a"; attribute access walks the rest.
				add(&binding{kind: bindImportModule, name: first, module: first, pos: pos, nameStart: int(c.StartByte()), nameEnd: int(c.EndByte()), stmt: stmt, node: c})
			case "aliased_import":
				name, alias := c.ChildByFieldName("name"), c.ChildByFieldName("alias")
				if name == nil || alias == nil {
					continue
				}
				add(&binding{kind: bindImportModule, name: text(alias, src), module: text(name, src), pos: pos, nameStart: int(name.StartByte()), nameEnd: int(name.EndByte()), stmt: stmt, node: c})
			}
		}
	case "import_from_statement":
		modNode := stmt.ChildByFieldName("module_name")
		if modNode == nil || modNode.Type() != "dotted_name" {
			// Relative imports name modules of this project, not Airflow.
			return nil
		}
		module := text(modNode, src)
		for i := 0; i < int(stmt.NamedChildCount()); i++ {
			c := stmt.NamedChild(i)
			if sameNode(c, modNode) {
				continue
			}
			switch c.Type() {
			case "dotted_name":
				n := text(c, src)
				add(&binding{kind: bindImportFrom, name: n, module: module, attr: n, pos: pos, nameStart: int(c.StartByte()), nameEnd: int(c.EndByte()), stmt: stmt, node: c})
			case "aliased_import":
				name, alias := c.ChildByFieldName("name"), c.ChildByFieldName("alias")
				if name == nil || alias == nil {
					continue
				}
				add(&binding{kind: bindImportFrom, name: text(alias, src), module: module, attr: text(name, src), pos: pos, nameStart: int(name.StartByte()), nameEnd: int(name.EndByte()), stmt: stmt, node: c})
			}
		}
	}
	return added
}

// addTargets records the names an assignment or for-loop target binds.
func addTargets(sc *scope, target *Node, stmt *Node, src []byte) {
	if target == nil {
		return
	}
	switch target.Type() {
	case "identifier":
		sc.add(&binding{kind: bindLocal, name: text(target, src), pos: int(stmt.StartByte()), stmt: stmt})
	case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list":
		for i := 0; i < int(target.NamedChildCount()); i++ {
			addTargets(sc, target.NamedChild(i), stmt, src)
		}
	}
}
