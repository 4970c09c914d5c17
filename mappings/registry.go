package mappings

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed *.md
var builtin embed.FS

// historicModules lists the older import paths of operators whose home moved
// between Airflow and provider releases. A mapping names the current module;
// code written for older releases imports from these.
var historicModules = map[string][]string{
	"KubernetesPodOperator": {
		"airflow.providers.cncf.kubernetes.operators.pod",
		"airflow.providers.cncf.kubernetes.operators.kubernetes_pod",
		"airflow.contrib.operators.kubernetes_pod_operator",
	},
}

// ruleCodes gives the operators with a rule of their own; every other mapped
// operator is reported under GenericRule.
var ruleCodes = map[string]string{
	"KubernetesPodOperator": "AS101",
	"GKEStartPodOperator":   "AS102",
	"EksPodOperator":        "AS103",
	"EKSPodOperator":        "AS103",
	"KubernetesJobOperator": "AS104",
	"kubernetes_task":       "AS105",
}

// Rule codes of operators that the file itself defines on top of a mapped
// one: a subclass, or a function that returns an operator.
const (
	SubclassRule = "AS106"
	FactoryRule  = "AS107"
)

// decoratorTargets maps the attribute path of a task decorator, as
// imported, to the module and function that implement it.
var decoratorTargets = map[string][2]string{
	"airflow.decorators.task.kubernetes": {"airflow.providers.cncf.kubernetes.decorators.kubernetes", "kubernetes_task"},
	"airflow.sdk.task.kubernetes":        {"airflow.providers.cncf.kubernetes.decorators.kubernetes", "kubernetes_task"},
}

// GenericRule is the rule code of operators known only from a mapping document.
const GenericRule = "AS100"

// Registry looks mappings up by class name and module. Later documents
// replace earlier mappings of the same operator, so a workspace document can
// override a built-in one.
type Registry struct {
	byOperator map[string]*Mapping
	// byModuleClass maps "module.Class" to its mapping.
	byModuleClass map[string]*Mapping
	sources       []string
}

// NewRegistry builds a registry from parsed documents, in order.
func NewRegistry(docs ...*Document) *Registry {
	r := &Registry{byOperator: map[string]*Mapping{}, byModuleClass: map[string]*Mapping{}}
	for _, d := range docs {
		r.Add(d)
	}
	return r
}

// Add registers every mapping of doc.
func (r *Registry) Add(doc *Document) {
	r.sources = append(r.sources, doc.Path)
	for _, m := range doc.Mappings {
		m.Modules = moduleLines(m.Module)
		for _, mod := range historicModules[m.Operator] {
			if !contains(m.Modules, mod) {
				m.Modules = append(m.Modules, mod)
			}
		}
		if old := r.byOperator[m.Operator]; old != nil {
			for _, mod := range old.Modules {
				delete(r.byModuleClass, mod+"."+old.Operator)
			}
		}
		r.byOperator[m.Operator] = m
		for _, mod := range m.Modules {
			r.byModuleClass[mod+"."+m.Operator] = m
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Lookup returns the mapping for class imported from module, or nil. A
// task decorator such as task.kubernetes resolves to the function behind it.
func (r *Registry) Lookup(module, class string) *Mapping {
	if m := r.byModuleClass[module+"."+class]; m != nil {
		return m
	}
	if target, ok := decoratorTargets[module+"."+class]; ok {
		return r.byModuleClass[target[0]+"."+target[1]]
	}
	return nil
}

// HasModule reports whether any mapped class lives in module, so that
// "from PARENT import module" forms can be resolved.
func (r *Registry) HasModule(module string) bool {
	prefix := module + "."
	for key := range r.byModuleClass {
		if strings.HasPrefix(key, prefix) && !strings.Contains(key[len(prefix):], ".") {
			return true
		}
	}
	return false
}

// ByOperator returns the mapping of an operator class name, or nil.
func (r *Registry) ByOperator(name string) *Mapping {
	return r.byOperator[name]
}

// Operators returns the mapped class names, sorted.
func (r *Registry) Operators() []string {
	names := make([]string, 0, len(r.byOperator))
	for name := range r.byOperator {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// RuleCode returns the rule code under which calls of operator are reported.
func RuleCode(operator string) string {
	if code, ok := ruleCodes[operator]; ok {
		return code
	}
	return GenericRule
}

// Builtin parses the documents embedded in the binary.
func Builtin() ([]*Document, error) {
	entries, err := fs.ReadDir(builtin, ".")
	if err != nil {
		return nil, err
	}
	var docs []*Document
	for _, e := range entries {
		data, err := builtin.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		doc, err := Parse("mappings/"+e.Name(), data)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// LoadPath parses one mapping file, or every *.md and *.json file in a
// folder (not recursive). Each broken document is returned as its own error
// while the good ones are still returned.
func LoadPath(path string) ([]*Document, []error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, []error{fmt.Errorf("mappings path %s: %w", path, err)}
	}
	files := []string{path}
	if info.IsDir() {
		files = files[:0]
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, []error{fmt.Errorf("mappings folder %s: %w", path, err)}
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".md" || ext == ".json") && !strings.EqualFold(e.Name(), "README.md") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	var docs []*Document
	var errs []error
	for _, f := range files {
		doc, err := loadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, doc)
	}
	return docs, errs
}

func loadFile(path string) (*Document, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Size() > MaxDocumentSize {
		return nil, &ParseError{Path: path, Msg: fmt.Sprintf("document is %d bytes, larger than the %d-byte limit", info.Size(), MaxDocumentSize)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Load builds a registry from the built-in documents followed by the
// documents at paths. It returns the registry even when some documents fail,
// together with one error per failure.
func Load(paths []string) (*Registry, error) {
	docs, err := Builtin()
	if err != nil {
		return nil, fmt.Errorf("built-in mappings: %w", err)
	}
	reg := NewRegistry(docs...)
	var errs []error
	for _, p := range paths {
		extra, perr := LoadPath(p)
		errs = append(errs, perr...)
		for _, d := range extra {
			reg.Add(d)
		}
	}
	return reg, errors.Join(errs...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Fingerprint returns bytes that differ between two registries whose
// lookups or mappings differ, for caches of analysis results.
func (r *Registry) Fingerprint() []byte {
	var b strings.Builder
	keys := make([]string, 0, len(r.byModuleClass))
	for key := range r.byModuleClass {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		data, _ := json.Marshal(r.byModuleClass[key])
		b.WriteString(key)
		b.WriteByte(0)
		b.Write(data)
		b.WriteByte(0)
	}
	return []byte(b.String())
}
