package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/airshift/airshift/mappings"
)

// settings are what the client configures, through initializationOptions
// or workspace/didChangeConfiguration. Both accept the keys at the top level
// or under "airshift", as VS Code sends its section.
type settings struct {
	// Mappings are extra mapping files or folders; relative paths start at
	// the workspace root.
	Mappings []string `json:"mappings"`
	// WorkPool is the Kubernetes work pool named in rewrites.
	WorkPool string `json:"workPool"`
}

// decode reads the settings it knows, one key at a time, so that one value
// of the wrong type costs only that setting. The error names every key it
// skipped.
func (st *settings) decode(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("settings are not a JSON object: %w", err)
	}
	if nested, ok := raw["airshift"]; ok {
		if err := json.Unmarshal(nested, &raw); err != nil {
			return fmt.Errorf("the airshift settings are not a JSON object: %w", err)
		}
	}
	var problems []string
	if v, ok := raw["mappings"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &st.Mappings); err != nil {
			var single string
			if json.Unmarshal(v, &single) == nil {
				st.Mappings = []string{single}
			} else {
				problems = append(problems, "mappings must be a list of paths")
			}
		}
	}
	if v, ok := raw["workPool"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &st.WorkPool); err != nil {
			problems = append(problems, "workPool must be a string")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// applySettings stores st and rebuilds the mapping registry from the
// built-in documents, the command line's paths and st's paths. A document
// that fails to load is reported to the user and skipped.
func (s *Server) applySettings(st settings) {
	s.mu.Lock()
	root := s.root
	s.mu.Unlock()
	paths := append([]string{}, s.opts.Mappings...)
	for _, p := range st.Mappings {
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) && root != "" {
			p = filepath.Join(root, p)
		}
		paths = append(paths, p)
	}
	reg, err := mappings.Load(paths)
	if reg == nil {
		s.log.Error("built-in mappings failed to load", zap.Error(err))
		return
	}
	if err != nil {
		s.log.Warn("mapping documents skipped", zap.Error(err))
		s.showError("Airshift skipped mapping documents: " + strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	s.mu.Lock()
	s.settings = st
	s.registry = reg
	s.mu.Unlock()
}

// entrypoint returns the path used in a rewrite's deploy command: the file
// relative to the workspace root, or its base name without a root.
func entrypoint(root, path string) string {
	if path == "" {
		return ""
	}
	if root != "" {
		if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}
