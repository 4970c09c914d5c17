package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.lsp.dev/uri"
	"go.uber.org/zap/zaptest"
)

// checkGoroutines fails t when, after t's other cleanups have run, more
// goroutines exist than before the test started. Register it before the
// server starts: cleanups run last-registered first, so this one runs after
// the server has stopped. Goroutines get settleTime to finish.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		const settleTime = 5 * time.Second
		deadline := time.Now().Add(settleTime)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if after := runtime.NumGoroutine(); after > before {
			var stacks bytes.Buffer
			_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			t.Errorf("%d goroutines before the test and %d after it, %v later; the stacks:\n%s", before, after, settleTime, stacks.String())
		}
	})
}

// hostileClient writes arbitrary bytes to a real server over a pipe and
// queues everything the server sends without bound, so that a test that
// floods the server never blocks it on an unread response.
type hostileClient struct {
	t    *testing.T
	srv  *Server
	conn net.Conn
	done chan error

	mu       sync.Mutex
	arrived  chan struct{}
	messages []map[string]any
	closed   bool
}

// startHostile starts a server on a pipe and checks, after the test, that
// it stopped and left no goroutines behind.
func startHostile(t *testing.T) *hostileClient {
	t.Helper()
	checkGoroutines(t)
	serverEnd, clientEnd := net.Pipe()
	srv, err := newServer(Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &hostileClient{t: t, srv: srv, conn: clientEnd, done: make(chan error, 1), arrived: make(chan struct{})}
	go func() { c.done <- srv.serve(ctx, serverEnd) }()
	go c.readLoop()
	t.Cleanup(func() {
		cancel()
		_ = clientEnd.Close()
		select {
		case <-c.done:
		case <-time.After(eventTimeout):
			t.Errorf("the server did not stop after the client closed the connection")
		}
	})
	return c
}

func (c *hostileClient) readLoop() {
	defer func() {
		c.mu.Lock()
		c.closed = true
		close(c.arrived)
		c.mu.Unlock()
	}()
	r := bufio.NewReader(c.conn)
	for {
		length := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var msg map[string]any
		if err := json.Unmarshal(body, &msg); err != nil {
			c.t.Errorf("the server sent a body that is not JSON: %q", body)
			return
		}
		c.mu.Lock()
		c.messages = append(c.messages, msg)
		close(c.arrived)
		c.arrived = make(chan struct{})
		c.mu.Unlock()
	}
}

// write sends bytes as they are, with no framing.
func (c *hostileClient) write(data string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, data); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// send frames body with a correct Content-Length.
func (c *hostileClient) send(body string) {
	c.t.Helper()
	c.write(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body))
}

// waitFor blocks until a message satisfies match and returns it. It fails
// the test when the connection closes or eventTimeout passes first.
func (c *hostileClient) waitFor(what string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.After(eventTimeout)
	seen := 0
	for {
		c.mu.Lock()
		for ; seen < len(c.messages); seen++ {
			if match(c.messages[seen]) {
				msg := c.messages[seen]
				c.mu.Unlock()
				return msg
			}
		}
		closed, arrived := c.closed, c.arrived
		c.mu.Unlock()
		if closed {
			c.t.Fatalf("the server closed the connection while %s was due", what)
		}
		select {
		case <-arrived:
		case <-deadline:
			c.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (c *hostileClient) response(id int) map[string]any {
	c.t.Helper()
	return c.waitFor(fmt.Sprintf("the response to request %d", id), func(msg map[string]any) bool {
		v, ok := msg["id"].(float64)
		return ok && int(v) == id && msg["method"] == nil
	})
}

// errorCode returns the error code of a response, or 0 for a result.
func errorCode(resp map[string]any) int {
	e, ok := resp["error"].(map[string]any)
	if !ok {
		return 0
	}
	code, _ := e["code"].(float64)
	return int(code)
}

// JSON-RPC and LSP error codes the tests expect.
const (
	codeInvalidParams        = -32602
	codeServerNotInitialized = -32002
	codeRequestCancelled     = -32800
)

const hostileURI = "file:///tmp/hostile.py"

func (c *hostileClient) initialize() {
	c.t.Helper()
	c.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`)
	if resp := c.response(1); errorCode(resp) != 0 {
		c.t.Fatalf("initialize failed: %v", resp)
	}
	c.send(`{"jsonrpc":"2.0","method":"initialized","params":{}}`)
}

// open sends didOpen for u with text, which the test marshals itself so
// that it can be any JSON string.
func (c *hostileClient) open(u string, version int, textJSON string) {
	c.t.Helper()
	c.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":%q,"languageId":"python","version":%d,"text":%s}}}`, u, version, textJSON))
}

func jsonString(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

func (c *hostileClient) initializeAndOpen() {
	c.t.Helper()
	c.initialize()
	c.open(hostileURI, 1, jsonString(rawDAG))
}

// hover sends a hover request and returns its response.
func (c *hostileClient) hover(id int, u string, line, character int64) map[string]any {
	c.t.Helper()
	c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/hover","params":{"textDocument":{"uri":%q},"position":{"line":%d,"character":%d}}}`, id, u, line, character))
	return c.response(id)
}

// hoverWorks checks that the server still returns a hover on the operator
// of rawDAG, whose class name starts at line 1, character 4.
func (c *hostileClient) hoverWorks(id int) {
	c.t.Helper()
	resp := c.hover(id, hostileURI, 1, 6)
	result, _ := resp["result"].(map[string]any)
	contents, _ := result["contents"].(map[string]any)
	if value, _ := contents["value"].(string); !strings.Contains(value, "KubernetesPodOperator → Prefect") {
		c.t.Fatalf("hover after the hostile input = %v", resp)
	}
}

// serverText returns the server's copy of u, or fails when it is not
// open.
func (c *hostileClient) serverText(u string) string {
	c.t.Helper()
	snap := c.srv.docs.get(uri.URI(u))
	if snap == nil {
		c.t.Fatalf("%s is not open on the server", u)
	}
	return string(snap.text)
}

// expectExit waits for the server to end the connection on its own, as it
// must after input that breaks the framing, and checks that it reports
// the missing shutdown.
func (c *hostileClient) expectExit(what string) {
	c.t.Helper()
	select {
	case err := <-c.done:
		if err == nil {
			c.t.Errorf("after %s the server reported a clean shutdown, which the client never requested", what)
		}
		c.done <- err
	case <-time.After(eventTimeout):
		c.t.Fatalf("the server still runs after %s", what)
	}
	c.waitClosed()
}

// waitClosed waits until the server's end of the pipe is closed.
func (c *hostileClient) waitClosed() {
	c.t.Helper()
	deadline := time.After(eventTimeout)
	for {
		c.mu.Lock()
		closed, arrived := c.closed, c.arrived
		c.mu.Unlock()
		if closed {
			return
		}
		select {
		case <-arrived:
		case <-deadline:
			c.t.Fatalf("the server did not close its end of the connection")
		}
	}
}

// TestBrokenFramingEndsConnection sends headers after which no message
// boundary can be found. The base protocol gives no way to resynchronise,
// so the server must close the connection and stop, leaving nothing
// running.
func TestBrokenFramingEndsConnection(t *testing.T) {
	hover := `{"jsonrpc":"2.0","id":9,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/hostile.py"},"position":{"line":1,"character":6}}}`
	for _, tc := range []struct {
		name, frames string
	}{
		{"missing Content-Length", "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + hover},
		{"non-numeric Content-Length", "Content-Length: twelve\r\n\r\n" + hover},
		{"negative Content-Length", "Content-Length: -5\r\n\r\n" + hover},
		{"zero Content-Length", "Content-Length: 0\r\n\r\n" + hover},
		{"Content-Length above 1 GiB", "Content-Length: 2000000000\r\n\r\n" + hover},
		{"header line without a colon", "Content-Length 12\r\n\r\n" + hover},
		{"body without any header", hover + "\r\n\r\n"},
		{"Content-Length too short", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(hover)-20, hover) + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(hover), hover)},
		{"Content-Length too long", fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(hover)+10, hover) + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(hover), hover)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startHostile(t)
			c.initializeAndOpen()
			c.hoverWorks(2)
			go func() {
				// The server may close the pipe before it reads every byte.
				_, _ = io.WriteString(c.conn, tc.frames)
			}()
			c.expectExit("a frame with a " + tc.name)
		})
	}
}

// TestLongContentLengthSwallowsOneFrame declares a length that covers the
// next frame exactly. The two frames form one body that is not JSON, which
// the server skips, and the framing stays aligned for what follows.
func TestLongContentLengthSwallowsOneFrame(t *testing.T) {
	c := startHostile(t)
	c.initializeAndOpen()
	first := `{"jsonrpc":"2.0","id":3,"method":"textDocument/hover","params":{}}`
	second := `{"jsonrpc":"2.0","id":4,"method":"textDocument/hover","params":{}}`
	secondFrame := fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(second), second)
	c.write(fmt.Sprintf("Content-Length: %d\r\n\r\n%s%s", len(first)+len(secondFrame), first, secondFrame))
	c.hoverWorks(5)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, msg := range c.messages {
		if id, ok := msg["id"].(float64); ok && (id == 3 || id == 4) {
			t.Errorf("the server answered request %v from inside the merged frame: %v", id, msg)
		}
	}
}

// TestTruncatedFrameEndsConnection sends half a body and closes the
// connection, as a client that crashes while writing does.
func TestTruncatedFrameEndsConnection(t *testing.T) {
	c := startHostile(t)
	c.initializeAndOpen()
	c.hoverWorks(2)
	c.write("Content-Length: 200\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":3,")
	if err := c.conn.Close(); err != nil {
		t.Fatal(err)
	}
	c.expectExit("a truncated frame and a closed connection")
}

// TestLifecycleBeforeInitialize sends requests and notifications before
// initialize. Requests get ServerNotInitialized, notifications are
// dropped, and the server works normally once initialized.
func TestLifecycleBeforeInitialize(t *testing.T) {
	c := startHostile(t)
	for id, method := range map[int]string{2: "textDocument/hover", 3: "textDocument/codeAction", 4: "shutdown", 5: "workspace/executeCommand"} {
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":{}}`, id, method))
		if code := errorCode(c.response(id)); code != codeServerNotInitialized {
			t.Errorf("%s before initialize: error code %d, want %d", method, code, codeServerNotInitialized)
		}
	}
	c.open(hostileURI, 1, jsonString(rawDAG))
	c.send(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/hostile.py","version":2},"contentChanges":[{"text":"x = 1\n"}]}}`)
	c.initialize()
	if resp := c.hover(6, hostileURI, 1, 6); errorCode(resp) != codeInvalidParams {
		t.Errorf("hover on a document opened before initialize = %v, want invalid params: it was never opened", resp)
	}
	c.open(hostileURI, 1, jsonString(rawDAG))
	c.hoverWorks(7)
	c.send(`{"jsonrpc":"2.0","id":8,"method":"initialize","params":{"capabilities":{}}}`)
	if code := errorCode(c.response(8)); code == 0 {
		t.Errorf("a second initialize succeeded")
	}
	c.hoverWorks(9)
}

// TestExitBeforeInitialize sends exit as the first message, which ends the
// server without a shutdown.
func TestExitBeforeInitialize(t *testing.T) {
	c := startHostile(t)
	c.send(`{"jsonrpc":"2.0","method":"exit"}`)
	c.expectExit("exit before initialize")
}

// TestOutOfOrderChanges sends didChange before didOpen and with versions
// that are not newer than the document's. Each is dropped and the text
// stays what the client opened.
func TestOutOfOrderChanges(t *testing.T) {
	c := startHostile(t)
	c.initialize()
	garbage := `{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"text":"garbage = (\n"}`
	c.send(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/hostile.py","version":5},"contentChanges":[` + garbage + `]}}`)
	c.open(hostileURI, 3, jsonString(rawDAG))
	c.hoverWorks(2)
	for _, version := range []int{3, 2, 0, -7} {
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/hostile.py","version":%d},"contentChanges":[%s]}}`, version, garbage))
		c.hoverWorks(10 + version + 10)
	}
	if got := c.serverText(hostileURI); got != rawDAG {
		t.Errorf("the server's text after stale changes = %q, want the opened text", got)
	}
	c.send(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/hostile.py","version":4},"contentChanges":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"text":"# new\n"}]}}`)
	if resp := c.hover(40, hostileURI, 2, 6); resp["result"] == nil {
		t.Errorf("hover on the shifted call after a newer change = %v", resp)
	}
}

// TestPositionsPastTheEnd sends positions and ranges beyond the document
// in hover, code action and didChange.
func TestPositionsPastTheEnd(t *testing.T) {
	c := startHostile(t)
	c.initializeAndOpen()

	if code := errorCode(c.hover(2, hostileURI, 1000, 0)); code != codeInvalidParams {
		t.Errorf("hover on line 1000: error code %d, want %d", code, codeInvalidParams)
	}
	if resp := c.hover(3, hostileURI, 1, 4294967295); errorCode(resp) != 0 || resp["result"] != nil {
		t.Errorf("hover past the end of line 1 = %v, want an empty result: the character clamps to the line end", resp)
	}
	if code := errorCode(c.hover(4, hostileURI, 4294967295, 4294967295)); code != codeInvalidParams {
		t.Errorf("hover at the largest position: error code %d, want %d", code, codeInvalidParams)
	}

	c.send(`{"jsonrpc":"2.0","id":5,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/hostile.py"},"range":{"start":{"line":500,"character":0},"end":{"line":900,"character":3}},"context":{"diagnostics":[]}}}`)
	if resp := c.response(5); errorCode(resp) != 0 {
		t.Errorf("code action past the end = %v, want no actions", resp)
	}
	c.send(`{"jsonrpc":"2.0","id":6,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/hostile.py"},"range":{"start":{"line":9,"character":0},"end":{"line":1,"character":0}},"context":{"diagnostics":[]}}}`)
	if code := errorCode(c.response(6)); code != codeInvalidParams {
		t.Errorf("code action with a reversed range: error code %d, want %d", code, codeInvalidParams)
	}

	outOfSync := 0
	for i, r := range []string{
		`{"start":{"line":70,"character":0},"end":{"line":71,"character":0}}`,
		`{"start":{"line":1,"character":9},"end":{"line":0,"character":2}}`,
	} {
		version := 2 + i
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/hostile.py","version":%d},"contentChanges":[{"range":%s,"text":"x"}]}}`, version, r))
		outOfSync = 0
		c.waitFor("the message that the document is out of sync", func(msg map[string]any) bool {
			params, _ := msg["params"].(map[string]any)
			text, _ := params["message"].(string)
			if msg["method"] == "window/showMessage" && strings.Contains(text, "close and reopen the file") {
				outOfSync++
			}
			return outOfSync == i+1
		})
		c.hoverWorks(10 + version)
	}
	if got := c.serverText(hostileURI); got != rawDAG {
		t.Errorf("a change with an invalid range altered the text: %q", got)
	}
	// A range whose end lies past the end of its line clamps to the line end.
	c.send(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/hostile.py","version":4},"contentChanges":[{"range":{"start":{"line":2,"character":0},"end":{"line":2,"character":99}},"text":"# end\n"}]}}`)
	c.hoverWorks(20)
	if got, want := c.serverText(hostileURI), rawDAG+"# end\n"; got != want {
		t.Errorf("text after an append at the last line = %q, want %q", got, want)
	}
}

// TestPositionsInsideSurrogatePairs points hovers and edits between the two
// UTF-16 code units of an emoji. The server moves such a position to the
// start of the emoji, so the text stays valid UTF-8.
func TestPositionsInsideSurrogatePairs(t *testing.T) {
	c := startHostile(t)
	c.initialize()
	text := "# 😀😀\n" + rawDAG
	c.open(hostileURI, 1, jsonString(text))
	// Line 0 is "# " and two emoji of two code units each: character 3
	// falls inside the first emoji and character 5 inside the second.
	if resp := c.hover(2, hostileURI, 0, 3); errorCode(resp) != 0 || resp["result"] != nil {
		t.Errorf("hover inside a surrogate pair = %v, want an empty result", resp)
	}
	c.send(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/hostile.py","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":3},"end":{"line":0,"character":5}},"text":"X"}]}}`)
	if resp := c.hover(3, hostileURI, 2, 6); resp["result"] == nil {
		t.Errorf("hover on the call after the edit = %v", resp)
	}
	got := c.serverText(hostileURI)
	if !utf8.ValidString(got) {
		t.Fatalf("an edit inside surrogate pairs left invalid UTF-8: %q", got)
	}
	if want := "# X😀\n" + rawDAG; got != want {
		t.Errorf("text = %q, want %q: both ends move to the start of their emoji", got, want)
	}
}

// TestFiftyMegabyteDocument opens a 50 MB document. The server keeps it in
// sync without analysing it, shows the user a message, and keeps serving the
// other documents.
func TestFiftyMegabyteDocument(t *testing.T) {
	c := startHostile(t)
	c.initializeAndOpen()
	const size = 50 << 20
	line := "# a padding line that makes the document fifty megabytes long\n"
	big := rawDAG + strings.Repeat(line, size/len(line))
	start := time.Now()
	c.open("file:///tmp/big.py", 1, jsonString(big))
	c.waitFor("the message about the size limit", func(msg map[string]any) bool {
		params, _ := msg["params"].(map[string]any)
		text, _ := params["message"].(string)
		return msg["method"] == "window/showMessage" && strings.Contains(text, "big.py") && strings.Contains(text, "limit")
	})
	c.hoverWorks(2)
	if resp := c.hover(3, "file:///tmp/big.py", 1, 6); errorCode(resp) != 0 || resp["result"] != nil {
		t.Errorf("hover on the unanalysed document = %v, want an empty result", resp)
	}
	c.send(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/big.py","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"text":"#\n"}]}}`)
	c.hoverWorks(4)
	if got := c.serverText("file:///tmp/big.py"); len(got) != len(big)+2 || !strings.HasPrefix(got, "#\n"+rawDAG) {
		t.Errorf("the large document has %d bytes after the edit, want %d", len(got), len(big)+2)
	}
	c.send(`{"jsonrpc":"2.0","method":"textDocument/didClose","params":{"textDocument":{"uri":"file:///tmp/big.py"}}}`)
	c.hoverWorks(5)
	if c.srv.docs.get("file:///tmp/big.py") != nil {
		t.Errorf("the large document is still stored after didClose")
	}
	t.Logf("opening, editing and closing the %d MB document took %v", size>>20, time.Since(start))
}

// TestInvalidUTF8AndNULBytes sends text with raw invalid UTF-8 inside JSON
// strings, an unpaired surrogate escape, escaped and raw NUL bytes, and
// invalid UTF-8 outside strings.
func TestInvalidUTF8AndNULBytes(t *testing.T) {
	c := startHostile(t)
	c.initializeAndOpen()

	c.open("file:///tmp/latin1.py", 1, "\"caf\xe9 = 1\\n\xff\xfe\\n"+strings.TrimPrefix(jsonString(rawDAG), "\""))
	if resp := c.hover(2, "file:///tmp/latin1.py", 3, 6); resp["result"] == nil {
		t.Errorf("hover in a document sent with invalid UTF-8 = %v", resp)
	}
	if got := c.serverText("file:///tmp/latin1.py"); !utf8.ValidString(got) || !strings.HasPrefix(got, "caf\uFFFD = 1\n") {
		t.Errorf("invalid UTF-8 was stored as %q, want each invalid byte as U+FFFD", got)
	}

	c.open("file:///tmp/surrogate.py", 1, `"x = '\ud800'\n`+strings.TrimPrefix(jsonString(rawDAG), "\""))
	c.hoverWorks(3)
	if snap := c.srv.docs.get("file:///tmp/surrogate.py"); snap != nil && !utf8.Valid(snap.text) {
		t.Errorf("an unpaired surrogate escape was stored as invalid UTF-8: %q", snap.text)
	}

	c.open("file:///tmp/nul.py", 1, jsonString("x = 1\x00\n"+rawDAG))
	if resp := c.hover(4, "file:///tmp/nul.py", 2, 6); errorCode(resp) != 0 {
		t.Errorf("hover in a document with a NUL byte = %v", resp)
	}
	c.open("file:///tmp/rawnul.py", 1, "\"x = 1\x00\"")
	c.hoverWorks(5)

	c.write("Content-Length: 6\r\n\r\n\xff\xfe\x00{}\n")
	c.send("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"textDocument/hover\xff\",\"params\":{}}")
	c.hoverWorks(7)
}

// TestThousandsOfCancelledRequests sends hovers and fix-all code actions,
// each followed at once by $/cancelRequest, mixed with cancellations of
// unknown and already completed ids. Every request gets exactly one
// response: a result, or an error with the RequestCancelled code.
func TestThousandsOfCancelledRequests(t *testing.T) {
	c := startHostile(t)
	c.initializeAndOpen()
	// A fix-all on this document takes several rewrite rounds, long enough
	// for the cancellation to arrive while it runs.
	var dag strings.Builder
	dag.WriteString("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n")
	for i := range 5 {
		fmt.Fprintf(&dag, "t%d = KubernetesPodOperator(task_id=\"t%d\", image=\"i:%d\", cmds=[\"python\", \"-c\", \"print(%d)\"])\n", i, i, i, i)
	}
	c.open("file:///tmp/five.py", 1, jsonString(dag.String()))
	c.hoverWorks(2)
	const n = 3000
	const firstID = 10000
	for i := range n {
		id := firstID + i
		if i%16 == 0 {
			c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/five.py"},"range":{"start":{"line":1,"character":0},"end":{"line":1,"character":0}},"context":{"diagnostics":[],"only":["quickfix","source.fixAll"]}}}`, id))
		} else {
			c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/hostile.py"},"position":{"line":1,"character":6}}}`, id))
		}
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":%d}}`, id))
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":%d}}`, 900000+i))
		if i%100 == 0 {
			c.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":2}}`)
			c.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"%d"}}`, id))
		}
	}
	c.hoverWorks(3)

	counts := map[int]int{}
	cancelled := 0
	c.waitFor(fmt.Sprintf("responses to all %d requests", n), func(msg map[string]any) bool {
		id, ok := msg["id"].(float64)
		if ok && int(id) >= firstID && int(id) < firstID+n && msg["method"] == nil {
			counts[int(id)]++
			if _, failed := msg["error"]; failed {
				if code := errorCode(msg); code == codeRequestCancelled {
					cancelled++
				} else {
					t.Errorf("request %d failed with %v, want a result or RequestCancelled", int(id), msg["error"])
				}
			}
		}
		return len(counts) == n
	})
	// A duplicate response would arrive before the response to a later
	// request, so the counts are taken again after one more hover.
	c.hoverWorks(4)
	clear(counts)
	c.mu.Lock()
	for _, msg := range c.messages {
		if id, ok := msg["id"].(float64); ok && int(id) >= firstID && int(id) < firstID+n && msg["method"] == nil {
			counts[int(id)]++
		}
	}
	c.mu.Unlock()
	for id, count := range counts {
		if count != 1 {
			t.Errorf("request %d got %d responses, want 1", id, count)
		}
	}
	if cancelled == 0 {
		t.Errorf("no request was cancelled; the test no longer reaches the cancellation path")
	}
	t.Logf("%d of %d requests were cancelled before they finished", cancelled, n)
}

// TestClientVanishesMidRequest closes the connection while the server
// waits on the client: an airshift.fixAll command blocked on its
// workspace/applyEdit request, which is never answered.
func TestClientVanishesMidRequest(t *testing.T) {
	c := startHostile(t)
	c.initializeAndOpen()
	c.hoverWorks(2)
	c.send(`{"jsonrpc":"2.0","id":3,"method":"workspace/executeCommand","params":{"command":"airshift.fixAll","arguments":["file:///tmp/hostile.py"]}}`)
	c.waitFor("the server's workspace/applyEdit request", func(msg map[string]any) bool {
		return msg["method"] == "workspace/applyEdit"
	})
	for id := 4; id < 40; id++ {
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/hostile.py"},"range":{"start":{"line":1,"character":0},"end":{"line":1,"character":0}},"context":{"diagnostics":[],"only":["source.fixAll"]}}}`, id))
	}
	if err := c.conn.Close(); err != nil {
		t.Fatal(err)
	}
	c.expectExit("the client closed the connection mid-request")
}

// TestClientVanishesDuringLargeRequest closes the connection right after a
// request whose answer takes a while to compute.
func TestClientVanishesDuringLargeRequest(t *testing.T) {
	c := startHostile(t)
	c.initialize()
	var dag strings.Builder
	dag.WriteString("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n")
	for i := range 150 {
		fmt.Fprintf(&dag, "t%d = KubernetesPodOperator(task_id=\"t%d\", image=\"i:%d\", cmds=[\"python\", \"-c\", \"print(%d)\"])\n", i, i, i, i)
	}
	c.open(hostileURI, 1, jsonString(dag.String()))
	c.send(`{"jsonrpc":"2.0","id":2,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/hostile.py"},"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"context":{"diagnostics":[],"only":["source.fixAll"]}}}`)
	if err := c.conn.Close(); err != nil {
		t.Fatal(err)
	}
	c.expectExit("the client closed the connection during a fix-all request")
}
