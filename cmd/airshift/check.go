package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/airshift/airshift/analysis"
)

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stderr, "check [flags] [PATH...]")
	var common commonFlags
	common.register(fs)
	format := fs.String("format", "text", "output format: text or json")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return parseStatus(err)
	}
	if err := common.validate(); err != nil {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		return exitError
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "airshift: unknown --format %q; use text or json\n", *format)
		return exitError
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	reg, mappingsOK := loadRegistry(common.mappings, stderr)
	if reg == nil {
		return exitError
	}
	files, errs := collectFiles(paths)
	status := exitClean
	for _, err := range errs {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		status = exitError
	}
	progress := progressLine(stderr, len(files))
	results := scanFiles(context.Background(), files, reg, analysis.Options{WorkPool: common.workPool}, progress)
	progress(-1)

	var tally counts
	var records []jsonFinding
	for _, r := range results {
		if r.err != nil {
			printErr(stderr, r.path, r.err)
			status = exitError
			continue
		}
		tally.add(r.findings)
		for _, fd := range r.findings {
			if *format == "json" {
				records = append(records, toJSON(r, fd))
				continue
			}
			loc := locate(r.file, fd.Start)
			marker := ""
			if len(fd.Fixes) > 0 && fd.Fixes[0].Safety == analysis.Safe {
				marker = "[*] "
			}
			fmt.Fprintf(stdout, "%s:%d:%d: %s %s%s\n", r.path, loc.Row, loc.Column, fd.Rule, marker, fd.Message)
		}
	}
	if *format == "json" {
		if records == nil {
			records = []jsonFinding{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(records); err != nil {
			fmt.Fprintf(stderr, "airshift: writing JSON: %v\n", err)
			return exitError
		}
	} else if status == exitClean || tally.findings() > 0 {
		fmt.Fprintln(stdout, tally.summary(len(files)))
	}
	if !mappingsOK {
		status = exitError
	}
	if status == exitClean && tally.findings() > 0 {
		status = exitFindings
	}
	return status
}

// counts tallies findings for the summary line.
type counts struct {
	calls, syntaxErrors, safe, review, files int
}

func (c *counts) add(findings []analysis.Finding) {
	if len(findings) > 0 {
		c.files++
	}
	for _, fd := range findings {
		if fd.Rule == analysis.SyntaxErrorRule {
			c.syntaxErrors++
			continue
		}
		c.calls++
		if len(fd.Fixes) > 0 && fd.Fixes[0].Safety == analysis.Safe {
			c.safe++
		} else if len(fd.Fixes) > 0 {
			c.review++
		}
	}
}

func (c *counts) findings() int { return c.calls + c.syntaxErrors }

func (c *counts) summary(scanned int) string {
	if c.findings() == 0 {
		return fmt.Sprintf("All checks passed: no operator calls left in %d %s.", scanned, plural(scanned, "file", "files"))
	}
	s := fmt.Sprintf("Found %d operator %s to migrate", c.calls, plural(c.calls, "call", "calls"))
	if c.syntaxErrors > 0 {
		s += fmt.Sprintf(" and %d %s", c.syntaxErrors, plural(c.syntaxErrors, "file with a syntax error", "files with syntax errors"))
	}
	s += fmt.Sprintf(" in %d of %d %s.", c.files, scanned, plural(scanned, "file", "files"))
	if c.safe > 0 {
		s += fmt.Sprintf(" [*] %d fixable with `airshift fix`.", c.safe)
	}
	if c.review > 0 {
		s += fmt.Sprintf(" %d more need review: `airshift check --format json` shows why, `airshift fix --unsafe-fixes` applies them.", c.review)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// progressLine returns a callback that shows "checked N/M files" on a
// terminal; it prints nothing when stderr is not a terminal. Call it with -1
// to clear the line.
func progressLine(stderr io.Writer, total int) func(int) {
	f, ok := stderr.(*os.File)
	if !ok || total < 50 {
		return func(int) {}
	}
	if info, err := f.Stat(); err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return func(int) {}
	}
	return func(done int) {
		if done < 0 {
			fmt.Fprint(f, "\r\033[K")
			return
		}
		if done%25 == 0 || done == total {
			fmt.Fprintf(f, "\rchecked %d/%d files", done, total)
		}
	}
}

// jsonFinding is one finding in the shape of ruff's JSON output.
type jsonFinding struct {
	Cell        *int     `json:"cell"`
	Code        string   `json:"code"`
	EndLocation location `json:"end_location"`
	Filename    string   `json:"filename"`
	Fix         *jsonFix `json:"fix"`
	Location    location `json:"location"`
	Message     string   `json:"message"`
	NoqaRow     int      `json:"noqa_row"`
	URL         *string  `json:"url"`
	// NoFixReason is Airshift's own field: why no fix is offered.
	NoFixReason string `json:"no_fix_reason,omitempty"`
}

type jsonFix struct {
	Applicability string     `json:"applicability"`
	Edits         []jsonEdit `json:"edits"`
	Message       string     `json:"message"`
}

type jsonEdit struct {
	Content     string   `json:"content"`
	EndLocation location `json:"end_location"`
	Location    location `json:"location"`
}

func toJSON(r fileResult, fd analysis.Finding) jsonFinding {
	start := locate(r.file, fd.Start)
	out := jsonFinding{
		Code: fd.Rule, Filename: r.path, Location: start, EndLocation: locate(r.file, fd.End),
		Message: fd.Message, NoqaRow: start.Row, NoFixReason: fd.NoFixReason,
	}
	if len(fd.Fixes) > 0 {
		fx := fd.Fixes[0]
		applicability := "safe"
		if fx.Safety != analysis.Safe {
			applicability = "unsafe"
		}
		jf := &jsonFix{Applicability: applicability, Message: fx.Message(), Edits: []jsonEdit{}}
		for _, e := range fx.Edits {
			jf.Edits = append(jf.Edits, jsonEdit{Content: e.Text, Location: locate(r.file, e.Start), EndLocation: locate(r.file, e.End)})
		}
		out.Fix = jf
	}
	if abs, err := filepath.Abs(r.path); err == nil {
		out.Filename = abs
	}
	return out
}
