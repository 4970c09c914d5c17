package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/airshift/airshift/testdata/bench/corpus"
)

// benchSizes are the line counts of the benchmark DAGs: a typical file and
// a large generated one.
var benchSizes = []int{300, 10000}

// publishWaiter is a client that hands each publishDiagnostics version to
// the benchmark waiting for it. It decodes only the uri and version of the
// notification: go.lsp.dev/protocol's full decoder of the diagnostics of a
// 10,000-line file allocates about 70 MB, and encoding/json takes about
// 4 ms to scan them, which would bill the client's work to the server.
type publishWaiter struct {
	mu      sync.Mutex
	waiting map[uri.URI]chan int32
}

// handle processes the server's messages: it records publishDiagnostics
// and replies to any request with a null result.
func (c *publishWaiter) handle(_ context.Context, req *jsonrpc2.Request) (any, error) {
	if req.Method() != protocol.MethodTextDocumentPublishDiagnostics {
		return nil, nil
	}
	u, version, err := uriAndVersion(req.Params())
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	ch := c.waiting[u]
	c.mu.Unlock()
	if ch != nil {
		ch <- version
	}
	return nil, nil
}

// uriAndVersion reads the uri and version of publishDiagnostics params,
// and stops reading once it has both, before the diagnostics when the
// server writes them first.
func uriAndVersion(params []byte) (uri.URI, int32, error) {
	dec := json.NewDecoder(bytes.NewReader(params))
	if _, err := dec.Token(); err != nil {
		return "", 0, err
	}
	var u uri.URI
	var version *int32
	for dec.More() && (u == "" || version == nil) {
		key, err := dec.Token()
		if err != nil {
			return "", 0, err
		}
		switch key {
		case "uri":
			err = dec.Decode(&u)
		case "version":
			err = dec.Decode(&version)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return "", 0, err
		}
	}
	if u == "" || version == nil {
		return "", 0, fmt.Errorf("publishDiagnostics without a uri and a version")
	}
	return u, *version, nil
}

// watch returns the channel that receives the published versions of u.
func (c *publishWaiter) watch(u uri.URI) chan int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan int32, 16)
	c.waiting[u] = ch
	return ch
}

// await blocks until the diagnostics of version arrive on ch.
func await(b *testing.B, ch chan int32, version int32) {
	b.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case got := <-ch:
			if got == version {
				return
			}
		case <-timeout:
			b.Fatalf("timed out waiting for the diagnostics of version %d", version)
		}
	}
}

// benchServer is a real server on one end of a pipe and a protocol client
// on the other.
type benchServer struct {
	ctx    context.Context
	server protocol.Server
	client *publishWaiter
}

// startBenchServer starts an initialized server whose debounce is one
// nanosecond, so the figures measure processing without the delay.
func startBenchServer(b *testing.B) *benchServer {
	b.Helper()
	serverEnd, clientEnd := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := newServer(Options{Logger: zap.NewNop(), Debounce: time.Nanosecond})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, serverEnd) }()
	bs := &benchServer{client: &publishWaiter{waiting: map[uri.URI]chan int32{}}}
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(clientEnd), jsonrpc2.WithCodec(lspCodec{}))
	conn.Go(ctx, bs.client.handle)
	bs.ctx, bs.server = ctx, protocol.ServerDispatcher(conn)
	b.Cleanup(func() {
		cancel()
		_ = conn.Close()
		<-done
	})
	if _, err := bs.server.Initialize(bs.ctx, &protocol.InitializeParams{}); err != nil {
		b.Fatalf("initialize: %v", err)
	}
	if err := bs.server.Initialized(bs.ctx, &protocol.InitializedParams{}); err != nil {
		b.Fatalf("initialized: %v", err)
	}
	return bs
}

// open opens text as version 1 and waits for its diagnostics.
func (bs *benchServer) open(b *testing.B, name string, text []byte) (uri.URI, chan int32) {
	b.Helper()
	u := uri.File("/bench/" + name)
	published := bs.client.watch(u)
	err := bs.server.DidOpen(bs.ctx, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: "python", Version: 1, Text: string(text),
	}})
	if err != nil {
		b.Fatalf("didOpen: %v", err)
	}
	await(b, published, 1)
	return u, published
}

// editPosition returns the line and UTF-16 column of the "o" in the
// "info" log level of the call nearest to the middle of text, the
// character that the edit benchmarks toggle.
func editPosition(b *testing.B, text []byte) protocol.Position {
	b.Helper()
	marker := []byte(`"LOG_LEVEL": "info"`)
	at := bytes.Index(text[len(text)/2:], marker)
	if at < 0 {
		b.Fatal("the generated DAG has no LOG_LEVEL value to edit")
	}
	off := len(text)/2 + at + len(marker) - 2
	line := bytes.Count(text[:off], []byte("\n"))
	column := off - (bytes.LastIndexByte(text[:off], '\n') + 1)
	return protocol.Position{Line: uint32(line), Character: uint32(column)}
}

// BenchmarkDidChangeToDiagnostics measures one keystroke end to end
// through the protocol: a didChange that replaces one character, then the
// publishDiagnostics for that version. The debounce is one nanosecond here,
// so the figure excludes DefaultDebounce.
func BenchmarkDidChangeToDiagnostics(b *testing.B) {
	for _, lines := range benchSizes {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			bs := startBenchServer(b)
			text := corpus.Generate(0, lines).Source
			u, published := bs.open(b, "dag.py", text)
			pos := editPosition(b, text)
			edit := protocol.Range{Start: pos, End: protocol.Position{Line: pos.Line, Character: pos.Character + 1}}
			version := int32(1)
			b.ReportAllocs()
			for b.Loop() {
				version++
				err := bs.server.DidChange(bs.ctx, &protocol.DidChangeTextDocumentParams{
					TextDocument: protocol.VersionedTextDocumentIdentifier{
						TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: version,
					},
					ContentChanges: []protocol.TextDocumentContentChangeEvent{
						&protocol.TextDocumentContentChangePartial{Range: edit, Text: string("xo"[version%2])},
					},
				})
				if err != nil {
					b.Fatalf("didChange: %v", err)
				}
				await(b, published, version)
			}
		})
	}
}

// BenchmarkHoverRequest measures a hover request on a call's class name in
// an analysed document, through the protocol.
func BenchmarkHoverRequest(b *testing.B) {
	for _, lines := range benchSizes {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			bs := startBenchServer(b)
			text := corpus.Generate(0, lines).Source
			u, _ := bs.open(b, "dag.py", text)
			pos := callPosition(b, text)
			params := &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
				TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: pos,
			}}
			b.ReportAllocs()
			for b.Loop() {
				h, err := bs.server.Hover(bs.ctx, params)
				if err != nil || h == nil {
					b.Fatalf("hover returned %v, %v", h, err)
				}
			}
		})
	}
}

// BenchmarkCodeActionRequest measures a code action request for the
// diagnostic of the middle call, which returns both rewrites with their
// workspace edits, through the protocol.
func BenchmarkCodeActionRequest(b *testing.B) {
	for _, lines := range benchSizes {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			bs := startBenchServer(b)
			text := corpus.Generate(0, lines).Source
			u, _ := bs.open(b, "dag.py", text)
			pos := callPosition(b, text)
			params := &protocol.CodeActionParams{
				TextDocument: protocol.TextDocumentIdentifier{URI: u},
				Range:        protocol.Range{Start: pos, End: pos},
				Context: protocol.CodeActionContext{Diagnostics: []protocol.Diagnostic{{
					Range: protocol.Range{Start: pos, End: pos}, Code: protocol.String("AS101"),
				}}},
			}
			b.ReportAllocs()
			for b.Loop() {
				actions, err := bs.server.CodeAction(bs.ctx, params)
				if err != nil {
					b.Fatalf("codeAction: %v", err)
				}
				if len(actions) == 0 {
					b.Fatal("codeAction returned no actions for the middle call")
				}
			}
		})
	}
}

// callPosition returns the position of the class name of the
// KubernetesPodOperator call nearest to the middle of text.
func callPosition(b *testing.B, text []byte) protocol.Position {
	b.Helper()
	marker := []byte("= KubernetesPodOperator(")
	at := bytes.Index(text[len(text)/2:], marker)
	if at < 0 {
		b.Fatal("the generated DAG has no KubernetesPodOperator call")
	}
	off := len(text)/2 + at + 2
	line := bytes.Count(text[:off], []byte("\n"))
	column := off - (bytes.LastIndexByte(text[:off], '\n') + 1)
	return protocol.Position{Line: uint32(line), Character: uint32(column)}
}

// emojiLine is a 400-character line in which every second character is
// outside the Basic Multilingual Plane, so it takes two UTF-16 code units
// and four UTF-8 bytes.
var emojiLine = strings.Repeat("a🚀", 200)

// BenchmarkPositionUTF16 measures the conversions between byte offsets
// and UTF-16 positions on a line full of emoji, in both directions, at
// the end of the line, where the scan is longest.
func BenchmarkPositionUTF16(b *testing.B) {
	text := []byte("x = 1\n" + emojiLine + "\ny = 2\n")
	m := newMapper(text, nil, false)
	end := 6 + len(emojiLine)
	want := protocol.Position{Line: 1, Character: uint32(3 * 200)}
	b.Run("offset-to-position", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got := m.position(end); got != want {
				b.Fatalf("position(%d) = %v, want %v", end, got, want)
			}
		}
	})
	b.Run("position-to-offset", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			off, err := m.offset(want)
			if err != nil || off != end {
				b.Fatalf("offset(%v) = %d, %v, want %d", want, off, err, end)
			}
		}
	})
}

// TestKeepAnalysedEvictsOldest checks the bound on analyses kept in
// memory: the oldest document beyond maxAnalysed and the older snapshot of
// a document that was analysed again are evicted.
func TestKeepAnalysedEvictsOldest(t *testing.T) {
	d := newDocuments()
	snaps := make([]*snapshot, maxAnalysed+1)
	for i := range snaps {
		snaps[i] = &snapshot{uri: uri.File(fmt.Sprintf("/bench/dag_%d.py", i)), version: 1}
	}
	for _, s := range snaps[:maxAnalysed] {
		if evicted := d.keepAnalysed(s); len(evicted) != 0 {
			t.Fatalf("keepAnalysed(%s) evicted %d snapshots below the bound", s.uri, len(evicted))
		}
	}

	evicted := d.keepAnalysed(snaps[maxAnalysed])
	if len(evicted) != 1 || evicted[0] != snaps[0] {
		t.Errorf("past the bound, evicted %v, want only the oldest snapshot %s", evicted, snaps[0].uri)
	}

	newer := &snapshot{uri: snaps[maxAnalysed].uri, version: 2}
	evicted = d.keepAnalysed(newer)
	if len(evicted) != 1 || evicted[0] != snaps[maxAnalysed] {
		t.Errorf("a newer version evicted %v, want its older snapshot", evicted)
	}
	if len(d.analysed) != maxAnalysed {
		t.Errorf("%d snapshots keep their analysis, want %d", len(d.analysed), maxAnalysed)
	}
	if d.analysed[0] != newer {
		t.Errorf("the most recent snapshot is %s version %d, want version 2", d.analysed[0].uri, d.analysed[0].version)
	}
}
