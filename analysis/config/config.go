// Package config loads Airshift settings from the [tool.airshift] table of a
// pyproject.toml, or from the top-level keys of an airshift.toml.
//
// Both files take the same keys, in kebab-case as ruff's do:
//
//	work-pool        = "k8s-pool"                  # work pool named in rewrites
//	select           = ["AS1"]                     # rule codes or prefixes to report
//	ignore           = ["AS107"]                   # rule codes or prefixes to skip
//	per-file-ignores = { "dags/legacy/**" = ["AS1"], "*_test.py" = ["AS"] }
//	mappings         = ["mappings/in-house.md"]    # extra mapping documents or folders
//	unsafe-fixes     = true                        # also apply fixes that need review
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

const (
	// FileName is the dedicated configuration file, whose settings are top-level keys.
	FileName = "airshift.toml"

	// PyprojectName is the Python project file, whose [tool.airshift] table contains the settings.
	PyprojectName = "pyproject.toml"
)

// Config is the settings read from one configuration file. A zero field means
// the file does not set that key, so the caller's default or an editor setting applies.
type Config struct {
	// Path is the absolute path of the file the settings were read from.
	Path string

	// Dir is the folder of Path. Relative paths and per-file-ignores patterns
	// in the file are relative to it.
	Dir string

	// WorkPool is the Prefect work pool named in rewrites, or "" when unset.
	WorkPool string

	// Select lists the rule codes and prefixes to report. Nil means the key is
	// unset and every rule is selected, while an empty slice selects none.
	Select []string

	// Ignore lists the rule codes and prefixes to skip.
	Ignore []string

	// PerFileIgnores maps a glob pattern, relative to Dir and written with "/",
	// to the rule codes and prefixes skipped in the files it matches.
	PerFileIgnores map[string][]string

	// Mappings lists extra mapping documents or folders of them, as absolute paths.
	Mappings []string

	// UnsafeFixes is nil when unset, so that the caller can tell an explicit
	// false from a missing key.
	UnsafeFixes *bool
}

// Error is one problem in a configuration file.
type Error struct {
	Path string

	// Line and Column are 1-based, or 0 when the TOML parser did not report a position.
	Line   int
	Column int

	// Key is the setting the problem is in, such as `select` or
	// `per-file-ignores."dags/**"`. It is empty for TOML syntax errors and
	// for a [tool.airshift] that is not a table.
	Key string

	Message string
}

// Error formats the problem as path:line:column: message, the form that
// editors and terminals turn into a link.
func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Message)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Message)
	default:
		return fmt.Sprintf("%s: %s", e.Path, e.Message)
	}
}

// Find returns the configuration that applies to start, a file or folder.
// It searches the folder (or the file's folder) and then each parent up to the
// filesystem root. The first folder with an airshift.toml, or with a
// pyproject.toml that has a [tool.airshift] table, ends the search. In one
// folder, airshift.toml wins over pyproject.toml. A pyproject.toml without the
// table is skipped, as ruff skips one without [tool.ruff].
//
// Find returns nil and no error when no folder has a configuration. A start
// path that does not exist is taken as a file, so that an unsaved editor buffer
// still gets its folder's configuration. Errors are those of Load. An invalid
// pyproject.toml ends the search with its error even without a
// [tool.airshift] table, because Find cannot tell whether it has one.
func Find(start string) (*Config, error) {
	dir, err := startDir(start)
	if err != nil {
		return nil, err
	}

	for {
		cfg, err := loadFromDir(dir)
		if err != nil || cfg != nil {
			return cfg, err
		}

		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, nil
		}
		dir = parent
	}
}

// Load reads the configuration file at path. A file named pyproject.toml is
// read from its [tool.airshift] table, and any other file from its top-level
// keys. A pyproject.toml without the table yields a Config with only Path and
// Dir set.
//
// A file with invalid TOML, an unknown key or a value of the wrong type
// returns every problem found, as *Error values joined with errors.Join.
func Load(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}

	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, err
	}

	cfg, _, err := parse(abs, data)
	return cfg, err
}

// startDir returns the absolute folder where Find begins.
func startDir(start string) (string, error) {
	abs, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}

	info, err := os.Stat(abs)
	if err == nil && info.IsDir() {
		return abs, nil
	}
	return filepath.Dir(abs), nil
}

// loadFromDir returns the configuration stored in dir itself, or nil when dir has none.
func loadFromDir(dir string) (*Config, error) {
	path := filepath.Join(dir, FileName)
	exists, err := isFile(path)
	if err != nil {
		return nil, err
	}
	if exists {
		return Load(path)
	}

	path = filepath.Join(dir, PyprojectName)
	exists, err = isFile(path)
	if err != nil || !exists {
		return nil, err
	}

	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}

	cfg, found, err := parse(path, data)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, nil
	}
	return cfg, nil
}

// isFile reports whether path exists and is not a folder. A missing path, or
// one whose parent is a file, is not an error. Any other failure to stat it is, such as a folder without
// search permission, because skipping it could silently skip the user's settings.
func isFile(path string) (bool, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !info.IsDir(), nil
}
