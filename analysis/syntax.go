package analysis

/*
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The layouts and functions below are tree-sitter's public C API, whose
// code go-tree-sitter compiles into the same binary.
typedef struct { uint32_t context[4]; const void *id; const void *tree; } TSNode;
typedef struct { const void *tree; const void *id; uint32_t context[3]; } TSTreeCursor;

TSTreeCursor ts_tree_cursor_new(TSNode);
void ts_tree_cursor_delete(TSTreeCursor *);
TSNode ts_tree_cursor_current_node(const TSTreeCursor *);
uint16_t ts_tree_cursor_current_field_id(const TSTreeCursor *);
bool ts_tree_cursor_goto_first_child(TSTreeCursor *);
bool ts_tree_cursor_goto_next_sibling(TSTreeCursor *);
bool ts_tree_cursor_goto_parent(TSTreeCursor *);
uint16_t ts_node_symbol(TSNode);
uint32_t ts_node_start_byte(TSNode);
uint32_t ts_node_end_byte(TSNode);
uint32_t ts_node_child_count(TSNode);
TSNode ts_node_descendant_for_byte_range(TSNode, uint32_t, uint32_t);
TSNode ts_node_parent(TSNode);
const char *ts_node_type(TSNode);
bool ts_node_is_null(TSNode);
bool ts_node_is_named(TSNode);
bool ts_node_is_missing(TSNode);
bool ts_node_has_error(TSNode);

enum { FLAT_NAMED = 1, FLAT_MISSING = 2, FLAT_HAS_ERROR = 4 };

// flat_node must match Node in Go.
typedef struct {
	uint32_t start, end;
	int32_t parent, first, self;
	uint32_t children, named;
	uint16_t symbol, field;
	uint32_t flags;
} flat_node;

// frame is a node whose children flatten is writing: the slot of the next
// child, and the end of the node's block of children.
typedef struct {
	int32_t node, slot, end;
} frame;

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
	if (need <= *cap) {
		return p;
	}
	size_t next = *cap * 2;
	while (next < need) {
		next *= 2;
	}
	void *grown = realloc(p, next * size);
	if (grown != NULL) {
		*cap = next;
	}
	return grown;
}

// flatten writes the nodes under root with each node's children in one
// contiguous block, the root first. It returns the number of nodes, or -1
// when memory runs out and -2 when a child count disagrees with the
// children the cursor visits. *out is then NULL.
static int64_t flatten(TSNode root, flat_node **out) {
	size_t cap = 1024, depthCap = 64, n = 1;
	flat_node *nodes = malloc(cap * sizeof(flat_node));
	frame *stack = malloc(depthCap * sizeof(frame));
	int64_t status = 0;
	*out = NULL;
	if (nodes == NULL || stack == NULL) {
		free(nodes);
		free(stack);
		return -1;
	}
	TSTreeCursor cursor = ts_tree_cursor_new(root);
	size_t depth = 0;
	int32_t current = 0;
	nodes[0].parent = -1;
	nodes[0].self = 0;
	nodes[0].field = 0;
	for (;;) {
		TSNode node = ts_tree_cursor_current_node(&cursor);
		flat_node *f = &nodes[current];
		f->start = ts_node_start_byte(node);
		f->end = ts_node_end_byte(node);
		f->symbol = ts_node_symbol(node);
		f->flags = (ts_node_is_named(node) ? FLAT_NAMED : 0) |
			(ts_node_is_missing(node) ? FLAT_MISSING : 0) |
			(ts_node_has_error(node) ? FLAT_HAS_ERROR : 0);
		f->children = ts_node_child_count(node);
		f->named = 0;
		f->first = -1;
		if (f->children > 0 && ts_tree_cursor_goto_first_child(&cursor)) {
			// Reserve the block of children, then descend into the first.
			int32_t first = (int32_t)n;
			n += f->children;
			flat_node *grown = grow(nodes, &cap, n, sizeof(flat_node));
			frame *deeper = grow(stack, &depthCap, depth + 1, sizeof(frame));
			if (grown == NULL || deeper == NULL) {
				nodes = grown == NULL ? nodes : grown;
				stack = deeper == NULL ? stack : deeper;
				status = -1;
				break;
			}
			nodes = grown;
			stack = deeper;
			nodes[current].first = first;
			stack[depth++] = (frame){current, first, first + (int32_t)nodes[current].children};
		} else if (f->children > 0) {
			status = -2;
			break;
		}
		// Place the cursor's node in its parent's block, climbing while the
		// parents have no further child.
		for (;;) {
			if (depth == 0) {
				goto done;
			}
			frame *top = &stack[depth - 1];
			if (top->slot < top->end && (top->slot == nodes[top->node].first || ts_tree_cursor_goto_next_sibling(&cursor))) {
				current = top->slot++;
				nodes[current].parent = top->node;
				nodes[current].self = current;
				nodes[current].field = ts_tree_cursor_current_field_id(&cursor);
				break;
			}
			if (top->slot != top->end || ts_tree_cursor_goto_next_sibling(&cursor)) {
				status = -2;
				goto done;
			}
			ts_tree_cursor_goto_parent(&cursor);
			depth--;
		}
	}
done:
	ts_tree_cursor_delete(&cursor);
	free(stack);
	if (status < 0) {
		free(nodes);
		return status;
	}
	for (size_t i = 1; i < n; i++) {
		if (nodes[i].flags & FLAT_NAMED) {
			nodes[nodes[i].parent].named++;
		}
	}
	*out = nodes;
	return (int64_t)n;
}
// enclosing_string returns the innermost string node around the bytes
// [start, end) under root, or a null node.
static TSNode enclosing_string(TSNode root, uint32_t start, uint32_t end) {
	TSNode n = ts_node_descendant_for_byte_range(root, start, end);
	while (!ts_node_is_null(n) && strcmp(ts_node_type(n), "string") != 0) {
		n = ts_node_parent(n);
	}
	return n;
}
*/
import "C"

import (
	"sync"
	"unsafe"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/python"
)

const (
	flagNamed    = 1
	flagMissing  = 2
	flagHasError = 4
	errorSymbol  = 0xFFFF
)

// Syntax is a read-only copy of a tree-sitter tree held in Go memory. The
// analysis walks it many times per edit, and every step through the
// go-tree-sitter binding is a cgo call that allocates, so one cgo call
// copies the whole tree instead.
type Syntax struct {
	nodes []Node
}

// Node is one node of a Syntax. Its methods mirror those of sitter.Node.
// Its layout is the C flat_node's. It holds no Go pointer, so the garbage
// collector never scans a tree, and it finds its relatives by index within
// the Syntax's slice.
type Node struct {
	start, end uint32
	// parent, first and self index the parent, the first child (-1 for
	// none) and this node. The children of a node are contiguous.
	parent, first, self int32
	children, named     uint32
	symbol, field       uint16
	flags               uint32
}

var grammar struct {
	once    sync.Once
	symbols []string
	fields  map[string]uint16
}

func loadGrammar() {
	grammar.once.Do(func() {
		lang := python.GetLanguage()
		count := lang.SymbolCount()
		grammar.symbols = make([]string, count)
		for i := range count {
			grammar.symbols[i] = lang.SymbolName(sitter.Symbol(i))
		}
		grammar.fields = map[string]uint16{}
		for i := 1; i < 1<<16; i++ {
			name := lang.FieldName(i)
			if name == "" {
				break
			}
			grammar.fields[name] = uint16(i)
		}
	})
}

// NewSyntax copies the tree under root. Like any Go allocation, it panics
// when memory runs out.
func NewSyntax(root *sitter.Node) *Syntax {
	loadGrammar()

	return flattenNode(cnode(root))
}

// cnode returns the C node that root wraps.
func cnode(root *sitter.Node) C.TSNode {
	// NOTE: this relies on go-tree-sitter's unexported layout, where
	// sitter.Node starts with the C TSNode it wraps. TestSyntaxCopyMatchesTree
	// fails if a new version changes it.
	return *(*C.TSNode)(unsafe.Pointer(root))
}

func flattenNode(cnode C.TSNode) *Syntax {
	var out *C.flat_node
	n := int64(C.flatten(cnode, &out))
	switch {
	case n == -1:
		panic("analysis: out of memory while copying a syntax tree")
	case n < 0:
		panic("analysis: a tree-sitter child count differs from the children its cursor visits")
	}
	defer C.free(unsafe.Pointer(out))
	s := &Syntax{nodes: make([]Node, n)}
	copy(s.nodes, unsafe.Slice((*Node)(unsafe.Pointer(out)), n))
	return s
}

// Root returns the tree's root node.
func (s *Syntax) Root() *Node {
	if s == nil || len(s.nodes) == 0 {
		return nil
	}
	return &s.nodes[0]
}

// at returns the node at index i of n's Syntax, or nil for -1.
func (n *Node) at(i int32) *Node {
	if i < 0 {
		return nil
	}
	return (*Node)(unsafe.Add(unsafe.Pointer(n), int(i-n.self)*int(unsafe.Sizeof(Node{}))))
}

// Type is the node's grammar symbol name, such as "call" or "identifier".
func (n *Node) Type() string {
	if n.symbol == errorSymbol {
		return "ERROR"
	}
	return grammar.symbols[n.symbol]
}

func (n *Node) StartByte() uint32 { return n.start }
func (n *Node) EndByte() uint32   { return n.end }
func (n *Node) IsNamed() bool     { return n.flags&flagNamed != 0 }
func (n *Node) IsMissing() bool   { return n.flags&flagMissing != 0 }
func (n *Node) IsError() bool     { return n.symbol == errorSymbol }
func (n *Node) HasError() bool    { return n.flags&flagHasError != 0 }
func (n *Node) Parent() *Node     { return n.at(n.parent) }

// ChildCount and NamedChildCount count the node's children, all or named.
func (n *Node) ChildCount() uint32      { return n.children }
func (n *Node) NamedChildCount() uint32 { return n.named }

// NextSibling returns the next child of the node's parent, or nil.
func (n *Node) NextSibling() *Node {
	parent := n.Parent()
	if parent == nil || n.self+1 >= parent.first+int32(parent.children) {
		return nil
	}
	return n.at(n.self + 1)
}

// Child returns the child at index i, or nil.
func (n *Node) Child(i int) *Node {
	if i < 0 || i >= int(n.children) {
		return nil
	}
	return n.at(n.first + int32(i))
}

// NamedChild returns the named child at index i, or nil.
func (n *Node) NamedChild(i int) *Node {
	if i < 0 || i >= int(n.named) {
		return nil
	}
	for k := range int32(n.children) {
		c := n.at(n.first + k)
		if c.flags&flagNamed == 0 {
			continue
		}
		if i == 0 {
			return c
		}
		i--
	}
	return nil
}

// ChildByFieldName returns the first child in the grammar field name, or nil.
func (n *Node) ChildByFieldName(name string) *Node {
	id, ok := grammar.fields[name]
	if !ok {
		return nil
	}
	for k := range int32(n.children) {
		if c := n.at(n.first + k); c.field == id {
			return c
		}
	}
	return nil
}

// Node must have the size of the C flat_node: either array length below is
// negative, which does not compile, when they differ.
var (
	_ [unsafe.Sizeof(Node{}) - C.sizeof_flat_node]struct{}
	_ [C.sizeof_flat_node - unsafe.Sizeof(Node{})]struct{}
)

// reuseSyntax returns the copy of the tree root, parsed from src, built
// from prev, the copy for prevSrc, when src differs from prevSrc only
// inside one string literal that keeps its shape, and the span that
// differs. It returns nil when it cannot, and the caller copies the whole
// tree.
//
// Outside that literal the two texts are equal. With no syntax error in
// either tree, a string of the same kind and span leaves the parse around
// it unchanged, so every other node is prev's with its offsets moved.
// NOTE: that rests on the parse being deterministic, not on a tree-sitter
// guarantee. TestAnalyzeAfterMatchesAnalyze compares the result with a
// fresh copy after hundreds of random edits.
func reuseSyntax(prev *Syntax, prevSrc, src []byte, root *sitter.Node) (*Syntax, textEdit) {
	if prev == nil || len(prev.nodes) == 0 || prev.nodes[0].flags&flagHasError != 0 || root.HasError() {
		return nil, textEdit{}
	}
	p := sharedPrefix(prevSrc, src)
	if p == len(prevSrc) && p == len(src) {
		return prev, textEdit{start: p, oldEnd: p, newEnd: p}
	}
	suffix := sharedSuffix(prevSrc[p:], src[p:])
	oldEnd, newEnd := len(prevSrc)-suffix, len(src)-suffix
	delta := int64(newEnd - oldEnd)
	edit := textEdit{start: p, oldEnd: oldEnd, newEnd: newEnd}

	old := prev.Root().innermostString(uint32(p), uint32(oldEnd))
	if old == nil || int(old.start) >= p || int(old.end) <= oldEnd {
		return nil, edit
	}
	loadGrammar()
	fresh := C.enclosing_string(cnode(root), C.uint32_t(p), C.uint32_t(newEnd))
	if C.ts_node_is_null(fresh) {
		return nil, edit
	}
	sub := flattenNode(fresh)
	k := len(sub.nodes)
	if k-1 != old.descendants() || sub.nodes[0].start != old.start || int64(sub.nodes[0].end) != int64(old.end)+delta {
		return nil, edit
	}

	s := &Syntax{nodes: make([]Node, len(prev.nodes))}
	copy(s.nodes, prev.nodes)
	for i := range s.nodes {
		n := &s.nodes[i]
		if int(n.start) >= oldEnd {
			n.start = uint32(int64(n.start) + delta)
		}
		if int(n.end) >= oldEnd {
			n.end = uint32(int64(n.end) + delta)
		}
	}
	// The literal's nodes: its root keeps its place, and its descendants
	// fill the block that old's descendants held, in the same order.
	index := func(j int32) int32 {
		if j <= 0 {
			return old.self
		}
		return old.first + j - 1
	}
	for j := range sub.nodes {
		n, was := sub.nodes[j], s.nodes[index(int32(j))]
		if n.symbol != was.symbol || n.flags != was.flags || n.children != was.children || n.named != was.named ||
			j > 0 && n.field != was.field {
			return nil, edit
		}
		n.self = index(int32(j))
		if j == 0 {
			n.parent, n.field = was.parent, was.field
		} else {
			n.parent = index(n.parent)
		}
		if n.first >= 0 {
			n.first = index(n.first)
		}
		s.nodes[n.self] = n
	}
	return s, edit
}

// innermostString returns the deepest string node under n that contains
// the bytes [start, end), or nil.
func (n *Node) innermostString(start, end uint32) *Node {
	var found *Node
	for node := n; node != nil; {
		if node.Type() == "string" {
			found = node
		}
		var next *Node
		for k := range int32(node.children) {
			c := node.at(node.first + k)
			if c.start <= start && end <= c.end {
				next = c
				break
			}
		}
		node = next
	}
	return found
}

// descendants counts the nodes under n, n excluded.
func (n *Node) descendants() int {
	count := 0
	for k := range int32(n.children) {
		count += 1 + n.at(n.first+k).descendants()
	}
	return count
}

// textEdit is the one span where two versions of a text differ:
// [start, oldEnd) of the old text became [start, newEnd) of the new one.
type textEdit struct {
	start, oldEnd, newEnd int
}

// move returns where offset off of the old text is in the new one. off
// must not lie inside the edited span.
func (e textEdit) move(off int) int {
	if off >= e.oldEnd {
		return off + e.newEnd - e.oldEnd
	}
	return off
}

func sharedPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func sharedSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 1; i <= n; i++ {
		if a[len(a)-i] != b[len(b)-i] {
			return i - 1
		}
	}
	return n
}
