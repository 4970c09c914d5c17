package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// ruleStatistics is one row of check --statistics: the findings of one rule.
type ruleStatistics struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Count int    `json:"count"`
	// Fixable is ruff's field: whether airshift fix rewrites any of the
	// findings without --unsafe-fixes.
	Fixable bool `json:"fixable"`
	// FixableCount counts the findings with a safe fix.
	FixableCount int `json:"fixable_count"`
	// ReviewCount counts the findings whose fix needs review, which
	// airshift fix applies only with --unsafe-fixes.
	ReviewCount int `json:"review_count"`
}

// collectStatistics counts the findings per rule, sorted by count, largest
// first, then by code.
func collectStatistics(results []fileResult) []ruleStatistics {
	byCode := map[string]*ruleStatistics{}
	for _, r := range results {
		for _, fd := range r.findings {
			row := byCode[fd.Rule]
			if row == nil {
				row = &ruleStatistics{Code: fd.Rule, Name: describeRule(fd.Rule).name}
				byCode[fd.Rule] = row
			}
			row.Count++
			switch {
			case hasSafeFix(fd):
				row.FixableCount++
				row.Fixable = true
			case len(fd.Fixes) > 0:
				row.ReviewCount++
			}
		}
	}
	rows := []ruleStatistics{}
	for _, row := range byCode {
		rows = append(rows, *row)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Count != rows[j].Count {
			return rows[i].Count > rows[j].Count
		}
		return rows[i].Code < rows[j].Code
	})
	return rows
}

// writeStatistics prints the findings per rule as a JSON array, or for
// format "text" as a table under a header line, followed by a blank line
// that separates it from the summary. The text table is left out when
// there are no findings.
func writeStatistics(w io.Writer, format string, results []fileResult) error {
	rows := collectStatistics(results)
	if format == "json" {
		return encodeJSON(w, rows)
	}
	if len(rows) == 0 {
		return nil
	}
	header := []string{"count", "code", "fixable", "needs review", "name"}
	table := [][]string{header}
	for _, row := range rows {
		table = append(table, []string{
			fmt.Sprint(row.Count), row.Code, fmt.Sprint(row.FixableCount), fmt.Sprint(row.ReviewCount), row.Name,
		})
	}
	widths := make([]int, len(header))
	for _, cells := range table {
		for i, cell := range cells {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	for _, cells := range table {
		// Numbers align right and words left, as in ruff's statistics.
		fmt.Fprintf(&b, "%*s  %-*s  %*s  %*s  %s\n",
			widths[0], cells[0], widths[1], cells[1], widths[2], cells[2], widths[3], cells[3], cells[4])
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
