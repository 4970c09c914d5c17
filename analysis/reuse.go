package analysis

import (
	"bytes"
	"sort"

	"github.com/airshift/airshift/mappings"
)

// rewriteMemo keeps the fixes of one analysis, so that the analysis of the
// document's next version can reuse the fixes of every call that an edit
// cannot have changed.
//
// A string argument of an operator call, such as an image tag, a command
// or an environment value, is "free" when no other call's rewrite reads
// it. When the new text equals the old one outside its free strings, each
// call whose own statement is unchanged gets its old fixes back, with
// their offsets moved by the edit.
type rewriteMemo struct {
	src      []byte
	free     []span
	opts     Options
	registry *mappings.Registry
	// byText maps a call statement's text to the rewrites of the calls
	// with that text, in source order.
	byText map[string][]memoEntry
	// reused counts the calls whose rewrites came from the previous memo.
	reused int
}

type span struct{ start, end int }

type memoEntry struct {
	// start is where the call's statement starts in the memo's text.
	start int
	fixes []Fix
	noFix string
}

// AnalyzeAfter is Analyze for a new version of a document whose previous
// analysis was prev (nil for none). It reuses prev's rewrites where an edit
// cannot have changed them, and returns the same findings as Analyze.
func AnalyzeAfter(f *File, opts Options, prev *Result) *Result {
	opts = opts.withDefaults()
	memo := &rewriteMemo{src: f.Src, free: f.freeStrings(), opts: opts, registry: f.registry, byText: map[string][]memoEntry{}}
	var old *rewriteMemo
	var move func(int) (int, bool)
	if prev != nil && prev.memo != nil {
		old = prev.memo
		move = old.offsetsTo(memo)
	}
	res := analyze(f, opts, func(call *Call) ([]Fix, string) {
		stmt, start := statementText(f, call)
		fixes, noFix, ok := old.reuse(stmt, start, move)
		if ok {
			memo.reused++
		} else {
			fixes, noFix = rewrite(f, call, opts)
		}
		memo.byText[stmt] = append(memo.byText[stmt], memoEntry{start: start, fixes: fixes, noFix: noFix})
		return fixes, noFix
	})
	res.memo = memo
	return res
}

// statementText returns the text and start of the statement that holds
// the call, or of the call alone when it is part of a larger expression.
func statementText(f *File, call *Call) (string, int) {
	n := call.Stmt
	if n == nil {
		n = call.Node
	}
	return string(f.Src[n.StartByte():n.EndByte()]), int(n.StartByte())
}

// reuse returns the fixes memoised for the call whose statement is stmt
// and starts at start in the new text, moved there, and false when there
// are none or an edit falls where move cannot place it.
func (m *rewriteMemo) reuse(stmt string, start int, move func(int) (int, bool)) ([]Fix, string, bool) {
	if m == nil || move == nil {
		return nil, "", false
	}
	var entry *memoEntry
	for i, e := range m.byText[stmt] {
		// Two calls can have the same text, so the entry must be the one
		// at this call's place.
		if moved, ok := move(e.start); ok && moved == start {
			entry = &m.byText[stmt][i]
			break
		}
	}
	if entry == nil {
		return nil, "", false
	}
	if entry.fixes == nil {
		return nil, entry.noFix, true
	}
	fixes := make([]Fix, len(entry.fixes))
	for i, fx := range entry.fixes {
		edits := make([]Edit, len(fx.Edits))
		for j, e := range fx.Edits {
			start, okStart := move(e.Start)
			end, okEnd := move(e.End)
			if !okStart || !okEnd {
				return nil, "", false
			}
			edits[j] = Edit{Start: start, End: end, Text: e.Text, first: e.first}
		}
		fx.Edits = edits
		fixes[i] = fx
	}
	return fixes, entry.noFix, true
}

// offsetsTo compares m's text with next's. When they differ only inside
// free strings, with the same strings free in both, it returns the
// function that moves an offset of m's text to next's: false for an offset
// strictly inside a free string. Otherwise it returns nil.
func (m *rewriteMemo) offsetsTo(next *rewriteMemo) func(int) (int, bool) {
	if m.registry != next.registry || m.opts.WorkPool != next.opts.WorkPool ||
		m.opts.Entrypoint != next.opts.Entrypoint || m.opts.DeferRewriteCheck != next.opts.DeferRewriteCheck || m.opts.FirstFixOnly != next.opts.FirstFixOnly ||
		len(m.free) != len(next.free) {
		return nil
	}
	// shift[i] is how far the text after free string i moved.
	shift := make([]int, len(m.free))
	oldAt, newAt, delta := 0, 0, 0
	for i, s := range m.free {
		n := next.free[i]
		if !bytes.Equal(m.src[oldAt:s.start], next.src[newAt:n.start]) {
			return nil
		}
		delta += (n.end - n.start) - (s.end - s.start)
		shift[i] = delta
		oldAt, newAt = s.end, n.end
	}
	if !bytes.Equal(m.src[oldAt:], next.src[newAt:]) {
		return nil
	}
	free := m.free
	return func(off int) (int, bool) {
		// i is the first free string that ends after off.
		i := sort.Search(len(free), func(i int) bool { return free[i].end > off })
		if i < len(free) && off > free[i].start {
			return 0, false
		}
		if i == 0 {
			return off, true
		}
		return off + shift[i-1], true
	}
}

// freeStrings returns the free strings in source order. A free string is a
// single-line literal without interpolation in the arguments of a mapped
// operator call that is a whole statement. Those arguments must not name
// a call's task variable or contain another mapped call, and no other call
// may assign the same variable.
func (f *File) freeStrings() []span {
	targets := map[string]int{}
	for _, call := range f.calls {
		if call.Target != "" {
			targets[call.Target]++
		}
	}
	var out []span
	for i, call := range f.calls {
		args := call.Node.ChildByFieldName("arguments")
		if call.Stmt == nil || args == nil {
			continue
		}
		if call.Target != "" && targets[call.Target] > 1 {
			// Another call's rewrite can quote this statement as a use of
			// the variable they share.
			continue
		}
		if i+1 < len(f.calls) && f.calls[i+1].Node.StartByte() < call.Node.EndByte() {
			continue
		}
		var found []span
		if f.collectFree(args, targets, &found) {
			out = append(out, found...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// collectFree appends the free strings under n to out. It returns false
// when n uses a task variable, because then no string of the call is free.
func (f *File) collectFree(n *Node, targets map[string]int, out *[]span) bool {
	switch n.Type() {
	case "identifier":
		return targets[text(n, f.Src)] == 0
	case "string":
		start, end := int(n.StartByte()), int(n.EndByte())
		if bytes.ContainsAny(f.Src[start:end], "\r\n") {
			return true
		}
		for i := 0; i < int(n.NamedChildCount()); i++ {
			if n.NamedChild(i).Type() == "interpolation" {
				return f.collectChildren(n, targets, out)
			}
		}
		*out = append(*out, span{start, end})
		return true
	}
	return f.collectChildren(n, targets, out)
}

func (f *File) collectChildren(n *Node, targets map[string]int, out *[]span) bool {
	for i := 0; i < int(n.ChildCount()); i++ {
		if !f.collectFree(n.Child(i), targets, out) {
			return false
		}
	}
	return true
}
