package analysis

import (
	"bytes"
	"hash/maphash"
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
	// byText maps the hash of a call statement's text to the rewrites of
	// the calls with that hash, in source order.
	byText map[uint64][]memoEntry
	// reused counts the calls whose rewrites came from the previous memo.
	reused int
}

type span struct{ start, end int }

type memoEntry struct {
	// start and end span the call's statement in the memo's text.
	start, end int
	fixes      []Fix
	noFix      string
}

// AnalyzeAfter is Analyze for a new version of a document whose previous
// analysis was prev (nil for none). It reuses prev's rewrites where an edit
// cannot have changed them, and returns the same findings as Analyze.
func AnalyzeAfter(f *File, opts Options, prev *Result) *Result {
	opts = opts.withDefaults()
	f.free = f.freeStringsAfter()
	memo := &rewriteMemo{src: f.Src, free: f.free, opts: opts, registry: f.registry, byText: map[uint64][]memoEntry{}}
	var old *rewriteMemo
	var move func(int) (int, bool)
	if prev != nil && prev.memo != nil {
		old = prev.memo
		move = old.offsetsTo(memo)
	}
	res := analyze(f, opts, func(call *Call) ([]Fix, string) {
		stmt, start := statementText(f, call)
		key := maphash.Bytes(memoSeed, stmt)
		fixes, noFix, ok := old.reuse(key, stmt, start, move)
		if ok {
			memo.reused++
		} else {
			fixes, noFix = rewrite(f, call, opts)
		}
		memo.byText[key] = append(memo.byText[key], memoEntry{start: start, end: start + len(stmt), fixes: fixes, noFix: noFix})
		return fixes, noFix
	})
	res.memo = memo
	return res
}

// memoSeed seeds the hashes of statement texts in rewrite memos.
var memoSeed = maphash.MakeSeed()

// statementText returns the text and start of the statement that holds
// the call, or of the call alone when it is part of a larger expression.
func statementText(f *File, call *Call) ([]byte, int) {
	n := call.Stmt
	if n == nil {
		n = call.Node
	}
	return f.Src[n.StartByte():n.EndByte()], int(n.StartByte())
}

// reuse returns the fixes memoised for the call whose statement, hashed
// as key, is stmt and starts at start in the new text, moved there. It
// returns false when there are none or an edit falls where move cannot
// place it.
func (m *rewriteMemo) reuse(key uint64, stmt []byte, start int, move func(int) (int, bool)) ([]Fix, string, bool) {
	if m == nil || move == nil {
		return nil, "", false
	}
	var entry *memoEntry
	for i, e := range m.byText[key] {
		// Two calls can have the same text, so the entry must be the one
		// at this call's place.
		if moved, ok := move(e.start); ok && moved == start && bytes.Equal(m.src[e.start:e.end], stmt) {
			entry = &m.byText[key][i]
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
// operator call that is a whole statement. Those arguments and the callee
// must not name a call's task variable, the arguments must not contain
// another mapped call, no other call may assign the same variable, and no
// other mapped call may use that variable in its arguments.
func (f *File) freeStrings() []span {
	targets, mapped := f.callTargets(), f.callNodes()
	var out []span
	for i := range f.calls {
		out = append(out, f.freeStringsOf(i, targets, mapped)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// callTargets counts the calls assigned to each variable.
func (f *File) callTargets() map[string]int {
	targets := map[string]int{}
	for _, call := range f.calls {
		if call.Target != "" {
			targets[call.Target]++
		}
	}
	return targets
}

// callNodes returns the set of the mapped calls' nodes.
func (f *File) callNodes() map[*Node]bool {
	nodes := make(map[*Node]bool, len(f.calls))
	for _, c := range f.calls {
		nodes[c.Node] = true
	}
	return nodes
}

// freeStringsOf returns the free strings in the arguments of f.calls[i].
// targets counts the calls assigned to each variable, and mapped holds
// the mapped calls' nodes.
func (f *File) freeStringsOf(i int, targets map[string]int, mapped map[*Node]bool) []span {
	call := f.calls[i]
	args := call.Node.ChildByFieldName("arguments")
	if call.Stmt == nil || args == nil {
		return nil
	}
	if call.Target != "" && targets[call.Target] > 1 {
		// Another call's rewrite can quote this statement as a use of the
		// variable they share.
		return nil
	}
	if i+1 < len(f.calls) && f.calls[i+1].Node.StartByte() < call.Node.EndByte() {
		return nil
	}
	if call.Target != "" && f.readByOtherCall(call, mapped) {
		// Another call can read this one's value through its variable,
		// as dag=NAME does.
		return nil
	}
	// A rewrite quotes the call around a use of its variable, and the
	// callee can be one.
	var quoted []span
	if fn := call.Node.ChildByFieldName("function"); fn != nil && !f.collectFree(fn, targets, &quoted) {
		return nil
	}
	var found []span
	if !f.collectFree(args, targets, &found) {
		return nil
	}
	return found
}

// readByOtherCall reports whether the variable call is assigned to is used
// inside another of the mapped calls whose nodes mapped holds.
func (f *File) readByOtherCall(call *Call, mapped map[*Node]bool) bool {
	for _, ref := range f.identRefs[call.Target] {
		for p := ref.Parent(); p != nil; p = p.Parent() {
			if p != call.Node && mapped[p] {
				return true
			}
		}
	}
	return false
}

// freeStringsAfter returns f.freeStrings() for a file built by
// NewFileAfter from a previous version whose edit changed one free string:
// the previous free strings, moved, with those of the edited call found
// again. Nothing else that decides which strings are free can change.
func (f *File) freeStringsAfter() []span {
	u := f.freeUpdate
	if u == nil {
		return f.freeStrings()
	}
	edited := -1
	for i, c := range f.calls {
		if int(c.Node.start) <= u.edit.start && u.edit.newEnd <= int(c.Node.end) {
			edited = i
		}
	}
	if edited < 0 {
		return f.freeStrings()
	}
	node := f.calls[edited].Node
	oldStart, oldEnd := int(node.start), int(node.end)-(u.edit.newEnd-u.edit.oldEnd)
	out := make([]span, 0, len(u.prev))
	for _, s := range u.prev {
		if oldStart <= s.start && s.end <= oldEnd {
			continue
		}
		out = append(out, span{u.edit.move(s.start), u.edit.move(s.end)})
	}
	out = append(out, f.freeStringsOf(edited, f.callTargets(), f.callNodes())...)
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// freeUpdate holds the previous version's free strings and the edit since,
// which NewFileAfter passes to freeStringsAfter.
type freeUpdate struct {
	prev []span
	edit textEdit
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

// callReuse lists the calls of a previous version whose arguments the
// next version takes over, with their offsets moved by edit.
type callReuse struct {
	edit  textEdit
	calls map[int32]*Call
}

// call returns the previous version of the call at n, or nil.
func (r *callReuse) call(n *Node) *Call {
	if r == nil {
		return nil
	}
	return r.calls[n.self]
}

// reusableCalls returns the calls of f whose arguments a new version of
// the text, differing from f's by edit and with the same syntax tree
// shape, keeps: every call but the one whose free string the edit changed.
// It returns nil when the edit is not inside one of f's free strings, since
// other strings, such as module constants, can feed any call's arguments.
func (f *File) reusableCalls(edit textEdit) *callReuse {
	unchanged := edit.start == edit.oldEnd && edit.oldEnd == edit.newEnd
	if !unchanged {
		inFree := false
		for _, s := range f.free {
			if s.start < edit.start && edit.oldEnd < s.end {
				inFree = true
				break
			}
		}
		if !inFree {
			return nil
		}
	}
	r := &callReuse{edit: edit, calls: make(map[int32]*Call, len(f.calls))}
	for _, c := range f.calls {
		if c.Subclass != "" || c.Factory != "" {
			continue
		}
		if !unchanged && int(c.Node.start) <= edit.start && edit.oldEnd <= int(c.Node.end) {
			continue
		}
		r.calls[c.Node.self] = c
	}
	return r
}
