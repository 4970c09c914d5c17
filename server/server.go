// Package server is Airshift's language server: the LSP lifecycle, the
// document store, diagnostics, hover and code actions. It speaks protocol
// types and hands byte offsets to the analysis package.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/analysis/config"
	"github.com/airshift/airshift/analysis/deployfiles"
	"github.com/airshift/airshift/mappings"
)

// Options configure a server before it starts.
type Options struct {
	Logger *zap.Logger
	// Mappings are extra mapping paths from the command line; settings from
	// the client add to them.
	Mappings []string
	Version  string
	// WorkPool is the work pool named in rewrites unless a setting names one.
	WorkPool string
	// Debounce is the delay between an edit and its diagnostics. Zero
	// selects DefaultDebounce.
	Debounce time.Duration
}

// DefaultDebounce is the delay between an edit and its analysis. Changes
// that arrive within it, such as the several edits of an undo, a paste or a
// multi-cursor change, cost one analysis. 30 ms stays well below the delay
// a person notices.
const DefaultDebounce = 30 * time.Millisecond

// Server implements protocol.Server for Airshift.
type Server struct {
	protocol.UnimplementedServer

	log      *zap.Logger
	opts     Options
	conn     jsonrpc2.Conn
	client   protocol.Client
	docs     *documents
	debounce time.Duration
	// lifetime is the connection-lifetime context for background work.
	lifetime context.Context

	// state is one of stateNew, stateRunning, stateShutDown.
	state atomic.Int32
	// exited is closed when the client sends exit.
	exited   chan struct{}
	exitOnce sync.Once

	// mu guards the fields below, which initialize and configuration
	// changes write.
	mu           sync.Mutex
	utf8         bool
	pullDiags    bool
	resolveEdits bool
	// folders are the workspace folders' paths.
	folders []string
	// hoverKind is Markdown unless the client's hover takes plain text only.
	hoverKind protocol.MarkupKind
	root      string
	settings  settings
	registry  *mappings.Registry
	// config is the workspace's [tool.airshift] configuration, or nil, and
	// configStamp the version of its file that was read.
	config      *config.Config
	configStamp string

	diags *diagnostics
}

const (
	stateNew int32 = iota
	stateRunning
	stateShutDown
)

// Run serves the protocol on rwc until the client sends exit or the stream
// closes. It returns nil after a shutdown request and an exit notification,
// and an error when the client went away or exited without shutting down.
func Run(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	s, err := newServer(opts)
	if err != nil {
		return err
	}
	return s.serve(ctx, rwc)
}

func newServer(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	s := &Server{log: opts.Logger, opts: opts, docs: newDocuments(), debounce: opts.Debounce}
	if s.debounce == 0 {
		s.debounce = DefaultDebounce
	}
	reg, err := mappings.Load(opts.Mappings)
	if reg == nil {
		return nil, err
	}
	if err != nil {
		s.log.Warn("some mapping documents failed to load", zap.Error(err))
	}
	s.registry = reg
	return s, nil
}

func (s *Server) serve(ctx context.Context, rwc io.ReadWriteCloser) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.lifetime = ctx
	s.diags = newDiagnostics(s)

	stream := tolerantStream{Stream: jsonrpc2.NewStream(rwc), log: s.log, closed: cancel}
	s.conn = jsonrpc2.NewConn(stream, jsonrpc2.WithCodec(lspCodec{}))
	s.client = protocol.ClientDispatcher(s.conn)
	s.exited = make(chan struct{})
	cancelHandler := protocol.CancelHandler(s.handle)
	s.conn.Go(ctx, func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		// A malformed $/cancelRequest fails inside the protocol package,
		// before s.handle can log it; a notification's error would close
		// the connection.
		isCall := req.IsCall()
		result, err := cancelHandler(ctx, req)
		if err != nil && !isCall {
			s.log.Warn("notification failed", zap.Error(err))
			return nil, nil
		}
		return result, err
	})
	s.log.Info("airshift language server started", zap.String("version", s.opts.Version))
	select {
	case <-s.conn.Done():
	case <-s.exited:
		// Close waits for the read loop, which a client that keeps stdin
		// open after exit would block forever, so Run returns without it.
		go func() { _ = s.conn.Close() }()
	case <-ctx.Done():
		_ = s.conn.Close()
		<-s.conn.Done()
	}
	s.diags.stop()
	clean := s.state.Load() == stateShutDown
	s.log.Info("airshift language server stopped", zap.Bool("after_shutdown", clean))
	if !clean {
		return errors.New("the client exited or disconnected without a shutdown request")
	}
	return nil
}

// lspCodec marshals messages with the protocol package's union-aware JSON,
// which its own codec does as well but does not export.
type lspCodec struct{}

func (lspCodec) Marshal(v any) ([]byte, error)      { return protocol.Marshal(v) }
func (lspCodec) Unmarshal(data []byte, v any) error { return protocol.Unmarshal(data, v) }

// handle runs notifications inline, in the order they arrive, so that edits
// apply in sequence, and releases requests to run concurrently. It keeps the
// connection alive: a panic becomes an internal error for a request and a
// log line for a notification, and a notification never returns an error,
// because either would close the connection.
func (s *Server) handle(ctx context.Context, req *jsonrpc2.Request) (result any, err error) {
	isCall := req.IsCall()
	if isCall {
		// Async clones the request, which until then borrows the read
		// buffer that the next message overwrites.
		jsonrpc2.Async(ctx)
	}
	method := strings.Clone(req.Method())
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("handler panicked", zap.String("method", method), zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			result = nil
			err = nil
			if isCall {
				err = fmt.Errorf("%w: %s failed inside the server; see its log", jsonrpc2.ErrInternal, method)
			}
		}
		if !isCall && err != nil {
			s.log.Warn("notification failed", zap.String("method", method), zap.Error(err))
			err = nil
		}
		if isCall && err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, jsonrpc2.ErrMethodNotFound) {
			s.log.Warn("request failed", zap.String("method", method), zap.Error(err))
		}
		if isCall && err != nil {
			err = wireError(ctx, err)
		}
		s.log.Debug("handled", zap.String("method", method), zap.Duration("duration", time.Since(start)))
	}()

	switch s.state.Load() {
	case stateNew:
		if method == protocol.MethodExit {
			break
		}
		if method != protocol.MethodInitialize {
			if isCall {
				return nil, jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, "the server is not initialized; send initialize first")
			}
			return nil, nil
		}
	case stateRunning:
		if method == protocol.MethodInitialize {
			return nil, fmt.Errorf("%w: initialize was already sent", jsonrpc2.ErrInvalidRequest)
		}
	case stateShutDown:
		if method != protocol.MethodExit && isCall {
			return nil, fmt.Errorf("%w: the server is shut down; only exit is accepted", jsonrpc2.ErrInvalidRequest)
		}
	}
	return protocol.ServerHandler(s, nil)(ctx, req)
}

// wireError gives a request's error the code that clients act on. A
// cancelled request gets RequestCancelled, as the LSP specification advises,
// and an error without a JSON-RPC code gets InternalError, because the
// jsonrpc2 package would send it with code 0.
func wireError(ctx context.Context, err error) error {
	var coded *jsonrpc2.Error
	switch {
	case ctx.Err() != nil:
		return protocol.ErrRequestCancelled
	case errors.As(err, &coded):
		return err
	}
	return fmt.Errorf("%w: %v", jsonrpc2.ErrInternal, err)
}

// Initialize records what the client supports and returns the server's
// capabilities.
func (s *Server) Initialize(ctx context.Context, params *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	caps := params.Capabilities
	utf8 := false
	if caps.General != nil {
		for _, enc := range caps.General.PositionEncodings {
			if enc == protocol.PositionEncodingKindUTF8 {
				utf8 = true
			}
		}
	}
	pull := caps.TextDocument != nil && caps.TextDocument.Diagnostic != nil
	resolve := false
	if caps.TextDocument != nil && caps.TextDocument.CodeAction != nil {
		for _, p := range caps.TextDocument.CodeAction.ResolveSupport.Properties {
			if p == "edit" {
				resolve = true
			}
		}
	}
	hoverKind := protocol.MarkupKindMarkdown
	if caps.TextDocument != nil && caps.TextDocument.Hover != nil && len(caps.TextDocument.Hover.ContentFormat) > 0 {
		// The client lists the formats it takes, preferred first.
		hoverKind = protocol.MarkupKindPlainText
		for _, format := range caps.TextDocument.Hover.ContentFormat {
			if format == protocol.MarkupKindMarkdown {
				hoverKind = protocol.MarkupKindMarkdown
			}
		}
	}
	root := rootPath(params)
	var st settings
	if len(params.InitializationOptions) > 0 && string(params.InitializationOptions) != "null" {
		if err := st.decode(params.InitializationOptions); err != nil {
			s.log.Warn("some initializationOptions were skipped", zap.Error(err))
			s.showError("Airshift skipped settings: " + err.Error())
		}
	}
	s.mu.Lock()
	s.utf8, s.pullDiags, s.resolveEdits, s.root, s.hoverKind = utf8, pull, resolve, root, hoverKind
	s.folders = workspaceFolders(params)
	s.mu.Unlock()
	s.applySettings(st)
	s.state.Store(stateRunning)
	s.log.Info("initialized",
		zap.String("client", params.ClientInfo.Name), zap.Bool("utf8", utf8),
		zap.Bool("pull_diagnostics", pull), zap.String("root", root))

	encoding := protocol.PositionEncodingKindUTF16
	if utf8 {
		encoding = protocol.PositionEncodingKindUTF8
	}
	openClose := true
	change := protocol.TextDocumentSyncKindIncremental
	result := &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			PositionEncoding: encoding,
			TextDocumentSync: &protocol.TextDocumentSyncOptions{OpenClose: &openClose, Change: &change},
			HoverProvider:    protocol.Boolean(true),
			CodeActionProvider: &protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{protocol.CodeActionKindQuickFix, protocol.CodeActionKindSourceFixAll},
				ResolveProvider: &resolve,
			},
			ExecuteCommandProvider: protocol.ExecuteCommandOptions{Commands: []string{commandFixAll, commandWriteDeployment}},
		},
		ServerInfo: protocol.ServerInfo{Name: "airshift", Version: protocol.NewOptional(s.opts.Version)},
	}
	if pull {
		id := "airshift"
		result.Capabilities.DiagnosticProvider = &protocol.DiagnosticOptions{Identifier: &id}
	}
	return result, nil
}

// rootPath returns the workspace root folder: the first workspace folder,
// else rootUri, else rootPath.
// workspaceFolders returns the paths of all workspace folders, or of the
// root alone when the client names no folders.
func workspaceFolders(params *protocol.InitializeParams) []string {
	var out []string
	if folders, ok := params.WorkspaceFolders.Get(); ok {
		for _, f := range folders {
			if p := uriPath(f.URI); p != "" {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		if root := rootPath(params); root != "" {
			out = append(out, root)
		}
	}
	return out
}

// projectFolderOf returns the folder that prefect.yaml belongs in for the
// document at path: its project root inside the workspace folder holding
// it. It returns "" for a document outside every workspace folder.
func (s *Server) projectFolderOf(path string) string {
	s.mu.Lock()
	folders := s.folders
	s.mu.Unlock()
	best := ""
	for _, folder := range folders {
		if deployfiles.Contains(folder, path) && len(folder) > len(best) {
			best = folder
		}
	}
	if best == "" || path == "" {
		return ""
	}
	return deployfiles.ProjectFolder(path, best)
}

func rootPath(params *protocol.InitializeParams) string {
	if folders, ok := params.WorkspaceFolders.Get(); ok && len(folders) > 0 {
		return uriPath(folders[0].URI)
	}
	if params.RootURI != nil {
		return uriPath(*params.RootURI)
	}
	if p, ok := params.RootPath.Get(); ok {
		return p
	}
	return ""
}

func uriPath(u uri.URI) string {
	if u.Scheme() != "file" {
		return ""
	}
	return u.Path()
}

// Initialized needs no work: settings came with initialize.
func (s *Server) Initialized(context.Context, *protocol.InitializedParams) error { return nil }

// Shutdown stops background work; the process ends at exit.
func (s *Server) Shutdown(context.Context) error {
	s.state.Store(stateShutDown)
	s.diags.stop()
	return nil
}

// Exit ends Run, which closes the connection.
func (s *Server) Exit(context.Context) error {
	s.exitOnce.Do(func() { close(s.exited) })
	return nil
}

// current returns the settings and registry in effect.
func (s *Server) current() (settings, *mappings.Registry, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings, s.registry, s.utf8
}

func (s *Server) analysisOptions(snap *snapshot) analysis.Options {
	st, _, _ := s.current()
	s.mu.Lock()
	cfg := s.config
	s.mu.Unlock()
	pool := st.WorkPool
	if pool == "" && cfg != nil {
		pool = cfg.WorkPool
	}
	if pool == "" {
		pool = s.opts.WorkPool
	}
	var enabled func(string) bool
	if cfg != nil {
		path := uriPath(snap.uri)
		enabled = func(rule string) bool { return cfg.Enabled(rule, path) }
	}
	// Diagnostics need no proof that a rewrite parses, so that proof runs
	// only for the fixes a code action offers (see CodeAction).
	return analysis.Options{WorkPool: pool, Enabled: enabled, Entrypoint: entrypoint(s.projectFolderOf(uriPath(snap.uri)), uriPath(snap.uri)), DeferRewriteCheck: true}
}

// analyze returns the analysis of snap with the current registry. Only
// the maxAnalysed most recently analysed documents keep their analysis in
// memory.
func (s *Server) analyze(snap *snapshot) *analysis.Result {
	_, reg, _ := s.current()
	result := snap.analyze(reg, s.analysisOptions(snap))
	for _, old := range s.docs.keepAnalysed(snap) {
		old.dropResult()
		s.diags.forgetResult(old)
	}
	return result
}

func rawJSON(v any) protocol.LSPAny {
	data, _ := json.Marshal(v)
	return data
}
