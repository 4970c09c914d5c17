package server

import (
	"context"
	"errors"

	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
)

// tolerantStream skips frames whose body is not a JSON-RPC message instead
// of ending the connection, as the jsonrpc2 connection does on any read
// error. The framing itself stays intact after such a frame, because its
// Content-Length was read. Errors in the framing still end the connection:
// after a broken header there is no way to find the next message.
type tolerantStream struct {
	jsonrpc2.Stream
	log *zap.Logger
	// closed runs when reading ends for good. It cancels the requests in
	// flight, which the jsonrpc2 connection lets run to completion before
	// it stops, so a client that went away does not keep a long fix-all
	// running.
	closed context.CancelFunc
}

func (s tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		msg, n, err := s.Stream.Read(ctx)
		if err != nil && (errors.Is(err, jsonrpc2.ErrParse) || errors.Is(err, jsonrpc2.ErrInvalidRequest)) {
			s.log.Warn("skipped a message that is not valid JSON-RPC", zap.Error(err), zap.Int64("bytes", n))
			continue
		}
		if err != nil {
			s.log.Info("stopped reading from the client", zap.Error(err))
			s.closed()
		}
		return msg, n, err
	}
}
