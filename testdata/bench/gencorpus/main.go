// Command gencorpus writes the synthetic DAG corpus that the CLI race
// benchmark scans, and EXPECTED.json with the number of
// KubernetesPodOperator calls per import form.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/airshift/airshift/testdata/bench/corpus"
)

func main() {
	out := flag.String("out", "corpus", "folder to write the DAG files into; it is emptied first")
	files := flag.Int("files", 1000, "number of DAG files")
	lines := flag.Int("lines", 300, "lines per DAG file")
	flag.Parse()
	if err := write(*out, *files, *lines); err != nil {
		fmt.Fprintf(os.Stderr, "gencorpus: %v\n", err)
		os.Exit(1)
	}
}

// expected is the content of EXPECTED.json.
type expected struct {
	Files int `json:"files"`
	Lines int `json:"lines_per_file"`
	// Calls counts every KubernetesPodOperator call, and CallsByForm
	// splits it by import form.
	Calls       int            `json:"calls"`
	CallsByForm map[string]int `json:"calls_by_form"`
	// Syntactic is the number of calls that name the class itself
	// (direct and module forms), which a rule without import resolution
	// can match.
	Syntactic int `json:"syntactic_calls"`
}

func write(dir string, files, lines int) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	exp := expected{Files: files, Lines: lines, CallsByForm: map[string]int{}}
	for i := 0; i < files; i++ {
		dag := corpus.Generate(i, lines)
		path := filepath.Join(dir, fmt.Sprintf("dag_%04d.py", i))
		if err := os.WriteFile(path, dag.Source, 0o644); err != nil {
			return err
		}
		exp.Calls += dag.Calls
		exp.CallsByForm[dag.Form] += dag.Calls
		if dag.Form != corpus.FormAliased {
			exp.Syntactic += dag.Calls
		}
	}
	data, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "EXPECTED.json"), append(data, '\n'), 0o644)
}
