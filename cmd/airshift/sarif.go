package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/airshift/airshift/analysis"
)

// SARIF 2.1.0 output (OASIS standard) in the subset that GitHub code
// scanning reads, as docs.github.com describes it in "SARIF support for code
// scanning".
const (
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion = "2.1.0"
	// srcRoot is the uriBaseId of paths relative to the folder airshift ran in.
	srcRoot = "%SRCROOT%"
	// fingerprintKey is the partialFingerprints entry that GitHub combines
	// with the file path and rule to match an alert across commits.
	fingerprintKey = "primaryLocationLineHash"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	// ColumnKind is the unit of region columns. Without it a consumer may
	// assume UTF-16 code units, which differ from code points after
	// characters outside the Basic Multilingual Plane, such as most emoji.
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      sarifText          `json:"fullDescription"`
	Help                 sarifText          `json:"help"`
	HelpURI              string             `json:"helpUri"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

// sarifRegion is a span of 1-based lines and code-point columns. EndColumn
// is the column after the last character, so an empty region marks an
// insertion point.
type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Replacements     []sarifReplacement    `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion        `json:"deletedRegion"`
	InsertedContent *sarifArtifactText `json:"insertedContent,omitempty"`
}

type sarifArtifactText struct {
	Text string `json:"text"`
}

// writeSARIF prints the findings as a SARIF log with one run. failures are
// the errors reported on stderr, and succeeded is false when any occurred.
func writeSARIF(w io.Writer, results []fileResult, failures []string, succeeded bool) error {
	rules, ruleIndex := sarifRules(results)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "airshift", Version: version, InformationURI: projectURL, Rules: rules,
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: succeeded}},
		ColumnKind:  "unicodeCodePoints",
		Results:     []sarifResult{},
	}
	for _, msg := range failures {
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications,
			sarifNotification{Level: "error", Message: sarifText{Text: msg}})
	}
	if root, err := srcRootURI(); err == nil {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{srcRoot: {URI: root}}
	}
	for _, r := range results {
		artifact := sarifArtifact(r.path)
		occurrences := map[string]int{}
		for _, fd := range r.findings {
			info := describeRule(fd.Rule)
			hash := lineHash(fd.Rule, artifact.URI, findingLine(r.file, fd.Start))
			occurrences[hash]++
			result := sarifResult{
				RuleID:    fd.Rule,
				RuleIndex: ruleIndex[fd.Rule],
				Level:     info.level,
				Message:   sarifText{Text: fd.Message},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
					ArtifactLocation: artifact,
					Region:           sarifSpan(r.file, fd.Start, fd.End),
				}}},
				PartialFingerprints: map[string]string{fingerprintKey: fmt.Sprintf("%s:%d", hash, occurrences[hash])},
			}
			if hasSafeFix(fd) && len(fd.Fixes[0].Edits) > 0 {
				result.Fixes = []sarifFix{sarifFixOf(r.file, artifact, fd.Fixes[0])}
			}
			run.Results = append(run.Results, result)
		}
	}
	return encodeJSON(w, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRules returns one rule descriptor per rule code in results, sorted by
// code, and the index of each code in that list.
func sarifRules(results []fileResult) ([]sarifRule, map[string]int) {
	var codes []string
	seen := map[string]bool{}
	for _, r := range results {
		for _, fd := range r.findings {
			if !seen[fd.Rule] {
				seen[fd.Rule] = true
				codes = append(codes, fd.Rule)
			}
		}
	}
	sort.Strings(codes)
	rules := []sarifRule{}
	index := map[string]int{}
	for i, code := range codes {
		info := describeRule(code)
		rules = append(rules, sarifRule{
			ID:                   code,
			Name:                 info.name,
			ShortDescription:     sarifText{Text: info.short},
			FullDescription:      sarifText{Text: info.full},
			Help:                 sarifText{Text: info.help},
			HelpURI:              projectURL + "#rules",
			DefaultConfiguration: sarifConfiguration{Level: info.level},
		})
		index[code] = i
	}
	return rules, index
}

// sarifArtifact returns the location of the file at path: a URI relative to
// %SRCROOT%, the current folder, for a file inside it, or an absolute file
// URI for one outside it.
//
// NOTE: GitHub code scanning reads a relative URI as a path from the
// repository root, so alerts land on the right files only when airshift
// runs at the top of the checkout.
func sarifArtifact(path string) sarifArtifactLocation {
	p, inside := reportPath(path)
	if inside {
		// url.URL percent-encodes spaces and non-ASCII characters, and
		// prefixes "./" when the first segment contains a colon, so the
		// result is a relative reference and not a URI with a scheme.
		return sarifArtifactLocation{URI: (&url.URL{Path: p}).String(), URIBaseID: srcRoot}
	}
	return sarifArtifactLocation{URI: fileURI(p)}
}

// fileURI returns the file URI of an absolute path with forward slashes.
// A Windows path such as C:/dags gets the leading slash of file:///C:/dags.
func fileURI(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// srcRootURI returns the file URI of the current folder, ending in a slash
// as SARIF requires of a base URI.
func srcRootURI() (string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	uri := fileURI(filepath.ToSlash(cwd))
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri, nil
}

// sarifSpan returns the region between two byte offsets of f.
func sarifSpan(f *analysis.File, start, end int) sarifRegion {
	from, to := locate(f, start), locate(f, end)
	return sarifRegion{StartLine: from.Row, StartColumn: from.Column, EndLine: to.Row, EndColumn: to.Column}
}

// sarifFixOf converts a fix into SARIF replacements, which like the fix's
// edits refer to the unchanged file.
func sarifFixOf(f *analysis.File, artifact sarifArtifactLocation, fx analysis.Fix) sarifFix {
	change := sarifArtifactChange{ArtifactLocation: artifact}
	for _, e := range fx.Edits {
		rep := sarifReplacement{DeletedRegion: sarifSpan(f, e.Start, e.End)}
		if e.Text != "" {
			rep.InsertedContent = &sarifArtifactText{Text: e.Text}
		}
		change.Replacements = append(change.Replacements, rep)
	}
	return sarifFix{Description: sarifText{Text: fx.Message()}, ArtifactChanges: []sarifArtifactChange{change}}
}

// findingLine returns the text of the line that contains offset off,
// without its line break.
func findingLine(f *analysis.File, off int) []byte {
	line := f.Line(off)
	text := f.Src[f.LineStart(line):f.LineStart(line+1)]
	return bytes.TrimRight(text, "\r\n")
}

// lineHash returns a hash of the rule, the file URI and the line text with
// its runs of whitespace collapsed. It does not change when lines are added
// above the finding or the line is re-indented, so GitHub keeps tracking
// the same alert.
func lineHash(rule, uri string, line []byte) string {
	h := sha256.New()
	h.Write([]byte(rule))
	h.Write([]byte{0})
	h.Write([]byte(uri))
	h.Write([]byte{0})
	h.Write(bytes.Join(bytes.Fields(line), []byte{' '}))
	return hex.EncodeToString(h.Sum(nil)[:16])
}
