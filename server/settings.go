package server

import (
	"encoding/json"
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

func (st *settings) decode(data []byte) error {
	var wrapper struct {
		Airshift *settings `json:"airshift"`
	}
	if err := json.Unmarshal(data, &wrapper); err == nil && wrapper.Airshift != nil {
		*st = *wrapper.Airshift
		return nil
	}
	var plain settings
	if err := json.Unmarshal(data, &plain); err != nil {
		return err
	}
	*st = plain
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
