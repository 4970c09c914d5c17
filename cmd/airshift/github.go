package main

import (
	"fmt"
	"io"
	"strings"
)

// GitHub Actions workflow commands, as the runner parses them from a step's
// output: "::warning file=PATH,line=L,...::MESSAGE". The escaping is that of
// escapeData and escapeProperty in @actions/core (packages/core/src/command.ts).
var (
	commandDataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	commandPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// escapeCommandData escapes the message of a workflow command.
func escapeCommandData(s string) string { return commandDataEscaper.Replace(s) }

// escapeCommandProperty escapes a property value of a workflow command,
// where a colon or comma would end the value.
func escapeCommandProperty(s string) string { return commandPropertyEscaper.Replace(s) }

// writeGitHub prints one ::error or ::warning workflow command per finding,
// which the Actions runner shows as an annotation on the file. Columns are
// 1-based code points, as in the text output.
func writeGitHub(w io.Writer, results []fileResult) error {
	for _, r := range results {
		path, _ := reportPath(r.path)
		for _, fd := range r.findings {
			start, end := locate(r.file, fd.Start), locate(r.file, fd.End)
			props := fmt.Sprintf("file=%s,line=%d", escapeCommandProperty(path), start.Row)
			// The runner drops col and endColumn when line and endLine
			// differ (ValidateLinesAndColumns in actions/runner), so a span
			// over several lines names its lines only.
			if start.Row == end.Row {
				props += fmt.Sprintf(",col=%d,endLine=%d,endColumn=%d", start.Column, end.Row, end.Column)
			} else {
				props += fmt.Sprintf(",endLine=%d", end.Row)
			}
			props += ",title=" + escapeCommandProperty(fd.Rule)
			level := describeRule(fd.Rule).level
			if _, err := fmt.Fprintf(w, "::%s %s::%s\n", level, props, escapeCommandData(fd.Message)); err != nil {
				return err
			}
		}
	}
	return nil
}
