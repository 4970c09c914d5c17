package analysis

import (
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/airshift/airshift/mappings"
	"github.com/airshift/airshift/testdata/bench/corpus"
)

// TestAnalyzeAfterMatchesAnalyze edits every fixture many times, once
// inside a free string and once anywhere, and checks that the analysis
// that reuses the previous version's rewrites equals a fresh one.
func TestAnalyzeAfterMatchesAnalyze(t *testing.T) {
	reg, err := mappings.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]byte{}
	paths, _ := filepath.Glob("../testdata/dags/*.py")
	more, _ := filepath.Glob("../testdata/relatives/*.py")
	for _, path := range append(paths, more...) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sources[filepath.Base(path)] = src
	}
	for i := range 4 {
		sources["generated_"+string(rune('0'+i))] = corpus.Generate(i, 300).Source
	}
	if len(sources) < 20 {
		t.Fatalf("found %d sources, want at least 20", len(sources))
	}

	opts := Options{DeferRewriteCheck: true}
	rng := rand.New(rand.NewSource(7))
	reused, edits := 0, 0
	for name, src := range sources {
		prev := AnalyzeAfter(NewFile(src, MustParse(src), reg), opts, nil)
		for round := range 30 {
			next, ok := randomEdit(rng, src, prev.memo.free, round%2 == 0)
			if !ok {
				continue
			}
			edits++
			f := NewFile(next, MustParse(next), reg)
			got := AnalyzeAfter(f, opts, prev)
			want := Analyze(NewFile(next, MustParse(next), reg), opts)
			compareFindings(t, name, round, got.Findings, want.Findings)
			reused += got.memo.reused
			src, prev = next, got
		}
	}
	if edits < 400 {
		t.Errorf("made %d edits, want at least 400", edits)
	}
	if reused == 0 {
		t.Error("no rewrite was reused, so the test checks nothing")
	}
	t.Logf("%d edits, %d rewrites reused", edits, reused)
}

// randomEdit replaces one ASCII byte of src with a letter: inside a free
// string when inString is set, anywhere otherwise.
func randomEdit(rng *rand.Rand, src []byte, free []span, inString bool) ([]byte, bool) {
	for range 20 {
		var off int
		if inString {
			if len(free) == 0 {
				return nil, false
			}
			s := free[rng.Intn(len(free))]
			if s.end-s.start < 3 {
				continue
			}
			off = s.start + 1 + rng.Intn(s.end-s.start-2)
		} else {
			off = rng.Intn(len(src))
		}
		c := src[off]
		if c >= 0x80 || c == '\\' || c == '"' || c == '\'' || c == '\n' || c == '\r' || off > 0 && src[off-1] == '\\' {
			continue
		}
		next := append([]byte(nil), src...)
		next[off] = "xq"[rng.Intn(2)]
		return next, true
	}
	return nil, false
}

func compareFindings(t *testing.T, name string, round int, got, want []Finding) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s edit %d: %d findings, a fresh analysis has %d", name, round, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Rule != w.Rule || g.Start != w.Start || g.End != w.End || g.Message != w.Message || g.NoFixReason != w.NoFixReason {
			t.Fatalf("%s edit %d: finding %d is %s at %d (%q), a fresh analysis has %s at %d (%q)", name, round, i, g.Rule, g.Start, g.NoFixReason, w.Rule, w.Start, w.NoFixReason)
		}
		if !reflect.DeepEqual(g.Fixes, w.Fixes) {
			t.Fatalf("%s edit %d: the fixes of finding %d at %d differ from a fresh analysis:\n got %+v\nwant %+v", name, round, i, g.Start, g.Fixes, w.Fixes)
		}
	}
}
