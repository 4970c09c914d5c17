package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// rawClient writes frames byte for byte and reads the server's messages,
// for input that a well-behaved protocol client cannot produce.
type rawClient struct {
	t        *testing.T
	conn     net.Conn
	messages chan map[string]any
	done     chan error
}

func startRaw(t *testing.T) *rawClient {
	t.Helper()
	serverEnd, clientEnd := net.Pipe()
	srv, err := newServer(Options{Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &rawClient{t: t, conn: clientEnd, messages: make(chan map[string]any, 100), done: make(chan error, 1)}
	go func() { c.done <- srv.serve(ctx, serverEnd) }()
	go c.readLoop()
	t.Cleanup(func() {
		cancel()
		_ = clientEnd.Close()
		select {
		case <-c.done:
		case <-time.After(eventTimeout):
			t.Errorf("server did not stop")
		}
	})
	return c
}

func (c *rawClient) readLoop() {
	r := bufio.NewReader(c.conn)
	defer close(c.messages)
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
		if err := json.Unmarshal(body, &msg); err == nil {
			c.messages <- msg
		}
	}
}

func (c *rawClient) send(body string) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.conn, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// response waits for the response to id, skipping notifications.
func (c *rawClient) response(id int) map[string]any {
	c.t.Helper()
	deadline := time.After(eventTimeout)
	for {
		select {
		case msg, ok := <-c.messages:
			if !ok {
				c.t.Fatalf("the server closed the connection while a response to %d was due", id)
			}
			if v, ok := msg["id"].(float64); ok && int(v) == id {
				return msg
			}
		case <-deadline:
			c.t.Fatalf("no response to request %d", id)
		}
	}
}

const rawDAG = `from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
t = KubernetesPodOperator(task_id="t", image="i:1", cmds=["python", "-c", "print(1)"])
`

// initializeAndOpen brings the raw connection to a state where a hover on
// the operator name returns a result.
func (c *rawClient) initializeAndOpen() {
	c.t.Helper()
	c.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`)
	c.response(1)
	c.send(`{"jsonrpc":"2.0","method":"initialized","params":{}}`)
	text, _ := json.Marshal(rawDAG)
	c.send(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/raw.py","languageId":"python","version":1,"text":` + string(text) + `}}}`)
}

// hoverWorks checks that a hover on the operator still returns its mapping.
func (c *rawClient) hoverWorks(id int) {
	c.t.Helper()
	c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/raw.py"},"position":{"line":1,"character":6}}}`, id))
	resp := c.response(id)
	result, _ := resp["result"].(map[string]any)
	contents, _ := result["contents"].(map[string]any)
	if value, _ := contents["value"].(string); !strings.Contains(value, "KubernetesPodOperator → Prefect") {
		c.t.Fatalf("hover after the hostile input = %v", resp)
	}
}

// TestHostileFramesKeepServerAlive sends messages that once ended the
// connection: malformed JSON, cancellations with bad ids, a fractional
// request id and a batch array.
func TestHostileFramesKeepServerAlive(t *testing.T) {
	c := startRaw(t)
	c.initializeAndOpen()
	for i, frame := range []string{
		`{"jsonrpc":"2.0","id":5,"method":`,
		`not json at all`,
		`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{}}`,
		`{"jsonrpc":"2.0","method":"$/cancelRequest","params":null}`,
		`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":{"x":1}}}`,
		`{"jsonrpc":"2.0","id":1.5,"method":"textDocument/hover","params":{}}`,
		`[]`,
		`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/nope.py","version":2},"contentChanges":[]}}`,
		`{"jsonrpc":"2.0","id":77,"method":"no/such/method","params":{}}`,
	} {
		c.send(frame)
		c.hoverWorks(100 + i)
	}
}

// TestExitEndsServerWithStdinOpen checks that exit ends the server even
// when the client keeps its end of the stream open.
func TestExitEndsServerWithStdinOpen(t *testing.T) {
	c := startRaw(t)
	c.initializeAndOpen()
	c.send(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`)
	c.response(2)
	c.send(`{"jsonrpc":"2.0","method":"exit"}`)
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("serve after shutdown and exit = %v", err)
		}
		c.done <- err
	case <-time.After(eventTimeout):
		t.Fatal("the server still runs after exit")
	}
}

// TestCancelledFixAllKeepsParsing sends fix-all requests, whose contexts
// end when the server responds, between edits. A cancelled parse once left a
// pooled parser unusable, so later edits failed to apply.
func TestCancelledFixAllKeepsParsing(t *testing.T) {
	c := startRaw(t)
	c.initializeAndOpen()
	for v := 2; v < 60; v++ {
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///tmp/raw.py"},"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"context":{"diagnostics":[],"only":["source.fixAll"]}}}`, 1000+v))
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///tmp/raw.py","version":%d},"contentChanges":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"text":"#\n"}]}}`, v))
		c.response(1000 + v)
	}
	// 58 comment lines now precede the call.
	c.send(`{"jsonrpc":"2.0","id":9,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/raw.py"},"position":{"line":59,"character":6}}}`)
	resp := c.response(9)
	if resp["result"] == nil {
		t.Fatalf("hover on the shifted call = %v; the server's text drifted from the client's", resp)
	}
}
