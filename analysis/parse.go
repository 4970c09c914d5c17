// Package analysis finds Airflow operator calls in Python source with
// tree-sitter and computes their findings, hovers and rewrites. It works in
// byte offsets and never depends on the language server protocol.
package analysis

import (
	"context"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/python"
)

var parserPool = sync.Pool{New: func() any {
	p := sitter.NewParser()
	p.SetLanguage(python.GetLanguage())
	return p
}}

// Parse parses src. With a non-nil old tree that has already been edited to
// match src (see sitter.Tree.Edit), the parse reuses its unchanged parts.
//
// Only parses without cancellation reuse pooled parsers. go-tree-sitter
// watches a cancellable context from a goroutine that can raise the
// parser's cancellation flag after the parse has returned, and a pooled
// parser with that flag set fails its next parse.
func Parse(ctx context.Context, src []byte, old *sitter.Tree) (*sitter.Tree, error) {
	if ctx.Done() == nil {
		p := parserPool.Get().(*sitter.Parser)
		defer parserPool.Put(p)
		return p.ParseCtx(ctx, old, src)
	}
	p := sitter.NewParser()
	defer p.Close()
	p.SetLanguage(python.GetLanguage())
	return p.ParseCtx(ctx, old, src)
}

// MustParse parses src with no cancellation; it is for callers that own
// the text and have no context, such as tests and the rewrite checks.
func MustParse(src []byte) *sitter.Tree {
	tree, err := Parse(context.Background(), src, nil)
	if err != nil {
		// ParseCtx fails only on cancellation, which cannot happen here.
		panic(err)
	}
	return tree
}

func text(n *Node, src []byte) string {
	return string(src[n.StartByte():n.EndByte()])
}

func sameNode(a, b *Node) bool {
	return a != nil && b != nil && a.StartByte() == b.StartByte() && a.EndByte() == b.EndByte() && a.Type() == b.Type()
}

// fieldIs reports whether n is the child named field of its parent.
func fieldIs(n *Node, field string) bool {
	parent := n.Parent()
	if parent == nil {
		return false
	}
	return sameNode(parent.ChildByFieldName(field), n)
}
