package server

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/airshift/airshift/analysis"
	"github.com/airshift/airshift/mappings"
)

// editScript turns fuzz bytes into editing decisions. Once the bytes run
// out, every decision is zero, which ends the script.
type editScript struct {
	data []byte
}

func (s *editScript) next() int {
	if len(s.data) == 0 {
		return 0
	}
	b := s.data[0]
	s.data = s.data[1:]
	return int(b)
}

func (s *editScript) done() bool { return len(s.data) == 0 }

// insertions are the pieces that inserted text is built from: line breaks
// of every kind, characters outside the BMP and code that changes the
// parse.
var insertions = []string{
	"", "x", " ", "\n", "\r\n", "\r", "😀", "é", "漢", "#", "\"", "'", "(", ")", "\t",
	"KubernetesPodOperator(", "task_id=\"t\", ", "image=\"i:1\"", "    ", "def f():\n",
	"from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n",
}

// clientChange makes one content change against text as an editor would:
// positions on character boundaries, counted in the negotiated encoding. It
// returns the change and the text after it.
func clientChange(s *editScript, text string, utf8Encoding bool) (protocol.TextDocumentContentChangeEvent, string) {
	if s.next()%16 == 0 {
		// A whole-document change, here the text without its first line.
		_, rest, _ := strings.Cut(text, "\n")
		return &protocol.TextDocumentContentChangeWholeDocument{Text: rest}, rest
	}
	positions := specPositions([]byte(text), utf8Encoding)
	offsets := make([]int, 0, len(positions))
	for off := range positions {
		offsets = append(offsets, off)
	}
	sort.Ints(offsets)
	first := (s.next()<<8 | s.next()) % len(offsets)
	last := min(first+s.next()%8, len(offsets)-1)
	start, end := offsets[first], offsets[last]

	var inserted strings.Builder
	for range s.next() % 4 {
		inserted.WriteString(insertions[s.next()%len(insertions)])
	}
	change := &protocol.TextDocumentContentChangePartial{
		Range: protocol.Range{Start: positions[start], End: positions[end]},
		Text:  inserted.String(),
	}
	return change, text[:start] + inserted.String() + text[end:]
}

// describeAnalysis renders the findings of f, for comparing two parses of
// the same text.
func describeAnalysis(f *analysis.File) string {
	res := analysis.Analyze(f, analysis.Options{Entrypoint: "fuzz.py"})
	var b strings.Builder
	for _, fd := range res.Findings {
		fmt.Fprintf(&b, "%s %d..%d %s fixes=%d\n", fd.Rule, fd.Start, fd.End, fd.Message, len(fd.Fixes))
	}
	return b.String()
}

// FuzzIncrementalEdits applies a random sequence of incremental and
// whole-document changes with applyChanges, in batches as didChange
// notifications carry them. The final text must equal the client's, and
// the incrementally reparsed tree and its findings must equal those of a
// full parse of the final text. The path without a tree, used for
// documents above the analysis limit, must produce the same text.
func FuzzIncrementalEdits(f *testing.F) {
	scripts := [][]byte{
		{1, 0, 5, 2, 3, 15, 1, 0, 40, 0, 1, 2, 19},
		{2, 3, 0, 9, 7, 3, 20, 4, 5, 1, 1, 1, 1, 2, 6, 0, 0, 0, 3, 3, 18, 17, 16},
		{0, 16, 1, 2, 3},
		bytes.Repeat([]byte{7, 1, 200, 3, 2, 21, 5}, 6),
	}
	for i, seed := range positionSeeds(f) {
		f.Add(seed, scripts[i%len(scripts)], i%2 == 0)
	}
	reg, err := mappings.Load(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, initial, script []byte, utf8Encoding bool) {
		if len(initial) > 16<<10 {
			// specPositions runs once per change; larger texts only slow
			// the search down.
			return
		}
		initial = bytes.ToValidUTF8(initial, []byte("\uFFFD"))
		ctx := context.Background()
		snap, err := open(ctx, "file:///fuzz.py", 1, initial, utf8Encoding)
		if err != nil {
			t.Fatal(err)
		}
		textOnly := &snapshot{uri: snap.uri, version: 1, text: initial, mapper: newMapper(initial, nil, utf8Encoding)}
		s := &editScript{data: script}
		text := string(initial)
		for version := int32(2); !s.done() && version < 18; version++ {
			var changes []protocol.TextDocumentContentChangeEvent
			for range 1 + s.next()%3 {
				var c protocol.TextDocumentContentChangeEvent
				c, text = clientChange(s, text, utf8Encoding)
				changes = append(changes, c)
			}
			next, err := applyChanges(ctx, snap, version, changes, utf8Encoding)
			if err != nil {
				t.Fatalf("applyChanges for version %d: %v", version, err)
			}
			snap.tree.Close()
			snap = next
			if textOnly, err = applyTextOnly(textOnly, version, changes, utf8Encoding); err != nil {
				t.Fatalf("applyTextOnly for version %d: %v", version, err)
			}
		}
		defer snap.tree.Close()
		if string(snap.text) != text {
			t.Fatalf("the server's text differs from the client's:\n%q\nwant\n%q", snap.text, text)
		}
		if string(textOnly.text) != text {
			t.Fatalf("the text-only document differs from the client's:\n%q\nwant\n%q", textOnly.text, text)
		}
		full := analysis.MustParse(snap.text)
		defer full.Close()
		if got, want := snap.tree.RootNode().String(), full.RootNode().String(); got != want {
			t.Fatalf("the incremental tree differs from a full parse of %q:\n%s\nwant\n%s", text, got, want)
		}
		incremental := describeAnalysis(analysis.NewFile(snap.text, snap.tree, reg))
		fresh := describeAnalysis(analysis.NewFile(snap.text, full, reg))
		if incremental != fresh {
			t.Fatalf("findings after incremental edits:\n%s\nwant\n%s", incremental, fresh)
		}
	})
}
