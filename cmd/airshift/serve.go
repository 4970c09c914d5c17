package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/airshift/airshift/server"
)

// stdio joins standard input and output into the stream the server reads
// and writes. Standard output carries only protocol messages; logs go to
// standard error.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return os.Stdin.Close() }

func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr, "serve [flags]")
	var common commonFlags
	common.register(fs)
	logLevel := fs.String("log-level", "info", "log level on standard error: debug, info, warn or error")
	// Editors and lspconfig often pass --stdio; stdio is the only transport.
	fs.Bool("stdio", true, "serve over standard input and output (the default and only transport)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return parseStatus(err)
	}
	if err := common.validate(); err != nil {
		fmt.Fprintf(stderr, "airshift serve: %v\n", err)
		return exitError
	}
	var level zapcore.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "airshift serve: invalid --log-level %q: use debug, info, warn or error\n", *logLevel)
		return exitError
	}
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(cfg), zapcore.AddSync(stderr), level)
	logger := zap.New(core)
	defer func() { _ = logger.Sync() }()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := server.Run(ctx, stdio{Reader: stdin, Writer: stdout}, server.Options{
		Logger: logger, Mappings: common.mappings, Version: version, WorkPool: common.workPool,
	})
	if err != nil {
		logger.Warn("server ended", zap.Error(err))
		return 1
	}
	return exitClean
}
