package analysis

import (
	"os"
	"path/filepath"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"
)

// TestSyntaxCopyMatchesTree compares every node of the Go copy with the
// tree-sitter node it copies, over every Python fixture in testdata.
func TestSyntaxCopyMatchesTree(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../testdata/*/*.py", "../testdata/*/*/*.py", "testdata/*.py"} {
		found, _ := filepath.Glob(pattern)
		files = append(files, found...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d fixtures, want at least 20", len(files))
	}
	loadGrammar()
	sources := map[string][]byte{
		"unclosed paren":   []byte("x = (\n"),
		"broken def":       []byte("def f(:\n  pass\n"),
		"python 2":         []byte("print 'x'\r\nexec code\r\n"),
		"emoji and tabs":   []byte("if x:\n\ty = '🚀 数据'  # コメント\n\tz = {1: [2, (3,)]}\n"),
		"stray characters": []byte("KubernetesPodOperator(image=\"a\" $$ ))\n\x00\xff"),
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sources[path] = src
	}
	total := 0
	for path, src := range sources {
		tree := MustParse(src)
		syn := NewSyntax(tree.RootNode())
		count := compareNodes(t, path, tree.RootNode(), syn.Root())
		if count != len(syn.nodes) {
			t.Errorf("%s: compared %d nodes, the copy holds %d", path, count, len(syn.nodes))
		}
		total += count
		tree.Close()
	}
	t.Logf("%d sources, %d nodes", len(sources), total)
}

func compareNodes(t *testing.T, path string, want *sitter.Node, got *Node) int {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: missing node for %s at %d", path, want.Type(), want.StartByte())
	}
	if want.Type() != got.Type() || want.StartByte() != got.StartByte() || want.EndByte() != got.EndByte() ||
		want.IsNamed() != got.IsNamed() || want.IsMissing() != got.IsMissing() || want.HasError() != got.HasError() ||
		want.IsError() != got.IsError() || want.ChildCount() != got.ChildCount() || want.NamedChildCount() != got.NamedChildCount() {
		t.Fatalf("%s: node %s [%d,%d) copied as %s [%d,%d)", path, want.Type(), want.StartByte(), want.EndByte(), got.Type(), got.StartByte(), got.EndByte())
	}
	for name := range grammar.fields {
		w, g := want.ChildByFieldName(name), got.ChildByFieldName(name)
		if (w == nil) != (g == nil) || w != nil && (w.StartByte() != g.StartByte() || w.EndByte() != g.EndByte() || w.Type() != g.Type()) {
			t.Fatalf("%s: field %s of %s at %d differs", path, name, want.Type(), want.StartByte())
		}
	}
	for i := 0; i < int(want.NamedChildCount()); i++ {
		w, g := want.NamedChild(i), got.NamedChild(i)
		if w.StartByte() != g.StartByte() || w.Type() != g.Type() {
			t.Fatalf("%s: named child %d of %s at %d differs", path, i, want.Type(), want.StartByte())
		}
	}
	count := 1
	for i := 0; i < int(want.ChildCount()); i++ {
		child := got.Child(i)
		if child.Parent() != got {
			t.Fatalf("%s: child %d of %s at %d has another parent", path, i, want.Type(), want.StartByte())
		}
		count += compareNodes(t, path, want.Child(i), child)
	}
	return count
}
