package analysis

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/airshift/airshift/mappings"
	"github.com/airshift/airshift/testdata/bench/corpus"
)

// benchSizes are the line counts of the benchmark DAGs: a typical file and
// a large generated one.
var benchSizes = []int{300, 10000}

func benchRegistry(b *testing.B) *mappings.Registry {
	b.Helper()
	reg, err := mappings.Load(nil)
	if err != nil {
		b.Fatal(err)
	}
	return reg
}

// editOffset returns the offset of the character that the one-character
// edit benchmarks toggle: the "o" of "info" in the env_vars of the call
// nearest to the middle of src.
func editOffset(b *testing.B, src []byte) int {
	b.Helper()
	marker := []byte(`"LOG_LEVEL": "info"`)
	at := bytes.Index(src[len(src)/2:], marker)
	if at < 0 {
		b.Fatal("the generated DAG has no LOG_LEVEL value to edit")
	}
	return len(src)/2 + at + len(marker) - 2
}

// oneCharEdit replaces the byte at off in text with c, on a copy, and
// records the edit on tree so that the next parse can reuse it.
func oneCharEdit(text []byte, tree *sitter.Tree, off int, c byte) []byte {
	next := bytes.Clone(text)
	next[off] = c
	row := uint32(bytes.Count(text[:off], []byte("\n")))
	col := uint32(off - (bytes.LastIndexByte(text[:off], '\n') + 1))
	tree.Edit(sitter.EditInput{
		StartIndex: uint32(off), OldEndIndex: uint32(off + 1), NewEndIndex: uint32(off + 1),
		StartPoint:  sitter.Point{Row: row, Column: col},
		OldEndPoint: sitter.Point{Row: row, Column: col + 1},
		NewEndPoint: sitter.Point{Row: row, Column: col + 1},
	})
	return next
}

// reparseAfterEdit replaces the byte at off in text with c and reparses
// the result from a copy of tree, as the server does after a keystroke.
func reparseAfterEdit(b *testing.B, text []byte, tree *sitter.Tree, off int, c byte) ([]byte, *sitter.Tree) {
	b.Helper()
	base := tree.Copy()
	defer base.Close()
	next := oneCharEdit(text, base, off, c)
	parsed, err := Parse(context.Background(), next, base)
	if err != nil {
		b.Fatal(err)
	}
	return next, parsed
}

// BenchmarkParse compares a full parse with an incremental reparse after
// a one-character edit, without the analysis.
func BenchmarkParse(b *testing.B) {
	for _, lines := range benchSizes {
		src := corpus.Generate(0, lines).Source
		b.Run(fmt.Sprintf("full/lines=%d", lines), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				MustParse(src).Close()
			}
		})
		b.Run(fmt.Sprintf("incremental/lines=%d", lines), func(b *testing.B) {
			off := editOffset(b, src)
			text := src
			tree := MustParse(text)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				var next *sitter.Tree
				text, next = reparseAfterEdit(b, text, tree, off, "xo"[i%2])
				tree.Close()
				tree = next
				i++
			}
			tree.Close()
		})
	}
}

// serverOptions are the options the language server analyses with: it
// checks that a rewrite parses only when a code action offers it.
var serverOptions = Options{Entrypoint: "dag.py", DeferRewriteCheck: true}

// checkOptions are the options of airshift check: one fix per finding,
// not proven valid.
var checkOptions = Options{Entrypoint: "dag.py", FirstFixOnly: true, DeferRewriteCheck: true}

// fixOptions are the options of airshift fix, which proves every rewrite
// valid with a parse of the whole rewritten file.
var fixOptions = Options{Entrypoint: "dag.py"}

// BenchmarkAnalyzeFull measures what opening a document costs: a full
// parse, the file's structure and every finding with its fixes, with the
// options of the server, of airshift check and of airshift fix.
func BenchmarkAnalyzeFull(b *testing.B) {
	reg := benchRegistry(b)
	for _, lines := range benchSizes {
		dag := corpus.Generate(0, lines)
		for _, mode := range []struct {
			name string
			opts Options
		}{{"server", serverOptions}, {"check", checkOptions}, {"fix", fixOptions}} {
			b.Run(fmt.Sprintf("%s/lines=%d", mode.name, lines), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tree := MustParse(dag.Source)
					res := Analyze(NewFile(dag.Source, tree, reg), mode.opts)
					if len(res.Findings) != dag.Calls {
						b.Fatalf("got %d findings, want %d", len(res.Findings), dag.Calls)
					}
					tree.Close()
				}
			})
		}
	}
}

// TestDeferredCheckKeepsFindings checks that deferring the rewrite check
// changes no finding or fix, and that every deferred fix passes CheckFix.
func TestDeferredCheckKeepsFindings(t *testing.T) {
	reg := builtinRegistry(t)
	src := corpus.Generate(0, 300).Source
	tree := MustParse(src)
	defer tree.Close()
	f := NewFile(src, tree, reg)
	eager := Analyze(f, fixOptions)
	deferred := Analyze(f, serverOptions)
	if got, want := describeFindings(deferred), describeFindings(eager); got != want {
		t.Errorf("deferred findings differ from eager ones:\n%s\nwant:\n%s", got, want)
	}
	for _, fd := range deferred.Findings {
		for i := range fd.Fixes {
			if err := CheckFix(f, &fd.Fixes[i]); err != nil {
				t.Errorf("fix %q of the call at %d: %v", fd.Fixes[i].Title, fd.Start, err)
			}
		}
	}
}

// BenchmarkAnalyzeAfterEdit measures the processing of one keystroke: an
// incremental reparse from the previous tree after a one-character edit,
// then the analysis of the new text with the server's options, reusing the
// previous analysis as the server does. The "string" edit toggles a letter
// of an env_vars value, so every other call keeps its rewrite. The
// "comment" edit toggles a letter of a comment between two calls, which
// Airshift does not track finely, so every call is rewritten again.
func BenchmarkAnalyzeAfterEdit(b *testing.B) {
	reg := benchRegistry(b)
	for _, lines := range benchSizes {
		dag := corpus.Generate(0, lines)
		for _, where := range []struct {
			name   string
			offset func(*testing.B, []byte) int
		}{{"string", editOffset}, {"comment", commentOffset}} {
			b.Run(fmt.Sprintf("%s/lines=%d", where.name, lines), func(b *testing.B) {
				off := where.offset(b, dag.Source)
				text := dag.Source
				tree := MustParse(text)
				prev := AnalyzeAfter(NewFile(text, tree.Copy(), reg), serverOptions, nil)
				b.ReportAllocs()
				i, reused, callsReused := 0, 0, 0
				for b.Loop() {
					var next *sitter.Tree
					text, next = reparseAfterEdit(b, text, tree, off, "xo"[i%2])
					res := AnalyzeAfter(NewFileAfter(text, next.Copy(), reg, prev.File), serverOptions, prev)
					if len(res.Findings) != dag.Calls {
						b.Fatalf("got %d findings, want %d", len(res.Findings), dag.Calls)
					}
					prev.File.Tree.Close()
					tree.Close()
					tree, prev = next, res
					reused += res.memo.reused
					callsReused += res.File.callsReused
					i++
				}
				b.ReportMetric(float64(reused)/float64(i), "reused/op")
				b.ReportMetric(float64(callsReused)/float64(i), "args-reused/op")
				tree.Close()
			})
		}
	}
}

// commentOffset returns the offset of a letter in the comment of the
// stage nearest to the middle of src.
func commentOffset(b *testing.B, src []byte) int {
	b.Helper()
	marker := []byte(": one pod, then a notification.")
	at := bytes.Index(src[len(src)/2:], marker)
	if at < 0 {
		b.Fatal("the generated DAG has no stage comment to edit")
	}
	return len(src)/2 + at + len(": o")
}

// BenchmarkHover measures the hover on a call's class name in a document
// that is already analysed, as the server computes it.
func BenchmarkHover(b *testing.B) {
	reg := benchRegistry(b)
	for _, lines := range benchSizes {
		dag := corpus.Generate(0, lines)
		tree := MustParse(dag.Source)
		res := Analyze(NewFile(dag.Source, tree, reg), serverOptions)
		calls := res.File.Calls()
		target := calls[len(calls)/2].CalleeStart + 1
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := res.HoverAt(target); !ok {
					b.Fatal("no hover on the middle call")
				}
			}
		})
		tree.Close()
	}
}

// BenchmarkSyntaxCopy measures copying a parsed tree into Go memory, which
// every analysis does once.
func BenchmarkSyntaxCopy(b *testing.B) {
	for _, lines := range benchSizes {
		src := corpus.Generate(0, lines).Source
		tree := MustParse(src)
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			b.ReportAllocs()
			nodes := 0
			for b.Loop() {
				nodes = len(NewSyntax(tree.RootNode()).nodes)
			}
			b.ReportMetric(float64(nodes), "nodes")
		})
	}
}
