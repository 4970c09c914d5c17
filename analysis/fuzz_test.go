package analysis

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/airshift/airshift/mappings"
)

// fuzzSeeds returns the example DAGs and fixtures, and their rewritten
// golden files, as seeds for the fuzz targets.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var seeds [][]byte
	for _, pattern := range []string{
		"../testdata/dags/*.py",
		"../testdata/relatives/*.py",
		"../testdata/antipatterns/*.py",
		"../testdata/custom/*.py",
		"../testdata/invalid/*.py",
		"../testdata/golden/*.fixed",
	} {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, data)
		}
	}
	if len(seeds) < 20 {
		f.Fatalf("found %d seed files, want the example DAGs and fixtures", len(seeds))
	}
	return seeds
}

// fuzzRegistry is the built-in registry plus the in-house operator of
// testdata/mappings, so that AS100 findings are reachable too.
func fuzzRegistry(f *testing.F) *mappings.Registry {
	f.Helper()
	reg, err := mappings.Load([]string{"../testdata/mappings"})
	if err != nil {
		f.Fatal(err)
	}
	return reg
}

// FuzzAnalyze analyses arbitrary bytes. The analysis must not panic, and
// every range it returns (findings, related arguments, fix edits, hovers)
// must lie inside the text and, for valid UTF-8, on character boundaries.
func FuzzAnalyze(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Add([]byte{})
	f.Add([]byte("\x00\xff\xfe"))
	f.Add([]byte("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as K\nK(\n"))
	reg := fuzzRegistry(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		tree := MustParse(src)
		defer tree.Close()
		var res *Result
		finishWithin(t, src, func() { res = Analyze(NewFile(src, tree, reg), Options{Entrypoint: "fuzz.py"}) })
		valid := utf8.Valid(src)
		checkRange := func(what string, start, end int) {
			t.Helper()
			if start < 0 || end < start || end > len(src) {
				t.Fatalf("%s spans %d..%d, outside the %d-byte text", what, start, end, len(src))
			}
			if valid && (!runeBoundary(src, start) || !runeBoundary(src, end)) {
				t.Fatalf("%s spans %d..%d, which cuts a UTF-8 character", what, start, end)
			}
		}
		for _, fd := range res.Findings {
			checkRange(fd.Rule+" finding", fd.Start, fd.End)
			for _, rel := range fd.Related {
				checkRange(fd.Rule+" related "+rel.Message, rel.Start, rel.End)
			}
			for _, fx := range fd.Fixes {
				for _, e := range fx.Edits {
					checkRange(fd.Rule+" fix edit", e.Start, e.End)
				}
				if _, err := ApplyEdits(src, fx.Edits); err != nil {
					t.Fatalf("%s fix %q: %v", fd.Rule, fx.Title, err)
				}
			}
		}
		for _, off := range hoverProbes(res, len(src)) {
			h, ok := res.HoverAt(off)
			if !ok {
				continue
			}
			checkRange("hover", h.Start, h.End)
			if off < h.Start || off > h.End {
				t.Fatalf("hover at %d spans %d..%d, which does not contain it", off, h.Start, h.End)
			}
		}
	})
}

// fuzzDeadline bounds the work on one fuzz input. Seeds take milliseconds,
// so an input that takes this long is a hang, not a slow machine.
const fuzzDeadline = 10 * time.Second

// finishWithin runs work and fails the test when it does not return within
// fuzzDeadline, so that the fuzzer records a hanging input as a failure
// instead of stalling. The stuck goroutine is left behind.
func finishWithin(t *testing.T, src []byte, work func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		work()
	}()
	select {
	case <-done:
	case <-time.After(fuzzDeadline):
		t.Fatalf("the analysis of this %d-byte input did not finish within %v:\n%q", len(src), fuzzDeadline, src)
	}
}

// runeBoundary reports whether off starts a character or ends the text.
func runeBoundary(src []byte, off int) bool {
	return off == len(src) || utf8.RuneStart(src[off])
}

// hoverProbes returns offsets worth hovering: the ends of the text, every
// call's class name, and a spread of offsets in between.
func hoverProbes(res *Result, size int) []int {
	probes := []int{0, size}
	for _, call := range res.File.Calls() {
		probes = append(probes, call.CalleeStart, call.CalleeEnd, (call.CalleeStart+call.CalleeEnd)/2)
	}
	for i := 1; i < 16; i++ {
		probes = append(probes, size*i/16)
	}
	return probes
}

// FuzzRewrite applies every rewrite to arbitrary bytes. For each input that
// parses and yields a fix, the rewritten text must parse (with tree-sitter
// and, where python3 exists, with Python's compiler), lose no argument
// value, and be left unchanged by a second run. Both the safe-only run and
// the run with fixes that need review are checked.
func FuzzRewrite(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	reg := fuzzRegistry(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		tree := MustParse(src)
		res := Analyze(NewFile(src, tree, reg), Options{Entrypoint: "fuzz.py"})
		hasErrors := res.File.HasErrors
		fixes := 0
		for _, fd := range res.Findings {
			fixes += len(fd.Fixes)
		}
		tree.Close()
		if hasErrors || fixes == 0 {
			return
		}
		for _, unsafe := range []bool{false, true} {
			var out []byte
			var applied []*Deployment
			var err error
			finishWithin(t, src, func() {
				out, applied, err = FixAllDeployments(context.Background(), src, reg, Options{Entrypoint: "fuzz.py"}, unsafe)
			})
			if err != nil {
				t.Fatalf("FixAll (unsafe=%v): %v", unsafe, err)
			}
			if len(applied) == 0 {
				continue
			}
			checkFuzzRewrite(t, reg, src, out, unsafe)
		}
	})
}

// checkFuzzRewrite is checkRewritten without the line-ending comparison,
// which assumes a file with one line-ending style, and with a python3
// compiler that stays running between inputs.
func checkFuzzRewrite(t *testing.T, reg *mappings.Registry, src, out []byte, unsafe bool) {
	t.Helper()
	tree := MustParse(out)
	f := NewFile(out, tree, reg)
	broken, where, msg := f.HasErrors, f.ErrorStart, f.ErrorMessage
	tree.Close()
	if broken {
		t.Fatalf("the rewrite (unsafe=%v) has a syntax error at byte %d (%s):\n%s", unsafe, where, msg, out)
	}
	again, n, err := FixAll(context.Background(), out, reg, Options{Entrypoint: "fuzz.py"}, unsafe)
	if err != nil || n != 0 || string(again) != string(out) {
		t.Fatalf("a second fix run (unsafe=%v) applied %d more fixes (err %v):\n%s", unsafe, n, err, out)
	}
	for _, missing := range lostValues(t, reg, "fuzz.py", src, out) {
		t.Errorf("the rewrite (unsafe=%v) lost the value %s", unsafe, missing)
	}
	// Python's compiler rejects some inputs that tree-sitter accepts, such
	// as a NUL byte; the rewrite is to blame only when the input compiled.
	if msg := pythonCompileError(out); msg != "" && pythonCompileError(src) == "" {
		t.Fatalf("python3 rejects the rewrite (unsafe=%v): %s\n%s", unsafe, msg, out)
	}
}

// compiler is a python3 process that compiles sources sent on its stdin,
// so that each fuzz input costs a pipe round trip instead of a process.
type compiler struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
}

var (
	compilerOnce   sync.Once
	sharedCompiler *compiler
)

// compileLoop reads a 4-byte big-endian length and that many bytes of
// source, and writes one line: "ok" or the compiler's message.
const compileLoop = `
import sys
stdin, stdout = sys.stdin.buffer, sys.stdout
while True:
    head = stdin.read(4)
    if len(head) < 4:
        break
    src = stdin.read(int.from_bytes(head, "big"))
    try:
        compile(src, "rewritten.py", "exec")
        stdout.write("ok\n")
    except Exception as e:
        stdout.write(repr(e).replace("\n", " ") + "\n")
    stdout.flush()
`

// pythonCompileError returns python3's message for src, or "" when src
// compiles or python3 is not installed.
func pythonCompileError(src []byte) string {
	compilerOnce.Do(func() { sharedCompiler = startCompiler() })
	c := sharedCompiler
	if c == nil {
		return ""
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	var head [4]byte
	binary.BigEndian.PutUint32(head[:], uint32(len(src)))
	if _, err := c.in.Write(append(head[:], src...)); err != nil {
		return fmt.Sprintf("the python3 compiler process failed: %v", err)
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		return fmt.Sprintf("the python3 compiler process failed: %v", err)
	}
	if line = strings.TrimSpace(line); line != "ok" {
		return line
	}
	return ""
}

// startCompiler starts the python3 compiler process, or returns nil when
// python3 is not installed or does not start. The process ends when the
// test binary exits and its stdin closes.
func startCompiler() *compiler {
	python, err := exec.LookPath("python3")
	if err != nil {
		return nil
	}
	cmd := exec.Command(python, "-c", compileLoop)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil
	}
	if err := cmd.Start(); err != nil {
		return nil
	}
	return &compiler{in: in, out: bufio.NewReader(out)}
}

// FuzzAnalyzeAfter edits a source at a fuzzed offset and checks that the
// analysis reusing the previous version, and the syntax copy built from
// the previous one, equal fresh ones.
func FuzzAnalyzeAfter(f *testing.F) {
	for i, seed := range fuzzSeeds(f) {
		f.Add(seed, uint(len(seed)/2+i), uint(i%3), "x")
		f.Add(seed, uint(len(seed)/3), uint(0), "\"")
	}
	reg := fuzzRegistry(f)
	opts := Options{Entrypoint: "fuzz.py", DeferRewriteCheck: true}
	f.Fuzz(func(t *testing.T, src []byte, at, cut uint, insert string) {
		off := int(at % uint(len(src)+1))
		end := min(off+int(cut%8), len(src))
		next := slices.Concat(src[:off], []byte(insert), src[end:])

		var prev, got, want *Result
		finishWithin(t, next, func() {
			prev = AnalyzeAfter(NewFile(src, MustParse(src), reg), opts, nil)
			tree := MustParse(next)
			if syn, _ := reuseSyntax(prev.File.Syntax, src, next, tree.RootNode()); syn != nil {
				if fresh := NewSyntax(tree.RootNode()); !slices.Equal(syn.nodes, fresh.nodes) {
					t.Errorf("the syntax built from the previous one differs from a fresh copy")
				}
			}
			got = AnalyzeAfter(NewFileAfter(next, tree, reg, prev.File), opts, prev)
			want = Analyze(NewFile(next, MustParse(next), reg), opts)
		})
		compareFindings(t, "fuzzed source", 0, got.Findings, want.Findings)
		compareCalls(t, "fuzzed source", 0, got.File.Calls(), want.File.Calls())
		if fresh := want.File.freeStrings(); !slices.Equal(got.File.free, fresh) {
			t.Fatalf("free strings %v, a fresh analysis finds %v", got.File.free, fresh)
		}
	})
}
