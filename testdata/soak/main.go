// Command soak drives an airshift language server process with edits,
// hovers and code actions on many open files. It stops after a set time or
// a set number of requests, whichever comes first, and prints requests
// served, errors, latency percentiles and the server's memory.
//
//	go run ./testdata/soak -server bin/airshift -files 50 -duration 60s
//
// It exits 1 when a request failed, a hover returned the wrong thing, the
// server reported an error, or the server's resident memory grew by more
// than -max-growth-mb between the end of the warm-up and the end of the run.
// Memory is read from /proc, so the memory figures need Linux.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/mappings"
)

type options struct {
	server      string
	fixtures    string
	files       int
	duration    time.Duration
	warmup      time.Duration
	maxRequests int64
	workers     int
	maxGrowthMB float64
	seed        uint64
	reportEvery time.Duration
}

func main() {
	var opts options
	flag.StringVar(&opts.server, "server", "bin/airshift", "path of the airshift binary to run as \"airshift serve\"")
	flag.StringVar(&opts.fixtures, "fixtures", "testdata/dags", "folder of example DAGs that the open files are copied from")
	flag.IntVar(&opts.files, "files", 50, "number of files to open and edit")
	flag.DurationVar(&opts.duration, "duration", 60*time.Second, "how long to send requests, after the warm-up")
	flag.DurationVar(&opts.warmup, "warmup", 5*time.Second, "how long to send requests before the memory baseline is taken")
	flag.Int64Var(&opts.maxRequests, "max-requests", 500000, "stop after this many requests even if time is left")
	flag.IntVar(&opts.workers, "workers", 4, "number of concurrent simulated editors")
	flag.Float64Var(&opts.maxGrowthMB, "max-growth-mb", 64, "fail when resident memory grows by more than this many MiB after the warm-up")
	flag.Uint64Var(&opts.seed, "seed", 1, "seed of the random choice of files and actions")
	flag.DurationVar(&opts.reportEvery, "report-every", 30*time.Second, "interval between progress lines with the request count and resident memory")
	flag.Parse()
	if err := run(opts); err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n", err)
		os.Exit(1)
	}
}

// file is the simulated editor's copy of one open document. mu keeps its
// edits and requests in order, because versions must increase.
type file struct {
	mu      sync.Mutex
	uri     uri.URI
	text    string
	version int32
	// operator is the mapped operator that a hover on the file's first
	// call must describe, or "" when the file has no call. calleeStart is
	// the offset of that call's class name in original, the text as
	// opened; edits only add and remove lines above it.
	operator    string
	calleeStart int
	original    string
	added       int
}

// stats collects what the workers measured.
type stats struct {
	mu        sync.Mutex
	latencies []time.Duration
	byMethod  map[string]int
	errors    []string

	requests      atomic.Int64
	notifications atomic.Int64
	failures      atomic.Int64
}

func (s *stats) record(method string, d time.Duration, err error) {
	s.requests.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latencies = append(s.latencies, d)
	s.byMethod[method]++
	if err != nil {
		s.fail(fmt.Sprintf("%s: %v", method, err))
	}
}

// fail records an error. Precondition: s.mu is held.
func (s *stats) fail(msg string) {
	s.failures.Add(1)
	if len(s.errors) < 20 {
		s.errors = append(s.errors, msg)
	}
}

// client is the editor side of the connection. It counts what the server
// sends and treats error messages as failures.
type client struct {
	protocol.UnimplementedClient
	stats       *stats
	diagnostics atomic.Int64
}

func (c *client) PublishDiagnostics(context.Context, *protocol.PublishDiagnosticsParams) error {
	c.diagnostics.Add(1)
	return nil
}

func (c *client) ShowMessage(_ context.Context, p *protocol.ShowMessageParams) error {
	if p.Type == protocol.MessageTypeError {
		c.stats.mu.Lock()
		c.stats.fail("window/showMessage: " + p.Message)
		c.stats.mu.Unlock()
	}
	return nil
}

func (c *client) LogMessage(context.Context, *protocol.LogMessageParams) error { return nil }

func (c *client) ApplyEdit(context.Context, *protocol.ApplyWorkspaceEditParams) (*protocol.ApplyWorkspaceEditResult, error) {
	return &protocol.ApplyWorkspaceEditResult{Applied: false}, nil
}

// pipes joins the server process's stdout and stdin into one stream.
type pipes struct {
	io.Reader
	io.WriteCloser
}

func run(opts options) error {
	workspace, err := os.MkdirTemp("", "airshift-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(workspace)
	files, err := prepareFiles(opts, workspace)
	if err != nil {
		return err
	}

	cmd := exec.Command(opts.server, "serve", "--log-level", "warn")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	logPath := filepath.Join(workspace, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", opts.server, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		// The server normally exits after shutdown and exit; a server that
		// does not is killed so that the soak never leaves it running.
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	st := &stats{byMethod: map[string]int{}}
	cl := &client{stats: st}
	ctx, conn, server := protocol.NewClient(context.Background(), cl, jsonrpc2.NewStream(pipes{Reader: stdout, WriteCloser: stdin}))
	defer conn.Close()

	root := uri.File(workspace)
	params := &protocol.InitializeParams{RootURI: &root}
	params.Capabilities.General = &protocol.GeneralClientCapabilities{PositionEncodings: []protocol.PositionEncodingKind{protocol.PositionEncodingKindUTF16}}
	if _, err := server.Initialize(ctx, params); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	if err := server.Initialized(ctx, &protocol.InitializedParams{}); err != nil {
		return err
	}
	for _, f := range files {
		err := server.DidOpen(ctx, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
			URI: f.uri, LanguageID: "python", Version: f.version, Text: f.text,
		}})
		if err != nil {
			return fmt.Errorf("didOpen %s: %w", f.uri, err)
		}
		st.notifications.Add(1)
	}
	rssOpened := residentMiB(cmd.Process.Pid)

	start := time.Now()
	warmEnd := start.Add(opts.warmup)
	deadline := warmEnd.Add(opts.duration)
	var rssWarm, rssMax float64
	var warmRequests int64
	var warmOnce sync.Once
	stop := make(chan struct{})
	sampler := sync.WaitGroup{}
	sampler.Go(func() {
		ticker := time.NewTicker(250 * time.Millisecond)
		defer ticker.Stop()
		nextReport := start.Add(opts.reportEvery)
		for {
			select {
			case <-stop:
				return
			case now := <-ticker.C:
				rss := residentMiB(cmd.Process.Pid)
				rssMax = max(rssMax, rss)
				if now.After(nextReport) {
					fmt.Printf("soak: %v, %d requests, resident memory %.1f MiB\n", now.Sub(start).Round(time.Second), st.requests.Load(), rss)
					nextReport = nextReport.Add(opts.reportEvery)
				}
				if now.After(warmEnd) {
					warmOnce.Do(func() {
						rssWarm = rss
						warmRequests = st.requests.Load()
					})
				}
			}
		}
	})

	var workers sync.WaitGroup
	for w := range opts.workers {
		rng := rand.New(rand.NewPCG(opts.seed, uint64(w)))
		workers.Go(func() {
			for time.Now().Before(deadline) && st.requests.Load() < opts.maxRequests {
				if err := step(ctx, server, files[rng.IntN(len(files))], rng, st); err != nil {
					st.mu.Lock()
					st.fail(err.Error())
					st.mu.Unlock()
					return
				}
			}
		})
	}
	workers.Wait()
	elapsed := time.Since(start)
	rssEnd := residentMiB(cmd.Process.Pid)
	close(stop)
	sampler.Wait()

	if err := server.Shutdown(ctx); err != nil {
		st.mu.Lock()
		st.fail("shutdown: " + err.Error())
		st.mu.Unlock()
	}
	if err := server.Exit(ctx); err != nil {
		st.mu.Lock()
		st.fail("exit: " + err.Error())
		st.mu.Unlock()
	}
	_ = stdin.Close()
	var exitErr error
	select {
	case exitErr = <-exited:
		exited <- exitErr
	case <-time.After(10 * time.Second):
		exitErr = fmt.Errorf("the server did not exit within 10 s of the exit notification")
	}

	report(opts, st, cl, elapsed, warmRequests, rssOpened, rssWarm, rssEnd, rssMax, exitErr, logPath)
	if st.failures.Load() > 0 || exitErr != nil {
		return fmt.Errorf("%d errors", st.failures.Load())
	}
	if rssWarm > 0 && rssEnd-rssWarm > opts.maxGrowthMB {
		return fmt.Errorf("resident memory grew by %.1f MiB after the warm-up, more than the %.0f MiB allowed", rssEnd-rssWarm, opts.maxGrowthMB)
	}
	return nil
}

// prepareFiles copies the example DAGs into workspace until there are
// opts.files of them. Each copy gets its own name, so the server keeps
// every one open.
func prepareFiles(opts options, workspace string) ([]*file, error) {
	paths, err := filepath.Glob(filepath.Join(opts.fixtures, "*.py"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.py files in %s; run from the repository root or set -fixtures", opts.fixtures)
	}
	if err := os.WriteFile(filepath.Join(workspace, "pyproject.toml"), []byte("[project]\nname = \"soak\"\n"), 0o644); err != nil {
		return nil, err
	}
	reg, err := mappings.Load(nil)
	if err != nil {
		return nil, err
	}
	var files []*file
	for i := range opts.files {
		data, err := os.ReadFile(paths[i%len(paths)])
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("dag_%02d_%s", i, filepath.Base(paths[i%len(paths)]))
		path := filepath.Join(workspace, "dags", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, err
		}
		f := &file{uri: uri.File(path), text: string(data), original: string(data), version: 1}
		tree := analysis.MustParse(data)
		for _, call := range analysis.NewFile(data, tree, reg).Calls() {
			if call.Certain {
				f.operator, f.calleeStart = call.Mapping.Operator, call.CalleeStart
				break
			}
		}
		tree.Close()
		files = append(files, f)
	}
	return files, nil
}

// step performs one editor action on f: an edit, a hover, a code action
// or a fix-all, in the proportions an editor sends them.
func step(ctx context.Context, server protocol.Server, f *file, rng *rand.Rand, st *stats) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch n := rng.IntN(10); {
	case n < 4:
		return edit(ctx, server, f, rng, st)
	case n < 7:
		hover(ctx, server, f, st)
	case n < 9:
		start := time.Now()
		line := protocol.Position{Line: uint32(rng.IntN(strings.Count(f.text, "\n") + 1))}
		_, err := server.CodeAction(ctx, &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: f.uri},
			Range:        protocol.Range{Start: line, End: line},
		})
		st.record("textDocument/codeAction", time.Since(start), err)
	default:
		start := time.Now()
		_, err := server.CodeAction(ctx, &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: f.uri},
			Context:      protocol.CodeActionContext{Only: []protocol.CodeActionKind{protocol.CodeActionKindSourceFixAll}},
		})
		st.record("textDocument/codeAction (source.fixAll)", time.Since(start), err)
	}
	return nil
}

// edit inserts a comment line at the top of f, or removes one it added,
// so the text changes on every edit but its size stays bounded.
func edit(ctx context.Context, server protocol.Server, f *file, rng *rand.Rand, st *stats) error {
	top := protocol.Position{}
	var change *protocol.TextDocumentContentChangePartial
	if f.added > 0 && (f.added >= 20 || rng.IntN(2) == 0) {
		line, rest, _ := strings.Cut(f.text, "\n")
		if !strings.HasPrefix(line, "# soak ") {
			return fmt.Errorf("%s: the first line is %q, want a line the soak added", f.uri, line)
		}
		change = &protocol.TextDocumentContentChangePartial{Range: protocol.Range{Start: top, End: protocol.Position{Line: 1}}}
		f.text = rest
		f.added--
	} else {
		inserted := fmt.Sprintf("# soak edit %d, é漢😀\n", f.version)
		change = &protocol.TextDocumentContentChangePartial{Range: protocol.Range{Start: top, End: top}, Text: inserted}
		f.text = inserted + f.text
		f.added++
	}
	f.version++
	err := server.DidChange(ctx, &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: f.uri}, Version: f.version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{change},
	})
	st.notifications.Add(1)
	return err
}

// hover requests the hover on f's first operator call, two characters
// into its class name, and checks that it describes that operator.
func hover(ctx context.Context, server protocol.Server, f *file, st *stats) {
	if f.operator == "" {
		return
	}
	at := len(f.text) - len(f.original) + f.calleeStart
	lineStart := strings.LastIndex(f.text[:at], "\n") + 1
	pos := protocol.Position{
		Line:      uint32(strings.Count(f.text[:at], "\n")),
		Character: uint32(len(utf16.Encode([]rune(f.text[lineStart:at])))) + 2,
	}
	start := time.Now()
	h, err := server.Hover(ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: f.uri}, Position: pos,
	}})
	st.record("textDocument/hover", time.Since(start), err)
	if err != nil {
		return
	}
	var content *protocol.MarkupContent
	if h != nil {
		content, _ = h.Contents.(*protocol.MarkupContent)
	}
	if content == nil || !strings.Contains(content.Value, f.operator+" → Prefect") {
		st.mu.Lock()
		st.fail(fmt.Sprintf("hover at %d:%d of %s (version %d) does not describe %s", pos.Line, pos.Character, f.uri, f.version, f.operator))
		st.mu.Unlock()
	}
}

// residentMiB returns the resident set size of process pid in MiB, or 0
// where /proc is not available.
func residentMiB(pid int) float64 {
	data, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer data.Close()
	scanner := bufio.NewScanner(data)
	for scanner.Scan() {
		if rest, ok := strings.CutPrefix(scanner.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

func report(opts options, st *stats, cl *client, elapsed time.Duration, warmRequests int64, rssOpened, rssWarm, rssEnd, rssMax float64, exitErr error, logPath string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	sorted := slices.Clone(st.latencies)
	slices.Sort(sorted)
	requests := st.requests.Load()
	fmt.Printf("soak: %d files, %d workers, %v (%v warm-up), server %s\n", opts.files, opts.workers, elapsed.Round(time.Millisecond), opts.warmup, opts.server)
	fmt.Printf("requests served:   %d (%.0f/s), %d after the warm-up\n", requests, float64(requests)/elapsed.Seconds(), requests-warmRequests)
	methods := make([]string, 0, len(st.byMethod))
	for m := range st.byMethod {
		methods = append(methods, m)
	}
	slices.Sort(methods)
	for _, m := range methods {
		fmt.Printf("  %-40s %d\n", m, st.byMethod[m])
	}
	fmt.Printf("notifications:     %d sent (didOpen, didChange), %d diagnostics published\n", st.notifications.Load(), cl.diagnostics.Load())
	fmt.Printf("errors:            %d\n", st.failures.Load())
	for _, e := range st.errors {
		fmt.Printf("  %s\n", e)
	}
	fmt.Printf("latency:           p50 %v, p99 %v, max %v\n", percentile(sorted, 0.50).Round(time.Microsecond), percentile(sorted, 0.99).Round(time.Microsecond), percentile(sorted, 1).Round(time.Microsecond))
	fmt.Printf("resident memory:   %.1f MiB after opening, %.1f MiB after the warm-up, %.1f MiB at the end, %.1f MiB max\n", rssOpened, rssWarm, rssEnd, rssMax)
	if exitErr != nil {
		fmt.Printf("server exit:       %v (log: %s)\n", exitErr, logPath)
	} else {
		fmt.Printf("server exit:       status 0 after shutdown and exit\n")
	}
}
