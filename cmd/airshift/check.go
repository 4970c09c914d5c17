package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/airshift/airshift/analysis"
)

// checkFormats are the values of check's --format flag.
var checkFormats = []string{"text", "json", "sarif", "github"}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stderr, "check [flags] [PATH...]")
	var common commonFlags
	common.register(fs)
	format := fs.String("format", "text", "output format: text, json (ruff's JSON with fix edits), sarif (SARIF 2.1.0 for GitHub code scanning) or github (GitHub Actions annotations)")
	statistics := fs.Bool("statistics", false, "print the number of findings per rule instead of the findings (with --format text or json)")
	noCache := fs.Bool("no-cache", false, "analyse every file, without reading or writing the results cache")
	cacheDir := fs.String("cache-dir", "", "folder of the results cache (default $AIRSHIFT_CACHE_DIR, else .airshift_cache in the nearest folder above the current one with prefect.yaml, pyproject.toml or .git, else in the current folder)")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return parseStatus(err)
	}
	if err := common.validate(); err != nil {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		return exitError
	}
	if !slices.Contains(checkFormats, *format) {
		fmt.Fprintf(stderr, "airshift: unknown --format %q; use text, json, sarif or github\n", *format)
		return exitError
	}
	if *statistics && *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "airshift: --statistics works with --format text or json, not %q\n", *format)
		return exitError
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	cfg, err := common.applyConfig(paths)
	if err != nil {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		return exitError
	}
	reg, mappingsOK := loadRegistry(common.mappings, stderr)
	if reg == nil {
		return exitError
	}
	// failures describe the errors reported on stderr, which SARIF output
	// repeats as tool execution notifications.
	var failures []string
	if !mappingsOK {
		failures = append(failures, "a --mappings document failed to load and was skipped; the other mappings were used")
	}
	files, errs := collectFiles(paths)
	status := exitClean
	for _, err := range errs {
		fmt.Fprintf(stderr, "airshift: %v\n", err)
		failures = append(failures, err.Error())
		status = exitError
	}
	progress := progressLine(stderr, len(files))
	// check shows one fix per finding. The text formats print no edits,
	// so they skip the parse that proves a fix valid, as fix runs it
	// before it writes. The formats that print edits prove each one.
	opts := checkOptions(common.workPool)
	prove := *format == "json" || *format == "sarif"
	var cache *resultCache
	if !*noCache {
		cache = openCache(cacheFolder(*cacheDir), reg, common.workPool, prove)
	}
	results := scanFiles(context.Background(), files, reg, opts, prove, cache, cfg, progress)
	progress(-1)
	if err := cache.close(); err != nil {
		fmt.Fprintf(stderr, "airshift: results cache not written (the next check analyses every file again): %v\n", err)
	}

	var tally counts
	var analyzed []fileResult
	for _, r := range results {
		if r.err != nil {
			printErr(stderr, r.path, r.err)
			failures = append(failures, fmt.Sprintf("%s: %v", r.path, r.err))
			status = exitError
			continue
		}
		tally.add(r.findings)
		analyzed = append(analyzed, r)
	}

	switch {
	case *statistics:
		err = writeStatistics(stdout, *format, analyzed)
	case *format == "json":
		err = writeJSON(stdout, analyzed)
	case *format == "sarif":
		err = writeSARIF(stdout, analyzed, failures, status == exitClean && mappingsOK)
	case *format == "github":
		err = writeGitHub(stdout, analyzed)
	default:
		err = writeText(stdout, analyzed)
	}
	if err != nil {
		fmt.Fprintf(stderr, "airshift: writing %s output: %v\n", *format, err)
		return exitError
	}
	if *format == "text" && (status == exitClean || tally.findings() > 0) {
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

// checkOptions are the analysis options of check: one fix per finding,
// not proven valid.
func checkOptions(workPool string) analysis.Options {
	return analysis.Options{WorkPool: workPool, FirstFixOnly: true, DeferRewriteCheck: true}
}

// writeText prints one line per finding: path:row:column: CODE message,
// with [*] before the message when a safe fix exists.
func writeText(w io.Writer, results []fileResult) error {
	for _, r := range results {
		for _, fd := range r.findings {
			loc := locate(r.file, fd.Start)
			marker := ""
			if hasSafeFix(fd) {
				marker = "[*] "
			}
			if _, err := fmt.Fprintf(w, "%s:%d:%d: %s %s%s\n", r.path, loc.Row, loc.Column, fd.Rule, marker, fd.Message); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeJSON prints the findings as a JSON array in ruff's shape.
func writeJSON(w io.Writer, results []fileResult) error {
	records := []jsonFinding{}
	for _, r := range results {
		for _, fd := range r.findings {
			records = append(records, toJSON(r, fd))
		}
	}
	return encodeJSON(w, records)
}

// encodeJSON writes v as indented JSON, leaving <, > and & unescaped
// because the output is read by tools and people, not embedded in HTML.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// hasSafeFix reports whether the finding's preferred fix is safe, which is
// the fix that airshift fix applies without --unsafe-fixes.
func hasSafeFix(fd analysis.Finding) bool {
	return len(fd.Fixes) > 0 && fd.Fixes[0].Safety == analysis.Safe
}

// reportPath returns path relative to the current folder with forward
// slashes, and whether it lies inside that folder. A path outside it, or
// one that cannot be made relative, is returned absolute.
func reportPath(path string) (string, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path), false
	}
	cwd, err := os.Getwd()
	if err != nil {
		return filepath.ToSlash(abs), false
	}
	rel, err := filepath.Rel(cwd, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(abs), false
	}
	return filepath.ToSlash(rel), true
}

// counts tallies findings for the summary line.
type counts struct {
	calls, syntaxErrors, antiPatterns, safe, review, noFix, files int
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
		if strings.HasPrefix(fd.Rule, "AS2") {
			c.antiPatterns++
			continue
		}
		c.calls++
		if hasSafeFix(fd) {
			c.safe++
		} else if len(fd.Fixes) > 0 {
			c.review++
		} else {
			c.noFix++
		}
	}
}

func (c *counts) findings() int { return c.calls + c.syntaxErrors + c.antiPatterns }

func (c *counts) summary(scanned int) string {
	if c.findings() == 0 {
		return fmt.Sprintf("All checks passed: no operator calls left in %d %s.", scanned, plural(scanned, "file", "files"))
	}
	s := fmt.Sprintf("Found %d operator %s to migrate", c.calls, plural(c.calls, "call", "calls"))
	if c.antiPatterns > 0 {
		s += fmt.Sprintf(", %d Prefect %s", c.antiPatterns, plural(c.antiPatterns, "anti-pattern", "anti-patterns"))
	}
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
	if c.noFix > 0 {
		s += fmt.Sprintf(" %d %s no automatic fix (see no_fix_reason in the JSON output).", c.noFix, plural(c.noFix, "has", "have"))
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
