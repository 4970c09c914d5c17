package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// childCounter is a connection context that counts the contexts derived
// from it and not yet cancelled. context.WithCancel registers a child with
// a parent through its AfterFunc method and stops that registration when
// the child is cancelled.
type childCounter struct {
	done chan struct{}
	mu   sync.Mutex
	live int
}

func (c *childCounter) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *childCounter) Done() <-chan struct{}       { return c.done }
func (c *childCounter) Err() error                  { return nil }
func (c *childCounter) Value(any) any               { return nil }

func (c *childCounter) AfterFunc(func()) func() bool {
	c.mu.Lock()
	c.live++
	c.mu.Unlock()
	var once sync.Once
	return func() bool {
		once.Do(func() {
			c.mu.Lock()
			c.live--
			c.mu.Unlock()
		})
		return true
	}
}

func (c *childCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

// publishCounter is a client that counts diagnostics publishes.
type publishCounter struct {
	protocol.UnimplementedClient
	published atomic.Int64
}

func (c *publishCounter) PublishDiagnostics(context.Context, *protocol.PublishDiagnosticsParams) error {
	c.published.Add(1)
	return nil
}

// TestDiagnosticsRunsReleaseContexts schedules the diagnostics of many
// edits and checks that no context derived from the connection's outlives
// its run. Each finished run once kept its context registered with the
// connection's context, so a long editing session grew the heap by one
// context per edit.
func TestDiagnosticsRunsReleaseContexts(t *testing.T) {
	srv, err := newServer(Options{Debounce: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	lifetime := &childCounter{done: make(chan struct{})}
	client := &publishCounter{}
	srv.lifetime, srv.client = lifetime, client
	srv.diags = newDiagnostics(srv)
	defer srv.diags.stop()

	const documents, versions = 10, 5
	for v := int32(1); v <= versions; v++ {
		for i := range documents {
			snap, err := open(context.Background(), uri.File(fmt.Sprintf("/tmp/leak/%d.py", i)), v, []byte(rawDAGText), false)
			if err != nil {
				t.Fatal(err)
			}
			srv.docs.set(snap)
			srv.diags.schedule(snap)
		}
		// Waiting for each version's publishes makes every run finish
		// instead of being replaced by the next version.
		deadline := time.Now().Add(eventTimeout)
		for client.published.Load() < int64(v)*documents {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d publishes arrived", client.published.Load(), int64(v)*documents)
			}
			time.Sleep(time.Millisecond)
		}
	}
	deadline := time.Now().Add(eventTimeout)
	for lifetime.count() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := lifetime.count(); n > 0 {
		t.Errorf("%d contexts of finished diagnostics runs are still registered with the connection's context", n)
	}
}
