package server

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/mappings"
)

// snapshot is one version of an open document. Its text and tree never
// change. The analysis is computed under mu, because tree-sitter nodes are
// not safe for concurrent use, and once per registry unless dropResult
// frees it.
type snapshot struct {
	uri     uri.URI
	version int32
	text    []byte
	tree    *sitter.Tree

	// mu guards the fields below and every use of tree's nodes.
	mu       sync.Mutex
	result   *analysis.Result
	registry *mappings.Registry
	mapper   *mapper
	// base is the previous version's analysis, whose rewrites the first
	// analysis of this version may reuse.
	base *analysis.Result
}

// analyze returns the analysis of the snapshot for reg, computing it on
// first use.
func (s *snapshot) analyze(reg *mappings.Registry, opts analysis.Options) *analysis.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.result != nil && s.registry == reg {
		return s.result
	}
	if s.tree == nil {
		// Too large to parse: the document is kept in sync only.
		s.result, s.registry = &analysis.Result{}, reg
		return s.result
	}
	// The file gets its own reference to the tree, so that a dropped
	// result frees nothing that s.tree needs for the next incremental
	// parse.
	var prevFile *analysis.File
	if s.base != nil {
		prevFile = s.base.File
	}
	f := analysis.NewFileAfter(s.text, s.tree.Copy(), reg, prevFile)
	s.result = analysis.AnalyzeAfter(f, opts, s.base)
	s.registry = reg
	s.base = nil
	return s.result
}

// reusable returns the latest analysis of this version or of the ones
// before it, for the next version to reuse. It returns nil rather than wait
// for an analysis in progress.
func (s *snapshot) reusable() *analysis.Result {
	if !s.mu.TryLock() {
		return nil
	}
	defer s.mu.Unlock()
	if s.result != nil && s.result.File != nil {
		return s.result
	}
	return s.base
}

// dropResult discards the analysis, which the next analyze recomputes.
func (s *snapshot) dropResult() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.result, s.registry, s.base = nil, nil, nil
}

// maxAnalysed is the number of snapshots whose analysis stays in memory.
// Hover or a code action on a document outside the most recent ones
// analyses it again, about 3 ms for a 300-line DAG with 12 calls on the
// 2-core machine in docs/benchmarks.md (AnalyzeFull/server).
const maxAnalysed = 32

// documents holds the latest snapshot of every open document.
type documents struct {
	// mu guards byURI and analysed; snapshots themselves are immutable.
	mu    sync.Mutex
	byURI map[uri.URI]*snapshot
	// analysed lists the snapshots that keep their analysis, most
	// recently analysed first, at most one per document.
	analysed []*snapshot
}

func newDocuments() *documents {
	return &documents{byURI: map[uri.URI]*snapshot{}}
}

func (d *documents) get(u uri.URI) *snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.byURI[u]
}

func (d *documents) all() []*snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*snapshot, 0, len(d.byURI))
	for _, s := range d.byURI {
		out = append(out, s)
	}
	return out
}

func (d *documents) set(s *snapshot) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.byURI[s.uri] = s
}

// keepAnalysed moves s to the front of the analysed snapshots and returns
// the ones that must drop their analysis: older snapshots of the same
// document and those beyond maxAnalysed.
func (d *documents) keepAnalysed(s *snapshot) []*snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	var evicted []*snapshot
	kept := append(make([]*snapshot, 0, len(d.analysed)+1), s)
	for _, other := range d.analysed {
		switch {
		case other == s:
		case other.uri == s.uri || len(kept) == maxAnalysed:
			evicted = append(evicted, other)
		default:
			kept = append(kept, other)
		}
	}
	d.analysed = kept
	return evicted
}

func (d *documents) remove(u uri.URI) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.byURI, u)
}

// open parses a document's first version.
func open(ctx context.Context, u uri.URI, version int32, text []byte, utf8 bool) (*snapshot, error) {
	tree, err := analysis.Parse(ctx, text, nil)
	if err != nil {
		return nil, err
	}
	return &snapshot{uri: u, version: version, text: text, tree: tree, mapper: newMapper(text, nil, utf8)}, nil
}

// applyChanges returns the next snapshot after the client's content changes,
// reparsing incrementally from the previous tree. Ranges are read in the
// encoding negotiated at initialize, each against the text that the changes
// before it produced.
func applyChanges(ctx context.Context, prev *snapshot, version int32, changes []protocol.TextDocumentContentChangeEvent, utf8 bool) (*snapshot, error) {
	text := prev.text
	m := prev.mapper
	base := prev.tree.Copy()
	for i, change := range changes {
		switch c := change.(type) {
		case *protocol.TextDocumentContentChangeWholeDocument:
			text = []byte(c.Text)
			base = nil
		case *protocol.TextDocumentContentChangePartial:
			start, end, err := m.byteRange(c.Range)
			if err != nil {
				return nil, fmt.Errorf("change %d: %w", i, err)
			}
			next := make([]byte, 0, len(text)-(end-start)+len(c.Text))
			next = append(next, text[:start]...)
			next = append(next, c.Text...)
			next = append(next, text[end:]...)
			if base != nil {
				base.Edit(sitter.EditInput{
					StartIndex:  uint32(start),
					OldEndIndex: uint32(end),
					NewEndIndex: uint32(start + len(c.Text)),
					StartPoint:  m.point(start),
					OldEndPoint: m.point(end),
					NewEndPoint: pointAfter(m.point(start), c.Text),
				})
			}
			text = next
		default:
			return nil, fmt.Errorf("change %d has an unknown shape", i)
		}
		m = newMapper(text, nil, utf8)
	}
	tree, err := analysis.Parse(ctx, text, base)
	if err != nil {
		return nil, err
	}
	return &snapshot{uri: prev.uri, version: version, text: text, tree: tree, mapper: m, base: prev.reusable()}, nil
}

// point returns the tree-sitter point (row and byte column) of offset.
// Tree-sitter rows end at "\n" only, so a text with a lone "\r" counts them
// apart from the LSP lines.
func (m *mapper) point(off int) sitter.Point {
	if m.loneCR {
		row := bytes.Count(m.text[:off], []byte{'\n'})
		return sitter.Point{Row: uint32(row), Column: uint32(off - (bytes.LastIndexByte(m.text[:off], '\n') + 1))}
	}
	line := m.line(off)
	return sitter.Point{Row: uint32(line), Column: uint32(off - m.lineStarts[line])}
}

// pointAfter returns the point where inserted text ends when it starts at p.
func pointAfter(p sitter.Point, inserted string) sitter.Point {
	last := strings.LastIndexByte(inserted, '\n')
	if last < 0 {
		return sitter.Point{Row: p.Row, Column: p.Column + uint32(len(inserted))}
	}
	return sitter.Point{Row: p.Row + uint32(strings.Count(inserted, "\n")), Column: uint32(len(inserted) - last - 1)}
}
