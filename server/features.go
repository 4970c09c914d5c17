package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/analysis/deployfiles"
)

// commandFixAll applies every safe rewrite in one document; its argument is
// the document URI.
const commandFixAll = "airshift.fixAll"

// commandWriteDeployment writes the prefect.yaml entry and base job
// template of one rewrite into the workspace root. Its arguments are the
// document URI, the document version and the finding's start offset.
const commandWriteDeployment = "airshift.writeDeployment"

// Hover shows the mapping of the operator under the cursor.
func (s *Server) Hover(ctx context.Context, params *protocol.HoverParams) (*protocol.Hover, error) {
	snap := s.docs.get(params.TextDocument.URI)
	if snap == nil {
		return nil, fmt.Errorf("%w: %s is not open", jsonrpc2.ErrInvalidParams, params.TextDocument.URI)
	}
	off, err := snap.mapper.offset(params.Position)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", jsonrpc2.ErrInvalidParams, err)
	}
	h, ok := s.analyze(snap).HoverAt(off)
	if !ok {
		// No operator here: an empty result, not an error.
		return nil, nil
	}
	r := snap.mapper.rangeOf(h.Start, h.End)
	s.mu.Lock()
	kind := s.hoverKind
	s.mu.Unlock()
	return &protocol.Hover{
		Contents: &protocol.MarkupContent{Kind: kind, Value: h.Markdown},
		Range:    &r,
	}, nil
}

// fixAllData is the data of a source.fixAll action that is resolved later.
type fixAllData struct {
	URI     uri.URI `json:"uri"`
	Version int32   `json:"version"`
}

// CodeAction returns the rewrites for the findings the client points at.
// It matches the client's diagnostics to the server's own by rule code and
// line and takes every range from the server's copy, because some clients
// (Neovim 0.7) send diagnostics back with byte columns.
func (s *Server) CodeAction(ctx context.Context, params *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
	u := params.TextDocument.URI
	snap := s.docs.get(u)
	if snap == nil {
		return nil, fmt.Errorf("%w: %s is not open", jsonrpc2.ErrInvalidParams, u)
	}
	result := s.analyze(snap)
	if pub := s.diags.lastPublished(u); pub != nil && pub.version == snap.version && pub.result != nil {
		result = pub.result
	}
	startLine, endLine := int(params.Range.Start.Line), int(params.Range.End.Line)
	if endLine < startLine {
		return nil, fmt.Errorf("%w: range end line %d is before start line %d", jsonrpc2.ErrInvalidParams, endLine, startLine)
	}

	var actions []protocol.CommandOrCodeAction
	wantQuickFix := kindWanted(params.Context.Only, protocol.CodeActionKindQuickFix)
	for _, fd := range s.selectFindings(snap, result, params) {
		if !wantQuickFix {
			break
		}
		diag := s.toDiagnostic(snap, fd)
		for _, fx := range fd.Fixes {
			// NOTE: the diagnostic was published before this check, so it
			// may mention a fix that is dropped here.
			if err := analysis.CheckFix(result.File, &fx); err != nil {
				s.log.Warn("dropped a rewrite", zap.String("uri", string(u)), zap.Int32("version", snap.version),
					zap.String("rule", fd.Rule), zap.Int("offset", fd.Start), zap.Error(err))
				continue
			}
			kind := protocol.CodeActionKindQuickFix
			preferred := fx.Preferred
			actions = append(actions, &protocol.CodeAction{
				Title:       fx.Title,
				Kind:        &kind,
				Diagnostics: []protocol.Diagnostic{diag},
				IsPreferred: &preferred,
				Edit:        s.workspaceEdit(snap, fx.Edits),
			})
			if fx.Deployment != nil {
				kind := protocol.CodeActionKindQuickFix
				actions = append(actions, &protocol.CodeAction{
					Title:       fmt.Sprintf("Write the prefect.yaml deployment %q to the workspace", fx.Deployment.Name),
					Kind:        &kind,
					Diagnostics: []protocol.Diagnostic{diag},
					Command: protocol.Command{
						Title:     "Write prefect.yaml deployment",
						Command:   commandWriteDeployment,
						Arguments: []protocol.LSPAny{rawJSON(snap.uri), rawJSON(snap.version), rawJSON(fd.Start)},
					},
				})
			}
		}
	}
	unsafe := s.unsafeFixes()
	if kindWanted(params.Context.Only, protocol.CodeActionKindSourceFixAll) && hasFix(result, unsafe) {
		kind := protocol.CodeActionKindSourceFixAll
		action := &protocol.CodeAction{Title: fixAllTitle(unsafe), Kind: &kind}
		s.mu.Lock()
		lazy := s.resolveEdits
		s.mu.Unlock()
		if lazy {
			action.Data = rawJSON(fixAllData{URI: u, Version: snap.version})
		} else {
			edit, err := s.fixAllEdit(ctx, snap)
			if err != nil {
				return nil, err
			}
			action.Edit = edit
		}
		actions = append(actions, action)
	}
	return actions, nil
}

// kindWanted reports whether an action of kind passes the client's "only"
// filter, which lists kinds and their parents.
func kindWanted(only []protocol.CodeActionKind, kind protocol.CodeActionKind) bool {
	if len(only) == 0 {
		// Without a filter, clients show quick fixes; fix-all is a source
		// action that editors request by kind, such as on save.
		return kind == protocol.CodeActionKindQuickFix
	}
	for _, k := range only {
		if k == kind || strings.HasPrefix(string(kind), string(k)+".") {
			return true
		}
	}
	return false
}

// hasFix reports whether result has a fix that fix-all applies: a safe
// one, or any one when unsafe fixes are on.
func hasFix(result *analysis.Result, unsafe bool) bool {
	for _, fd := range result.Findings {
		for _, fx := range fd.Fixes {
			if fx.Safety == analysis.Safe || unsafe {
				return true
			}
		}
	}
	return false
}

func fixAllTitle(unsafe bool) string {
	if unsafe {
		return "Airshift: apply all rewrites, including those that need review"
	}
	return "Airshift: apply all safe rewrites"
}

// unsafeFixes reports whether fix-all applies rewrites that need review:
// the editor setting, else the project configuration, else no.
func (s *Server) unsafeFixes() bool {
	st, _, _ := s.current()
	s.mu.Lock()
	cfg := s.config
	s.mu.Unlock()
	if st.UnsafeFixes != nil {
		return *st.UnsafeFixes
	}
	return cfg != nil && cfg.UnsafeFixes != nil && *cfg.UnsafeFixes
}

// selectFindings returns the findings a code action request refers to:
// those matching the client's diagnostics by code and line, or, when the
// client sends none of Airshift's, those on the requested lines.
func (s *Server) selectFindings(snap *snapshot, result *analysis.Result, params *protocol.CodeActionParams) []analysis.Finding {
	if result.File == nil {
		return nil
	}
	line := func(fd analysis.Finding) int { return snap.mapper.line(fd.Start) }
	var selected []analysis.Finding
	taken := map[int]bool{}
	for _, cd := range params.Context.Diagnostics {
		code, ok := cd.Code.(protocol.String)
		if !ok {
			continue
		}
		for i, fd := range result.Findings {
			if !taken[i] && fd.Rule == string(code) && line(fd) == int(cd.Range.Start.Line) {
				taken[i] = true
				selected = append(selected, fd)
			}
		}
	}
	if len(selected) > 0 {
		return selected
	}
	first, last := int(params.Range.Start.Line), int(params.Range.End.Line)
	for _, fd := range result.Findings {
		start, end := line(fd), snap.mapper.line(fd.End)
		if start <= last && end >= first {
			selected = append(selected, fd)
		}
	}
	return selected
}

func (s *Server) workspaceEdit(snap *snapshot, edits []analysis.Edit) *protocol.WorkspaceEdit {
	out := make([]protocol.TextEdit, 0, len(edits))
	for _, e := range edits {
		out = append(out, protocol.TextEdit{Range: snap.mapper.rangeOf(e.Start, e.End), NewText: e.Text})
	}
	return &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{snap.uri: out}}
}

// fixAllEdit applies every safe rewrite to the snapshot's text and returns
// the change as one edit over the lines that differ.
func (s *Server) fixAllEdit(ctx context.Context, snap *snapshot) (*protocol.WorkspaceEdit, error) {
	_, reg, _ := s.current()
	out, _, err := analysis.FixAll(ctx, snap.text, reg, s.analysisOptions(snap), s.unsafeFixes())
	if err != nil {
		return nil, err
	}
	if bytes.Equal(out, snap.text) {
		return s.workspaceEdit(snap, nil), nil
	}
	prefix := commonPrefixLen(snap.text, out)
	suffix := commonSuffixLen(snap.text[prefix:], out[prefix:])
	edit := analysis.Edit{Start: prefix, End: len(snap.text) - suffix, Text: string(out[prefix : len(out)-suffix])}
	return s.workspaceEdit(snap, []analysis.Edit{edit}), nil
}

// commonPrefixLen returns the length of the longest common prefix that
// ends on a line boundary, so the edit replaces whole lines.
func commonPrefixLen(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	if i := bytes.LastIndexByte(a[:n], '\n'); i >= 0 {
		return i + 1
	}
	return 0
}

func commonSuffixLen(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// CodeActionResolve fills in the edit of a source.fixAll action.
func (s *Server) CodeActionResolve(ctx context.Context, action *protocol.CodeAction) (*protocol.CodeAction, error) {
	var data fixAllData
	if len(action.Data) == 0 || json.Unmarshal(action.Data, &data) != nil || data.URI == "" {
		return nil, fmt.Errorf("%w: code action has no Airshift data to resolve", jsonrpc2.ErrInvalidParams)
	}
	snap := s.docs.get(data.URI)
	if snap == nil {
		return nil, fmt.Errorf("%w: %s is not open", jsonrpc2.ErrInvalidParams, data.URI)
	}
	if snap.version != data.Version {
		return nil, protocol.ErrContentModified
	}
	edit, err := s.fixAllEdit(ctx, snap)
	if err != nil {
		return nil, err
	}
	action.Edit = edit
	return action, nil
}

// ExecuteCommand runs airshift.fixAll by asking the client to apply the
// edit.
func (s *Server) ExecuteCommand(ctx context.Context, params *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
	if params.Command == commandWriteDeployment {
		return nil, s.writeDeployment(params.Arguments)
	}
	if params.Command != commandFixAll {
		return nil, fmt.Errorf("%w: unknown command %q", jsonrpc2.ErrInvalidParams, params.Command)
	}
	if len(params.Arguments) != 1 {
		return nil, fmt.Errorf("%w: %s takes one argument, the document URI", jsonrpc2.ErrInvalidParams, commandFixAll)
	}
	var u uri.URI
	if err := json.Unmarshal(params.Arguments[0], &u); err != nil {
		return nil, fmt.Errorf("%w: %s argument: %v", jsonrpc2.ErrInvalidParams, commandFixAll, err)
	}
	snap := s.docs.get(u)
	if snap == nil {
		return nil, fmt.Errorf("%w: %s is not open", jsonrpc2.ErrInvalidParams, u)
	}
	edit, err := s.fixAllEdit(ctx, snap)
	if err != nil {
		return nil, err
	}
	if len(edit.Changes[u]) == 0 {
		// Nothing safe to rewrite.
		return nil, nil
	}
	label := fixAllTitle(s.unsafeFixes())
	// The request was released with Async, so the read loop is free to
	// deliver the client's response to this call.
	res, err := s.client.ApplyEdit(ctx, &protocol.ApplyWorkspaceEditParams{Label: &label, Edit: *edit})
	if err != nil {
		return nil, fmt.Errorf("workspace/applyEdit: %w", err)
	}
	if res == nil || !res.Applied {
		return nil, fmt.Errorf("the client did not apply the edit")
	}
	return nil, nil
}

// writeDeployment runs commandWriteDeployment.
func (s *Server) writeDeployment(args []protocol.LSPAny) error {
	var u uri.URI
	var version int32
	var start int
	if len(args) != 3 || json.Unmarshal(args[0], &u) != nil || json.Unmarshal(args[1], &version) != nil || json.Unmarshal(args[2], &start) != nil {
		return fmt.Errorf("%w: %s takes the document URI, its version and the finding's offset", jsonrpc2.ErrInvalidParams, commandWriteDeployment)
	}
	snap := s.docs.get(u)
	if snap == nil {
		return fmt.Errorf("%w: %s is not open", jsonrpc2.ErrInvalidParams, u)
	}
	if snap.version != version {
		return protocol.ErrContentModified
	}
	var deployment *analysis.Deployment
	for _, fd := range s.analyze(snap).Findings {
		if fd.Start == start && len(fd.Fixes) > 0 {
			deployment = fd.Fixes[0].Deployment
		}
	}
	if deployment == nil {
		return fmt.Errorf("%w: no rewrite starts at offset %d of %s", jsonrpc2.ErrInvalidParams, start, u)
	}
	root := s.projectFolderOf(uriPath(u))
	if root == "" {
		err := fmt.Errorf("%s is outside the workspace folders, so Airshift does not write deployment files for it", u)
		s.showError("Airshift did not write the deployment: " + err.Error())
		return fmt.Errorf("%w: %v", jsonrpc2.ErrInvalidRequest, err)
	}
	changes, err := deployfiles.Plan(root, []*analysis.Deployment{deployment})
	if err != nil {
		s.showError("Airshift did not write the deployment: " + err.Error())
		return err
	}
	if err := deployfiles.Apply(changes); err != nil {
		s.showError("Airshift could not write the deployment: " + err.Error())
		return err
	}
	s.log.Info("wrote a deployment", zap.String("deployment", deployment.Name), zap.String("file", changes[len(changes)-1].Path))
	return nil
}
