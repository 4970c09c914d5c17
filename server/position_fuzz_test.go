package server

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// specLineStarts returns the offset of every line start as the LSP
// specification splits lines: at "\n", "\r\n" and a lone "\r".
func specLineStarts(text []byte) []int {
	starts := []int{0}
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n':
			starts = append(starts, i+2)
			i++
		case text[i] == '\n' || text[i] == '\r':
			starts = append(starts, i+1)
		}
	}
	return starts
}

// specUnits counts the characters of s in the negotiated encoding: UTF-16
// code units, or bytes with UTF-8.
func specUnits(s []byte, utf8Encoding bool) int {
	if utf8Encoding {
		return len(s)
	}
	return len(utf16.Encode([]rune(string(s))))
}

// specPositions returns every offset of text that a position can name,
// mapped to that position: the start of each character and each line end,
// but not the middle of a "\r\n".
func specPositions(text []byte, utf8Encoding bool) map[int]protocol.Position {
	starts := specLineStarts(text)
	out := map[int]protocol.Position{}
	for line, start := range starts {
		end := len(text)
		if line+1 < len(starts) {
			end = starts[line+1] - 1
			if text[end] == '\n' && end > start && text[end-1] == '\r' {
				end--
			}
		}
		for off := start; ; {
			out[off] = protocol.Position{Line: uint32(line), Character: uint32(specUnits(text[start:off], utf8Encoding))}
			if off >= end {
				break
			}
			_, size := utf8.DecodeRune(text[off:end])
			off += size
		}
	}
	return out
}

// positionSeeds returns the fixture DAGs and short texts with the
// characters that make position conversion hard.
func positionSeeds(f *testing.F) [][]byte {
	f.Helper()
	seeds := [][]byte{
		{},
		[]byte("x = 1\n"),
		[]byte("a😀b\r\nc\n"),
		[]byte("é漢字😀\n\n𝄞x"),
		[]byte("old\rmac\rlines\r"),
		[]byte("\r\n\r\r\n\n"),
		[]byte("bad \xff\xfe bytes\n\xf0\x9f\x98 cut emoji"),
		[]byte("nul\x00byte\n"),
	}
	paths, err := filepath.Glob("../testdata/dags/*.py")
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
	return seeds
}

// FuzzPositionRoundTrip checks the mapper against an independent reading
// of the specification. Every offset that a position can name converts to
// that position and back, in UTF-16 and in UTF-8. Arbitrary positions
// convert to an offset on a character boundary of the named line, or to an
// error when the line does not exist.
func FuzzPositionRoundTrip(f *testing.F) {
	for _, seed := range positionSeeds(f) {
		f.Add(seed, false, uint32(0), uint32(1))
		f.Add(seed, true, uint32(1), uint32(3))
	}
	f.Fuzz(func(t *testing.T, text []byte, utf8Encoding bool, probeLine, probeCharacter uint32) {
		// The protocol package decodes invalid UTF-8 in JSON strings to
		// U+FFFD, so a document's text is always valid UTF-8.
		text = bytes.ToValidUTF8(text, []byte("\uFFFD"))
		m := newMapper(text, nil, utf8Encoding)
		want := specPositions(text, utf8Encoding)
		for off, pos := range want {
			if got := m.position(off); got != pos {
				t.Fatalf("position(%d) = %d:%d, want %d:%d (text %q)", off, got.Line, got.Character, pos.Line, pos.Character, text)
			}
			back, err := m.offset(pos)
			if err != nil {
				t.Fatalf("offset(%d:%d): %v (text %q)", pos.Line, pos.Character, err, text)
			}
			if back != off {
				t.Fatalf("offset(%d:%d) = %d, want %d (text %q)", pos.Line, pos.Character, back, off, text)
			}
		}

		starts := specLineStarts(text)
		lines := uint32(len(starts))
		for _, p := range []protocol.Position{
			{Line: probeLine, Character: probeCharacter},
			{Line: probeLine % (lines + 1), Character: probeCharacter},
			{Line: probeLine % (lines + 1), Character: probeCharacter % 64},
			{Line: lines, Character: 0},
			{Line: lines - 1, Character: ^uint32(0)},
		} {
			off, err := m.offset(p)
			if p.Line > lines || p.Line == lines && p.Character > 0 {
				if err == nil {
					t.Fatalf("offset(%d:%d) = %d for a text of %d lines, want an error", p.Line, p.Character, off, lines)
				}
				continue
			}
			if err != nil {
				t.Fatalf("offset(%d:%d) on a text of %d lines: %v", p.Line, p.Character, lines, err)
			}
			pos, ok := want[off]
			if !ok {
				t.Fatalf("offset(%d:%d) = %d, which is not a character boundary (text %q)", p.Line, p.Character, off, text)
			}
			if p.Line < lines && (pos.Line != p.Line || pos.Character > p.Character) {
				t.Fatalf("offset(%d:%d) = %d at %d:%d, want the same line at or before the character", p.Line, p.Character, off, pos.Line, pos.Character)
			}
		}
	})
}

// FuzzTreeSitterPoint checks the points handed to tree-sitter's edits:
// rows count "\n" only, as tree-sitter does, and columns are bytes.
func FuzzTreeSitterPoint(f *testing.F) {
	for _, seed := range positionSeeds(f) {
		f.Add(seed, uint32(3))
	}
	f.Fuzz(func(t *testing.T, text []byte, at uint32) {
		m := newMapper(text, nil, false)
		off := int(at) % (len(text) + 1)
		row, column := 0, off
		for i := 0; i < off; i++ {
			if text[i] == '\n' {
				row++
				column = off - i - 1
			}
		}
		if p := m.point(off); int(p.Row) != row || int(p.Column) != column {
			t.Fatalf("point(%d) = %d:%d, want %d:%d (text %q)", off, p.Row, p.Column, row, column, text)
		}
	})
}
