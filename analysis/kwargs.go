package analysis

import (
	"strings"
)

// expandSplats replaces each **mapping argument whose mapping is a dict
// display or dict(...) call in this file with the keywords it holds. A splat
// that cannot be read stays, and the rewrite names it.
func (f *File) expandSplats(keywords []Keyword, sc *scope) []Keyword {
	splat := false
	for _, kw := range keywords {
		splat = splat || kw.IsSplat
	}
	if !splat {
		return keywords
	}
	var out []Keyword
	for _, kw := range keywords {
		if !kw.IsSplat {
			out = append(out, kw)
			continue
		}
		entries, ok := f.dictEntries(kw.Value, sc)
		if !ok {
			out = append(out, kw)
			continue
		}
		for _, e := range entries {
			if hasKeyword(keywords, e.Name) || hasKeyword(out, e.Name) {
				continue
			}
			e.Origin = "**" + strings.TrimSpace(kw.Value.Text)
			out = append(out, e)
		}
	}
	return out
}

func hasKeyword(keywords []Keyword, name string) bool {
	for _, kw := range keywords {
		if kw.Name == name && !kw.IsSplat {
			return true
		}
	}
	return false
}

// dictEntries reads a mapping value as keywords: a dict display with string
// keys, a dict(...) call, or a name assigned one of those exactly once.
func (f *File) dictEntries(v *Value, sc *scope) ([]Keyword, bool) {
	switch v.Kind {
	case KindName:
		assigned := f.assignedValue(v, sc)
		if assigned == nil {
			return nil, false
		}
		return f.dictEntries(assigned, sc)
	case KindDict:
		var out []Keyword
		for i, key := range v.Keys {
			if key.Kind != KindString || !isIdent(key.Str) {
				return nil, false
			}
			out = append(out, Keyword{Name: key.Str, NameStart: key.Start, NameEnd: key.End, Value: v.Items[i]})
		}
		return out, true
	case KindCall:
		if v.Callee != "dict" || len(v.Args) > 0 {
			return nil, false
		}
		for _, kw := range v.Kwargs {
			if kw.IsSplat || kw.IsPosSplat {
				return nil, false
			}
		}
		return append([]Keyword(nil), v.Kwargs...), true
	}
	return nil, false
}

// assignedValue returns the value a plain name was assigned, when the name
// is bound exactly once in its scope by a simple assignment.
func (f *File) assignedValue(v *Value, sc *scope) *Value {
	if strings.Contains(v.Text, ".") {
		return nil
	}
	b := sc.lookup(v.Text, v.Start)
	if b == nil || b.kind != bindLocal || b.stmt == nil || b.stmt.Type() != "assignment" {
		return nil
	}
	for s := sc; s != nil; s = s.parent {
		if list := s.bindings[v.Text]; len(list) > 0 {
			if len(list) != 1 {
				return nil
			}
			break
		}
	}
	left, right := b.stmt.ChildByFieldName("left"), b.stmt.ChildByFieldName("right")
	if left == nil || right == nil || left.Type() != "identifier" {
		return nil
	}
	return newValue(right, f.Src)
}

// defaultArgs returns the keywords an operator call receives from
// default_args: its DAG's, then its own, for every name the call does not
// set itself. Airflow applies them the same way at task creation.
func (f *File) defaultArgs(call *Node, keywords []Keyword, sc *scope) []Keyword {
	var sources []*Value
	if dag := f.dagCall(call, keywords, sc); dag != nil {
		if dagArgs := keywordValue(dag, "default_args"); dagArgs != nil {
			// The call's keywords take these values, which the analysis
			// may change, so they must not share them with the DAG.
			sources = append(sources, dagArgs.clone())
		}
	}
	for _, kw := range keywords {
		if kw.Name == "default_args" {
			sources = append(sources, kw.Value)
		}
	}
	merged := map[string]Keyword{}
	var order []string
	for _, src := range sources {
		entries, ok := f.dictEntries(src, sc)
		if !ok {
			continue
		}
		for _, e := range entries {
			if _, seen := merged[e.Name]; !seen {
				order = append(order, e.Name)
			}
			e.Origin = "default_args"
			merged[e.Name] = e
		}
	}
	var out []Keyword
	for _, name := range order {
		if !hasKeyword(keywords, name) {
			out = append(out, merged[name])
		}
	}
	return out
}

// dagCall finds the DAG a call belongs to, through dag=NAME, an enclosing
// "with DAG(...)" block or an enclosing @dag function, and returns the DAG
// call, or nil. Callers must not change the value it returns.
func (f *File) dagCall(call *Node, keywords []Keyword, sc *scope) *Value {
	for _, kw := range keywords {
		if kw.Name != "dag" {
			continue
		}
		if assigned := f.assignedValue(kw.Value, sc); assigned != nil && isDAGCall(assigned) {
			return assigned
		}
	}
	for p := call.Parent(); p != nil; p = p.Parent() {
		switch p.Type() {
		case "with_statement":
			for i := 0; i < int(p.NamedChildCount()); i++ {
				clause := p.NamedChild(i)
				if clause.Type() != "with_clause" {
					continue
				}
				for j := 0; j < int(clause.NamedChildCount()); j++ {
					item := clause.NamedChild(j).ChildByFieldName("value")
					if item != nil && item.Type() == "as_pattern" && item.NamedChildCount() > 0 {
						item = item.NamedChild(0)
					}
					if item == nil || item.Type() != "call" {
						continue
					}
					if v := f.dagValue(item); isDAGCall(v) {
						return v
					}
				}
			}
		case "decorated_definition":
			for i := 0; i < int(p.NamedChildCount()); i++ {
				dec := p.NamedChild(i)
				if dec.Type() != "decorator" || dec.NamedChildCount() == 0 || dec.NamedChild(0).Type() != "call" {
					continue
				}
				if v := f.dagValue(dec.NamedChild(0)); isDAGCall(v) {
					return v
				}
			}
		}
	}
	return nil
}

// dagValue returns the value of the call n, which every operator call of
// the DAG shares: callers must not change it.
func (f *File) dagValue(n *Node) *Value {
	if f.dagValues == nil {
		f.dagValues = map[*Node]*Value{}
	}
	v, ok := f.dagValues[n]
	if !ok {
		v = newValue(n, f.Src)
		f.dagValues[n] = v
	}
	return v
}

// isDAGCall reports whether v calls DAG or the @dag decorator.
func isDAGCall(v *Value) bool {
	if v.Kind != KindCall {
		return false
	}
	last := v.Callee[strings.LastIndexByte(v.Callee, '.')+1:]
	return last == "DAG" || last == "dag"
}

func keywordValue(call *Value, name string) *Value {
	for _, kw := range call.Kwargs {
		if kw.Name == name {
			return kw.Value
		}
	}
	return nil
}
