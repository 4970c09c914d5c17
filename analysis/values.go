package analysis

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValueKind classifies an argument value as far as it is known statically.
type ValueKind int

const (
	KindOther  ValueKind = iota // any expression whose value is known only at run time
	KindString                  // a plain string literal (no f-string interpolation)
	KindNumber
	KindBool
	KindNone
	KindList // list or tuple display
	KindDict
	KindCall // a call, such as k8s.V1EnvVar(...)
	KindName // a bare name or attribute, such as a constant
)

// Value is the static model of an argument value.
type Value struct {
	Kind       ValueKind
	Start, End int
	// Text is the source text of the value.
	Text string
	// Str is the decoded string, the number's text, or "True"/"False".
	Str string
	// Items holds list items, or dict values parallel to Keys.
	Items []*Value
	Keys  []*Value
	// Callee is the called name of a KindCall value, such as "k8s.V1EnvVar".
	Callee string
	Args   []*Value
	Kwargs []Keyword
}

// Keyword is one keyword argument of a call.
type Keyword struct {
	Name       string
	NameStart  int
	NameEnd    int
	Value      *Value
	IsSplat    bool // a **mapping argument; Name is empty
	IsPosSplat bool // a *sequence argument; Name is empty
	// Origin is where a keyword that is not written in the call comes
	// from: "default_args" or the "**name" splat it was read out of.
	Origin string
}

// clone returns a deep copy of v, which the caller may change.
func (v *Value) clone() *Value {
	return copyValue(v, nil)
}

// copyValue returns v with every offset passed through move: a deep copy
// when move is nil. With a move, a value whose offsets move leaves in
// place is shared, not copied, because built values never change.
func copyValue(v *Value, move func(int) int) *Value {
	if v == nil || move != nil && unmoved(v, move) {
		return v
	}
	c := *v
	if move != nil {
		c.Start, c.End = move(v.Start), move(v.End)
	}
	c.Items = copyValues(v.Items, move)
	c.Keys = copyValues(v.Keys, move)
	c.Args = copyValues(v.Args, move)
	c.Kwargs = copyKeywords(v.Kwargs, move)
	return &c
}

func copyValues(values []*Value, move func(int) int) []*Value {
	if values == nil {
		return nil
	}
	out := make([]*Value, len(values))
	for i, v := range values {
		out[i] = copyValue(v, move)
	}
	return out
}

func copyKeywords(keywords []Keyword, move func(int) int) []Keyword {
	if keywords == nil {
		return nil
	}
	out := make([]Keyword, len(keywords))
	for i, kw := range keywords {
		if move != nil {
			kw.NameStart, kw.NameEnd = move(kw.NameStart), move(kw.NameEnd)
		}
		kw.Value = copyValue(kw.Value, move)
		out[i] = kw
	}
	return out
}

// unmoved reports whether move leaves every offset in v where it is.
func unmoved(v *Value, move func(int) int) bool {
	if move(v.Start) != v.Start || move(v.End) != v.End {
		return false
	}
	for _, list := range [][]*Value{v.Items, v.Keys, v.Args} {
		for _, item := range list {
			if item != nil && !unmoved(item, move) {
				return false
			}
		}
	}
	for _, kw := range v.Kwargs {
		if move(kw.NameStart) != kw.NameStart || kw.Value != nil && !unmoved(kw.Value, move) {
			return false
		}
	}
	return true
}

func newValue(n *Node, src []byte) *Value {
	v := &Value{Start: int(n.StartByte()), End: int(n.EndByte()), Text: text(n, src)}
	switch n.Type() {
	case "string", "concatenated_string":
		if s, ok := decodeString(n, src); ok {
			v.Kind, v.Str = KindString, s
		}
	case "integer", "float":
		v.Kind, v.Str = KindNumber, v.Text
	case "unary_operator":
		if arg := n.ChildByFieldName("argument"); arg != nil && (arg.Type() == "integer" || arg.Type() == "float") && strings.HasPrefix(v.Text, "-") {
			v.Kind, v.Str = KindNumber, "-"+text(arg, src)
		}
	case "true", "false":
		v.Kind, v.Str = KindBool, v.Text
	case "none":
		v.Kind = KindNone
	case "list", "tuple":
		v.Kind = KindList
		for i := 0; i < int(n.NamedChildCount()); i++ {
			c := n.NamedChild(i)
			if c.Type() == "comment" {
				continue
			}
			v.Items = append(v.Items, newValue(c, src))
		}
	case "dictionary":
		v.Kind = KindDict
		for i := 0; i < int(n.NamedChildCount()); i++ {
			c := n.NamedChild(i)
			switch c.Type() {
			case "pair":
				v.Keys = append(v.Keys, newValue(c.ChildByFieldName("key"), src))
				v.Items = append(v.Items, newValue(c.ChildByFieldName("value"), src))
			case "comment":
			default:
				// A **splat inside the display makes the whole dict dynamic.
				v.Kind = KindOther
			}
		}
	case "call":
		v.Kind = KindCall
		v.Callee = text(n.ChildByFieldName("function"), src)
		if args := n.ChildByFieldName("arguments"); args != nil && args.Type() == "argument_list" {
			v.Args, v.Kwargs = callArguments(args, src)
		}
	case "identifier", "attribute":
		v.Kind = KindName
	case "parenthesized_expression":
		if n.NamedChildCount() == 1 {
			inner := newValue(n.NamedChild(0), src)
			inner.Start, inner.End, inner.Text = v.Start, v.End, v.Text
			return inner
		}
	}
	return v
}

func callArguments(args *Node, src []byte) (positional []*Value, keywords []Keyword) {
	for i := 0; i < int(args.NamedChildCount()); i++ {
		c := args.NamedChild(i)
		switch c.Type() {
		case "keyword_argument":
			name := c.ChildByFieldName("name")
			keywords = append(keywords, Keyword{
				Name: text(name, src), NameStart: int(name.StartByte()), NameEnd: int(name.EndByte()),
				Value: newValue(c.ChildByFieldName("value"), src),
			})
		case "dictionary_splat":
			keywords = append(keywords, Keyword{IsSplat: true, NameStart: int(c.StartByte()), NameEnd: int(c.StartByte()), Value: newValue(c.NamedChild(0), src)})
		case "list_splat":
			keywords = append(keywords, Keyword{IsPosSplat: true, NameStart: int(c.StartByte()), NameEnd: int(c.StartByte()), Value: newValue(c.NamedChild(0), src)})
		case "comment":
		default:
			positional = append(positional, newValue(c, src))
		}
	}
	return positional, keywords
}

// decodeString returns the value of a string literal. It fails for
// f-strings with interpolations and for bytes literals.
func decodeString(n *Node, src []byte) (string, bool) {
	if n.Type() == "concatenated_string" {
		var b strings.Builder
		for i := 0; i < int(n.NamedChildCount()); i++ {
			c := n.NamedChild(i)
			if c.Type() == "comment" {
				continue
			}
			s, ok := decodeString(c, src)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	}
	var prefix string
	var b strings.Builder
	for i := 0; i < int(n.ChildCount()); i++ {
		c := n.Child(i)
		switch c.Type() {
		case "string_start":
			prefix = strings.ToLower(strings.TrimRight(text(c, src), `'"`))
			if strings.Contains(prefix, "b") {
				return "", false
			}
		case "string_content":
			content := text(c, src)
			if strings.Contains(prefix, "r") {
				b.WriteString(content)
			} else {
				b.WriteString(unescape(content))
			}
		case "escape_sequence":
			b.WriteString(unescape(text(c, src)))
		case "interpolation", "format_expression":
			return "", false
		case "string_end":
		}
	}
	s := b.String()
	if strings.Contains(prefix, "f") {
		// Doubled braces stand for single ones in an f-string.
		s = strings.ReplaceAll(strings.ReplaceAll(s, "{{", "{"), "}}", "}")
	}
	return s, true
}

// unescape decodes Python escape sequences. An unknown escape stays as
// written, as Python keeps it.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(c)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(s[i:j], 8, 32)
			b.WriteRune(rune(n))
			i = j - 1
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if i+width < len(s)+0 && i+1+width <= len(s) {
				if n, err := strconv.ParseUint(s[i+1:i+1+width], 16, 32); err == nil && utf8.ValidRune(rune(n)) {
					b.WriteRune(rune(n))
					i += width
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Literal reports whether the value is fully known without running code.
func (v *Value) Literal() bool {
	switch v.Kind {
	case KindString, KindNumber, KindBool, KindNone:
		return true
	case KindList:
		for _, it := range v.Items {
			if !it.Literal() {
				return false
			}
		}
		return true
	case KindDict:
		for i := range v.Items {
			if !v.Keys[i].Literal() || !v.Items[i].Literal() {
				return false
			}
		}
		return true
	case KindCall:
		if !isKubernetesModel(v.Callee) || len(v.Args) > 0 {
			return false
		}
		for _, kw := range v.Kwargs {
			if kw.IsSplat || kw.IsPosSplat || !kw.Value.Literal() {
				return false
			}
		}
		return true
	}
	return false
}

// isKubernetesModel reports whether callee names a kubernetes.client model
// class, such as k8s.V1EnvVar or V1ResourceRequirements.
func isKubernetesModel(callee string) bool {
	last := callee[strings.LastIndexByte(callee, '.')+1:]
	return strings.HasPrefix(last, "V1") || strings.HasPrefix(last, "V2")
}

// StringList returns the strings of a literal list of strings.
func (v *Value) StringList() ([]string, bool) {
	if v == nil || v.Kind != KindList {
		return nil, false
	}
	out := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		if it.Kind != KindString {
			return nil, false
		}
		out = append(out, it.Str)
	}
	return out, true
}

// HasJinja reports whether any string inside the value holds a Jinja
// expression or statement, which Airflow renders at run time.
func (v *Value) HasJinja() bool {
	if v == nil {
		return false
	}
	if v.Kind == KindString {
		return strings.Contains(v.Str, "{{") || strings.Contains(v.Str, "{%")
	}
	for _, it := range v.Items {
		if it.HasJinja() {
			return true
		}
	}
	for _, k := range v.Keys {
		if k.HasJinja() {
			return true
		}
	}
	for _, kw := range v.Kwargs {
		if kw.Value.HasJinja() {
			return true
		}
	}
	return false
}
