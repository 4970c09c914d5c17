package analysis

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Safety is whether a fix may be applied without a person reading it.
type Safety int

const (
	Safe Safety = iota
	NeedsReview
)

func (s Safety) String() string {
	if s == Safe {
		return "safe"
	}
	return "needs review"
}

// Edit replaces the bytes [Start, End) with Text.
type Edit struct {
	Start, End int
	Text       string
	// first orders insertions at the same offset: an import must come
	// before the code that uses it.
	first bool
}

// Fix is one rewrite offered for a finding.
type Fix struct {
	Title     string
	Safety    Safety
	Preferred bool
	Edits     []Edit
	// Reasons lists why the fix needs review.
	Reasons []string
	// NoEquivalent names the arguments that have no Prefect equivalent, with
	// the reason for each.
	NoEquivalent []string
	// Deployment is the prefect.yaml entry and base job template the
	// rewritten flow needs.
	Deployment *Deployment
}

// Message is the fix's description for CLI and JSON output.
func (x *Fix) Message() string {
	var b strings.Builder
	b.WriteString(x.Title)
	if len(x.Reasons) > 0 {
		b.WriteString(". Review: ")
		b.WriteString(strings.Join(x.Reasons, "; "))
	}
	if len(x.NoEquivalent) > 0 {
		b.WriteString(". No Prefect equivalent: ")
		b.WriteString(strings.Join(x.NoEquivalent, "; "))
	}
	return b.String()
}

// Related points at an argument that the finding involves.
type Related struct {
	Start, End int
	Message    string
}

// Finding is one reported operator call.
type Finding struct {
	Rule string
	// Start and End span the operator's class name at the call.
	Start, End int
	Message    string
	Call       *Call
	Related    []Related
	Fixes      []Fix
	// NoFixReason is why no fix is offered, when none is.
	NoFixReason string
}

// Options tune the analysis and the rewrites.
type Options struct {
	// WorkPool is the Kubernetes work pool name used in rewrites.
	WorkPool string
	// Entrypoint is the file path used in the deploy command of a rewrite,
	// relative to the project root.
	Entrypoint string
	// Enabled reports whether a rule is selected for this file; nil
	// selects every rule.
	Enabled func(rule string) bool
	// DeferRewriteCheck skips the parse that proves each fix's result is
	// valid Python, which costs most of the analysis because it parses the
	// whole rewritten file once per fix. A caller that sets it must call
	// CheckFix before it offers or applies a fix's edits.
	DeferRewriteCheck bool
	// FirstFixOnly computes only the fix a finding offers first, for
	// callers that show no other, such as airshift check.
	FirstFixOnly bool
}

// withDefaults returns o with the default work pool when o names none.
func (o Options) withDefaults() Options {
	if o.WorkPool == "" {
		o.WorkPool = DefaultWorkPool
	}
	return o
}

// SyntaxErrorRule reports a file that does not parse as Python 3.
const SyntaxErrorRule = "AS001"

// DefaultWorkPool is the work pool named in rewrites when none is configured.
const DefaultWorkPool = "kubernetes-pool"

// Result is the analysis of one text version.
type Result struct {
	File     *File
	Findings []Finding
	// memo is set by AnalyzeAfter for the next version's analysis.
	memo *rewriteMemo
}

// Analyze parses nothing itself: it takes a tree for src and returns the
// findings with their fixes.
func Analyze(f *File, opts Options) *Result {
	opts = opts.withDefaults()
	return analyze(f, opts, func(call *Call) ([]Fix, string) { return rewrite(f, call, opts) })
}

// analyze returns the findings of f, with the fixes that rewriteCall
// returns for each operator call that can be rewritten.
func analyze(f *File, opts Options, rewriteCall func(*Call) ([]Fix, string)) *Result {
	res := &Result{File: f}
	if f.HasErrors {
		end := f.ErrorStart
		for end < len(f.Src) && f.Src[end] != '\n' && f.Src[end] != '\r' && end-f.ErrorStart < 80 {
			end++
		}
		// The 80-byte cap can fall inside a multi-byte character.
		for end > f.ErrorStart && end < len(f.Src) && !utf8.RuneStart(f.Src[end]) {
			end--
		}
		res.Findings = append(res.Findings, Finding{
			Rule: SyntaxErrorRule, Start: f.ErrorStart, End: end,
			Message:     fmt.Sprintf("syntax error (%s): Airshift cannot see operator calls inside code that does not parse, and rewrites nothing in this file", f.ErrorMessage),
			NoFixReason: "fix the syntax error first",
		})
	}
	validUTF8 := utf8.Valid(f.Src)
	for _, call := range f.calls {
		if !call.Certain {
			continue
		}
		if f.suppressed(call) {
			continue
		}
		fd := Finding{
			Rule: call.ruleCode(), Start: call.CalleeStart, End: call.CalleeEnd,
			Message: findingMessage(call), Call: call, Related: related(call),
		}
		switch {
		case f.HasErrors:
			fd.NoFixReason = fmt.Sprintf("the file has a syntax error at line %d (%s); fix it before rewriting", f.Line(f.ErrorStart)+1, f.ErrorMessage)
		case !validUTF8:
			fd.NoFixReason = "the file is not valid UTF-8, so Airshift does not rewrite it"
		default:
			fd.Fixes, fd.NoFixReason = rewriteCall(call)
		}
		res.Findings = append(res.Findings, fd)
	}
	res.Findings = append(res.Findings, f.antiPatterns()...)
	if opts.Enabled != nil {
		kept := res.Findings[:0]
		for _, fd := range res.Findings {
			if opts.Enabled(fd.Rule) {
				kept = append(kept, fd)
			}
		}
		res.Findings = kept
	}
	sort.SliceStable(res.Findings, func(i, j int) bool { return res.Findings[i].Start < res.Findings[j].Start })
	return res
}

func findingMessage(call *Call) string {
	task := ""
	if id := call.Keyword("task_id"); id != nil && id.Kind == KindString {
		task = fmt.Sprintf(" task %q", id.Str)
	}
	switch {
	case call.Subclass != "":
		return fmt.Sprintf("%s%s subclasses %s: in Prefect it becomes a @flow run by a Kubernetes work pool", call.Subclass, task, call.Operator)
	case call.Factory != "":
		return fmt.Sprintf("%s() returns a %s: migrate the operator it builds to a Prefect @flow", call.Factory, call.Operator)
	case call.Mapped != "":
		return fmt.Sprintf("%s%s mapped with .partial().%s(): becomes one Prefect flow run per item on a Kubernetes work pool", call.Operator, task, call.Mapped)
	case call.Decorator:
		return fmt.Sprintf("@task.kubernetes function %s: becomes a Prefect @flow deployed to a Kubernetes work pool, with the decorator's image and resources as job variables", call.Function)
	case kubernetesFamily[call.Operator]:
		return fmt.Sprintf("%s%s: becomes a Prefect @flow run by a Kubernetes work pool, with image, env and resources as job variables", call.Operator, task)
	}
	pattern := firstSentence(call.Mapping.PrefectPattern)
	if pattern == "" {
		return fmt.Sprintf("%s%s has a Prefect mapping; see hover or 'airshift explain %s'", call.Operator, task, call.Operator)
	}
	return fmt.Sprintf("%s%s: in Prefect, %s", call.Operator, task, lowerFirst(pattern))
}

func firstSentence(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\n", " "))
	for _, sep := range []string{". ", " — ", "; "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	return strings.TrimSuffix(s, ".")
}

func lowerFirst(s string) string {
	if s == "" || len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// relatedArguments are the arguments a KubernetesPodOperator finding points at.
var relatedArguments = []string{"image", "cmds", "arguments", "env_vars", "container_resources", "resources"}

func related(call *Call) []Related {
	var out []Related
	for _, name := range relatedArguments {
		for _, kw := range call.Keywords {
			if kw.Name != name {
				continue
			}
			msg := relatedMessage(call.Operator, name)
			out = append(out, Related{Start: kw.NameStart, End: kw.Value.End, Message: msg})
		}
	}
	return out
}

// relatedMessages caches relatedMessage by operator and argument.
var relatedMessages sync.Map

// relatedMessage describes where an operator's argument goes in Prefect.
func relatedMessage(operator, name string) string {
	key := operator + "\x00" + name
	if msg, ok := relatedMessages.Load(key); ok {
		return msg.(string)
	}
	msg := name
	if p, ok := ParamFor(operator, name); ok {
		msg = fmt.Sprintf("%s: %s %s", name, p.Dest, p.Target)
	}
	relatedMessages.Store(key, msg)
	return msg
}

var noqaPattern = regexp.MustCompile(`(?i)#\s*noqa(?::\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?`)

// suppressed reports whether a "# noqa" comment on the line of the call's
// class name silences its rule.
func (f *File) suppressed(call *Call) bool {
	line := f.Line(call.CalleeStart)
	for _, comment := range f.comments[line] {
		for _, m := range noqaPattern.FindAllStringSubmatch(comment.text, -1) {
			if m[1] == "" {
				return true
			}
			for _, code := range strings.Split(m[1], ",") {
				if strings.EqualFold(strings.TrimSpace(code), call.ruleCode()) {
					return true
				}
			}
		}
	}
	return false
}
