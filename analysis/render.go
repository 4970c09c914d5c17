package analysis

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// jsonText renders a literal value as JSON, which is also valid YAML for
// prefect.yaml. Kubernetes model objects become dicts with the camelCase
// keys of their manifests. ok is false for values known only at run time.
func jsonText(v *Value) (string, bool) {
	var b strings.Builder
	if !writeJSON(&b, v) {
		return "", false
	}
	return b.String(), true
}

func writeJSON(b *strings.Builder, v *Value) bool {
	switch v.Kind {
	case KindString:
		b.WriteString(jsonString(v.Str))
	case KindNumber:
		n := strings.ReplaceAll(v.Str, "_", "")
		if _, err := strconv.ParseFloat(n, 64); err != nil {
			return false
		}
		b.WriteString(n)
	case KindBool:
		b.WriteString(strings.ToLower(v.Str))
	case KindNone:
		b.WriteString("null")
	case KindList:
		b.WriteByte('[')
		for i, it := range v.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			if !writeJSON(b, it) {
				return false
			}
		}
		b.WriteByte(']')
	case KindDict:
		b.WriteByte('{')
		for i := range v.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			key := v.Keys[i]
			if key.Kind != KindString {
				return false
			}
			b.WriteString(jsonString(key.Str))
			b.WriteString(": ")
			if !writeJSON(b, v.Items[i]) {
				return false
			}
		}
		b.WriteByte('}')
	case KindCall:
		if !isKubernetesModel(v.Callee) || len(v.Args) > 0 {
			return false
		}
		b.WriteByte('{')
		first := true
		for _, kw := range v.Kwargs {
			if kw.IsSplat || kw.IsPosSplat {
				return false
			}
			if kw.Value.Kind == KindNone {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(jsonString(camelCase(kw.Name)))
			b.WriteString(": ")
			if !writeJSON(b, kw.Value) {
				return false
			}
		}
		b.WriteByte('}')
	default:
		return false
	}
	return true
}

func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// camelCase turns a kubernetes.client attribute name into its manifest key:
// value_from becomes valueFrom, and a leading underscore (as in _from) goes.
func camelCase(name string) string {
	parts := strings.Split(strings.TrimPrefix(name, "_"), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// displayValue renders a value for a comment line: JSON for literals, the
// source text otherwise, with line breaks folded.
func displayValue(v *Value) string {
	if s, ok := jsonText(v); ok {
		return s
	}
	return strings.Join(strings.Fields(v.Text), " ")
}

// pyString renders s as a double-quoted Python string literal. Non-ASCII
// printable characters stay as they are; the file is UTF-8.
func pyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if unicode.IsPrint(r) {
				b.WriteRune(r)
			} else if r < 0x10000 {
				b.WriteString(`\u` + leftPad(strconv.FormatInt(int64(r), 16), 4))
			} else {
				b.WriteString(`\U` + leftPad(strconv.FormatInt(int64(r), 16), 8))
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func leftPad(s string, width int) string {
	for len(s) < width {
		s = "0" + s
	}
	return s
}

var pythonKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
	"match": true, "case": true, "type": true,
}

// identifier turns s into a snake_case Python identifier, or "" when
// nothing of it is usable. Letters of any script stay, as Python 3 allows
// them in names; other characters, such as emoji, become underscores.
func identifier(s string) string {
	var b strings.Builder
	lastUnderscore := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			lastUnderscore = false
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
			lastUnderscore = false
		case r > 127 && (unicode.IsLetter(r) || unicode.IsDigit(r) && b.Len() > 0):
			b.WriteRune(unicode.ToLower(r))
			lastUnderscore = false
		default:
			if !lastUnderscore {
				b.WriteByte('_')
				lastUnderscore = true
			}
		}
	}
	id := strings.Trim(b.String(), "_")
	if id == "" {
		return ""
	}
	if first, _ := utf8.DecodeRuneInString(id); unicode.IsDigit(first) {
		id = "task_" + id
	}
	if pythonKeywords[id] {
		id += "_"
	}
	return id
}
