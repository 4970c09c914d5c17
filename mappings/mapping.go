// Package mappings loads the documents that describe what each Airflow operator
// becomes in Prefect, and looks them up by class and module.
package mappings

import "fmt"

// Mapping is one operator's section of a mapping document.
type Mapping struct {
	Operator        string   `json:"operator"`
	Module          string   `json:"module"`
	SourceContext   string   `json:"source_context"`
	PrefectPattern  string   `json:"prefect_pattern"`
	PrefectPackage  string   `json:"prefect_package"`
	PrefectImport   string   `json:"prefect_import"`
	Before          string   `json:"before,omitempty"`
	After           string   `json:"after,omitempty"`
	Notes           []string `json:"notes"`
	RelatedConcepts []string `json:"related_concepts"`

	// Modules lists every module path the class can be imported from: the
	// module field's lines first, then the historic paths the registry lists.
	Modules []string `json:"-"`
	// Source is the file and line where the section starts, for messages.
	Source string `json:"-"`
}

// Document is a parsed mapping document.
type Document struct {
	Name     string
	Path     string
	Mappings []*Mapping
}

// ParseError is a mapping document that could not be read, with the place of
// the problem.
type ParseError struct {
	Path string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return e.Path + ": " + e.Msg
}
