package server

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap/zaptest"

	"github.com/airshift/airshift/analysis"
)

// eventTimeout bounds every wait for a server notification. Waits end as
// soon as the event arrives; the bound only turns a hang into a failure.
const eventTimeout = 20 * time.Second

// recordingClient is the client side of a test connection. It records what
// the server sends and wakes waiters on every notification.
type recordingClient struct {
	protocol.UnimplementedClient

	mu       sync.Mutex
	changed  chan struct{}
	diags    map[uri.URI][]*protocol.PublishDiagnosticsParams
	messages []string
	applied  []protocol.WorkspaceEdit
}

func newRecordingClient() *recordingClient {
	return &recordingClient{changed: make(chan struct{}), diags: map[uri.URI][]*protocol.PublishDiagnosticsParams{}}
}

// notifyLocked wakes every waiter. Precondition: c.mu is held.
func (c *recordingClient) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *recordingClient) PublishDiagnostics(_ context.Context, p *protocol.PublishDiagnosticsParams) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.diags[p.URI] = append(c.diags[p.URI], p)
	c.notifyLocked()
	return nil
}

func (c *recordingClient) ShowMessage(_ context.Context, p *protocol.ShowMessageParams) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.messages = append(c.messages, p.Message)
	c.notifyLocked()
	return nil
}

func (c *recordingClient) LogMessage(context.Context, *protocol.LogMessageParams) error { return nil }

func (c *recordingClient) ApplyEdit(_ context.Context, p *protocol.ApplyWorkspaceEditParams) (*protocol.ApplyWorkspaceEditResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.applied = append(c.applied, p.Edit)
	c.notifyLocked()
	return &protocol.ApplyWorkspaceEditResult{Applied: true}, nil
}

// waitFor blocks until cond, evaluated under the lock, holds.
func (c *recordingClient) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(eventTimeout)
	for {
		c.mu.Lock()
		ok := cond()
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// harness is a real server on one end of a pipe and a protocol client on
// the other.
type harness struct {
	t      *testing.T
	server protocol.Server
	// impl is the server under test, for checks of its internal state.
	impl   *Server
	client *recordingClient
	conn   jsonrpc2.Conn
	done   chan error
	// runErr is what Run returned, once done has delivered it.
	runErr  error
	stopped bool
	utf8    bool
	ctx     context.Context
}

func startServer(t *testing.T, opts Options) *harness {
	t.Helper()
	serverEnd, clientEnd := net.Pipe()
	if opts.Logger == nil {
		opts.Logger = zaptest.NewLogger(t)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, client: newRecordingClient(), done: make(chan error, 1)}
	srv, err := newServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.impl = srv
	go func() { h.done <- srv.serve(ctx, serverEnd) }()
	h.ctx, h.conn, h.server = protocol.NewClient(ctx, h.client, jsonrpc2.NewStream(clientEnd))
	t.Cleanup(func() {
		cancel()
		_ = h.conn.Close()
		_ = h.wait()
	})
	return h
}

// wait returns what Run returned, waiting for it to return.
func (h *harness) wait() error {
	if h.stopped {
		return h.runErr
	}
	select {
	case h.runErr = <-h.done:
		h.stopped = true
	case <-time.After(eventTimeout):
		h.t.Errorf("server did not stop")
	}
	return h.runErr
}

// initialize sends initialize and initialized; encodings lists what the
// client offers, as general.positionEncodings.
func (h *harness) initialize(root string, encodings []protocol.PositionEncodingKind, options any) *protocol.InitializeResult {
	h.t.Helper()
	params := &protocol.InitializeParams{}
	if root != "" {
		u := uri.File(root)
		params.RootURI = &u
	}
	if encodings != nil {
		params.Capabilities.General = &protocol.GeneralClientCapabilities{PositionEncodings: encodings}
	}
	if options != nil {
		data, err := json.Marshal(options)
		if err != nil {
			h.t.Fatal(err)
		}
		params.InitializationOptions = data
	}
	res, err := h.server.Initialize(h.ctx, params)
	if err != nil {
		h.t.Fatalf("initialize: %v", err)
	}
	h.utf8 = res.Capabilities.PositionEncoding == protocol.PositionEncodingKindUTF8
	if err := h.server.Initialized(h.ctx, &protocol.InitializedParams{}); err != nil {
		h.t.Fatalf("initialized: %v", err)
	}
	return res
}

func (h *harness) open(path, text string) uri.URI {
	h.t.Helper()
	u := uri.File(path)
	err := h.server.DidOpen(h.ctx, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: "python", Version: 1, Text: text,
	}})
	if err != nil {
		h.t.Fatalf("didOpen: %v", err)
	}
	return u
}

// diagnosticsFor waits for a publish for u computed from version, and
// returns it.
func (h *harness) diagnosticsFor(u uri.URI, version int32) *protocol.PublishDiagnosticsParams {
	h.t.Helper()
	var found *protocol.PublishDiagnosticsParams
	h.client.waitFor(h.t, "diagnostics for version "+strconv.Itoa(int(version)), func() bool {
		for _, p := range h.client.diags[u] {
			if v, ok := p.Version.Get(); ok && v == version {
				found = p
			}
		}
		return found != nil
	})
	return found
}

// readFixture returns a file from testdata/dags.
func readFixture(t *testing.T, name string) (string, string) {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "testdata", "dags", name))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, string(data)
}

// clientOffset converts a position to a byte offset the way an editor
// does, independently of the server's mapper: it walks the line's runes and
// counts UTF-16 units, or bytes when UTF-8 was negotiated.
func clientOffset(t *testing.T, text string, p protocol.Position, utf8Encoding bool) int {
	t.Helper()
	lines := strings.SplitAfter(text, "\n")
	if int(p.Line) > len(lines) {
		t.Fatalf("position line %d is past the text's %d lines", p.Line, len(lines))
	}
	off := 0
	for i := 0; i < int(p.Line); i++ {
		off += len(lines[i])
	}
	if int(p.Line) == len(lines) {
		return off
	}
	line := strings.TrimRight(lines[p.Line], "\r\n")
	if utf8Encoding {
		if int(p.Character) > len(line) {
			t.Fatalf("character %d is past the end of line %d", p.Character, p.Line)
		}
		return off + int(p.Character)
	}
	units := 0
	for i, r := range line {
		if units == int(p.Character) {
			return off + i
		}
		units += len(utf16.Encode([]rune{r}))
	}
	if units != int(p.Character) {
		t.Fatalf("character %d does not fall on a character boundary of line %d", p.Character, p.Line)
	}
	return off + len(line)
}

func (h *harness) textAt(text string, r protocol.Range) string {
	h.t.Helper()
	start := clientOffset(h.t, text, r.Start, h.utf8)
	end := clientOffset(h.t, text, r.End, h.utf8)
	if !utf8.ValidString(text[start:end]) {
		h.t.Fatalf("range %v cuts a character", r)
	}
	return text[start:end]
}

// applyEdits applies text edits the way a client does and returns the new
// text and the equivalent incremental changes, last edit first so that
// every range stays valid against the text it is applied to.
func (h *harness) applyEdits(text string, edits []protocol.TextEdit) (string, []protocol.TextDocumentContentChangeEvent) {
	h.t.Helper()
	sorted := append([]protocol.TextEdit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return clientOffset(h.t, text, sorted[i].Range.Start, h.utf8) > clientOffset(h.t, text, sorted[j].Range.Start, h.utf8)
	})
	var changes []protocol.TextDocumentContentChangeEvent
	for _, e := range sorted {
		start := clientOffset(h.t, text, e.Range.Start, h.utf8)
		end := clientOffset(h.t, text, e.Range.End, h.utf8)
		text = text[:start] + e.NewText + text[end:]
		changes = append(changes, &protocol.TextDocumentContentChangePartial{Range: e.Range, Text: e.NewText})
	}
	return text, changes
}

// serverSnapshot reaches into the server for its stored snapshot; tests of
// the document store use it after waiting for a diagnostics publish.
func (h *harness) serverSnapshot(u uri.URI) *snapshot {
	h.t.Helper()
	snap := h.impl.docs.get(u)
	if snap == nil {
		h.t.Fatalf("%s is not open on the server", u)
	}
	return snap
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func analysisTree(t *testing.T, text []byte) string {
	t.Helper()
	tree := analysis.MustParse(text)
	defer tree.Close()
	return tree.RootNode().String()
}
