package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/airshift/airshift/analysis"
)

// writeDeployments adds the deployments of the rewrites of dagPath to the
// prefect.yaml of its project root (the DAG's folder without a root), and
// writes their base job templates beside it. With diff set it prints the
// changes instead. Files are written only inside that folder.
func writeDeployments(dagPath string, deployments []*analysis.Deployment, diff bool, stdout, stderr io.Writer) error {
	abs, err := filepath.Abs(dagPath)
	if err != nil {
		return err
	}
	root, ok := projectRoot(abs)
	if !ok {
		root = filepath.Dir(abs)
	}
	prefectPath, err := insideRoot(root, "prefect.yaml")
	if err != nil {
		return err
	}
	existing, err := os.ReadFile(prefectPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	updated := existing
	for _, d := range deployments {
		updated, err = analysis.UpdatePrefectYAML(updated, d)
		if err != nil {
			return fmt.Errorf("%s: %w", prefectPath, err)
		}
		file := d.TemplateFile()
		if file == "" {
			continue
		}
		tmpl, err := d.BaseJobTemplate()
		if err != nil {
			return err
		}
		tmplPath, err := insideRoot(root, file)
		if err != nil {
			return err
		}
		if err := writeOrShow(tmplPath, tmpl, diff, stdout); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "airshift: %s: base job template for %s\n", tmplPath, d.Name)
	}
	if err := writeOrShow(prefectPath, updated, diff, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "airshift: %s: %d %s\n", prefectPath, len(deployments), plural(len(deployments), "deployment", "deployments"))
	return nil
}

// insideRoot joins name to root and checks that the result, with symbolic
// links resolved, stays inside root.
func insideRoot(root, name string) (string, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, name)
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	} else {
		target = filepath.Join(realRoot, name)
	}
	if rel, err := filepath.Rel(realRoot, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s points outside the project folder %s; Airshift does not write there", path, root)
	}
	return path, nil
}

func writeOrShow(path string, data []byte, diff bool, stdout io.Writer) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if diff {
		if string(old) != string(data) {
			fmt.Fprint(stdout, unifiedDiff(path, old, data))
		}
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return os.WriteFile(path, data, 0o644)
	}
	return writeAtomic(path, data)
}
