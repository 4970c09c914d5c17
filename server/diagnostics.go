package server

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/airshift/airshift/analysis"
)

// diagnostics schedules analysis after edits and publishes the results.
// Each document has at most one pending run: an edit stops the timer and
// cancels the run in flight before it schedules the next one.
type diagnostics struct {
	s *Server

	// mu guards pending and published.
	mu      sync.Mutex
	pending map[uri.URI]*pendingRun
	// published holds, per document, the findings last sent to the client
	// and the version they were computed from. Code actions read ranges
	// from here, never from the client's copy.
	published map[uri.URI]*publishedSet
	stopped   bool
}

type pendingRun struct {
	timer  *time.Timer
	cancel context.CancelFunc
}

type publishedSet struct {
	version int32
	result  *analysis.Result
	snap    *snapshot
}

func newDiagnostics(s *Server) *diagnostics {
	return &diagnostics{s: s, pending: map[uri.URI]*pendingRun{}, published: map[uri.URI]*publishedSet{}}
}

// schedule analyses snap after the debounce delay and publishes the result,
// unless a newer edit arrives first.
func (d *diagnostics) schedule(snap *snapshot) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	d.cancelLocked(snap.uri)
	ctx, cancel := context.WithCancel(d.s.lifetime)
	run := &pendingRun{cancel: cancel}
	run.timer = time.AfterFunc(d.s.debounce, func() {
		// Cancelling releases ctx from the connection's context, which
		// otherwise keeps every finished run's context until it ends.
		defer cancel()
		d.run(ctx, snap)
	})
	d.pending[snap.uri] = run
}

// cancelLocked stops the pending run of u. Precondition: d.mu is held.
func (d *diagnostics) cancelLocked(u uri.URI) {
	if run := d.pending[u]; run != nil {
		run.timer.Stop()
		run.cancel()
		delete(d.pending, u)
	}
}

func (d *diagnostics) run(ctx context.Context, snap *snapshot) {
	defer func() {
		if r := recover(); r != nil {
			d.s.log.Error("diagnostics panicked", zap.String("uri", string(snap.uri)), zap.Any("panic", r))
		}
	}()
	if ctx.Err() != nil {
		return
	}
	start := time.Now()
	result := d.s.analyze(snap)
	if ctx.Err() != nil {
		return
	}
	d.mu.Lock()
	if ctx.Err() != nil || d.stopped {
		d.mu.Unlock()
		return
	}
	// A newer version may have been opened in the meantime; its own run
	// publishes, and this stale result must not overwrite it.
	if cur := d.s.docs.get(snap.uri); cur == nil || cur.version != snap.version {
		d.mu.Unlock()
		return
	}
	d.published[snap.uri] = &publishedSet{version: snap.version, result: result, snap: snap}
	delete(d.pending, snap.uri)
	d.mu.Unlock()

	d.s.mu.Lock()
	pull := d.s.pullDiags
	d.s.mu.Unlock()
	d.s.log.Debug("analysed", zap.String("uri", string(snap.uri)), zap.Int32("version", snap.version),
		zap.Int("findings", len(result.Findings)), zap.Duration("duration", time.Since(start)))
	if pull {
		return
	}
	d.publish(snap.uri, snap.version, d.s.toDiagnostics(snap, result))
}

func (d *diagnostics) publish(u uri.URI, version int32, diags []protocol.Diagnostic) {
	params := &protocol.PublishDiagnosticsParams{URI: u, Diagnostics: diags}
	if version >= 0 {
		params.Version = protocol.NewOptional(version)
	}
	if err := d.s.client.PublishDiagnostics(d.s.lifetime, params); err != nil {
		d.s.log.Warn("publishing diagnostics failed", zap.String("uri", string(u)), zap.Error(err))
	}
}

// clear removes u's state and publishes an empty list, as a closed document must
// show no diagnostics.
func (d *diagnostics) clear(u uri.URI) {
	d.mu.Lock()
	d.cancelLocked(u)
	delete(d.published, u)
	d.mu.Unlock()
	d.publish(u, -1, []protocol.Diagnostic{})
}

// forgetResult drops the published analysis of snap, if it is the one
// last published for its document. CodeAction then analyses again.
func (d *diagnostics) forgetResult(snap *snapshot) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if pub := d.published[snap.uri]; pub != nil && pub.snap == snap {
		pub.result = nil
	}
}

// lastPublished returns what was last published for u.
func (d *diagnostics) lastPublished(u uri.URI) *publishedSet {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.published[u]
}

func (d *diagnostics) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	for u := range d.pending {
		d.cancelLocked(u)
	}
}

// toDiagnostics converts findings to protocol diagnostics.
func (s *Server) toDiagnostics(snap *snapshot, result *analysis.Result) []protocol.Diagnostic {
	out := make([]protocol.Diagnostic, 0, len(result.Findings))
	for _, fd := range result.Findings {
		out = append(out, s.toDiagnostic(snap, fd))
	}
	return out
}

func (s *Server) toDiagnostic(snap *snapshot, fd analysis.Finding) protocol.Diagnostic {
	m := snap.mapper
	msg := fd.Message
	if fd.NoFixReason != "" {
		msg += " (no automatic fix: " + fd.NoFixReason + ")"
	} else if len(fd.Fixes) > 0 && fd.Fixes[0].Safety != analysis.Safe {
		msg += " (fix needs review: " + strings.Join(fd.Fixes[0].Reasons, "; ") + ")"
	}
	d := protocol.Diagnostic{
		Range:    m.rangeOf(fd.Start, fd.End),
		Severity: protocol.DiagnosticSeverityWarning,
		Code:     protocol.String(fd.Rule),
		Source:   protocol.NewOptional("airshift"),
		Message:  protocol.String(msg),
	}
	for _, rel := range fd.Related {
		d.RelatedInformation = append(d.RelatedInformation, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: snap.uri, Range: m.rangeOf(rel.Start, rel.End)},
			Message:  rel.Message,
		})
	}
	return d
}

// Diagnostic returns the findings of the current text for a pull request.
func (s *Server) Diagnostic(ctx context.Context, params *protocol.DocumentDiagnosticParams) (protocol.DocumentDiagnosticReport, error) {
	snap := s.docs.get(params.TextDocument.URI)
	if snap == nil {
		return &protocol.RelatedFullDocumentDiagnosticReport{FullDocumentDiagnosticReport: protocol.FullDocumentDiagnosticReport{Kind: "full", Items: []protocol.Diagnostic{}}}, nil
	}
	result := s.analyze(snap)
	d := s.diags
	d.mu.Lock()
	d.published[snap.uri] = &publishedSet{version: snap.version, result: result, snap: snap}
	d.mu.Unlock()
	return &protocol.RelatedFullDocumentDiagnosticReport{FullDocumentDiagnosticReport: protocol.FullDocumentDiagnosticReport{
		Kind: "full", Items: s.toDiagnostics(snap, result),
	}}, nil
}

func (s *Server) showError(message string) {
	if s.client == nil {
		return
	}
	err := s.client.ShowMessage(s.lifetime, &protocol.ShowMessageParams{Type: protocol.MessageTypeError, Message: message})
	if err != nil {
		s.log.Warn("showMessage failed", zap.Error(err))
	}
}
