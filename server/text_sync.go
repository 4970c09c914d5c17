package server

import (
	"context"
	"fmt"

	"go.lsp.dev/protocol"
	"go.uber.org/zap"

	"github.com/airshift/airshift/analysis"
)

// maxDocumentBytes bounds the documents the server parses. Larger files
// are kept in sync but not analysed, and the user gets a message saying so. DAG files are
// far smaller, and analysis time and memory grow with the size, so the bound
// keeps typing responsive.
const maxDocumentBytes = 2 << 20

// DidOpen parses the document and schedules its diagnostics.
func (s *Server) DidOpen(ctx context.Context, params *protocol.DidOpenTextDocumentParams) error {
	doc := params.TextDocument
	_, _, utf8 := s.current()
	text := []byte(doc.Text)
	var snap *snapshot
	if len(text) > maxDocumentBytes {
		snap = &snapshot{uri: doc.URI, version: doc.Version, text: text, mapper: newMapper(text, nil, utf8)}
		s.showError(fmt.Sprintf("Airshift skips %s: it is %.1f MB, above the %d MB limit for analysis.", doc.URI, float64(len(text))/(1<<20), maxDocumentBytes>>20))
	} else {
		var err error
		snap, err = open(s.lifetime, doc.URI, doc.Version, text, utf8)
		if err != nil {
			return fmt.Errorf("parsing %s: %w", doc.URI, err)
		}
	}
	s.reloadConfigIfChanged()
	s.docs.set(snap)
	s.log.Debug("opened", zap.String("uri", string(doc.URI)), zap.Int32("version", doc.Version), zap.Int("bytes", len(text)))
	s.diags.schedule(snap)
	return nil
}

// DidChange applies the changes in order and schedules diagnostics. A
// change whose version is not newer than the stored one is dropped: it was
// already applied or arrived out of order.
func (s *Server) DidChange(ctx context.Context, params *protocol.DidChangeTextDocumentParams) error {
	u := params.TextDocument.URI
	version := params.TextDocument.Version
	prev := s.docs.get(u)
	if prev == nil {
		return fmt.Errorf("didChange for %s, which is not open", u)
	}
	if version <= prev.version {
		s.log.Debug("dropped stale change", zap.String("uri", string(u)), zap.Int32("version", version), zap.Int32("stored_version", prev.version))
		return nil
	}
	_, _, utf8 := s.current()
	var next *snapshot
	var err error
	if prev.tree == nil {
		next, err = applyTextOnly(prev, version, params.ContentChanges, utf8)
	} else {
		next, err = applyChanges(s.lifetime, prev, version, params.ContentChanges, utf8)
	}
	if err != nil {
		s.showError(fmt.Sprintf("Airshift lost track of %s (%v); close and reopen the file.", u, err))
		return fmt.Errorf("applying version %d of %s: %w", version, u, err)
	}
	if len(next.text) > maxDocumentBytes {
		next.tree = nil
	} else if next.tree == nil {
		next.tree, err = analysis.Parse(s.lifetime, next.text, nil)
		if err != nil {
			return err
		}
	}
	s.docs.set(next)
	s.reloadConfigIfChanged()
	s.diags.schedule(next)
	return nil
}

// applyTextOnly applies changes to a document kept without a tree.
func applyTextOnly(prev *snapshot, version int32, changes []protocol.TextDocumentContentChangeEvent, utf8 bool) (*snapshot, error) {
	text := prev.text
	m := prev.mapper
	for i, change := range changes {
		switch c := change.(type) {
		case *protocol.TextDocumentContentChangeWholeDocument:
			text = []byte(c.Text)
		case *protocol.TextDocumentContentChangePartial:
			start, end, err := m.byteRange(c.Range)
			if err != nil {
				return nil, fmt.Errorf("change %d: %w", i, err)
			}
			next := make([]byte, 0, len(text)-(end-start)+len(c.Text))
			next = append(append(append(next, text[:start]...), c.Text...), text[end:]...)
			text = next
		default:
			return nil, fmt.Errorf("change %d has an unknown shape", i)
		}
		m = newMapper(text, nil, utf8)
	}
	return &snapshot{uri: prev.uri, version: version, text: text, mapper: m}, nil
}

// DidClose removes the document and clears its diagnostics.
func (s *Server) DidClose(ctx context.Context, params *protocol.DidCloseTextDocumentParams) error {
	s.docs.remove(params.TextDocument.URI)
	s.diags.clear(params.TextDocument.URI)
	return nil
}

// DidChangeConfiguration applies new settings and re-checks open documents.
// Keys the change leaves out keep their values, because some clients
// (eglot) send an empty object right after they connect.
func (s *Server) DidChangeConfiguration(ctx context.Context, params *protocol.DidChangeConfigurationParams) error {
	st, _, _ := s.current()
	if len(params.Settings) > 0 && string(params.Settings) != "null" {
		if err := st.decode(params.Settings); err != nil {
			s.log.Warn("some settings were skipped", zap.Error(err))
			s.showError("Airshift skipped settings: " + err.Error())
		}
	}
	s.applySettings(st)
	for _, snap := range s.docs.all() {
		s.diags.schedule(snap)
	}
	return nil
}
