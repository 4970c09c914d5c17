package analysis

/*
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

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
bool ts_node_is_named(TSNode);
bool ts_node_is_missing(TSNode);
bool ts_node_has_error(TSNode);

enum { FLAT_NAMED = 1, FLAT_MISSING = 2, FLAT_HAS_ERROR = 4 };

// flat_node must match flatNode in Go.
typedef struct {
	uint32_t start, end;
	int32_t parent, next;
	uint32_t children, named;
	uint16_t symbol, field;
	uint32_t flags;
} flat_node;

// flatten writes the nodes under root in preorder, so that a node's first
// child, when it has one, follows it. It returns the number of nodes, or
// -1 when memory runs out; *out is then freed and NULL.
static int64_t flatten(TSNode root, flat_node **out) {
	size_t cap = 1024, n = 0;
	flat_node *nodes = malloc(cap * sizeof(flat_node));
	// last[d] is the previous child seen at depth d, whose next it links.
	size_t depthCap = 64;
	int32_t *last = malloc(depthCap * sizeof(int32_t));
	if (nodes == NULL || last == NULL) {
		free(nodes);
		free(last);
		*out = NULL;
		return -1;
	}
	TSTreeCursor cursor = ts_tree_cursor_new(root);
	int32_t parent = -1;
	size_t depth = 0;
	last[0] = -1;
	for (;;) {
		if (n == cap) {
			cap *= 2;
			flat_node *grown = realloc(nodes, cap * sizeof(flat_node));
			if (grown == NULL) {
				free(nodes);
				free(last);
				ts_tree_cursor_delete(&cursor);
				*out = NULL;
				return -1;
			}
			nodes = grown;
		}
		TSNode node = ts_tree_cursor_current_node(&cursor);
		flat_node *f = &nodes[n];
		f->start = ts_node_start_byte(node);
		f->end = ts_node_end_byte(node);
		f->parent = parent;
		f->next = -1;
		f->children = 0;
		f->named = 0;
		f->symbol = ts_node_symbol(node);
		f->field = ts_tree_cursor_current_field_id(&cursor);
		f->flags = (ts_node_is_named(node) ? FLAT_NAMED : 0) |
			(ts_node_is_missing(node) ? FLAT_MISSING : 0) |
			(ts_node_has_error(node) ? FLAT_HAS_ERROR : 0);
		if (last[depth] >= 0) {
			nodes[last[depth]].next = (int32_t)n;
		}
		last[depth] = (int32_t)n;
		if (parent >= 0) {
			nodes[parent].children++;
			if (f->flags & FLAT_NAMED) {
				nodes[parent].named++;
			}
		}
		int32_t self = (int32_t)n;
		n++;
		if (ts_tree_cursor_goto_first_child(&cursor)) {
			depth++;
			if (depth == depthCap) {
				depthCap *= 2;
				int32_t *grown = realloc(last, depthCap * sizeof(int32_t));
				if (grown == NULL) {
					free(nodes);
					free(last);
					ts_tree_cursor_delete(&cursor);
					*out = NULL;
					return -1;
				}
				last = grown;
			}
			last[depth] = -1;
			parent = self;
			continue;
		}
		while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
			if (depth == 0 || !ts_tree_cursor_goto_parent(&cursor)) {
				ts_tree_cursor_delete(&cursor);
				free(last);
				*out = nodes;
				return (int64_t)n;
			}
			depth--;
			parent = nodes[parent].parent;
		}
	}
}
*/
import "C"

import (
	"sync"
	"unsafe"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/python"
)

// flatNode is the C flat_node.
type flatNode struct {
	start, end      uint32
	parent, next    int32
	children, named uint32
	symbol, field   uint16
	flags           uint32
}

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
	// kids holds each node's children, and named its named children, as
	// contiguous runs of node indexes, so that Child(i) costs one lookup.
	kids, named []int32
}

// Node is one node of a Syntax. Its methods mirror those of sitter.Node.
type Node struct {
	flatNode
	// kidsAt and namedAt are where the node's runs in Syntax.kids and
	// Syntax.named start.
	kidsAt, namedAt int32
	syn             *Syntax
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

	// sitter.Node starts with the C TSNode it wraps.
	cnode := *(*C.TSNode)(unsafe.Pointer(root))
	var out *C.flat_node
	n := int64(C.flatten(cnode, &out))
	if n < 0 {
		panic("analysis: out of memory while copying a syntax tree")
	}
	defer C.free(unsafe.Pointer(out))
	flat := unsafe.Slice((*flatNode)(unsafe.Pointer(out)), n)

	s := &Syntax{nodes: make([]Node, n)}
	var kids, named int32
	for i := range flat {
		s.nodes[i] = Node{flatNode: flat[i], kidsAt: kids, namedAt: named, syn: s}
		kids += int32(flat[i].children)
		named += int32(flat[i].named)
	}

	s.kids, s.named = make([]int32, kids), make([]int32, named)
	filled := make([]int32, n)
	namedFilled := make([]int32, n)
	for i := 1; i < len(s.nodes); i++ {
		p := s.nodes[i].parent
		parent := &s.nodes[p]
		s.kids[parent.kidsAt+filled[p]] = int32(i)
		filled[p]++
		if s.nodes[i].flags&flagNamed != 0 {
			s.named[parent.namedAt+namedFilled[p]] = int32(i)
			namedFilled[p]++
		}
	}
	return s
}

// Root returns the tree's root node.
func (s *Syntax) Root() *Node {
	if s == nil || len(s.nodes) == 0 {
		return nil
	}
	return &s.nodes[0]
}

func (n *Node) at(i int32) *Node {
	if i < 0 {
		return nil
	}
	return &n.syn.nodes[i]
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

// firstChild returns the node's first child, or nil.
func (n *Node) firstChild() *Node {
	if n.children == 0 {
		return nil
	}
	return n.Child(0)
}

// NextSibling returns the next child of the node's parent, or nil.
func (n *Node) NextSibling() *Node { return n.at(n.next) }

// Child returns the child at index i, or nil.
func (n *Node) Child(i int) *Node {
	if i < 0 || i >= int(n.children) {
		return nil
	}
	return &n.syn.nodes[n.syn.kids[int(n.kidsAt)+i]]
}

// NamedChild returns the named child at index i, or nil.
func (n *Node) NamedChild(i int) *Node {
	if i < 0 || i >= int(n.named) {
		return nil
	}
	return &n.syn.nodes[n.syn.named[int(n.namedAt)+i]]
}

// ChildByFieldName returns the first child in the grammar field name, or nil.
func (n *Node) ChildByFieldName(name string) *Node {
	id, ok := grammar.fields[name]
	if !ok {
		return nil
	}
	for c := n.firstChild(); c != nil; c = c.NextSibling() {
		if c.field == id {
			return c
		}
	}
	return nil
}
