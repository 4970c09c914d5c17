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
}

func (s tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		msg, n, err := s.Stream.Read(ctx)
		if err != nil && (errors.Is(err, jsonrpc2.ErrParse) || errors.Is(err, jsonrpc2.ErrInvalidRequest)) {
			s.log.Warn("skipped a message that is not valid JSON-RPC", zap.Error(err), zap.Int64("bytes", n))
			continue
		}
		return msg, n, err
	}
}
