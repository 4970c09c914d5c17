package analysis

import (
	"bytes"
	"fmt"
	"sort"
)

// ApplyEdits returns src with edits applied. Edits must not overlap.
func ApplyEdits(src []byte, edits []Edit) ([]byte, error) {
	sorted := normalizeEdits(edits)
	var out bytes.Buffer
	out.Grow(len(src))
	last := 0
	for _, e := range sorted {
		if e.Start < last || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("edit %d..%d overlaps another edit or lies outside the %d-byte text", e.Start, e.End, len(src))
		}
		out.Write(src[last:e.Start])
		out.WriteString(e.Text)
		last = e.End
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// normalizeEdits sorts edits and merges the ones that touch, so that an
// insertion at the end of a deletion becomes one edit. Clients differ in how
// they order an insertion and a replacement that start at the same offset,
// and a merged edit leaves them nothing to order.
func normalizeEdits(edits []Edit) []Edit {
	sorted := make([]Edit, len(edits))
	copy(sorted, edits)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Start != sorted[j].Start {
			return sorted[i].Start < sorted[j].Start
		}
		// An insertion goes before a replacement at the same offset, and an
		// import before other insertions there.
		li, lj := sorted[i].End-sorted[i].Start, sorted[j].End-sorted[j].Start
		if li != lj {
			return li < lj
		}
		return sorted[i].first && !sorted[j].first
	})
	var out []Edit
	for _, e := range sorted {
		if n := len(out); n > 0 && out[n-1].End == e.Start {
			out[n-1].End = e.End
			out[n-1].Text += e.Text
			continue
		}
		out = append(out, e)
	}
	return out
}

// CheckFix returns an error when applying fx to f does not give valid
// Python. Analyze runs it on every fix unless Options.DeferRewriteCheck is
// set.
func CheckFix(f *File, fx *Fix) error {
	if err := checkRewrite(f, fx.Edits); err != nil {
		return fmt.Errorf("the rewrite would not be valid Python (%v); please report this file", err)
	}
	return nil
}

// checkRewrite applies edits to a copy of the file and reports whether the
// result still parses.
func checkRewrite(f *File, edits []Edit) error {
	out, err := ApplyEdits(f.Src, edits)
	if err != nil {
		return err
	}
	tree := MustParse(out)
	defer tree.Close()
	if tree.RootNode().HasError() {
		return fmt.Errorf("the result has a syntax error")
	}
	return nil
}

// lineEnding returns the file's line break: "\r\n" when its first line
// ends that way, "\n" otherwise.
func lineEnding(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// indentUnit returns the file's indentation step: a tab, or the smallest
// number of leading spaces seen (four when the file has no indented line).
func indentUnit(src []byte) string {
	smallest := 0
	for _, line := range bytes.Split(src, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if line[0] == '\t' {
			return "\t"
		}
		n := 0
		for n < len(line) && line[n] == ' ' {
			n++
		}
		if n > 0 && n < len(line) && line[n] != '\r' && line[n] != '#' && (smallest == 0 || n < smallest) {
			smallest = n
		}
	}
	if smallest == 0 {
		return "    "
	}
	return string(bytes.Repeat([]byte(" "), smallest))
}
