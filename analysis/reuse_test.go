package analysis

import (
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
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
	reused, syntaxReused, callsReused, edits := 0, 0, 0, 0
	names := slices.Sorted(maps.Keys(sources))
	for _, name := range names {
		src := sources[name]
		prev := AnalyzeAfter(NewFile(src, MustParse(src), reg), opts, nil)
		for round := range 30 {
			next, ok := randomEdit(rng, src, prev.memo.free, round%2 == 0)
			if !ok {
				continue
			}
			edits++
			tree := MustParse(next)
			if syn, _ := reuseSyntax(prev.File.Syntax, src, next, tree.RootNode()); syn != nil {
				syntaxReused++
				if fresh := NewSyntax(tree.RootNode()); !slices.Equal(syn.nodes, fresh.nodes) {
					t.Fatalf("%s edit %d: the syntax built from the previous one differs from a fresh copy", name, round)
				}
			}
			f := NewFileAfter(next, tree, reg, prev.File)
			got := AnalyzeAfter(f, opts, prev)
			want := Analyze(NewFile(next, MustParse(next), reg), opts)
			compareFindings(t, name, round, got.Findings, want.Findings)
			compareCalls(t, name, round, got.File.Calls(), want.File.Calls())
			if fresh := want.File.freeStrings(); !slices.Equal(got.File.free, fresh) {
				t.Fatalf("%s edit %d: free strings %v, a fresh analysis finds %v", name, round, got.File.free, fresh)
			}
			reused += got.memo.reused
			callsReused += f.callsReused
			src, prev = next, got
		}
	}
	if edits < 400 {
		t.Errorf("made %d edits, want at least 400", edits)
	}
	if reused == 0 {
		t.Error("no rewrite was reused, so the test checks nothing")
	}
	// Half the edits land in a free string, and an edit elsewhere often
	// leaves a syntax error that stops reuse until it is fixed.
	if syntaxReused < edits/5 {
		t.Errorf("the syntax was reused after %d of %d edits, want at least a fifth", syntaxReused, edits)
	}
	if callsReused == 0 {
		t.Error("no call took its arguments from the previous version, so the test checks nothing")
	}
	t.Logf("%d edits, %d rewrites reused, syntax reused %d times, %d calls' arguments reused", edits, reused, syntaxReused, callsReused)
}

// randomEdit replaces, inserts or deletes one ASCII byte of src: inside a
// free string when inString is set, anywhere otherwise.
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
		letter := "xq"[rng.Intn(2)]
		switch rng.Intn(3) {
		case 0:
			next := append([]byte(nil), src...)
			next[off] = letter
			return next, true
		case 1:
			return slices.Concat(src[:off], []byte{letter}, src[off:]), true
		default:
			return slices.Concat(src[:off], src[off+1:]), true
		}
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

// TestAnalyzeAfterCases checks edits that once made the reuse hand a call
// stale fixes: one of two identical calls changing, and a call whose
// variable another call assigns again.
func TestAnalyzeAfterCases(t *testing.T) {
	reg, err := mappings.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	const header = "from airflow import DAG\nfrom airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n\n"
	for _, tc := range []struct {
		name, src, from, to string
	}{
		{
			name: "identical calls",
			src: header + "with DAG(dag_id=\"d\") as dag:\n" +
				"    KubernetesPodOperator(task_id=\"a\", image=\"img:1\")\n" +
				"    KubernetesPodOperator(task_id=\"a\", image=\"img:1\")\n",
			from: "img:1", to: "img:2",
		},
		{
			name: "reassigned variable",
			src: header + "with DAG(dag_id=\"d\") as dag:\n" +
				"    t = KubernetesPodOperator(task_id=\"a\", image=\"i\", cmds=[\"echo\", \"hi\"])\n" +
				"    t = KubernetesPodOperator(task_id=\"b\", image=\"i\", cmds=[\"echo\", \"hi\"])\n" +
				"    print(\"x\", t)\n",
			from: `task_id="b"`, to: `task_id="c"`,
		},
		{
			name: "call read through dag=NAME",
			src: header + "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as DAG\n\n" +
				"d = DAG(task_id=\"d\", image=\"img:d\", default_args={\"namespace\": \"ns1\"})\n" +
				"b = KubernetesPodOperator(task_id=\"b\", image=\"img:b\", cmds=[\"python\", \"-c\", \"print(1)\"], dag=d)\n",
			from: "ns1", to: "ns2",
		},
		{
			name: "callee named like a task variable",
			src: header + "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as t\n\n" +
				"x = t(task_id=\"a\", image=\"img:1\")\n" +
				"t = KubernetesPodOperator(task_id=\"c\", image=\"img:c\", cmds=[\"python\", \"-c\", \"print(2)\"])\n",
			from: "img:1", to: "img:2",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.src)
			next := []byte(strings.Replace(tc.src, tc.from, tc.to, 1))
			opts := Options{DeferRewriteCheck: true}
			prev := AnalyzeAfter(NewFile(src, MustParse(src), reg), opts, nil)
			got := AnalyzeAfter(NewFileAfter(next, MustParse(next), reg, prev.File), opts, prev)
			want := Analyze(NewFile(next, MustParse(next), reg), opts)
			if len(want.Findings) < 2 {
				t.Fatalf("a fresh analysis has %d findings, want at least 2", len(want.Findings))
			}
			compareFindings(t, tc.name, 0, got.Findings, want.Findings)
			compareCalls(t, tc.name, 0, got.File.Calls(), want.File.Calls())
		})
	}
}

// compareCalls checks that calls built with arguments taken from the
// previous version equal calls read afresh.
func compareCalls(t *testing.T, name string, round int, got, want []*Call) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s edit %d: %d calls, a fresh analysis has %d", name, round, len(got), len(want))
	}
	index := func(n *Node) int32 {
		if n == nil {
			return -1
		}
		return n.self
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Mapping != w.Mapping || g.Rule != w.Rule || g.CalleeStart != w.CalleeStart || g.CalleeEnd != w.CalleeEnd ||
			g.Certain != w.Certain || g.Target != w.Target || g.Mapped != w.Mapped || g.Decorator != w.Decorator ||
			g.Function != w.Function || g.Subclass != w.Subclass || g.Factory != w.Factory ||
			index(g.Node) != index(w.Node) || index(g.Stmt) != index(w.Stmt) {
			t.Fatalf("%s edit %d: call %d differs from a fresh analysis: %+v, want %+v", name, round, i, g, w)
		}
		if !reflect.DeepEqual(g.Keywords, w.Keywords) || !reflect.DeepEqual(g.Positional, w.Positional) || !reflect.DeepEqual(g.DAG, w.DAG) {
			t.Fatalf("%s edit %d: the arguments of call %d at %d differ from a fresh analysis", name, round, i, g.CalleeStart)
		}
	}
}
