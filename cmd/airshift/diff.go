package main

import (
	"fmt"
	"strings"
)

// unifiedDiff renders the change from a to b as a unified diff with three
// lines of context, the format of diff -u and git diff.
func unifiedDiff(path string, a, b []byte) string {
	x, y := splitLines(string(a)), splitLines(string(b))
	ops := diffLines(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- a/%s\n+++ b/%s\n", strings.TrimPrefix(path, "/"), strings.TrimPrefix(path, "/"))
	const context = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// Grow a hunk from this change, merging changes closer than
		// twice the context.
		start := i
		for start > 0 && i-start < context && ops[start-1].kind == ' ' {
			start--
		}
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end += min(context, run-end)
				break
			}
			end = run
		}
		oldStart, newStart := ops[start].a+1, ops[start].b+1
		oldCount, newCount := 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				oldCount++
			}
			if op.kind != '-' {
				newCount++
			}
		}
		if oldCount == 0 {
			oldStart--
		}
		if newCount == 0 {
			newStart--
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", oldStart, oldCount, newStart, newCount)
		for _, op := range ops[start:end] {
			line := op.text
			out.WriteByte(op.kind)
			out.WriteString(line)
			if !strings.HasSuffix(line, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}

type diffOp struct {
	kind byte // ' ', '-' or '+'
	text string
	a, b int // line indexes in the old and new text
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines computes a shortest edit script with Myers' algorithm after
// trimming the common head and tail, which is where rewrites leave most
// lines.
func diffLines(x, y []string) []diffOp {
	head := 0
	for head < len(x) && head < len(y) && x[head] == y[head] {
		head++
	}
	tail := 0
	for tail < len(x)-head && tail < len(y)-head && x[len(x)-1-tail] == y[len(y)-1-tail] {
		tail++
	}
	var ops []diffOp
	for i := 0; i < head; i++ {
		ops = append(ops, diffOp{' ', x[i], i, i})
	}
	ops = append(ops, myers(x[head:len(x)-tail], y[head:len(y)-tail], head, head)...)
	for i := 0; i < tail; i++ {
		ai, bi := len(x)-tail+i, len(y)-tail+i
		ops = append(ops, diffOp{' ', x[ai], ai, bi})
	}
	return ops
}

func myers(x, y []string, offA, offB int) []diffOp {
	n, m := len(x), len(y)
	max := n + m
	if max == 0 {
		return nil
	}
	v := make([]int, 2*max+2)
	var trace [][]int
	for d := 0; d <= max; d++ {
		snapshot := make([]int, len(v))
		copy(snapshot, v)
		trace = append(trace, snapshot)
		for k := -d; k <= d; k += 2 {
			var i int
			if k == -d || k != d && v[max+k-1] < v[max+k+1] {
				i = v[max+k+1]
			} else {
				i = v[max+k-1] + 1
			}
			j := i - k
			for i < n && j < m && x[i] == y[j] {
				i++
				j++
			}
			v[max+k] = i
			if i >= n && j >= m {
				return backtrack(trace, x, y, d, max, offA, offB)
			}
		}
	}
	return nil
}

func backtrack(trace [][]int, x, y []string, d, max, offA, offB int) []diffOp {
	var rev []diffOp
	i, j := len(x), len(y)
	for ; d > 0; d-- {
		v := trace[d]
		k := i - j
		var prevK int
		if k == -d || k != d && v[max+k-1] < v[max+k+1] {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevI := v[max+prevK]
		prevJ := prevI - prevK
		for i > prevI && j > prevJ {
			i--
			j--
			rev = append(rev, diffOp{' ', x[i], offA + i, offB + j})
		}
		if i == prevI {
			j--
			rev = append(rev, diffOp{'+', y[j], offA + i, offB + j})
		} else {
			i--
			rev = append(rev, diffOp{'-', x[i], offA + i, offB + j})
		}
	}
	for i > 0 && j > 0 {
		i--
		j--
		rev = append(rev, diffOp{' ', x[i], offA + i, offB + j})
	}
	ops := make([]diffOp, len(rev))
	for k := range rev {
		ops[k] = rev[len(rev)-1-k]
	}
	return ops
}
