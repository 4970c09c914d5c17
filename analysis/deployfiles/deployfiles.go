// Package deployfiles writes the deployment files of rewritten flows, a
// prefect.yaml entry and a base job template, into a project folder, and
// never outside it.
package deployfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/airshift/airshift/analysis"
)

// Change is one file's content before and after.
type Change struct {
	Path     string
	Old, New []byte
}

// Plan computes the files that adding deployments to the project at root
// changes: prefect.yaml and one base job template for each deployment that
// needs one. It writes nothing.
func Plan(root string, deployments []*analysis.Deployment) ([]Change, error) {
	prefectPath, err := InsideRoot(root, "prefect.yaml")
	if err != nil {
		return nil, err
	}
	existing, err := readIfExists(prefectPath)
	if err != nil {
		return nil, err
	}
	updated := existing
	var changes []Change
	for _, d := range deployments {
		if d == nil {
			continue
		}
		// UpdatePrefectYAML renames d when its name is taken. The caller's
		// deployment, which an analysis may share with later versions,
		// keeps its name.
		own := *d
		d = &own
		updated, err = analysis.UpdatePrefectYAML(updated, d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", prefectPath, err)
		}
		file := d.TemplateFile()
		if file == "" {
			continue
		}
		tmpl, err := d.BaseJobTemplate()
		if err != nil {
			return nil, err
		}
		tmplPath, err := InsideRoot(root, file)
		if err != nil {
			return nil, err
		}
		old, err := readIfExists(tmplPath)
		if err != nil {
			return nil, err
		}
		changes = append(changes, Change{Path: tmplPath, Old: old, New: tmpl})
	}
	return append(changes, Change{Path: prefectPath, Old: existing, New: updated}), nil
}

// Apply writes each changed file, through a temporary file and a rename
// for files that exist.
func Apply(changes []Change) error {
	for _, c := range changes {
		if string(c.Old) == string(c.New) {
			continue
		}
		if err := WriteAtomic(c.Path, c.New); err != nil {
			return err
		}
	}
	return nil
}

func readIfExists(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// InsideRoot joins name to root and checks that the result, with symbolic
// links resolved, stays inside root.
func InsideRoot(root, name string) (string, error) {
	if root == "" {
		return "", errors.New("no project folder is known, so Airshift does not write deployment files")
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, name)
	target := filepath.Join(realRoot, name)
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	} else if link, lerr := os.Readlink(path); lerr == nil {
		// A dangling link: where it points decides.
		if !filepath.IsAbs(link) {
			link = filepath.Join(realRoot, link)
		}
		target = link
	}
	if rel, err := filepath.Rel(realRoot, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s points outside the project folder %s; Airshift does not write there", path, root)
	}
	return path, nil
}

// WriteAtomic replaces path with data through a temporary file in the same
// folder and a rename, keeping an existing file's permission bits, so a
// reader never sees half a file and a failed write leaves the original. A
// symbolic link stays a link: the file it points to is replaced.
func WriteAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		mode = info.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".airshift-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// projectMarkers are the files whose folder is a project root: the folder
// prefect deploy runs in, and that entrypoints are relative to.
var projectMarkers = []string{"prefect.yaml", "pyproject.toml", ".git"}

// ProjectFolder returns the folder that prefect.yaml belongs in for the
// file at the absolute path abs: the nearest folder above it that holds a
// project marker, searching no higher than limit ("" for no limit). Without
// a marker it is limit, or the file's own folder when limit is "".
func ProjectFolder(abs, limit string) string {
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		for _, marker := range projectMarkers {
			if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if dir == limit || parent == dir {
			break
		}
	}
	if limit != "" {
		return limit
	}
	return filepath.Dir(abs)
}

// Contains reports whether path lies inside folder, comparing the paths
// with symbolic links resolved where they exist.
func Contains(folder, path string) bool {
	rel, err := filepath.Rel(resolve(folder), resolve(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func resolve(path string) string {
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		return resolved
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		return filepath.Join(dir, filepath.Base(path))
	}
	return path
}
