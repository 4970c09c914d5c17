package analysis

import (
	"fmt"
	"sort"
	"strings"
)

// chainStatement is one "a >> b >> c" (or "<<") expression statement that
// uses the removed task's variable.
type chainStatement struct {
	stmt *Node
	// operands in downstream order: each runs before the next.
	operands []chainOperand
	op       string
}

type chainOperand struct {
	node *Node
	// items holds the element texts of a list operand, or the operand's own
	// text; isTask marks the ones that are the removed task.
	items  []string
	isTask []bool
	isList bool
}

// rewriteDependencies rewrites the DAG edges that use the call's variable:
// the task leaves each chain, its neighbours are joined directly, and edges
// that crossed statements are restated, so the order among the remaining
// tasks holds. A comment records each changed line. Any other use of the
// variable makes the rewrite impossible, with the reason.
func rewriteDependencies(f *File, call *Call, plan *flowPlan, rm *remover, eol string) ([]Edit, bool, string) {
	name := call.Target
	refs := f.refsOutside(name, int(call.Stmt.StartByte()), int(call.Stmt.EndByte()))
	if len(refs) == 0 {
		return nil, false, ""
	}
	var chains []*chainStatement
	seen := map[int]bool{}
	for _, ref := range refs {
		stmt, root := chainOf(ref)
		if stmt == nil {
			line := f.Line(int(ref.StartByte())) + 1
			use := strings.Join(strings.Fields(text(ref.Parent(), f.Src)), " ")
			return nil, false, fmt.Sprintf("%s is also used at line %d (%s), which Airshift cannot move to Prefect; change that use by hand first", name, line, truncate(use, 60))
		}
		if seen[int(stmt.StartByte())] {
			continue
		}
		seen[int(stmt.StartByte())] = true
		if !f.aloneOnLines(stmt) {
			return nil, false, fmt.Sprintf("the dependency line %d shares its line with other statements", f.Line(int(stmt.StartByte()))+1)
		}
		chain, why := f.flattenChain(stmt, root, name)
		if why != "" {
			return nil, false, why
		}
		chains = append(chains, chain)
	}
	sort.Slice(chains, func(i, j int) bool { return chains[i].stmt.StartByte() < chains[j].stmt.StartByte() })

	var edits []Edit
	type bridge struct{ ups, downs []string }
	var bridges []bridge
	for _, c := range chains {
		kept, ups, downs := c.withoutTask()
		indent := f.indentOf(c.stmt)
		note := fmt.Sprintf("%s# Airshift: %s moved to the Prefect flow %s; this line was: %s%s",
			indent, name, plan.funcName, strings.Join(strings.Fields(text(c.stmt, f.Src)), " "), eol)
		bridges = append(bridges, bridge{ups, downs})
		// A single operand that is more than task variables, such as a
		// call that creates tasks, stays as a statement of its own, so that
		// it still runs.
		if len(kept) >= 2 || len(kept) == 1 && !kept[0].plain() {
			start, end := f.lineSpan(c.stmt)
			trailing := string(f.Src[c.stmt.EndByte():end])
			edits = append(edits, Edit{Start: start, End: end, Text: note + indent + c.render(kept) + trailing})
			continue
		}
		rm.remove(c.stmt, note)
	}

	// Edges that went through the task across two statements, such as
	// "a >> task" and "task >> b", are restated after the last chain.
	// Within one chain, joining the neighbours already keeps the order.
	var lines []string
	for i, from := range bridges {
		for j, to := range bridges {
			if i == j || len(from.ups) == 0 || len(to.downs) == 0 {
				continue
			}
			for _, up := range from.ups {
				if !isPlainName(up) {
					return nil, false, fmt.Sprintf("the edge from %s through %s cannot be restated, because %s is not a plain task variable", up, name, up)
				}
				for _, down := range to.downs {
					if !isPlainName(down) {
						return nil, false, fmt.Sprintf("the edge from %s through %s cannot be restated, because %s is not a plain task variable", name, down, down)
					}
					lines = append(lines, up+" >> "+down)
				}
			}
		}
	}
	lines = uniqueStrings(lines)
	if len(lines) > 0 {
		last := chains[len(chains)-1].stmt
		_, end := f.lineSpan(last)
		indent := f.indentOf(last)
		var b strings.Builder
		if end == len(f.Src) && !strings.HasSuffix(string(f.Src), "\n") {
			b.WriteString(eol)
		}
		fmt.Fprintf(&b, "%s# Airshift: these edges ran through %s before it moved to Prefect.%s", indent, name, eol)
		for _, l := range lines {
			b.WriteString(indent + l + eol)
		}
		edits = append(edits, Edit{Start: end, End: end, Text: b.String()})
	}
	return edits, true, ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func isPlainName(s string) bool {
	return isIdent(s)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' || r > 127 {
			continue
		}
		return false
	}
	return true
}

// chainOf returns the expression statement and the chain expression that
// the identifier takes part in as a task of a >>/<< chain, or nil.
func chainOf(ident *Node) (stmt, root *Node) {
	n := ident
	p := n.Parent()
	if p != nil && p.Type() == "list" {
		n, p = p, p.Parent()
	}
	climbed := false
	for p != nil && p.Type() == "binary_operator" && isShift(p) {
		n, p = p, p.Parent()
		climbed = true
	}
	if !climbed || p == nil || p.Type() != "expression_statement" || p.NamedChildCount() != 1 {
		return nil, nil
	}
	return p, n
}

func isShift(n *Node) bool {
	op := n.ChildByFieldName("operator")
	return op != nil && (op.Type() == ">>" || op.Type() == "<<")
}

func (f *File) flattenChain(stmt, root *Node, name string) (*chainStatement, string) {
	c := &chainStatement{stmt: stmt}
	var nodes []*Node
	var walk func(n *Node) string
	walk = func(n *Node) string {
		if n.Type() == "binary_operator" && isShift(n) {
			op := n.ChildByFieldName("operator").Type()
			if c.op == "" {
				c.op = op
			} else if c.op != op {
				return fmt.Sprintf("line %d mixes >> and <<; rewrite it as one direction first", f.Line(int(n.StartByte()))+1)
			}
			if why := walk(n.ChildByFieldName("left")); why != "" {
				return why
			}
			return walk(n.ChildByFieldName("right"))
		}
		nodes = append(nodes, n)
		return ""
	}
	if why := walk(root); why != "" {
		return nil, why
	}
	for _, n := range nodes {
		op := chainOperand{node: n}
		switch {
		case n.Type() == "list":
			op.isList = true
			for i := 0; i < int(n.NamedChildCount()); i++ {
				item := n.NamedChild(i)
				if item.Type() == "comment" {
					continue
				}
				op.items = append(op.items, text(item, f.Src))
				op.isTask = append(op.isTask, item.Type() == "identifier" && text(item, f.Src) == name)
			}
		default:
			op.items = []string{text(n, f.Src)}
			op.isTask = []bool{n.Type() == "identifier" && text(n, f.Src) == name}
		}
		// A use of the task nested deeper, such as in a call, is not rewritten.
		for i, it := range op.items {
			if !op.isTask[i] && containsName(it, name) {
				return nil, fmt.Sprintf("line %d uses %s inside %s, which Airshift cannot rewrite", f.Line(int(n.StartByte()))+1, name, truncate(it, 40))
			}
		}
		c.operands = append(c.operands, op)
	}
	if c.op == "<<" {
		for i, j := 0, len(c.operands)-1; i < j; i, j = i+1, j-1 {
			c.operands[i], c.operands[j] = c.operands[j], c.operands[i]
		}
	}
	return c, ""
}

func containsName(expr, name string) bool {
	for i := strings.Index(expr, name); i >= 0; {
		before := i == 0 || !isIdentByte(expr[i-1])
		end := i + len(name)
		after := end >= len(expr) || !isIdentByte(expr[end])
		if before && after {
			return true
		}
		next := strings.Index(expr[i+1:], name)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// withoutTask returns the chain with the task removed, and the tasks right
// before and after it when it stood alone in its place.
func (c *chainStatement) withoutTask() (kept []chainOperand, ups, downs []string) {
	for i, op := range c.operands {
		var items []string
		var taskHere bool
		for j, it := range op.items {
			if op.isTask[j] {
				taskHere = true
				continue
			}
			items = append(items, it)
		}
		if taskHere {
			if i > 0 {
				ups = append(ups, c.operands[i-1].plainItems()...)
			}
			if i+1 < len(c.operands) {
				downs = append(downs, c.operands[i+1].plainItems()...)
			}
		}
		if len(items) == 0 {
			continue
		}
		kept = append(kept, chainOperand{node: op.node, items: items, isTask: make([]bool, len(items)), isList: op.isList})
	}
	return kept, ups, downs
}

// plain reports whether every item of the operand is a task variable.
func (op chainOperand) plain() bool {
	for _, it := range op.items {
		if !isPlainName(it) {
			return false
		}
	}
	return true
}

func (op chainOperand) plainItems() []string {
	var out []string
	for j, it := range op.items {
		if !op.isTask[j] {
			out = append(out, it)
		}
	}
	return out
}

func (c *chainStatement) render(kept []chainOperand) string {
	parts := make([]string, len(kept))
	for i, op := range kept {
		if op.isList {
			parts[i] = "[" + strings.Join(op.items, ", ") + "]"
		} else {
			parts[i] = op.items[0]
		}
	}
	if c.op == "<<" {
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
	}
	return strings.Join(parts, " "+c.op+" ")
}
