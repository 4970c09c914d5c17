package server

import (
	"bytes"
	"fmt"
	"sort"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// This file is the one place where byte offsets, which the analysis and
// tree-sitter use, meet LSP positions, whose character counts UTF-16 code
// units unless the client and server agreed on UTF-8 at initialize. LSP
// lines end at "\n", "\r\n" or a lone "\r" (LSP 3.17, "Text Documents").

// mapper converts between byte offsets and LSP positions for one text.
type mapper struct {
	text       []byte
	lineStarts []int
	utf8       bool
	// loneCR is set when a "\r" not followed by "\n" ends a line, so LSP
	// lines differ from tree-sitter rows, which end at "\n" only.
	loneCR bool
}

func newMapper(text []byte, lineStarts []int, utf8Encoding bool) *mapper {
	m := &mapper{text: text, lineStarts: lineStarts, utf8: utf8Encoding}
	if lineStarts == nil {
		m.lineStarts, m.loneCR = computeLineStarts(text)
	} else {
		// Line starts from the caller do not say which "\r" ends a line,
		// so any "\r" selects the slower point computation.
		m.loneCR = bytes.IndexByte(text, '\r') >= 0
	}
	return m
}

// computeLineStarts returns the offset of every LSP line start, and whether
// a lone "\r" ends any line.
func computeLineStarts(text []byte) ([]int, bool) {
	starts := []int{0}
	loneCR := false
	for i, b := range text {
		switch {
		case b == '\n':
			starts = append(starts, i+1)
		case b == '\r' && (i+1 == len(text) || text[i+1] != '\n'):
			starts = append(starts, i+1)
			loneCR = true
		}
	}
	return starts, loneCR
}

// lineEnd returns the offset of the end of line's content, before its line
// break ("\n", "\r\n" or "\r").
func (m *mapper) lineEnd(line int) int {
	if line+1 < len(m.lineStarts) {
		end := m.lineStarts[line+1] - 1
		if m.text[end] == '\n' && end > m.lineStarts[line] && m.text[end-1] == '\r' {
			end--
		}
		return end
	}
	return len(m.text)
}

// offset converts a position to a byte offset. A line past the end of the
// text is an error; a character past the end of its line clamps to the
// line's end, as the specification requires. A character in the middle of a
// surrogate pair or of a UTF-8 sequence moves back to the start of that
// character.
func (m *mapper) offset(p protocol.Position) (int, error) {
	line := int(p.Line)
	if line >= len(m.lineStarts) {
		if line == len(m.lineStarts) && p.Character == 0 {
			return len(m.text), nil
		}
		return 0, fmt.Errorf("line %d is past the end of the document, which has %d lines", line, len(m.lineStarts))
	}
	start, end := m.lineStarts[line], m.lineEnd(line)
	want := int(p.Character)
	if m.utf8 {
		off := min(start+want, end)
		for off > start && off < end && !utf8.RuneStart(m.text[off]) {
			off--
		}
		return off, nil
	}
	units := 0
	for off := start; off < end; {
		r, size := utf8.DecodeRune(m.text[off:end])
		width := 1
		if r >= 0x10000 {
			width = 2
		}
		if units+width > want {
			return off, nil
		}
		units += width
		off += size
	}
	return end, nil
}

// position converts a byte offset to a position; offsets outside the text
// clamp to its ends.
func (m *mapper) position(off int) protocol.Position {
	off = max(0, min(off, len(m.text)))
	line := m.line(off)
	start := m.lineStarts[line]
	if m.utf8 {
		return protocol.Position{Line: uint32(line), Character: uint32(off - start)}
	}
	units := 0
	for i := start; i < off; {
		r, size := utf8.DecodeRune(m.text[i:off])
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
		i += size
	}
	return protocol.Position{Line: uint32(line), Character: uint32(units)}
}

// line returns the zero-based line that contains offset off.
func (m *mapper) line(off int) int {
	return sort.Search(len(m.lineStarts), func(i int) bool { return m.lineStarts[i] > off }) - 1
}

func (m *mapper) rangeOf(start, end int) protocol.Range {
	return protocol.Range{Start: m.position(start), End: m.position(end)}
}

// byteRange converts an LSP range, checking that it is not reversed.
func (m *mapper) byteRange(r protocol.Range) (int, int, error) {
	start, err := m.offset(r.Start)
	if err != nil {
		return 0, 0, err
	}
	end, err := m.offset(r.End)
	if err != nil {
		return 0, 0, err
	}
	if end < start {
		return 0, 0, fmt.Errorf("range end %d:%d is before its start %d:%d", r.End.Line, r.End.Character, r.Start.Line, r.Start.Character)
	}
	return start, end, nil
}
